"""Simulated authoritative issuers: one engine, jurisdictions configured as data."""

"""Personas, journeys and the command line that runs them."""

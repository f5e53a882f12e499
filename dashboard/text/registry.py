"""The registry pages' words."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}

"""The stories pages (to come)."""

from __future__ import annotations

from fastapi import APIRouter

from pctf.web import StrictRoute

router = APIRouter(route_class=StrictRoute)

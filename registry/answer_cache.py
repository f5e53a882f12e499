"""The answers a registry client keeps, so a verifier does not ask the registry for every presentation.

Only positive answers are put here (a newly accredited issuer must count at once), each for a
fixed time measured on the monotonic clock: a suspension takes effect within that time. The
cache stays bounded, since the keys carry the second asked about and a busy verifier keeps
adding new ones.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

MAX_CACHE_ENTRIES = 4096


class AnswerCache:
    """Values by key, each kept ``ttl_seconds`` (0 or less keeps nothing); safe across threads."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._entries: dict[Hashable, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> object | None:
        """The value kept for ``key``, or None when there is none or it expired."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            if time.monotonic() >= hit[0]:
                del self._entries[key]
                return None
            return hit[1]

    def put(self, key: Hashable, value: object) -> None:
        if self.ttl_seconds <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._entries) >= MAX_CACHE_ENTRIES:
                # Drop what has expired, and everything if that is not enough.
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                if len(self._entries) >= MAX_CACHE_ENTRIES:
                    self._entries.clear()
            self._entries[key] = (now + self.ttl_seconds, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

"""A client's copy of the registry's signed snapshot, for when the registry cannot be reached.

The copy is trusted through the registry's public key set (the *anchor*): configured, or pinned
at the first contact with the registry. Anchor and latest snapshot are kept in a state
directory when there is one, so a verifier restarted while the registry is down still has both.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from pctf.clock import Clock
from pctf.http import checked_json
from pctf.reasons import Reason, SandboxError

from .trust_list import SnapshotTrust, TrustList, verify_trust_list

log = logging.getLogger("pctf.registry.client")

ANCHOR_FILE = "registry-anchor.json"
SNAPSHOT_FILE = "trust-list.jwt"

Fetch = Callable[[str], httpx.Response]  # GET one of the registry's paths ("jwks", "trust-list")


class TrustListKeeper:
    """The latest snapshot of ``authority_id``'s registry that verified, refreshed every
    ``refresh_seconds`` (clock time) through ``fetch``."""

    def __init__(
        self,
        authority_id: str,
        fetch: Fetch,
        clock: Clock,
        *,
        anchor_jwks: dict[str, Any] | None,
        state_dir: Path | None,
        refresh_seconds: float,
    ) -> None:
        self.authority_id = authority_id
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self._fetch = fetch
        self._state_dir = state_dir
        self._anchor = anchor_jwks or self._load(ANCHOR_FILE, json.loads)
        self._snapshot: TrustList | None = None
        self._checked: float | None = None  # clock time of the last refresh attempt
        saved = self._load(SNAPSHOT_FILE, str.strip)
        if saved and self._anchor:
            try:
                self._snapshot = verify_trust_list(saved, self._anchor, authority_id=authority_id)
            except SandboxError:
                log.warning("ignoring the saved trust list: it does not verify with the registry's key")

    @property
    def latest(self) -> TrustList | None:
        """The latest verified snapshot held, if any."""
        return self._snapshot

    def fallback(self) -> SnapshotTrust | None:
        """A trust source answering from the latest snapshot, or None when there is none."""
        return None if self._snapshot is None else SnapshotTrust(self._snapshot, self.clock)

    def refresh(self) -> TrustList:
        """Fetch, verify and keep the registry's snapshot now; pins the registry's key on first use.

        A snapshot that does not verify is refused (``trust_list_invalid``) and the one held
        before is kept.
        """
        if self._anchor is None:
            anchor = checked_json(self._fetch("jwks"))
            if not isinstance(anchor, dict) or not isinstance(anchor.get("keys"), list):
                raise SandboxError(Reason.TRUST_LIST_INVALID, "the registry's JWKS is not a key set", status_code=502)
            self._anchor = anchor
            self._save(ANCHOR_FILE, json.dumps(anchor))
        response = self._fetch("trust-list")
        if response.status_code != 200:
            raise SandboxError(
                Reason.REGISTRY_UNAVAILABLE,
                f"the registry refused its trust list (HTTP {response.status_code})",
                status_code=503,
            )
        snapshot = verify_trust_list(response.text.strip(), self._anchor, authority_id=self.authority_id)
        self._snapshot = snapshot
        self._save(SNAPSHOT_FILE, snapshot.token)
        return snapshot

    def refresh_if_due(self) -> None:
        """:meth:`refresh` when the last attempt is ``refresh_seconds`` old; a failure only logs."""
        now = self.clock.now().timestamp()
        if self._checked is not None and now - self._checked < self.refresh_seconds:
            return
        self._checked = now
        try:
            self.refresh()
        except SandboxError as exc:  # live answers keep working; the old snapshot stays
            log.warning("could not refresh the trust list: %s", exc)

    def _load(self, name: str, parse: Callable[[str], Any]) -> Any:
        if self._state_dir is None:
            return None
        try:
            return parse((self._state_dir / name).read_text())
        except (OSError, ValueError):
            return None

    def _save(self, name: str, text: str) -> None:
        """Write atomically (a crash leaves the old file or the new one, never half of one)."""
        if self._state_dir is None:
            return
        self._state_dir.mkdir(parents=True, exist_ok=True)
        tmp = self._state_dir / f".{name}.tmp"
        tmp.write_text(text)
        os.replace(tmp, self._state_dir / name)

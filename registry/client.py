"""Two ways to ask the registry, one answer: :class:`RegistryClient` over HTTP and
:class:`LocalTrust` in-process. Both are :class:`pctf.trust.TrustSource` implementations and
both end up in :meth:`registry.service.RegistryService.authorization_query`: the query is built
by :func:`trqp_query` and the answer read by :func:`answer_from_trqp`, whichever way it travels.
"""
from __future__ import annotations

import copy
import json
import logging
import os
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx

from pctf.clock import Clock, SystemClock, as_utc
from pctf.http import checked_json
from pctf.reasons import Reason, SandboxError
from pctf.trust import AuthorizationAnswer, answer_from_trqp
from pctf.vocab import credential_type

from . import rules
from .rules import iso_z
from .service import RegistryService
from .trust_list import SnapshotTrust, TrustList, verify_trust_list

log = logging.getLogger("pctf.registry.client")

DEFAULT_TTL_SECONDS = 60.0
DEFAULT_SNAPSHOT_REFRESH_SECONDS = 300.0
MAX_CACHE_ENTRIES = 4096


def trqp_query(entity_id: str, authority_id: str, action: str, resource: str, *, at: datetime,
               assurance_level: int | None = None) -> dict:
    """A TRQP v2 authorization query body. ``at`` is sent to the whole second: validity periods
    are stored at that precision, so the verdict is the same and answers can be cached per second."""
    context: dict = {"time": iso_z(as_utc(at).replace(microsecond=0))}
    if assurance_level is not None:
        context["assurance_level"] = assurance_level
    return {"entity_id": entity_id, "authority_id": authority_id, "action": action, "resource": resource,
            "context": context}


def _decision(status: str, decision: dict) -> dict:
    body = {"status": status, **decision}
    if isinstance(body.get("effective_from"), datetime):
        body["effective_from"] = iso_z(body["effective_from"])
    return {k: v for k, v in body.items() if v is not None}


def _vct_or_same(resource: str) -> str:
    try:
        return credential_type(resource).vct
    except SandboxError:
        return resource


class RegistryClient:
    """The registry over HTTP, for verifiers, issuers and the scenario runner.

    ``base_url`` is the registry *service* URL (``settings.service_url("registry")``); paths
    ``/registry/...`` are appended. Answers are cached for ``ttl_seconds`` (monotonic time) so
    a verifier does not call the registry for every presentation. Only positive answers are
    cached: a newly accredited issuer is accepted at once, while a suspension takes effect
    within the TTL (``clear_cache()`` makes it immediate; ``ttl_seconds=0`` disables caching).

    The client also keeps the registry's signed snapshot, refreshed every
    ``snapshot_refresh_seconds`` while the registry answers. When the registry cannot be
    reached, the question is answered from that snapshot (same rules, see
    :class:`registry.trust_list.SnapshotTrust`) until it expires; then ``trust_list_expired``.
    ``anchor_jwks`` is the registry's public key set; when None, the key the registry
    publishes at first contact is pinned (and kept in ``state_dir`` with the latest snapshot,
    so a verifier restarted while the registry is down still has both).
    """

    def __init__(self, base_url: str, http: httpx.Client, authority_id: str, *,
                 ttl_seconds: float = DEFAULT_TTL_SECONDS, clock: Clock | None = None,
                 anchor_jwks: dict | None = None, state_dir: Path | None = None,
                 snapshot_refresh_seconds: float = DEFAULT_SNAPSHOT_REFRESH_SECONDS) -> None:
        self.clock = clock or SystemClock()
        self.base_url = base_url.rstrip("/")
        self.api_url = f"{self.base_url}/registry"  # where the TRQP and registry endpoints live
        self._frameworks: dict[str, RegistryClient] = {}
        self.http = http
        self.authority_id = authority_id
        self.ttl_seconds = ttl_seconds
        self.snapshot_refresh_seconds = snapshot_refresh_seconds
        self._cache: dict[tuple, tuple[float, object]] = {}
        self._lock = threading.Lock()
        self._state_dir = state_dir
        self._anchor = anchor_jwks or self._load_state("registry-anchor.json", json.loads)
        self._snapshot: TrustList | None = None
        self._snapshot_checked: float | None = None  # clock time of the last refresh attempt
        saved = self._load_state("trust-list.jwt", str.strip)
        if saved and self._anchor:
            try:
                self._snapshot = verify_trust_list(saved, self._anchor, authority_id=authority_id)
            except SandboxError:
                log.warning("ignoring the saved trust list: it does not verify with the registry's key")

    # -- TrustSource -------------------------------------------------------------------
    # An entity this registry does not know may belong to another trust framework that it
    # recognizes (TRQP recognition): then the keys and the authorization come from that
    # framework's registry, and only for (action, resource) pairs the recognition covers.
    def issuer_jwks(self, entity_id: str) -> dict | None:
        record = self._answer(lambda: self._record(entity_id))
        if isinstance(record, SnapshotTrust):
            return record.issuer_jwks(entity_id)
        if record is None:
            foreign = self._framework_of(entity_id)
            return None if foreign is None else foreign.issuer_jwks(entity_id)
        return copy.deepcopy(record["jwks"])  # callers may not alter the cache

    def key_state(self, entity_id: str, kid: str | None, *, at: datetime) -> tuple[str, str]:
        record = self._answer(lambda: self._record(entity_id))
        if isinstance(record, SnapshotTrust):
            return record.key_state(entity_id, kid, at=at)
        if record is None:
            foreign = self._framework_of(entity_id)
            if foreign is None:
                return "compromised", f"{entity_id} is not registered"
            return foreign.key_state(entity_id, kid, at=at)
        return rules.key_state(record, kid, as_utc(at), self.clock.now())

    def authorization(self, entity_id: str, action: str, resource: str, *, at: datetime,
                      assurance_level: int | None = None) -> AuthorizationAnswer:
        answer = self._answer(lambda: self._authorization(entity_id, action, resource, at, assurance_level))
        if isinstance(answer, SnapshotTrust):
            return answer.authorization(entity_id, action, resource, at=at, assurance_level=assurance_level)
        if answer.status == "unknown_entity":
            return self._recognized_authorization(entity_id, action, resource, at, assurance_level) or answer
        return answer

    # -- recognized frameworks ---------------------------------------------------------------
    def recognitions(self) -> list[dict]:
        """The frameworks this registry recognizes."""
        cached = self._cached(("recognitions",))
        if cached is None:
            cached = checked_json(self._send("GET", "recognitions"))
            if not isinstance(cached, list):
                raise SandboxError(Reason.REGISTRY_UNAVAILABLE, "the registry's recognitions are not a list",
                                   status_code=502)
            if cached:  # like answers, only a positive list is kept: a new recognition counts at once
                self._store(("recognitions",), cached)
        return cached  # type: ignore[return-value]

    def recognized(self, authority_id: str, action: str, resource: str, *, at: datetime) -> bool:
        """TRQP ``recognition``: does this registry recognize ``authority_id`` for (action, resource) at ``at``?"""
        body = trqp_query(authority_id, self.authority_id, action, resource, at=at)
        body["context"].pop("assurance_level", None)
        key = ("recognition", authority_id, action, resource, body["context"]["time"])
        if self._cached(key):
            return True
        answer = checked_json(self._send("POST", "recognition", json=body))
        if answer.get("recognized") is True:
            self._store(key, True)
            return True
        return False

    def framework(self, authority_id: str) -> "RegistryClient":
        """A client of another framework's registry, whose TRQP endpoints live under its authority id."""
        found = self._frameworks.get(authority_id)
        if found is None:
            found = RegistryClient(authority_id, self.http, authority_id, ttl_seconds=self.ttl_seconds,
                                   clock=self.clock, snapshot_refresh_seconds=self.snapshot_refresh_seconds)
            found.api_url = authority_id.rstrip("/")
            self._frameworks[authority_id] = found
        return found

    def _candidates(self, action: str | None = None, resource: str | None = None) -> list[str]:
        try:
            rows = self.recognitions()
        except SandboxError:
            return []  # no list of frameworks to ask: the entity stays unknown
        return list(dict.fromkeys(r["recognized_authority_id"] for r in rows if r.get("status", "active") == "active"
                                  and (action is None or r["action"] == action)
                                  and (resource is None or r["resource"] == _vct_or_same(resource))))

    def _framework_of(self, entity_id: str) -> "RegistryClient | None":
        """The recognized framework whose registry knows ``entity_id``, if any."""
        for authority in self._candidates():
            try:
                if self.framework(authority).issuer_jwks(entity_id) is not None:
                    return self.framework(authority)
            except SandboxError as exc:
                log.warning("recognized framework %s did not answer: %s", authority, exc)
        return None

    def _recognized_authorization(self, entity_id: str, action: str, resource: str, at: datetime,
                                  loa: int | None) -> AuthorizationAnswer | None:
        for authority in self._candidates(action, resource):
            try:
                # Recognition is a decision about the other framework as it stands now: what that
                # framework says of the issuer is then asked, as always, for the time of issuance.
                if not self.recognized(authority, action, resource, at=self.clock.now()):
                    continue
                answer = self.framework(authority).authorization(entity_id, action, resource, at=at,
                                                                 assurance_level=loa)
            except SandboxError as exc:
                log.warning("recognized framework %s did not answer: %s", authority, exc)
                continue
            if answer.status == "unknown_entity":
                continue
            raw = {**answer.raw, "recognized_authority_id": authority, "source": "recognition"}
            return AuthorizationAnswer(answer.entity_id, answer.action, answer.resource, answer.authorized,
                                       answer.status, answer.assurance_level, answer.valid_from, answer.valid_until,
                                       f"{answer.message} (under {authority}, a framework {self.authority_id} "
                                       "recognizes)", raw)
        return None

    def _answer(self, live):
        """``live()``, or the snapshot's trust source when the registry cannot be reached."""
        try:
            result = live()
        except SandboxError as exc:
            if exc.reason != Reason.REGISTRY_UNAVAILABLE or self._snapshot is None:
                raise
            return SnapshotTrust(self._snapshot, self.clock)
        self._refresh_snapshot_if_due()
        return result

    def _record(self, entity_id: str) -> dict | None:
        """The entity's record, cached; None when the registry does not know it (not cached either:
        an issuer accredited a moment later counts at once)."""
        key = ("entity", entity_id)
        cached = self._cached(key)
        if cached is None:
            try:
                cached = self.entity(entity_id)
            except SandboxError as exc:
                if exc.reason == Reason.NOT_FOUND:
                    return None
                raise
            self._store(key, cached)
        return cached  # type: ignore[return-value]

    def _authorization(self, entity_id: str, action: str, resource: str, at: datetime,
                       assurance_level: int | None) -> AuthorizationAnswer:
        body = trqp_query(entity_id, self.authority_id, action, resource, at=at, assurance_level=assurance_level)
        key = ("authorization", entity_id, action, resource, body["context"]["time"], assurance_level)
        cached = self._cached(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        answer = answer_from_trqp(checked_json(self._send("POST", "authorization", json=body)))
        if answer.authorized:
            self._store(key, answer)
        return answer

    # -- the snapshot ----------------------------------------------------------------------
    @property
    def trust_list(self) -> TrustList | None:
        """The latest verified snapshot this client holds, if any."""
        return self._snapshot

    def refresh_trust_list(self) -> TrustList:
        """Fetch, verify and keep the registry's snapshot now; pins the registry's key on first use.

        A snapshot that does not verify is refused (``trust_list_invalid``) and the one held
        before is kept.
        """
        if self._anchor is None:
            anchor = checked_json(self._send("GET", "jwks"))
            if not isinstance(anchor, dict) or not isinstance(anchor.get("keys"), list):
                raise SandboxError(Reason.TRUST_LIST_INVALID, "the registry's JWKS is not a key set", status_code=502)
            self._anchor = anchor
            self._save_state("registry-anchor.json", json.dumps(anchor))
        response = self._send("GET", "trust-list")
        if response.status_code != 200:
            raise SandboxError(Reason.REGISTRY_UNAVAILABLE, f"the registry refused its trust list "
                                                            f"(HTTP {response.status_code})", status_code=503)
        snapshot = verify_trust_list(response.text.strip(), self._anchor, authority_id=self.authority_id)
        self._snapshot = snapshot
        self._save_state("trust-list.jwt", snapshot.token)
        return snapshot

    def _refresh_snapshot_if_due(self) -> None:
        now = self.clock.now().timestamp()
        if self._snapshot_checked is not None and now - self._snapshot_checked < self.snapshot_refresh_seconds:
            return
        self._snapshot_checked = now
        try:
            self.refresh_trust_list()
        except SandboxError as exc:  # live answers keep working; the old snapshot stays
            log.warning("could not refresh the trust list: %s", exc)

    def _load_state(self, name: str, parse):
        if self._state_dir is None:
            return None
        try:
            return parse((self._state_dir / name).read_text())
        except (OSError, ValueError):
            return None

    def _save_state(self, name: str, text: str) -> None:
        """Write atomically (a crash leaves the old file or the new one, never half of one)."""
        if self._state_dir is None:
            return
        self._state_dir.mkdir(parents=True, exist_ok=True)
        tmp = self._state_dir / f".{name}.tmp"
        tmp.write_text(text)
        os.replace(tmp, self._state_dir / name)

    # -- reads -------------------------------------------------------------------------
    def entity(self, entity_id: str) -> dict:
        """The entity with keys and authorizations; ``SandboxError(NOT_FOUND)`` when unknown."""
        return checked_json(self._send("GET", "entity", params={"entity_id": entity_id}))

    def metadata(self) -> dict:
        return checked_json(self._send("GET", "metadata"))

    # -- governance writes (each clears the cache: the caller expects to see its change) --
    def upsert_entity(self, entity_id: str, *, name: str, jurisdiction: str, role: str, jwks: dict,
                      token: str) -> dict:
        body = {"entity_id": entity_id, "name": name, "jurisdiction": jurisdiction, "role": role, "jwks": jwks}
        return self._write("POST", "entities", token, json=body)

    def authorize(self, entity_id: str, *, action: str = "issue", resource: str, assurance_level: int,
                  valid_from: datetime | None = None, valid_until: datetime | None = None, token: str) -> dict:
        body = {"entity_id": entity_id, "action": action, "resource": resource, "assurance_level": assurance_level,
                "valid_from": iso_z(valid_from), "valid_until": iso_z(valid_until)}
        return self._write("POST", "authorizations", token, json={k: v for k, v in body.items() if v is not None})

    def set_authorization_status(self, auth_id: int, status: str, *, token: str, **decision) -> dict:
        """``decision``: ``reason``, ``effective_from`` (datetime) and ``retroactive``, as the service takes them."""
        return self._write("PATCH", f"authorizations/{auth_id}", token, json=_decision(status, decision))

    def set_entity_status(self, entity_id: str, status: str, *, token: str, **decision) -> dict:
        return self._write("PATCH", "entity/status", token, params={"entity_id": entity_id},
                           json=_decision(status, decision))

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    # -- plumbing ------------------------------------------------------------------------
    def _write(self, method: str, path: str, token: str, **kwargs) -> dict:
        try:
            return checked_json(self._send(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs))
        finally:
            self.clear_cache()

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        """One request; an unreachable or failing registry is ``registry_unavailable`` (503)."""
        try:
            response = self.http.request(method, f"{self.api_url}/{path}", **kwargs)
        except httpx.TransportError as exc:
            raise SandboxError(Reason.REGISTRY_UNAVAILABLE,
                               f"the trust registry at {self.api_url} cannot be reached ({exc.__class__.__name__})",
                               status_code=503) from None
        if response.status_code >= 500:
            raise SandboxError(Reason.REGISTRY_UNAVAILABLE,
                               f"the trust registry at {self.api_url} failed (HTTP {response.status_code})",
                               status_code=503)
        return response

    def _cached(self, key: tuple) -> object | None:
        with self._lock:
            hit = self._cache.get(key)
            if hit is None:
                return None
            if time.monotonic() >= hit[0]:
                del self._cache[key]
                return None
            return hit[1]

    def _store(self, key: tuple, value: object) -> None:
        if self.ttl_seconds <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._cache) >= MAX_CACHE_ENTRIES:
                # Keys carry the second asked about, so a busy verifier keeps adding new ones:
                # drop what has expired, and everything if that is not enough.
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
                if len(self._cache) >= MAX_CACHE_ENTRIES:
                    self._cache.clear()
            self._cache[key] = (now + self.ttl_seconds, value)


class LocalTrust:
    """The registry's own store as a :class:`pctf.trust.TrustSource` (command line, no server)."""

    def __init__(self, service: RegistryService) -> None:
        self.service = service

    def issuer_jwks(self, entity_id: str) -> dict | None:
        record = self._record(entity_id)
        return None if record is None else record["jwks"]

    def key_state(self, entity_id: str, kid: str | None, *, at: datetime) -> tuple[str, str]:
        record = self._record(entity_id)
        if record is None:
            return "compromised", f"{entity_id} is not registered"
        return rules.key_state(record, kid, as_utc(at), self.service.clock.now())

    def _record(self, entity_id: str) -> dict | None:
        try:
            return self.service.entity(entity_id)
        except SandboxError as exc:
            if exc.reason == Reason.NOT_FOUND:
                return None
            raise

    def authorization(self, entity_id: str, action: str, resource: str, *, at: datetime,
                      assurance_level: int | None = None) -> AuthorizationAnswer:
        body = trqp_query(entity_id, self.service.authority_id, action, resource, at=at,
                          assurance_level=assurance_level)
        return answer_from_trqp(self.service.authorization_query(body))

"""The registry as a verifier reaches it: :class:`RegistryClient`, a read-only
:class:`pctf.trust.TrustSource` over HTTP.

It asks TRQP questions (:mod:`pctf.trqp`) and reads entity records (keys, key events), follows
the recognitions of other frameworks, and answers from the registry's signed snapshot when the
registry cannot be reached. It imports nothing of the registry's write side (store, tables,
governance), so a verifier loads it alone; :mod:`registry.governance_client` adds the writes.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from pctf import trqp
from pctf.clock import Clock, SystemClock, as_utc
from pctf.http import checked_json
from pctf.reasons import Reason, SandboxError
from pctf.vocab import credential_type

from . import rules
from .answer_cache import AnswerCache
from .trust_list import SnapshotTrust, TrustList
from .trust_list_keeper import TrustListKeeper

log = logging.getLogger("pctf.registry.client")

DEFAULT_TTL_SECONDS = 60.0
DEFAULT_SNAPSHOT_REFRESH_SECONDS = 300.0

T = TypeVar("T")

# Told of each TRQP exchange, for a caller that keeps evidence of what it relied on: the question
# ("authorization" or "recognition"), the request body, the answer as received, and where the
# answer came from ("registry", or in its stead "cache" or "trust_list").
Record = Callable[[str, dict[str, Any], Any, str], None]


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

    The client also keeps the registry's signed snapshot (:class:`TrustListKeeper`), refreshed
    every ``snapshot_refresh_seconds`` while the registry answers. When the registry cannot be
    reached, the question is answered from that snapshot (same rules, see
    :class:`registry.trust_list.SnapshotTrust`) until it expires; then ``trust_list_expired``.
    ``anchor_jwks`` is the registry's public key set; when None, the key the registry
    publishes at first contact is pinned (and kept in ``state_dir`` with the latest snapshot).
    """

    def __init__(
        self,
        base_url: str,
        http: httpx.Client,
        authority_id: str,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Clock | None = None,
        anchor_jwks: dict[str, Any] | None = None,
        state_dir: Path | None = None,
        snapshot_refresh_seconds: float = DEFAULT_SNAPSHOT_REFRESH_SECONDS,
    ) -> None:
        self.clock = clock or SystemClock()
        self.base_url = base_url.rstrip("/")
        self.api_url = f"{self.base_url}/registry"  # where the TRQP and registry endpoints live
        self.http = http
        self.authority_id = authority_id
        self.ttl_seconds = ttl_seconds
        self.snapshot_refresh_seconds = snapshot_refresh_seconds
        self.cache = AnswerCache(ttl_seconds)
        self.snapshots = TrustListKeeper(
            authority_id,
            lambda path: self._send("GET", path),
            self.clock,
            anchor_jwks=anchor_jwks,
            state_dir=state_dir,
            refresh_seconds=snapshot_refresh_seconds,
        )
        self._frameworks: dict[str, RegistryClient] = {}

    # -- TrustSource -------------------------------------------------------------------
    # An entity this registry does not know may belong to another trust framework that it
    # recognizes (TRQP recognition): then the keys and the authorization come from that
    # framework's registry, and only for (action, resource) pairs the recognition covers.
    def issuer_jwks(self, entity_id: str) -> dict[str, Any] | None:
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

    def authorization(
        self,
        entity_id: str,
        action: str,
        resource: str,
        *,
        at: datetime,
        assurance_level: int | None = None,
        record: Record | None = None,
    ) -> trqp.AuthorizationAnswer:
        """TRQP ``authorization``, following recognized frameworks; ``record`` is told of every
        exchange the answer rests on (see :data:`Record`)."""
        answer = self._answer(lambda: self._authorization(entity_id, action, resource, at, assurance_level, record))
        if isinstance(answer, SnapshotTrust):
            found = answer.authorization(entity_id, action, resource, at=at, assurance_level=assurance_level)
            if record is not None:
                body = trqp.authorization_query(
                    entity_id, self.authority_id, action, resource, at=at, assurance_level=assurance_level
                )
                record("authorization", body, found.raw, "trust_list")
            return found
        if answer.status == "unknown_entity":
            return self._recognized_authorization(entity_id, action, resource, at, assurance_level, record) or answer
        return answer

    # -- recognized frameworks ---------------------------------------------------------------
    def recognitions(self) -> list[dict[str, Any]]:
        """The frameworks this registry recognizes."""
        cached = self.cache.get(("recognitions",))
        if cached is None:
            cached = checked_json(self._send("GET", "recognitions"))
            if not isinstance(cached, list):
                raise SandboxError(
                    Reason.REGISTRY_UNAVAILABLE, "the registry's recognitions are not a list", status_code=502
                )
            if cached:  # like answers, only a positive list is kept: a new recognition counts at once
                self.cache.put(("recognitions",), cached)
        return cached  # type: ignore[return-value]

    def recognized(
        self, authority_id: str, action: str, resource: str, *, at: datetime, record: Record | None = None
    ) -> bool:
        """TRQP ``recognition``: does this registry recognize ``authority_id`` for (action, resource) at ``at``?"""
        body = trqp.recognition_query(authority_id, self.authority_id, action, resource, at=at)
        key = ("recognition", authority_id, action, resource, body["context"]["time"])
        cached = self.cache.get(key)
        if cached is not None:
            if record is not None:
                record("recognition", body, cached, "cache")
            return True
        answer = checked_json(self._send("POST", "recognition", json=body))
        if record is not None:
            record("recognition", body, answer, "registry")
        if trqp.read_recognition_answer(answer):
            self.cache.put(key, answer)  # the answer itself, so a cached one can still be shown
            return True
        return False

    def framework(self, authority_id: str) -> RegistryClient:
        """A client of another framework's registry, whose TRQP endpoints live under its authority id."""
        found = self._frameworks.get(authority_id)
        if found is None:
            found = RegistryClient(
                authority_id,
                self.http,
                authority_id,
                ttl_seconds=self.ttl_seconds,
                clock=self.clock,
                snapshot_refresh_seconds=self.snapshot_refresh_seconds,
            )
            found.api_url = authority_id.rstrip("/")
            self._frameworks[authority_id] = found
        return found

    def _candidates(self, action: str | None = None, resource: str | None = None) -> list[str]:
        try:
            rows = self.recognitions()
        except SandboxError:
            return []  # no list of frameworks to ask: the entity stays unknown
        return list(
            dict.fromkeys(
                r["recognized_authority_id"]
                for r in rows
                if r.get("status", "active") == "active"
                and (action is None or r["action"] == action)
                and (resource is None or r["resource"] == _vct_or_same(resource))
            )
        )

    def _framework_of(self, entity_id: str) -> RegistryClient | None:
        """The recognized framework whose registry knows ``entity_id``, if any."""
        for authority in self._candidates():
            try:
                if self.framework(authority).issuer_jwks(entity_id) is not None:
                    return self.framework(authority)
            except SandboxError as exc:
                log.warning("recognized framework %s did not answer: %s", authority, exc)
        return None

    def _recognized_authorization(
        self, entity_id: str, action: str, resource: str, at: datetime, loa: int | None, record: Record | None = None
    ) -> trqp.AuthorizationAnswer | None:
        for authority in self._candidates(action, resource):
            try:
                # Recognition is a decision about the other framework as it stands now: what that
                # framework says of the issuer is then asked, as always, for the time of issuance.
                if not self.recognized(authority, action, resource, at=self.clock.now(), record=record):
                    continue
                answer = self.framework(authority).authorization(
                    entity_id, action, resource, at=at, assurance_level=loa, record=record
                )
            except SandboxError as exc:
                log.warning("recognized framework %s did not answer: %s", authority, exc)
                continue
            if answer.status == "unknown_entity":
                continue
            return dataclasses.replace(
                answer,
                message=f"{answer.message} (under {authority}, a framework {self.authority_id} recognizes)",
                raw={**answer.raw, "recognized_authority_id": authority, "source": "recognition"},
            )
        return None

    # -- live answers, or the snapshot -------------------------------------------------------
    def _answer(self, live: Callable[[], T]) -> T | SnapshotTrust:
        """``live()``, or the snapshot's trust source when the registry cannot be reached."""
        try:
            result = live()
        except SandboxError as exc:
            fallback = self.snapshots.fallback()
            if exc.reason != Reason.REGISTRY_UNAVAILABLE or fallback is None:
                raise
            return fallback
        self.snapshots.refresh_if_due()
        return result

    def _record(self, entity_id: str) -> dict[str, Any] | None:
        """The entity's record, cached; None when the registry does not know it (not cached either:
        an issuer accredited a moment later counts at once)."""
        key = ("entity", entity_id)
        cached = self.cache.get(key)
        if cached is None:
            try:
                cached = self.entity(entity_id)
            except SandboxError as exc:
                if exc.reason == Reason.NOT_FOUND:
                    return None
                raise
            self.cache.put(key, cached)
        return cached  # type: ignore[return-value]

    def _authorization(
        self,
        entity_id: str,
        action: str,
        resource: str,
        at: datetime,
        assurance_level: int | None,
        record: Record | None = None,
    ) -> trqp.AuthorizationAnswer:
        body = trqp.authorization_query(
            entity_id, self.authority_id, action, resource, at=at, assurance_level=assurance_level
        )
        key = ("authorization", entity_id, action, resource, body["context"]["time"], assurance_level)
        cached = self.cache.get(key)
        if isinstance(cached, trqp.AuthorizationAnswer):
            if record is not None:
                record("authorization", body, cached.raw, "cache")
            return cached
        received = checked_json(self._send("POST", "authorization", json=body))
        if record is not None:
            record("authorization", body, received, "registry")
        answer = trqp.read_authorization_answer(received)
        if answer.authorized:
            self.cache.put(key, answer)
        return answer

    @property
    def trust_list(self) -> TrustList | None:
        """The latest verified snapshot this client holds, if any."""
        return self.snapshots.latest

    def refresh_trust_list(self) -> TrustList:
        """Fetch, verify and keep the registry's snapshot now (see :meth:`TrustListKeeper.refresh`)."""
        return self.snapshots.refresh()

    # -- reads -------------------------------------------------------------------------
    def entity(self, entity_id: str) -> dict[str, Any]:
        """The entity with keys and authorizations; ``SandboxError(NOT_FOUND)`` when unknown."""
        return checked_json(self._send("GET", "entity", params={"entity_id": entity_id}))

    def metadata(self) -> dict[str, Any]:
        return checked_json(self._send("GET", "metadata"))

    def clear_cache(self) -> None:
        self.cache.clear()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; an unreachable or failing registry is ``registry_unavailable`` (503)."""
        try:
            response = self.http.request(method, f"{self.api_url}/{path}", **kwargs)
        except httpx.TransportError as exc:
            raise SandboxError(
                Reason.REGISTRY_UNAVAILABLE,
                f"the trust registry at {self.api_url} cannot be reached ({exc.__class__.__name__})",
                status_code=503,
            ) from None
        if response.status_code >= 500:
            raise SandboxError(
                Reason.REGISTRY_UNAVAILABLE,
                f"the trust registry at {self.api_url} failed (HTTP {response.status_code})",
                status_code=503,
            )
        return response

"""What a verification was made on, kept for the relying party that asked: its evidence.

A verdict says which checks passed; evidence keeps the artefacts they were made on, per
credential, so a relying party can show them: the Key Binding JWT as presented (decoded), each
TRQP question put to a registry with the answer given (by the registry, or in its stead by the
answer cache or the registry's signed trust list), and the status list entry read, with the
token it was read from. It is collected only when a caller passes an :class:`Evidence` down:
the usual path does no extra work, and each verification has its own, so concurrent
verifications never mix their artefacts. Nothing secret is kept: a KB-JWT holds an audience, a
nonce already used up, a time and a hash; TRQP and status answers are public.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from pctf.clock import Clock
from pctf.jose import Jws
from pctf.reasons import SandboxError
from pctf.statuslist import STATUS_NAMES, StatusListToken, StatusReference, StatusResolver, StatusSource

KB_JWT = "kb_jwt"
TRQP_AUTHORIZATION = "trqp_authorization"
TRQP_RECOGNITION = "trqp_recognition"
STATUS_LIST = "status_list"

# Where an answer came from: the party asked, or what answered in its stead.
FROM_PRESENTATION, FROM_REGISTRY, FROM_ISSUER, FROM_CACHE = "presentation", "registry", "issuer", "cache"

# How a registry client reports one TRQP exchange: the question ("authorization" or
# "recognition"), the request body, the answer, and where the answer came from.
TrqpRecorder = Callable[[str, dict[str, Any], Any, str], None]


class Evidence:
    """The evidence of one verification, in the order it was gathered (see the module)."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, credential: str | None, kind: str, request: Any, answer: Any, *, source: str | None = None) -> None:
        self.entries.append(
            {
                "credential": credential,
                "kind": kind,
                "request": request,
                "answer": answer,
                "source": source,
                "cached": source == FROM_CACHE,
            }
        )

    def key_binding(self, credential: str | None, presentation: str) -> None:
        """The presentation's KB-JWT, header and payload decoded, when it has one that parses
        (whether its signature held is the verdict's ``holder_binding`` check)."""
        kb = presentation.strip().rsplit("~", 1)[-1] if "~" in presentation else ""
        if not kb:
            return
        try:
            jws = Jws.parse(kb)
        except SandboxError:
            return
        self.add(credential, KB_JWT, None, {"header": jws.header, "payload": jws.payload}, source=FROM_PRESENTATION)

    def trqp(self, credential: str | None) -> TrqpRecorder:
        """What a registry client reports its TRQP exchanges about ``credential`` to."""

        def record(question: str, request: dict[str, Any], answer: Any, source: str) -> None:
            self.add(credential, f"trqp_{question}", request, answer, source=source)

        return record

    def status(
        self, credential: str | None, ref: StatusReference, answer: dict[str, Any], *, source: str | None
    ) -> None:
        self.add(credential, STATUS_LIST, {"uri": ref.uri, "idx": ref.idx}, answer, source=source)


def status_answer(value: int, token: dict[str, Any] | None) -> dict[str, Any]:
    """A status value as evidence shows it: by name, by value, and the token's times when known."""
    return {
        "status": STATUS_NAMES.get(value, "unknown"),
        "value": value,
        "iat": None if token is None else token["iat"],
        "ttl": None if token is None else token["ttl"],
        "exp": None if token is None else token["exp"],
    }


def _times(token: StatusListToken) -> dict[str, Any]:
    return {"iat": token.iat, "ttl": token.ttl, "exp": token.exp}


class StatusReader(StatusResolver):
    """A :class:`~pctf.statuslist.StatusResolver` that can also say which Status List Token a
    status was read from (:meth:`status_with_token`), for evidence; :meth:`status` is unchanged.

    The resolver keeps only the decoded list of a token, so the token's times are kept beside it
    for as long as its list is cached. Whether a call fetched a token is known per thread: a
    verification runs on one thread, and another thread's fetch must not pass for its own.
    """

    def __init__(self, source: StatusSource, clock: Clock, *, leeway: int = 30, max_entries: int = 64) -> None:
        super().__init__(source, clock, leeway=leeway, max_entries=max_entries)
        self._times: dict[str, dict[str, Any]] = {}  # by uri: the times of the token whose list is cached
        self._fetched = threading.local()  # the token this thread's latest call verified, if it fetched one

    def _store(self, uri: str, token: StatusListToken, now: int) -> None:
        self._fetched.token = token
        super()._store(uri, token, now)
        with self._lock:
            entry = self._entries.get(uri)
            if entry is not None and entry.status_list is token.status_list:
                self._times[uri] = _times(token)
            if len(self._times) > len(self._entries):
                self._times = {u: t for u, t in self._times.items() if u in self._entries}

    def status_with_token(
        self, ref: StatusReference, keys: Sequence[dict[str, Any]]
    ) -> tuple[int, dict[str, Any] | None, str]:
        """The status value at ``ref``, the times of the token it was read from (None when not
        known), and whether that token was fetched now (``issuer``) or cached (``cache``)."""
        self._fetched.token = None
        value = self.status(ref, keys)
        token: StatusListToken | None = self._fetched.token
        self._fetched.token = None
        if token is not None:
            return value, _times(token), FROM_ISSUER
        with self._lock:
            times = self._times.get(ref.uri)
        return value, times, FROM_CACHE

"""The issuers' status lists as a :class:`pctf.statuslist.StatusSource`, read from their own store.

For the command line, which verifies with no server running (as :class:`registry.local_trust.LocalTrust`
answers for the registry): a status list URI of one of this sandbox's issuers is answered by
:meth:`issuers.service.IssuerService.status_list_token`, exactly the token the issuers' HTTP
endpoint would serve; any other URI goes to ``fallback`` (HTTP), or is unavailable.
"""

from __future__ import annotations

from pctf.reasons import Reason, SandboxError
from pctf.statuslist import StatusSource

from .service import IssuerService


class LocalStatusSource:
    def __init__(self, issuers: IssuerService, fallback: StatusSource | None = None) -> None:
        self.issuers = issuers
        self.fallback = fallback

    def status_list_token(self, uri: str) -> str:
        local = self.issuers.parse_status_list_uri(uri)
        if local is None:
            if self.fallback is not None:
                return self.fallback.status_list_token(uri)
            raise SandboxError(
                Reason.STATUS_LIST_UNAVAILABLE, f"{uri} is not a status list of this sandbox's issuers", status_code=503
            )
        try:
            return self.issuers.status_list_token(*local)
        except SandboxError as exc:
            if exc.reason == Reason.NOT_FOUND:  # what the HTTP endpoint's 404 means to a verifier
                raise SandboxError(Reason.STATUS_LIST_UNAVAILABLE, exc.message, status_code=503) from None
            raise

"""The sandbox operator's keyring: the bearer tokens a story or a command acts with.

Whoever runs the sandbox holds its role tokens (settings, or files under ``PCTF_DATA_DIR``) and
the holder tokens of the wallets its stories open. :class:`Keyring` is an ``httpx.Auth`` that
adds the right one to each request, chosen by the route's owner as :mod:`pctf.access` declares
it: an issuer's staff routes get that issuer's staff token, a wallet's routes its holder's
token, a relying party's back-end routes its own token. A request that already carries an
``Authorization`` header (an OpenID4VCI access token, a governance token) is left as it is, and
public routes get nothing.

When a wallet is opened (``PUT /wallet/<id>`` answering 201), the keyring keeps the holder token
shown in the answer under ``PCTF_DATA_DIR/wallet-tokens/`` (owner-only), as a wallet app keeps
its user's session: the next command or story run finds it there.
"""

from __future__ import annotations

import re
from collections.abc import Generator

import httpx

from issuers.jurisdictions import SANDBOX_ISSUERS
from pctf.settings import Settings
from verifier.relying_parties import RELYING_PARTIES

_STAFF = re.compile(
    r"^/issuers/([a-z0-9_-]{1,64})/"
    r"(proofing|incorporations|issuances|deaths|births|relationships|immunizations|delegations|events)(/|$)"
)
_HOLDER = re.compile(r"^/wallet/([A-Za-z_][A-Za-z0-9_]{0,63})/.+")
_OPEN_WALLET = re.compile(r"^/wallet/([A-Za-z_][A-Za-z0-9_]{0,63})$")
_BACK_END = re.compile(r"^/verifier/([a-z0-9_-]{1,64})/(requests|verify)(/|$)")


class Keyring(httpx.Auth):
    requires_response_body = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def token_for(self, method: str, path: str) -> str | None:
        """The token the owner of ``method path`` acts with, or None for a public route."""
        if (found := _STAFF.match(path)) is not None:
            return self.settings.issuer_staff_token(found.group(1)) if found.group(1) in SANDBOX_ISSUERS else None
        if (found := _HOLDER.match(path)) is not None:
            return self.settings.wallet_token(found.group(1))
        if method == "GET" and (found := _OPEN_WALLET.match(path)) is not None:
            return self.settings.wallet_token(found.group(1))
        if (found := _BACK_END.match(path)) is not None:
            return self.settings.relying_party_token(found.group(1)) if found.group(1) in RELYING_PARTIES else None
        return None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        path = request.url.path
        if "authorization" not in request.headers:
            token = self.token_for(request.method, path)
            if token:
                request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        opened = _OPEN_WALLET.match(path)
        if request.method == "PUT" and opened is not None and response.status_code == 201:
            try:
                token = response.json().get("token")
            except ValueError:
                token = None
            if isinstance(token, str) and token:
                self.settings.save_wallet_token(opened.group(1), token)


def operator_client(settings: Settings, **kwargs) -> httpx.Client:
    """An HTTP client for the sandbox's own services that acts with the operator's keyring."""
    from pctf.http import make_client

    return make_client(settings, auth=Keyring(settings), **kwargs)

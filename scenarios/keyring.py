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

A keyring for a deployment that runs already (``demo --against``) only ever holds tokens: one it
would otherwise generate into ``PCTF_DATA_DIR`` could not be the deployment's, so a token that is
neither set nor kept there is refused, naming the variable to set (:func:`held_token`).
"""

from __future__ import annotations

import re
from collections.abc import Generator

import httpx

from issuers.jurisdictions import SANDBOX_ISSUERS
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from verifier.directory import configured_ids

_STAFF = re.compile(
    r"^/issuers/([a-z0-9_-]{1,64})/"
    r"(proofing|offers|incorporations|issuances|deaths|births|relationships|immunizations|delegations|events)(/|$)"
)
_HOLDER = re.compile(r"^/wallet/([A-Za-z_][A-Za-z0-9_]{0,63})/.+")
_OPEN_WALLET = re.compile(r"^/wallet/([A-Za-z_][A-Za-z0-9_]{0,63})$")
_BACK_END = re.compile(r"^/verifier/([a-z0-9_-]{1,64})/(requests|verify)(/|$)")


# Each role token: the file ``Settings.resolved_secret`` keeps it in under PCTF_DATA_DIR, the
# setting that configures it, and the variable that sets it.
def _role(settings: Settings, role: str) -> tuple[str, str | None, str]:
    if role == "governance":
        return "governance", settings.governance_token, "PCTF_GOVERNANCE_TOKEN"
    if role == "assessor":
        return "assessor", settings.assessor_token, "PCTF_ASSESSOR_TOKEN"
    kind, _, owner = role.partition(":")
    if kind == "staff":
        return f"issuer-staff-{owner}", settings.issuer_staff_tokens.get(owner), f"PCTF_ISSUER_STAFF_TOKENS[{owner}]"
    if kind == "rp":
        return f"relying-party-{owner}", settings.relying_party_tokens.get(owner), f"PCTF_RELYING_PARTY_TOKENS[{owner}]"
    raise ValueError(f"no role token {role!r}")


def held_token(settings: Settings, role: str, *, generate: bool = True) -> str:
    """The token of ``role`` (``governance``, ``assessor``, ``staff:<issuer>``, ``rp:<relying
    party>``): as configured, else the one kept under ``PCTF_DATA_DIR``. With ``generate`` (the
    sandbox's own services) a missing one is generated there; without (a deployment that runs
    already, whose tokens this machine either was given or keeps), it is refused
    (``setting_invalid``), naming the variable to set."""
    name, explicit, variable = _role(settings, role)
    if generate or explicit or (settings.data_dir / f"{name}.token").is_file():
        return settings.resolved_secret(name, explicit, variable=variable)
    raise SandboxError(
        Reason.SETTING_INVALID,
        f"{variable} is not set and {settings.data_dir} keeps no {name} token: set it to the deployment's token",
    )


class Keyring(httpx.Auth):
    requires_response_body = True

    def __init__(self, settings: Settings, *, generate: bool = True) -> None:
        self.settings = settings
        self.generate = generate  # False: a running deployment's keyring (see held_token)
        # The relying parties whose back-end tokens the settings hold (built-in and file-declared).
        self._relying_parties = frozenset(configured_ids(settings))

    def token_for(self, method: str, path: str) -> str | None:
        """The token the owner of ``method path`` acts with, or None for a public route."""
        if (found := _STAFF.match(path)) is not None:
            issuer = found.group(1)
            return (
                held_token(self.settings, f"staff:{issuer}", generate=self.generate)
                if issuer in SANDBOX_ISSUERS
                else None
            )
        if (found := _HOLDER.match(path)) is not None:
            return self.settings.wallet_token(found.group(1))
        if method == "GET" and (found := _OPEN_WALLET.match(path)) is not None:
            return self.settings.wallet_token(found.group(1))
        if (found := _BACK_END.match(path)) is not None:
            rp = found.group(1)
            if rp not in self._relying_parties:
                return None
            return held_token(self.settings, f"rp:{rp}", generate=self.generate)
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


def operator_client(settings: Settings, *, generate: bool = True, **kwargs) -> httpx.Client:
    """An HTTP client for the sandbox's own services that acts with the operator's keyring
    (``generate=False``: a running deployment's, which never generates a token)."""
    from pctf.http import make_client

    return make_client(settings, auth=Keyring(settings, generate=generate), **kwargs)

"""The sandbox as a test fixture for other projects: a relying party, a wallet or an issuer under
test runs its flows against every sandbox service, started in process on a free loopback port.

:class:`~pctf_testing.sandbox.Sandbox` (in :mod:`pctf_testing.sandbox`) starts the sandbox and
holds the helpers (wallets, offers, issuance straight to a holder key, presentations, requests
and verdicts, registry governance, credential status, deaths, a frozen clock); it works without
pytest. :mod:`pctf_testing.pytest_plugin`, registered as the ``pctf_sandbox`` pytest plugin,
gives it to a test as the ``pctf_sandbox`` fixture.

Importing this package costs nothing: pytest imports the plugin in every project where the
package is installed, so the names below are loaded only when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pctf.reasons import Reason, SandboxError

    from .sandbox import Issued, Offer, PresentationRequest, Sandbox, Verdict, Wallet

__all__ = ["Issued", "Offer", "PresentationRequest", "Reason", "Sandbox", "SandboxError", "Verdict", "Wallet"]


def __getattr__(name: str) -> Any:
    if name in ("Reason", "SandboxError"):
        from pctf import reasons

        return getattr(reasons, name)
    if name in __all__:
        from . import sandbox

        return getattr(sandbox, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""``pctf-sandbox issuer ...``: what a sandbox issuer's staff do with its keys."""

from __future__ import annotations

import json

import typer

from pctf.clock import SystemClock
from scenarios.i18n import t

from .support import Lang, guarded, out, settings

issuer_app = typer.Typer(help="Issuer staff: the issuer's signing keys.", no_args_is_help=True)


@issuer_app.command("rotate-key")
def rotate_key(
    issuer: str = typer.Argument(..., help="Issuer short id: prov1, prov2, terr1, terr2, fed."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Sign from now on with a new key. The previous key stays published, so what it signed keeps
    verifying; registering the new key and retiring the old one in the trust registry are
    governance's steps (printed), and the sandbox's own issuers have new keys registered at the
    next start."""
    from issuers.service import IssuerService

    s = settings()
    rotated = guarded(lambda: IssuerService(s, SystemClock()).rotate_key(issuer))
    if as_json:
        print(json.dumps(rotated, indent=2))
        return
    out.print(
        t("issuer.rotated", lang.value, issuer=rotated["issuer"], kid=rotated["kid"], previous=rotated["previous_kid"]),
        highlight=False,
    )
    out.print(t("issuer.rotated_next", lang.value, issuer=issuer, previous=rotated["previous_kid"]), highlight=False)

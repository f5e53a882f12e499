"""``pctf-sandbox wallet ...`` and ``credential ...``: a holder's view of their credentials and
their live status, and issuer staff's actions on one credential."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from pctf.clock import SystemClock
from scenarios.i18n import t

from .support import ISSUER_HELP, Lang, fail, guarded, note, out, settings

wallet_app = typer.Typer(help="Look into a persona's wallet.", no_args_is_help=True)
credential_app = typer.Typer(
    help="Issuer staff: list issued credentials, suspend, reinstate or revoke one.", no_args_is_help=True
)

_STATUS_STYLES = {
    "valid": "green",
    "expiring_soon": "yellow",
    "expired": "red",
    "suspended": "yellow",
    "revoked": "bold red",
    "unknown": "dim",
    "replaced": "dim",
}


@wallet_app.command("list")
def wallet_list(
    persona: str = typer.Argument(..., help="The wallet's persona, e.g. sasha."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the labels."),
) -> None:
    """Each credential in the wallet: type, issuer, expiry and live status (valid, expiring soon,
    expired, suspended, revoked, or unknown when the status list cannot be read).

    Reads the wallet in the store under PCTF_DATA_DIR (the store a sandbox serving that data
    directory with up writes too); no service is started."""
    from issuers.service import IssuerService
    from issuers.status import LocalStatusSource
    from pctf.http import make_client
    from pctf.statuslist import HttpStatusSource
    from scenarios.narration import issuer_label, type_label
    from wallet.service import WalletService

    s = settings()
    clock = SystemClock()

    def run() -> list[dict]:
        issuers = IssuerService(s, clock)
        with make_client(s) as http:
            wallet: WalletService | None = None

            def issuer_keys(issuer: str) -> list[dict]:
                # The sandbox's issuers from their own store (no server needed); others as published.
                short_id = issuers.short_id_for(issuer)
                if short_id:
                    return issuers.jwks(short_id)["keys"]
                assert wallet is not None  # set below, before any status is read
                return wallet.published_keys(issuer)

            wallet = WalletService(
                s,
                clock,
                http,
                status_source=LocalStatusSource(issuers, HttpStatusSource(http)),
                issuer_keys=issuer_keys,
            )
            return wallet.credentials(persona)

    held = guarded(run)
    if as_json:
        print(json.dumps(held, indent=2, ensure_ascii=False))
        return
    if not held:
        out.print(t("wallet.empty", lang.value, wallet=persona))
        return
    table = Table(
        t("col.type", lang.value),
        t("col.issuer", lang.value),
        t("col.expires", lang.value),
        t("col.status", lang.value),
        title=t("wallet.title", lang.value, wallet=persona),
    )
    for cred in held:
        short_id = cred["issuer"].rstrip("/").rsplit("/", 1)[-1]
        status = cred["status"]
        table.add_row(
            type_label(cred["type"], lang.value),
            issuer_label(short_id, lang.value),
            cred["expires_at"][:10],
            f"[{_STATUS_STYLES.get(status, '')}]{t('status.' + status, lang.value)}[/]",
        )
    out.print(table)
    for cred in held:
        label = type_label(cred["type"], lang.value)
        if cred["replaced_by"] is not None:
            out.print(
                t("wallet.replaced_by", lang.value, id=cred["id"], type=label, new=cred["replaced_by"]), highlight=False
            )
        elif "renew" in cred["actions"]:
            out.print(
                t(
                    "wallet.renew_hint",
                    lang.value,
                    id=cred["id"],
                    type=label,
                    wallet=persona,
                    status=t("status." + cred["status"], lang.value),
                ),
                highlight=False,
            )


@wallet_app.command("renew")
def wallet_renew(
    persona: str = typer.Argument(..., help="The wallet's persona, e.g. sasha."),
    credential_id: int = typer.Argument(..., help="The credential's id (wallet list --json)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Renew a credential that expires soon or has expired: the wallet proves possession to its
    issuer, redeems the renewal offer over OpenID4VCI, and keeps the old one as replaced.

    The wallet is the one under PCTF_DATA_DIR: the command uses the sandbox serving that data
    directory (pctf-sandbox up) when one runs, else starts the services in process on it, at
    PCTF_HOST:PCTF_PORT, for the duration of the command; a sandbox on that port serving another
    data directory is never used (exit 2). Once renewed, one line on stderr says which it used.
    """
    from pctf.http import checked_json
    from scenarios.keyring import operator_client
    from scenarios.narration import type_label

    from .stack import sandbox_services

    services = guarded(lambda: sandbox_services(settings(), SystemClock()))
    s = services.settings
    try:
        with operator_client(s) as http:
            renewed = guarded(
                lambda: checked_json(
                    http.post(f"{s.wallet_url or services.url}/wallet/{persona}/credentials/{credential_id}/renew")
                )
            )
    finally:
        services.stop()
    note(services.used)
    if as_json:
        print(json.dumps(renewed, indent=2, ensure_ascii=False))
        return
    new = renewed["credential"]
    out.print(
        t(
            "wallet.renewed",
            lang.value,
            old=renewed["replaced"],
            new=new["id"],
            type=type_label(new["type"], lang.value),
            expires=new["expires_at"][:10],
        ),
        highlight=False,
    )


@credential_app.command("list")
def credential_list(
    issuer: str = typer.Option(..., "--issuer", help=ISSUER_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the labels."),
) -> None:
    """The credentials an issuer has issued, with the issuance number credential status takes."""
    from issuers.service import IssuerService
    from pctf.vocab import type_for_vct
    from scenarios.narration import type_label

    s = settings()
    rows = guarded(lambda: IssuerService(s, SystemClock()).issuances(issuer))
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(
        t("col.issuance", lang.value),
        t("col.type", lang.value),
        t("col.loa", lang.value),
        t("col.issued", lang.value),
        t("col.expires", lang.value),
        t("col.status", lang.value),
    )
    for r in rows:
        ctype = type_for_vct(r["vct"])
        table.add_row(
            str(r["id"]),
            type_label(ctype.name, lang.value) if ctype else r["vct"],
            str(r["assurance_level"]),
            r["issued_at"][:10],
            r["expires_at"][:10],
            f"[{_STATUS_STYLES.get(r['status'], '')}]{t('status.' + r['status'], lang.value)}[/]",
        )
    out.print(table)


@credential_app.command("status")
def credential_status(
    issuer: str = typer.Option(..., "--issuer", help=ISSUER_HELP),
    issuance: str = typer.Option(..., "--issuance", help="The issuance number (credential list)."),
    set_: str = typer.Option(..., "--set", help="suspended, revoked (final) or valid (reinstate)."),
    reason: str | None = typer.Option(None, "--reason", help="Why, for the issuer's records."),
    as_json: bool = typer.Option(False, "--json", help="Print the updated issuance as JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Suspend, reinstate or revoke one credential. Verifiers see it once their cached status
    list expires (its ttl, PCTF_STATUS_LIST_TTL_SECONDS). Revocation cannot be undone."""
    from issuers.service import IssuerService
    from pctf.statuslist import CREDENTIAL_STATUSES

    if not issuance.isdigit() or not 1 <= int(issuance) <= 2**63 - 1:
        fail(f"bad_request: --issuance must be a positive integer, not {issuance!r}")
    if set_ not in CREDENTIAL_STATUSES:
        fail(f"bad_request: --set must be one of {', '.join(CREDENTIAL_STATUSES)}, not {set_!r}")
    s = settings()
    updated = guarded(lambda: IssuerService(s, SystemClock()).set_status(issuer, int(issuance), set_, reason))
    if as_json:
        print(json.dumps(updated, indent=2, ensure_ascii=False))
        return
    out.print(
        t(
            "credential.status_set",
            lang.value,
            issuance=updated["id"],
            issuer=issuer,
            status=t(f"status.{updated['status']}", lang.value),
        )
    )

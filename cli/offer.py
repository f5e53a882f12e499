"""``pctf-sandbox offer`` and ``pctf-sandbox request``: the sandbox's issuers and relying parties
facing a wallet of your own.

``offer`` is an issuer's staff at the desk: a credential offer for any wallet, with the claims
given, through the issuers' staff route (``POST /issuers/<issuer>/offers``). ``request`` is a
relying party's back end: an OpenID4VP request (``POST /verifier/<rp>/requests``), then its
verdict once a wallet has answered. Both print an ``openid-credential-offer://`` or
``openid4vp://`` link and draw it as a QR code in the terminal for a phone to scan.

Both use the sandbox serving ``PCTF_DATA_DIR`` when one runs (``pctf-sandbox up``), else start
the services in process (:func:`cli.stack.sandbox_services`); one line on stderr says which.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import nullcontext
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from pctf.clock import SystemClock
from pctf.reasons import Reason
from scenarios.i18n import t

from .support import (
    ISSUER_HELP,
    Lang,
    err,
    fail,
    guarded,
    note,
    out,
    parse_json,
    read_json_file,
    refusal_line,
    settings,
)

# Exit codes of ``request``, beside the usual 2 for unusable input.
ACCEPTED, REFUSED, TIMED_OUT, INTERRUPTED = 0, 1, 3, 130
POLL_SECONDS = 1.0


class ResponseMode(str, Enum):
    direct_post = "direct_post"
    direct_post_jwt = "direct_post.jwt"


class ClientIdPrefix(str, Enum):
    redirect_uri = "redirect_uri"
    x509_san_dns = "x509_san_dns"
    x509_hash = "x509_hash"


def draw_qr(link: str) -> None:
    """``link`` as a QR code on standard output, in half-height blocks a phone camera reads from
    the terminal."""
    import segno

    sys.stdout.flush()
    segno.make(link, micro=False).terminal(out=sys.stdout, compact=True)
    sys.stdout.flush()


def read_claims(value: str) -> Any:
    """``--claims``: a JSON object, or ``@file`` naming a file that holds one."""
    if value.startswith("@"):
        return read_json_file(Path(value[1:]), "claims")
    return parse_json(value, "claims_invalid: --claims")


def offer(
    issuer: str = typer.Option(..., "--issuer", help=ISSUER_HELP),
    type_: str = typer.Option(
        ..., "--type", help="Credential type name or vct, one the issuer issues, e.g. VerifiedPerson."
    ),
    claims: str = typer.Option(
        ..., "--claims", help="The claims: a JSON object, or @FILE for a file holding one (see pctf-sandbox types)."
    ),
    tx_code: bool = typer.Option(
        True, "--tx-code/--no-tx-code", help="Whether redeeming the offer takes a transaction code (default: yes)."
    ),
    by_reference: bool = typer.Option(
        False,
        "--by-reference",
        help="Print and draw the offer by reference (credential_offer_uri: the wallet fetches it from "
        "the issuer) instead of by value.",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object (uri, offer, tx_code, by_reference, issuer, type); no QR code."
    ),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """A credential offer with the claims you give, for any wallet (OpenID4VCI, pre-authorized code).

    The issuer's staff make it (POST /issuers/ISSUER/offers): the claims are checked against
    the credential type's vocabulary and the issuer's grant first, so claims the type refuses,
    or a type the issuer does not issue, end the command (exit 2) before anything is offered.
    Prints the openid-credential-offer:// link, draws it as a QR code, and prints the
    transaction code the wallet will ask for. The offer is redeemed within the offer lifetime
    (10 minutes) at the issuer's own services, so a sandbox must serve PCTF_DATA_DIR then
    (pctf-sandbox up); when none runs, the command starts the services for its own duration.

    Examples:

      pctf-sandbox offer --issuer prov1 --type VerifiedPerson --claims @sasha.json

      pctf-sandbox offer --issuer terr2 --type VerifiedPerson --no-tx-code --by-reference
      --claims '{"given_name": "Sasha", "family_name": "Tremblay", "birthdate": "1988-06-14",
      "address": {"locality": "Riverton"}}'
    """
    from issuers.jurisdictions import jurisdiction
    from issuers.offers import checked_offer_claims
    from pctf.http import checked_json
    from scenarios.deployment import Deployment
    from scenarios.keyring import held_token, operator_client

    from .stack import sandbox_services

    # Everything the command can check itself is checked before any service starts.
    known = guarded(lambda: jurisdiction(issuer))
    given = read_claims(claims)
    type_name, _ = guarded(lambda: checked_offer_claims(known, type_, given))
    services = guarded(lambda: sandbox_services(settings(), SystemClock()))
    s = services.settings
    where = Deployment.from_settings(s) if s.wallet_url else Deployment.at(services.url)
    body = {"type": type_name, "claims": given, "tx_code": tx_code}
    try:
        staff = guarded(lambda: held_token(s, f"staff:{known.short_id}"))
        with operator_client(s) as http:
            made = guarded(
                lambda: checked_json(
                    http.post(
                        f"{where.issuer(known.short_id)}/issuers/{known.short_id}/offers",
                        json=body,
                        headers={"Authorization": f"Bearer {staff}"},
                    )
                )
            )
    finally:
        started_here = services.server is not None
        services.stop()
    note(services.used)
    if started_here:
        note(t("offer.not_served", lang.value, data_dir=s.data_dir, minutes=s.offer_lifetime_seconds // 60))
    by_value, by_ref = made["credential_offer_uri"], made["credential_offer_link_by_reference"]
    shown = {
        "uri": by_ref if by_reference else by_value,
        "offer": made["credential_offer"],
        "tx_code": made["tx_code"],
        "by_reference": by_ref,
        "issuer": made["credential_offer"]["credential_issuer"],
        "type": type_name,
    }
    if as_json:
        print(json.dumps(shown, indent=2, ensure_ascii=False))
        return
    _line(out, t("offer.made", lang.value, issuer=shown["issuer"], type=type_name))
    _line(out, shown["uri"])
    draw_qr(shown["uri"])
    if shown["tx_code"]:
        _line(out, t("offer.tx_code", lang.value, tx_code=shown["tx_code"]))
    if not by_reference:
        _line(out, t("offer.by_reference", lang.value, link=by_ref))


def request(
    rp: str = typer.Option(..., "--rp", help="The relying party's id, e.g. bank-personal, fed-benefits."),
    response_mode: ResponseMode = typer.Option(
        ResponseMode.direct_post,
        "--response-mode",
        help="How the wallet answers: direct_post, or direct_post.jwt (encrypted to the relying party).",
    ),
    client_id_prefix: ClientIdPrefix = typer.Option(
        ClientIdPrefix.redirect_uri,
        "--client-id-prefix",
        help="How the relying party is identified: redirect_uri (the request by value, unsigned), or "
        "x509_san_dns / x509_hash (a request object signed with a certificate of the sandbox CA, "
        "fetched by reference: a short link, for wallets that insist on signed requests or scan small "
        "QR codes). x509_san_dns needs the sandbox reached by a DNS name (PCTF_PUBLIC_URL).",
    ),
    timeout: float = typer.Option(300.0, "--timeout", min=0, help="Seconds to wait for a wallet's answer."),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object at the end (uri, state, status, verdict); no QR code."
    ),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Ask any wallet for a presentation (OpenID4VP), then wait for its answer and show the verdict.

    The relying party's back end creates the request (its DCQL query asks for what the relying
    party's policy needs); the command prints the openid4vp:// link, draws it as a QR code, and
    waits while the services serve (started in process for the wait when no sandbox serves
    PCTF_DATA_DIR), until a wallet answers or --timeout passes. Ctrl+C stops waiting.

    Exit codes: 0 accepted; 1 refused (by the relying party's checks, or declined by the
    holder), with the reason codes; 2 unusable input; 3 no answer within --timeout; 130
    stopped with Ctrl+C.

    Examples:

      pctf-sandbox request --rp bank-personal

      pctf-sandbox request --rp fed-benefits --response-mode direct_post.jwt --timeout 120 --json

      pctf-sandbox request --rp bank-personal --client-id-prefix x509_hash
    """
    from pctf.http import checked_json
    from scenarios.deployment import Deployment
    from scenarios.keyring import held_token, operator_client
    from verifier.directory import configured_ids

    from .stack import sandbox_services

    base = settings()
    # A relying party the settings know gets its token here; one created over the API holds its
    # own, which only its back end knows: it is given in PCTF_RELYING_PARTY_TOKENS.
    known = configured_ids(base)
    if rp not in known and not base.relying_party_tokens.get(rp):
        fail(
            refusal_line(
                Reason.NOT_FOUND,
                f"unknown relying party {rp!r} (known: {', '.join(known)}); one created over the API "
                f"is asked with its own token, set in PCTF_RELYING_PARTY_TOKENS[{rp}]",
            )
        )
    token = guarded(lambda: held_token(base, f"rp:{rp}", generate=rp in known))
    services = guarded(lambda: sandbox_services(base, SystemClock()))
    s = services.settings
    where = Deployment.from_settings(s) if s.wallet_url else Deployment.at(services.url)
    requests_url = f"{where.verifier}/verifier/{rp}/requests"
    auth = {"Authorization": f"Bearer {token}"}
    note(services.used)
    options = {"response_mode": response_mode.value}
    if client_id_prefix is not ClientIdPrefix.redirect_uri:
        options["client_id_prefix"] = client_id_prefix.value
    try:
        with operator_client(s) as http:
            made = guarded(lambda: checked_json(http.post(requests_url, json=options, headers=auth)))
            uri, state = made["request_uri"], made["state"]
            if not as_json:
                _show_request(rp, made, lang.value)
            spinning = err.is_terminal and not as_json
            waiting = t("request.waiting", lang.value, seconds=_seconds(timeout))
            # A spinner only for a person watching a terminal: never in a pipe, a log or JSON.
            with err.status(waiting) if spinning else nullcontext():
                result = _wait(
                    lambda: guarded(lambda: checked_json(http.get(f"{requests_url}/{state}", headers=auth))), timeout
                )
    except KeyboardInterrupt:
        services.stop()
        err.print(t("request.interrupted", lang.value), highlight=False, markup=False)
        raise typer.Exit(INTERRUPTED) from None
    finally:
        services.stop()
    status = result["status"] if result is not None else "timed_out"
    verdict = result.get("verdict") if result is not None else None
    code = ACCEPTED if status == "accepted" else TIMED_OUT if result is None else REFUSED
    if as_json:
        print(
            json.dumps({"uri": uri, "state": state, "status": status, "verdict": verdict}, indent=2, ensure_ascii=False)
        )
        raise typer.Exit(code)
    _show_verdict(rp, status, verdict, timeout, lang.value)
    raise typer.Exit(code)


def _line(console: Console, text: str, style: str | None = None) -> None:
    """One line as it is: no markup, no highlighting, never wrapped (a link must stay whole)."""
    console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)


def _seconds(value: float) -> str:
    return f"{value:g}"


def _wait(read: Any, timeout: float) -> dict[str, Any] | None:
    """Read the request's result until it is no longer pending, or ``timeout`` seconds pass (None)."""
    deadline = time.monotonic() + timeout
    while True:
        result: dict[str, Any] = read()
        if result.get("status") != "pending":
            return result
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        time.sleep(min(POLL_SECONDS, left))


def _show_request(rp: str, made: dict[str, Any], lang: str) -> None:
    from scenarios.narration import rp_forms

    purpose = (made.get("purpose") or {}).get(lang) or ""
    _line(out, t("request.made", lang, purpose=purpose, **rp_forms(rp, lang)))
    _line(out, made["request_uri"])
    draw_qr(made["request_uri"])


def _show_verdict(rp: str, status: str, verdict: dict[str, Any] | None, timeout: float, lang: str) -> None:
    from rich.table import Table

    from scenarios.narration import claim_value, reason_phrase, rp_forms, type_label, verdict_rows

    if verdict is None:
        _line(err, t("request.timed_out", lang, seconds=_seconds(timeout)))
        return
    reasons = "; ".join(f"{code} ({reason_phrase(code, lang)})" for code in verdict.get("reasons") or [])
    if status == "accepted":
        _line(out, t("request.accepted", lang, **rp_forms(rp, lang)), "green")
    elif status == "declined":
        _line(out, t("request.declined", lang, reasons=reasons), "red")
    else:
        _line(out, t("request.refused", lang, reasons=reasons, **rp_forms(rp, lang)), "red")
    rows = verdict_rows(verdict, lang)
    if rows:
        table = Table(t("col.check", lang), t("col.credential", lang), t("col.result", lang), t("col.detail", lang))
        for row in rows:
            result = t("pass", lang) if row["passed"] else f"{t('fail', lang)} {row['reason']}"
            table.add_row(row["label"], row["credential"], result, row["detail"] or row["phrase"])
        out.print(table)
    disclosed = verdict.get("credentials") or {}
    if status == "accepted" and disclosed:
        table = Table(t("col.credential", lang), t("col.claim", lang), t("col.value", lang))
        for found in disclosed.values():
            for name, value in (found.get("claims") or {}).items():
                table.add_row(type_label(str(found.get("type", "")), lang), name, claim_value(value, lang))
        out.print(table)

"""``pctf-sandbox issuer ...``: what a sandbox issuer's staff do with its keys."""

from __future__ import annotations

import json

import typer

from pctf.clock import SystemClock
from scenarios.i18n import t

from .support import Lang, guarded, note, out, settings

issuer_app = typer.Typer(
    help="Issuer staff: the issuer's identifier, signing keys and test offers.", no_args_is_help=True
)
ISSUER_ARG_HELP = "Issuer short id: prov1, prov2, terr1, terr2, fed."


@issuer_app.command("id")
def issuer_id(
    issuer: str = typer.Argument(..., help=ISSUER_ARG_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The identifier a sandbox issuer signs as, alone on a line.

    Its iss, and the entity id the registry knows it by: ISSUER=$(pctf-sandbox issuer id terr2)."""
    from issuers.jurisdictions import jurisdiction

    s = settings()
    known = guarded(lambda: jurisdiction(issuer))
    entity_id = s.issuer_id(known.short_id)
    if as_json:
        print(json.dumps({"issuer": known.short_id, "entity_id": entity_id}, indent=2))
        return
    print(entity_id)


@issuer_app.command("test-offer")
def test_offer(
    issuer: str = typer.Argument(..., help="An identity-proofing issuer's short id: prov1, prov2, terr1, terr2."),
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON (the file registry apply --offer takes, tx code included)."
    ),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """A credential offer for the registry's test subject, from the issuer's staff.

    What an applicant gives the registry's conformance checks: the staff proof the test subject
    (a Verified Person offer) and print the offer and its transaction code.

    The issuer's services do the proofing: the command uses the sandbox serving PCTF_DATA_DIR
    (pctf-sandbox up) when one runs, else starts the services in process on it for the duration
    of the command; one line on stderr says which. The offer is redeemed within the offer
    lifetime (10 minutes), by the issuer's own services, so they must be running then too.
    """
    from issuers.jurisdictions import jurisdiction
    from pctf.http import checked_json
    from scenarios.deployment import Deployment
    from scenarios.keyring import operator_client
    from scenarios.personas import TERR2_TEST_SUBJECT

    from .stack import sandbox_services

    guarded(lambda: jurisdiction(issuer))  # an unknown issuer is named before any service starts
    services = guarded(lambda: sandbox_services(settings(), SystemClock()))
    s = services.settings
    # The issuer's own process when the issuers run apart (PCTF_ISSUER_URLS), else the issuers service.
    where = Deployment.from_settings(s) if s.wallet_url else Deployment.at(services.url)
    try:
        with operator_client(s) as http:
            offered = guarded(
                lambda: checked_json(
                    http.post(f"{where.issuer(issuer)}/issuers/{issuer}/proofing", json=TERR2_TEST_SUBJECT)
                )
            )
    finally:
        services.stop()
    note(services.used)
    shown = {
        "issuer": offered["credential_offer"]["credential_issuer"],
        "offer": offered["credential_offer_uri"],
        "tx_code": offered["tx_code"],
        "assurance_level": offered["assurance_level"],
    }
    if as_json:
        print(json.dumps(shown, indent=2))
        return
    out.print(
        t("issuer.test_offer", lang.value, issuer=shown["issuer"], offer=shown["offer"]),
        highlight=False,
        soft_wrap=True,
    )
    out.print(t("issuer.test_offer_tx", lang.value, tx_code=shown["tx_code"]), highlight=False, soft_wrap=True)


@issuer_app.command("rotate-key")
def rotate_key(
    issuer: str = typer.Argument(..., help=ISSUER_ARG_HELP),
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

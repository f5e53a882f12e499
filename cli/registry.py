"""``pctf-sandbox registry ...``: read the trust registry and act in its roles (governance,
assessor, applicant) on the store under ``PCTF_DATA_DIR``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from pctf.clock import SystemClock
from pctf.reasons import SandboxError
from pctf.settings import Settings
from pctf.vocab import type_for_vct
from scenarios.i18n import t

from .support import Lang, entity_ref, fail, guarded, note, out, parse_json, read_json_file, read_text_arg, settings

registry_app = typer.Typer(help="Read and govern the trust registry.", no_args_is_help=True)


@registry_app.command("entity")
def registry_entity(
    entity_id: str = typer.Argument(..., help="Entity id (URL) or a sandbox issuer's short id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """An entity's record: jurisdiction, role, status, keys and authorizations."""
    from registry.service import RegistryService

    from .stack import bootstrap

    s = settings()
    clock = SystemClock()

    def run() -> dict:
        bootstrap(s, clock)
        return RegistryService(s, clock).entity(entity_ref(s, entity_id))

    record = guarded(run)
    if as_json:
        print(json.dumps(record, indent=2, ensure_ascii=False))
        return
    out.print(f"[bold]{record['name']}[/] ({record['entity_id']})")
    out.print(
        f"jurisdiction {record['jurisdiction']}, role {record['role']}, status {record['status']}, "
        f"{len(record['jwks']['keys'])} key(s)"
    )
    table = Table("action", "resource", "LoA", "valid from", "valid until", "status")
    for a in record["authorizations"]:
        ctype = type_for_vct(a["resource"])
        table.add_row(
            a["action"],
            ctype.name if ctype else a["resource"],
            str(a["assurance_level"]),
            a["valid_from"] or "",
            a["valid_until"] or "",
            a["status"],
        )
    out.print(table)


@registry_app.command("onboard")
def registry_onboard(
    entity_id: str = typer.Option(..., "--entity-id", help="The issuer's identifier (its iss URL)."),
    jwks: Path = typer.Option(..., "--jwks", help="File with the issuer's public JWKS (or one JWK)."),
    type_: str = typer.Option(..., "--type", help="Credential type it may issue, e.g. VerifiedPerson."),
    loa: int = typer.Option(..., "--loa", min=1, max=4, help="Highest level of assurance (1-4)."),
    name: str | None = typer.Option(None, help="Display name (default: the entity id)."),
    jurisdiction: str = typer.Option("external", help="Jurisdiction code, e.g. CA-BC."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Register an issuer nobody here wrote and authorize it, as the governance role."""
    from registry.service import RegistryService

    s = settings()
    keys = read_json_file(jwks, "JWKS")
    if isinstance(keys, dict) and "keys" not in keys:
        keys = {"keys": [keys]}
    clock = SystemClock()

    def run() -> dict:
        service = RegistryService(s, clock)
        service.upsert_entity(entity_id, name=name or entity_id, jurisdiction=jurisdiction, role="issuer", jwks=keys)
        return service.authorize(entity_id, action="issue", resource=type_, assurance_level=loa)

    granted = guarded(run)
    out.print(t("onboard.done", lang.value, entity=entity_id, type=type_, loa=granted["assurance_level"]))


# -- onboarding and governance ------------------------------------------------------------
# Each command acts on the store under PCTF_DATA_DIR in the role its name implies (applicant,
# assessor, governance); the audit log records that role. Input is checked by the registry
# service, the one place its rules live: a refusal is one line on stderr and exit code 2.
key_app = typer.Typer(
    help="Rotate an entity's keys: add a key, retire one, declare one compromised, or read a DID's new keys.",
    no_args_is_help=True,
)
registry_app.add_typer(key_app, name="key")

# A requested type without ":LOA" asks for level 3, the level most of the sandbox's identity issuers work at.
DEFAULT_LOA = 3
DATE_HELP = "An ISO-8601 date-time with its zone (2026-03-01T12:00:00Z), or a date (midnight UTC)."


def _service():
    """The registry service on the local store, with the wall clock."""
    from registry.service import RegistryService

    clock = SystemClock()
    return RegistryService(settings(), clock)


def _say(text: str) -> None:
    """One message, one line however narrow the terminal (scripts may grep it); names and
    reasons are the applicants' own words, so never read as markup."""
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def _table(*headings: str) -> Table:
    """A table whose cells fold rather than being cut short: ids and URLs are copied from it."""
    table = Table()
    for heading in headings:
        table.add_column(heading, overflow="fold")
    return table


def _print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _when(value: str | None) -> str | None:
    """A date from the command line, for the service: a bare date means midnight UTC; anything else
    is passed on as written for the service to parse (and refuse if it has no zone)."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return value
    return f"{day.isoformat()}T00:00:00Z"


def _requested(spec: str) -> dict:
    """``TYPE[:LOA]`` as an application's requested item. A ``vct`` holds colons of its own, so
    a known type (name or vct) is taken whole before anything after a last colon is read as the LoA."""
    from pctf.vocab import credential_type

    try:
        credential_type(spec)
        return {"resource": spec, "assurance_level": DEFAULT_LOA}
    except SandboxError:
        pass
    name, sep, loa = spec.rpartition(":")
    if sep and loa.strip().isdigit():
        return {"resource": name, "assurance_level": int(loa)}
    return {"resource": spec, "assurance_level": DEFAULT_LOA}  # the service names what is wrong


def read_offer(value: str) -> tuple[str | dict, str | None]:
    """A credential offer given inline (an ``openid-credential-offer://`` URI or JSON), in a file, or
    on stdin (-), and the transaction code it came with when it is what ``issuer test-offer --json``
    prints (the offer link with its ``tx_code``)."""
    text = value.strip()
    if not text.startswith("{") and "://" not in text:
        text = read_text_arg(text, "offer").strip()
    if not text.startswith("{"):
        return text, None
    given = parse_json(text, "bad_request: the offer")
    if isinstance(given, dict) and "offer" in given and "credential_issuer" not in given:
        offer, tx_code = given["offer"], given.get("tx_code")
        if not isinstance(offer, str | dict) or not (tx_code is None or isinstance(tx_code, str)):
            fail("bad_request: the test offer's offer must be a link or an object, and its tx_code a string")
        return offer, tx_code
    return given, None


def is_own_issuer(settings: Settings, entity_id: str) -> bool:
    """Whether ``entity_id`` names an issuer of this sandbox (an identifier as
    :meth:`pctf.settings.Settings.issuer_id` builds them), whose endpoints are the sandbox's own
    services rather than another party's."""
    return settings.issuer_short_id(entity_id) is not None


@registry_app.command("apply")
def registry_apply(
    entity_id: str = typer.Option(..., "--entity-id", help="The identifier the issuer will sign as (its iss URL)."),
    name: str = typer.Option(..., "--name", help="The applicant's display name."),
    jurisdiction: str = typer.Option(..., "--jurisdiction", help="Jurisdiction code, e.g. Terr3 or CA-NU."),
    contact: list[str] = typer.Option(..., "--contact", help="Who to reach about the application; repeatable."),
    type_: list[str] = typer.Option(
        ...,
        "--type",
        help="A credential type to issue, with the highest level of "
        f"assurance asked for: VerifiedPerson:3. Default level {DEFAULT_LOA}; "
        "repeatable.",
    ),
    offer: str | None = typer.Option(
        None,
        "--offer",
        help="A credential offer for a test subject (URI, JSON, a file, or - for stdin), or the file "
        "issuer test-offer --json writes (with its tx code): with it, the technical conformance checks run at once.",
    ),
    tx_code: str | None = typer.Option(
        None, "--tx-code", help="The offer's transaction code, if it has one (default: the test offer's)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the application (and its token) as JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Apply for accreditation as an issuer: the first step of onboarding.

    Prints the application id and the applicant token, which is shown only once. With --offer,
    the registry's conformance checks then run against the issuer's live endpoints; exit 1 when
    they fail (the application stays open and they can be run again). A sandbox issuer's
    endpoints (an entity id under PCTF_PUBLIC_URL) are reached through the sandbox serving
    PCTF_DATA_DIR (pctf-sandbox up) when one runs, else through the services started in process on
    it for the checks; one line on stderr says which.
    """
    offer_value, offered_tx_code = read_offer(offer) if offer is not None else (None, None)
    tx_code = tx_code if tx_code is not None else offered_tx_code
    service = _service()
    body = {
        "entity_id": entity_id,
        "name": name,
        "jurisdiction": jurisdiction,
        "contacts": contact,
        "requested": [_requested(t) for t in type_],
    }
    if offer_value is None:
        applied = guarded(lambda: service.apply(body))
        _show_applied(applied, applied.pop("applicant_token"), as_json, lang)
        return
    from .stack import sandbox_services

    # A sandbox issuer's endpoints are the sandbox's services: started (or found running) before
    # applying, so an application is never left behind because they could not be reached.
    services = (
        guarded(lambda: sandbox_services(service.settings, service.clock))
        if is_own_issuer(service.settings, entity_id)
        else None
    )
    try:
        applied = guarded(lambda: service.apply(body))
        token, app_id = applied.pop("applicant_token"), applied["application_id"]

        def check() -> dict[str, Any]:
            from pctf.outbound import outbound_client
            from registry.conformance import run_conformance

            with outbound_client(service.settings) as http:
                report = run_conformance(
                    applied["credential_issuer"], http=http, clock=service.clock, offer=offer_value, tx_code=tx_code
                )
            return service.record_conformance(app_id, report.as_dict(), actor=f"applicant:{app_id}")

        try:
            checked = check()
        except Exception as exc:  # the application exists: show its token before saying what failed
            _show_applied(applied, token, as_json, lang)
            if isinstance(exc, SandboxError):
                fail(f"conformance checks not recorded: {exc.reason.value}: {exc.message}")
            fail(f"conformance checks not recorded: {exc.__class__.__name__}: {exc}")
    finally:
        if services is not None:
            services.stop()
    if services is not None:
        note(services.used)
    _show_applied(checked, token, as_json, lang)
    raise typer.Exit(0 if checked["state"] == "conformance_passed" else 1)


def _show_applied(view: dict, token: str, as_json: bool, lang: Lang) -> None:
    if as_json:
        _print_json({**view, "applicant_token": token})
        return
    _say(t("registry.applied", lang.value, id=view["application_id"], entity=view["entity_id"], state=view["state"]))
    _say(t("registry.token", lang.value, token=token))
    if view["conformance"] is not None:
        _show_conformance(view, lang)


def _show_conformance(view: dict, lang: Lang) -> None:
    report = view["conformance"]
    failed = [c["id"] for c in report.get("checks", []) if not c.get("passed")]
    key = "registry.conformance.passed" if report["passed"] else "registry.conformance.failed"
    _say(t(key, lang.value, issuer=report.get("issuer", view["credential_issuer"]), failed=", ".join(failed)))
    table = _table(t("col.check", lang.value), t("col.result", lang.value), t("col.detail", lang.value))
    for c in report.get("checks", []):
        table.add_row(
            escape(str(c.get("id"))),
            t("pass" if c.get("passed") else "fail", lang.value),
            escape(str(c.get("evidence", ""))),
        )
    out.print(table)


@registry_app.command("applications")
def registry_applications(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the headings."),
) -> None:
    """Every application, oldest first, with where it stands."""
    apps = guarded(lambda: _service().applications())
    if as_json:
        _print_json(apps)
        return
    table = _table(*(t(f"col.{c}", lang.value) for c in ("application", "entity", "name", "state", "submitted")))
    for a in apps:
        table.add_row(a["application_id"], escape(a["entity_id"]), escape(a["name"]), a["state"], a["created_at"])
    out.print(table)


@registry_app.command("application")
def registry_application(
    app_id: str = typer.Argument(..., help="The application id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the checklist."),
) -> None:
    """One application: its state, conformance checks, the PCTF checklist with marks, the decision."""
    view = guarded(lambda: _service().application(app_id))
    if as_json:
        _print_json(view)
        return
    _say(f"{view['name']} ({view['entity_id']})")
    asked = ", ".join(f"{r['resource']} (LoA {r['assurance_level']})" for r in view["requested"])
    _say(f"{t('col.state', lang.value)}: {view['state']}; {asked}")
    if view["conformance"] is not None:
        _show_conformance(view, lang)
    table = _table(t("col.criterion", lang.value), t("col.result", lang.value), t("col.proof", lang.value))
    for c in view["assessment"]:
        mark = "-" if c["met"] is None else t("registry.met" if c["met"] else "registry.not_met", lang.value)
        table.add_row(f"{c['id']}\n{c[lang.value]}", mark, escape(c["evidence"] or ""))
    out.print(table)
    decision = view["decision"]
    if decision is not None:
        detail = "; ".join(decision.get("reasons", [])) or ", ".join(map(str, decision.get("authorizations", [])))
        _say(f"{decision['decision']} ({decision['decided_at']}): {detail}")


@registry_app.command("assess")
def registry_assess(
    app_id: str = typer.Argument(..., help="The application id."),
    criterion: str = typer.Argument(
        ..., help="A criterion id of its checklist, e.g. privacy (see: registry application ID)."
    ),
    met: bool = typer.Option(..., "--met/--not-met", help="The finding."),
    evidence: str = typer.Option(..., "--evidence", help="What was examined to reach it."),
    as_json: bool = typer.Option(False, "--json", help="Print the application as JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Mark one PCTF criterion met or not met, as the assessor (the latest mark counts)."""
    view = guarded(lambda: _service().assess(app_id, criterion, met=met, evidence=evidence))
    if as_json:
        _print_json(view)
        return
    checklist = view["assessment"]
    _say(
        t(
            "registry.assessed",
            lang.value,
            criterion=criterion,
            id=app_id,
            mark=t("registry.met" if met else "registry.not_met", lang.value),
            met=sum(1 for c in checklist if c["met"]),
            total=len(checklist),
        )
    )


@registry_app.command("decide")
def registry_decide(
    app_id: str = typer.Argument(..., help="The application id."),
    accredit: bool = typer.Option(False, "--accredit", help="Accredit the applicant."),
    refuse: bool = typer.Option(False, "--refuse", help="Refuse the application (give --reason)."),
    type_: list[str] | None = typer.Option(
        None, "--type", help="With --accredit: a type to grant (default: all asked for); repeatable."
    ),
    loa: int | None = typer.Option(
        None, "--loa", help="With --accredit: the level of assurance to grant (default: as asked)."
    ),
    valid_from: str | None = typer.Option(
        None, "--valid-from", help=f"With --accredit: start (default now). {DATE_HELP}"
    ),
    valid_until: str | None = typer.Option(None, "--valid-until", help=f"With --accredit: end, exclusive. {DATE_HELP}"),
    reason: list[str] | None = typer.Option(
        None, "--reason", help="With --refuse: a reason for the refusal; repeatable."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the application as JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """The governance decision on an application: --accredit or --refuse. It is final.

    Accreditation needs a passed conformance run and every criterion met; it registers the
    issuer with the keys conformance found and grants what was asked (or less).
    """
    if accredit == refuse:
        fail("bad_request: give exactly one of --accredit and --refuse")
    if accredit and reason:
        fail("bad_request: --reason goes with --refuse")
    if refuse and (type_ or loa is not None or valid_from or valid_until):
        fail("bad_request: --type, --loa, --valid-from and --valid-until go with --accredit")
    body: dict[str, Any]
    if refuse:
        body = {"decision": "refuse", "reasons": reason or []}
    else:
        body = {
            "decision": "accredit",
            "types": type_ or None,
            "assurance_level": loa,
            "valid_from": _when(valid_from),
            "valid_until": _when(valid_until),
        }
        body = {k: v for k, v in body.items() if v is not None}
    service = _service()
    view = guarded(lambda: service.decide(app_id, body))
    if as_json:
        _print_json(view)
        return
    if refuse:
        _say(t("registry.refused", lang.value, id=app_id, reasons="; ".join(view["decision"]["reasons"])))
        return
    granted = [
        a for a in service.entity(view["entity_id"])["authorizations"] if a["id"] in view["decision"]["authorizations"]
    ]
    grants = ", ".join(
        f"{a['resource']} (LoA {a['assurance_level']}, {a['valid_from']} - {a['valid_until'] or '...'})"
        for a in granted
    )
    _say(t("registry.accredited", lang.value, id=app_id, entity=view["entity_id"], grants=grants))


def _set_status(
    status: str,
    entity: str,
    authorization: int | None,
    reason: str | None,
    effective_from: str | None,
    retroactive: bool | None,
    as_json: bool,
    lang: Lang,
) -> None:
    """Suspend, reinstate or revoke an entity, or only one of its authorizations."""
    service = _service()
    entity_id = entity_ref(service.settings, entity)
    decision = {"reason": reason, "effective_from": _when(effective_from), "retroactive": retroactive}

    def run() -> dict:
        if authorization is None:
            return service.set_entity_status(entity_id, status, **decision)
        if authorization not in [a["id"] for a in service.entity(entity_id)["authorizations"]]:
            fail(f"not_found: {entity_id} has no authorization {authorization}")
        return service.set_authorization_status(authorization, status, **decision)

    record = guarded(run)
    if as_json:
        _print_json(record)
        return
    event = record["status_history"][-1]
    subject = entity_id if authorization is None else f"{entity_id} #{authorization} ({record['resource']})"
    _say(
        t(
            "registry.status",
            lang.value,
            subject=subject,
            status=event["status"],
            effective_from=event["effective_from"],
            retroactive=event["retroactive"],
        )
    )


_ENTITY_HELP = "Entity id (URL) or a sandbox issuer's short id."
_AUTH_HELP = "Only this authorization of the entity (its id, see: registry entity)."
_FROM_HELP = f"When it takes effect (default now). {DATE_HELP}"
_RETRO_HELP = (
    "Whether it also covers what was issued before that date, once in force "
    "(default: yes for revocation, no for suspension)."
)


@registry_app.command("suspend")
def registry_suspend(
    entity: str = typer.Argument(..., help=_ENTITY_HELP),
    authorization: int | None = typer.Option(None, "--authorization", help=_AUTH_HELP),
    reason: str | None = typer.Option(None, "--reason", help="Why (required)."),
    effective_from: str | None = typer.Option(None, "--effective-from", help=_FROM_HELP),
    retroactive: bool | None = typer.Option(None, "--retroactive/--not-retroactive", help=_RETRO_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the record as JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Suspend an issuer (or one authorization) from a date.

    Credentials issued before that date stay acceptable unless the suspension is retroactive.
    """
    _set_status("suspended", entity, authorization, reason, effective_from, retroactive, as_json, lang)


@registry_app.command("reinstate")
def registry_reinstate(
    entity: str = typer.Argument(..., help=_ENTITY_HELP),
    authorization: int | None = typer.Option(None, "--authorization", help=_AUTH_HELP),
    reason: str | None = typer.Option(None, "--reason", help="Why (optional)."),
    effective_from: str | None = typer.Option(None, "--effective-from", help=_FROM_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the record as JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Lift a suspension from a date (a revocation cannot be lifted)."""
    _set_status("active", entity, authorization, reason, effective_from, None, as_json, lang)


@registry_app.command("revoke")
def registry_revoke(
    entity: str = typer.Argument(..., help=_ENTITY_HELP),
    authorization: int | None = typer.Option(None, "--authorization", help=_AUTH_HELP),
    reason: str | None = typer.Option(None, "--reason", help="Why (required)."),
    effective_from: str | None = typer.Option(None, "--effective-from", help=_FROM_HELP),
    retroactive: bool | None = typer.Option(None, "--retroactive/--not-retroactive", help=_RETRO_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the record as JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Revoke an issuer (or one authorization) for good.

    By default what it issued before the revocation is rejected too (--not-retroactive spares it).
    """
    _set_status("revoked", entity, authorization, reason, effective_from, retroactive, as_json, lang)


@key_app.command("add")
def key_add(
    entity: str = typer.Argument(..., help=_ENTITY_HELP),
    jwk: Path = typer.Option(
        ..., "--jwk", help="File with the new public JWK, or a JWKS holding that one key (keygen --jwks writes it)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the entity as JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Register one more public key for an entity: the first half of a key rotation."""
    key = read_json_file(jwk, "JWK")
    if isinstance(key, dict) and isinstance(key.get("keys"), list) and len(key["keys"]) == 1 and len(key) == 1:
        key = key["keys"][0]  # one key, as keygen --jwks writes it
    if not isinstance(key, dict) or "keys" in key:
        fail(f"bad_request: {jwk} must hold one JWK object, or a JWKS with exactly one key")
    service = _service()
    entity_id = entity_ref(service.settings, entity)
    record = guarded(lambda: service.add_key(entity_id, key))
    if as_json:
        _print_json(record)
        return
    keys = record["jwks"]["keys"]
    _say(t("registry.key_added", lang.value, kid=keys[-1]["kid"], entity=entity_id, count=len(keys)))


@key_app.command("refresh")
def key_refresh(
    entity: str = typer.Argument(..., help="The entity's did:web DID."),
    as_json: bool = typer.Option(False, "--json", help="Print the entity as JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Read a did:web entity's DID document again and register the keys it lists that the
    registry does not hold yet: how a DID issuer's new key becomes known. None is removed, even one
    the document dropped; retire it with `key retire`.
    """
    service = _service()
    entity_id = entity_ref(service.settings, entity)
    held = len(guarded(lambda: service.entity(entity_id))["jwks"]["keys"])
    record = guarded(lambda: service.refresh_keys(entity_id))
    if as_json:
        _print_json(record)
        return
    count = len(record["jwks"]["keys"])
    _say(t("registry.keys_refreshed", lang.value, added=count - held, entity=entity_id, count=count))


def _key_event(
    entity: str, kid: str, event: str, effective_from: str | None, reason: str | None, as_json: bool, lang: Lang
) -> None:
    service = _service()
    entity_id = entity_ref(service.settings, entity)
    record = guarded(
        lambda: service.key_event(entity_id, kid, event, effective_from=_when(effective_from), reason=reason)
    )
    if as_json:
        _print_json(record)
        return
    done = record["key_events"][-1]
    _say(
        t(
            "registry.key_event",
            lang.value,
            kid=kid,
            entity=entity_id,
            event=event,
            effective_from=done["effective_from"],
        )
    )


@key_app.command("retire")
def key_retire(
    entity: str = typer.Argument(..., help=_ENTITY_HELP),
    kid: str = typer.Argument(..., help="The kid of the key to retire (one that begins with '-' goes after '--')."),
    effective_from: str | None = typer.Option(None, "--effective-from", help=_FROM_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the entity as JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Retire a key from a date: what it signed before still verifies, nothing signed after.

    The entity must keep another usable key: add the new one first.
    """
    _key_event(entity, kid, "retired", effective_from, None, as_json, lang)


@key_app.command("compromise")
def key_compromise(
    entity: str = typer.Argument(..., help=_ENTITY_HELP),
    kid: str = typer.Argument(..., help="The kid of the compromised key (one that begins with '-' goes after '--')."),
    since: str = typer.Option(..., "--since", help=f"From when it is to be distrusted. {DATE_HELP}"),
    reason: str | None = typer.Option(None, "--reason", help="What happened (required)."),
    as_json: bool = typer.Option(False, "--json", help="Print the entity as JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """Declare a key compromised since a date: everything it signed from then on is rejected."""
    _key_event(entity, kid, "compromised", since, reason, as_json, lang)


@registry_app.command("audit")
def registry_audit(
    verify: bool = typer.Option(
        False, "--verify", help="Check the hash chain instead of listing; exit 1 when it is broken."
    ),
    after: int = typer.Option(0, "--after", help="List entries after this sequence number."),
    limit: int = typer.Option(1000, "--limit", help="List at most this many entries."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
) -> None:
    """The registry's append-only audit log: every governance action, chained by hash."""
    service = _service()
    if not verify:
        entries = guarded(lambda: service.audit_log(after=after, limit=limit))
        if as_json:
            _print_json(entries)
            return
        table = _table("#", *(t(f"col.{c}", lang.value) for c in ("when", "actor", "action", "subject")))
        for e in entries:
            table.add_row(str(e["seq"]), e["at"], e["actor"], e["action"], escape(e["subject"]))
        out.print(table)
        return
    verdict = guarded(service.verify_audit_log)
    if as_json:
        _print_json(verdict)
    elif verdict["valid"]:
        _say(t("registry.audit_valid", lang.value, entries=verdict["entries"], head=verdict["head"]))
    else:
        _say(t("registry.audit_broken", lang.value, seq=verdict["broken_at"], problem=verdict["problem"]))
    raise typer.Exit(0 if verdict["valid"] else 1)

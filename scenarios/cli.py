"""``pctf-sandbox``: run the sandbox, tell its stories, and drive it from scripts and tests.

Every command keeps its state under ``PCTF_DATA_DIR`` so commands can be chained. Bad input
gets one line on stderr and exit code 2; ``verify`` exits 0 when accepted and 1 when rejected.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from pctf.clock import SystemClock
from pctf.i18n import t

from .cli_support import Lang, fail, guarded, out, read_json_file, read_text_arg, settings
from .issuer_cli import issuer_app
from .registry_cli import registry_app

app = typer.Typer(help="PCTF digital-trust sandbox: issuers, wallets, a trust registry and relying parties.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
ISSUER_HELP = "Issuer short id: prov1, prov2, terr1, terr2, fed, vitalstats."
demo_app = typer.Typer(help="Run a story end to end, narrated.", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
app.add_typer(issuer_app, name="issuer")
app.add_typer(demo_app, name="demo")

# -- running the sandbox ------------------------------------------------------------------
@app.command()
def up(host: Optional[str] = typer.Option(None, help="Interface to listen on (default PCTF_HOST or 127.0.0.1)."),
       port: Optional[int] = typer.Option(None, help="Port (default PCTF_PORT or 8600)."),
       lang: Lang = typer.Option(Lang.en, help="Language of the messages.")) -> None:
    """Serve every service (registry, issuers, wallet, relying parties) on one local port."""
    import uvicorn

    from .stack import build_app, port_in_use

    s = settings()
    if host or port:
        s = s.model_copy(update={k: v for k, v in (("host", host), ("port", port)) if v})
    if port_in_use(s.host, s.port):
        fail(f"port {s.port} is already in use; choose another with --port or PCTF_PORT")
    application = guarded(lambda: build_app(s, SystemClock()))
    out.print(t("up.serving", lang.value, url=s.base_url, data_dir=s.data_dir))
    uvicorn.run(application, host=s.host, port=s.port, log_level="warning")


@app.command()
def serve(service: str = typer.Argument(..., help="registry, issuers, wallet or verifier."),
          host: str = typer.Option("0.0.0.0", help="Interface to listen on."),
          port: int = typer.Option(8600, help="Port to listen on.")) -> None:
    """Serve one service alone (each in its own container, as in docker-compose.yml)."""
    import uvicorn

    from .stack import build_service_app

    s = settings()
    application = guarded(lambda: build_service_app(service, s, SystemClock()))
    uvicorn.run(application, host=host, port=port, log_level="info")


@app.command()
def types(as_json: bool = typer.Option(False, "--json", help="Print JSON."),
          lang: Lang = typer.Option(Lang.en, help="Language of the labels.")) -> None:
    """The credential types, their vct values and claims."""
    from pctf.vocab import CREDENTIAL_TYPES

    described = [ct.describe() for ct in CREDENTIAL_TYPES.values()]
    if as_json:
        print(json.dumps(described, indent=2, ensure_ascii=False))
        return
    table = Table("type", "vct", "claims")
    for d in described:
        table.add_row(f"{d['type']}\n{d['label'][lang.value]}", d["vct"], ", ".join(c["name"] for c in d["claims"]))
    out.print(table)


@app.command()
def issue(issuer: str = typer.Option(..., "--issuer", help=ISSUER_HELP),
          type_: str = typer.Option(..., "--type", help="Credential type name or vct, e.g. VerifiedPerson."),
          holder_jwk: Path = typer.Option(..., "--holder-jwk", help="File with the holder's JWK (private members are dropped)."),
          claims: str = typer.Option(..., "--claims", help="The claims as a JSON object.")) -> None:
    """Mint a credential from a simulated issuer and print it in SD-JWT issuance form."""
    from issuers.service import IssuerService
    from pctf.jose import public_jwk_only

    from .stack import bootstrap

    s = settings()
    jwk = read_json_file(holder_jwk, "holder key")
    try:
        claim_set = json.loads(claims)
    except ValueError as exc:
        fail(f"claims_invalid: --claims is not valid JSON ({exc})")
    if not isinstance(jwk, dict):
        fail("bad_request: the holder key file must hold a JWK object")
    clock = SystemClock()

    def run() -> str:
        bootstrap(s, clock)
        return IssuerService(s, clock).mint(issuer, type_, claim_set, public_jwk_only(jwk))

    print(guarded(run))


@app.command()
def keygen(out: Optional[Path] = typer.Option(None, "--out", help="Write the key to this file (mode 0600) "
                                                                 "instead of standard output.")) -> None:
    """Generate a holder key (a private ES256 JWK) for issue --holder-jwk and present."""
    import os

    from pctf.jose import generate_key

    text = json.dumps(generate_key().private_jwk, indent=2)
    if out is None:
        print(text)
        return
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fail(f"{out} already exists; keys are never overwritten")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    with os.fdopen(fd, "w") as fh:
        fh.write(text + "\n")


@app.command()
def present(credential: str = typer.Argument("-", help="File holding the credential (SD-JWT issuance form), or -."),
            holder_jwk: Path = typer.Option(..., "--holder-jwk", help="File with the holder's private JWK."),
            aud: str = typer.Option(..., help="The verifier the presentation is for (KB-JWT aud)."),
            nonce: str = typer.Option(..., help="The verifier's nonce (KB-JWT nonce)."),
            disclose: Optional[list[str]] = typer.Option(
                None, "--disclose", help="A claim to reveal, e.g. given_name or address.locality; repeatable. "
                                         "Default: every claim.")) -> None:
    """Build a presentation with key binding, revealing only the chosen claims (the holder's side)."""
    from pctf import sdjwt
    from pctf.jose import SigningKey, has_private_parts

    text = read_text_arg(credential, "credential")
    jwk = read_json_file(holder_jwk, "holder key")
    if not isinstance(jwk, dict) or not has_private_parts(jwk):
        fail("bad_request: the holder key file must hold the private JWK (from pctf-sandbox keygen)")
    reveal = [tuple(p.split(".")) for p in disclose] if disclose else None

    def run() -> str:
        issued = sdjwt.SdJwt.parse(text)
        paths = reveal if reveal is not None else [(k,) for k in sdjwt.resolve_disclosures(issued.payload,
                                                                                          issued.disclosures)[0]]
        return sdjwt.present(text, SigningKey(private_jwk=jwk), reveal=paths, aud=aud, nonce=nonce,
                             iat=SystemClock().timestamp())

    print(guarded(run))


@app.command()
def verify(presentation: str = typer.Argument("-", help="File holding the presentation, or - for stdin."),
           aud: str = typer.Option(..., help="The audience the key binding JWT must name."),
           nonce: str = typer.Option(..., help="The nonce the key binding JWT must carry."),
           type_: Optional[str] = typer.Option(None, "--type", help="Require this credential type (name or vct).")) -> None:
    """Verify an SD-JWT VC presentation with key binding against the registry.

    Prints the JSON verdict; exit 0 when accepted, 1 when rejected, 2 on unusable input.
    """
    from issuers.service import IssuerService
    from issuers.status import LocalStatusSource
    from pctf.http import make_client
    from pctf.statuslist import HttpStatusSource
    from pctf.vocab import credential_type
    from registry.client import LocalTrust
    from registry.service import RegistryService
    from verifier.engine import VerificationEngine

    from .stack import bootstrap

    s = settings()
    text = read_text_arg(presentation, "presentation")
    vcts = [guarded(lambda: credential_type(type_)).vct] if type_ else None
    clock = SystemClock()

    def run() -> dict:
        bootstrap(s, clock)
        # The sandbox's own status lists are read from the issuers' store; anyone else's over HTTP.
        with make_client(s) as http:
            status = LocalStatusSource(IssuerService(s, clock), fallback=HttpStatusSource(http))
            engine = VerificationEngine(LocalTrust(RegistryService(s, clock)), clock, status=status,
                                        kb_max_age=s.kb_max_age_seconds, leeway=s.leeway_seconds)
            return engine.verify_single(text, aud=aud, nonce=nonce, expected_vcts=vcts).as_dict()

    verdict = guarded(run)
    print(json.dumps(verdict, indent=2, ensure_ascii=False))
    raise typer.Exit(0 if verdict["accepted"] else 1)


# -- stories --------------------------------------------------------------------------------
@demo_app.command("sasha")
def demo_sasha(lang: Lang = typer.Option(Lang.en, help="Tell the story in English or French."),
               as_json: bool = typer.Option(False, "--json", help="Print only the bank's verdict, as JSON."),
               interactive: bool = typer.Option(False, "--interactive", "-i",
                                                help="Ask before Sasha's wallet shares anything (for live demos).")) -> None:
    """Sasha proves who she is, incorporates, and opens a business bank account online."""
    from pctf.http import make_client

    from . import sasha
    from .narration import Narrator
    from .stack import is_sandbox, port_in_use, start_in_thread

    s = settings()
    narrator = Narrator(out, lang.value, quiet=as_json)
    server = None
    if port_in_use(s.host, s.port):
        if not is_sandbox(s.base_url):
            fail(f"port {s.port} is taken by another program; set PCTF_PORT to a free port")
        narrator.note(t("demo.using", lang.value, url=s.base_url))
    else:
        server = guarded(lambda: start_in_thread(s, SystemClock()))
        narrator.note(t("demo.started", lang.value, url=s.base_url, data_dir=s.data_dir))
    try:
        narrator.title(t("demo.title", lang.value))
        with make_client(s) as http:
            decide = (lambda _review: typer.confirm(t("consent.ask", lang.value), default=True)) if interactive else True
            result = guarded(lambda: sasha.run(s.base_url, http, narrator, approve=decide))
        verdict = result["verdict"]
        if as_json:
            print(json.dumps(verdict, indent=2, ensure_ascii=False))
        else:
            narrator.outcome(verdict, result["legal_name"])
    finally:
        if server:
            server.stop()
    raise typer.Exit(0 if verdict["accepted"] else 1)


@demo_app.command("onboarding")
def demo_onboarding(lang: Lang = typer.Option(Lang.en, help="Tell the story in English or French."),
                    as_json: bool = typer.Option(False, "--json", help="Print only the outcome, as JSON."),
                    keep: Optional[Path] = typer.Option(None, "--data-dir", help="Keep the story's sandbox data "
                                                        "here (default: a temporary directory, removed after).")) -> None:
    """Territory 2 applies to the trust registry, passes conformance, is assessed and accredited;
    the bank accepts its credentials at once, and refuses those issued after its suspension.

    The story runs in a sandbox of its own (a fresh data directory, a free port) where Territory 2
    starts unaccredited, so it never changes the sandbox you run with `up`.
    """
    import tempfile

    from pctf.http import make_client

    from . import onboarding
    from .narration import Narrator
    from .stack import start_in_thread

    base = settings()
    with tempfile.TemporaryDirectory(prefix="pctf-onboarding-") as tmp:
        data_dir = keep or Path(tmp)
        s = _story_settings(base, data_dir)
        narrator = Narrator(out, lang.value, quiet=as_json)
        server = guarded(lambda: start_in_thread(s, SystemClock(), withhold=("terr2",)))
        try:
            narrator.note(t("onboarding.sandbox", lang.value, url=s.base_url, data_dir=data_dir))
            narrator.title(t("onboarding.title", lang.value))
            with make_client(s) as http:
                result = guarded(lambda: onboarding.run(
                    s.base_url, http, narrator, governance_token=s.resolved_governance_token(),
                    assessor_token=s.resolved_secret("assessor", s.assessor_token)))
        finally:
            server.stop()
    _story_end(result, "onboarding", lang, as_json)


@demo_app.command("cross-jurisdiction")
def demo_cross_jurisdiction(lang: Lang = typer.Option(Lang.en, help="Tell the story in English or French."),
                            as_json: bool = typer.Option(False, "--json", help="Print only the outcome, as JSON.")
                            ) -> None:
    """Nora uses her Territory 1 Verified Person at a Province 2 service, once the pan-Canadian
    framework recognizes Territory 1's own trust framework (TRQP recognition).

    Runs in a sandbox of its own (fresh data directory, free ports) beside a second registry,
    Territory 1's, so it never changes the sandbox you run with `up`.
    """
    import tempfile

    from pctf.http import make_client
    from registry.app import create_app as create_registry_app

    from . import cross_jurisdiction
    from .narration import Narrator
    from .stack import free_port, serve_in_thread, start_in_thread

    base = settings()
    with tempfile.TemporaryDirectory(prefix="pctf-cross-") as tmp:
        s = _story_settings(base, Path(tmp) / "sandbox")
        port = free_port(base.host)
        t1 = s.model_copy(update={"data_dir": Path(tmp) / "terr1-framework", "port": port,
                                  "registry_url": f"http://{base.host}:{port}", "governance_token": None})
        narrator = Narrator(out, lang.value, quiet=as_json)
        framework = guarded(lambda: serve_in_thread(create_registry_app(t1, SystemClock()), t1.host, t1.port))
        server = guarded(lambda: start_in_thread(s, SystemClock(), withhold=("terr1",)))
        try:
            narrator.note(t("cross.sandbox", lang.value, url=s.base_url, framework=t1.registry_authority_id))
            narrator.title(t("cross.title", lang.value))
            with make_client(s) as http:
                result = guarded(lambda: cross_jurisdiction.run(
                    s.base_url, http, narrator, framework_api=t1.registry_authority_id,
                    framework_token=t1.resolved_governance_token(), governance_token=s.resolved_governance_token()))
        finally:
            server.stop()
            framework.stop()
    _story_end(result, "cross", lang, as_json)


@demo_app.command("death-notification")
def demo_death_notification(lang: Lang = typer.Option(Lang.en, help="Tell the story in English or French."),
                            as_json: bool = typer.Option(False, "--json", help="Print only the outcome and the "
                                                         "propagation figures, as JSON."),
                            ttl: int = typer.Option(2, "--ttl", min=1, max=300,
                                                    help="Status list ttl of the story's sandbox, in seconds: how "
                                                         "long a verifier may answer from a cached list.")) -> None:
    """Sasha's father's Verified Person works at the federal benefits service; vital statistics
    registers his death; every issuer revokes his credentials and the same presentation is
    refused with credential_revoked. Prints how long that took, stage by stage.

    Runs in a sandbox of its own (fresh data directory, free port) whose status lists carry a
    short ttl, so the story does not wait the default five minutes; the ttl is printed, and it
    bounds the last stage of the propagation.
    """
    import tempfile

    from pctf.http import make_client

    from . import death_notification
    from .narration import Narrator
    from .stack import start_in_thread

    base = settings()
    with tempfile.TemporaryDirectory(prefix="pctf-death-") as tmp:
        s = _story_settings(base, Path(tmp)).model_copy(update={"status_list_ttl_seconds": ttl,
                                                                 "issuer_admin_token": None})
        narrator = Narrator(out, lang.value, quiet=as_json)
        server = guarded(lambda: start_in_thread(s, SystemClock()))
        try:
            narrator.note(t("death.sandbox", lang.value, url=s.base_url, data_dir=tmp, ttl=ttl))
            narrator.title(t("death.title", lang.value))
            with make_client(s) as http:
                result = guarded(lambda: death_notification.run(
                    s.base_url, http, narrator, staff_token=s.resolved_secret("issuer-admin"), ttl_seconds=ttl))
        finally:
            server.stop()
    _story_end(result, "death", lang, as_json)


def _story_end(result: dict, story: str, lang: Lang, as_json: bool) -> None:
    """Print a story's outcome (one line, or the JSON document) and exit 0 when it went as told."""
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        key = f"{story}.ok" if result["ok"] else f"{story}.not_ok"
        out.print(f"[bold {'green' if result['ok'] else 'red'}]{t(key, lang.value)}[/]")
    raise typer.Exit(0 if result["ok"] else 1)


def _story_settings(base, data_dir: Path):
    """Settings for a story that runs in a sandbox of its own: a fresh data dir, a free port,
    embedded storage, every service on that one port, events in process (a story's events must
    never reach a sandbox that shares a broker)."""
    from .stack import free_port

    return base.model_copy(update={"data_dir": data_dir, "port": free_port(base.host), "public_url": None,
                                   "registry_url": None, "issuers_url": None, "wallet_url": None,
                                   "verifier_url": None, "database_url": None, "event_bus": "memory://"})


# -- issuer conformance ------------------------------------------------------------------------
@app.command()
def conformance(issuer_url: str = typer.Argument(..., help="The issuer's identifier: its credential_issuer and iss URL."),
                offer: Optional[str] = typer.Option(
                    None, "--offer", help="A test credential offer for a test subject: an openid-credential-offer:// "
                                          "URI, a JSON object, or a file holding either (- for stdin)."),
                tx_code: Optional[str] = typer.Option(None, "--tx-code", help="The offer's transaction code, if it needs one."),
                as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON document."),
                lang: Lang = typer.Option(Lang.en, help="Language of the table.")) -> None:
    """Check an issuer's live endpoints as the trust registry does before accreditation.

    The checks, in order (a check whose prerequisite failed is reported as skipped):
    credential_issuer_metadata: OpenID4VCI metadata names the issuer, a credential endpoint, SD-JWT VC types (vct).
    jwt_vc_issuer_metadata: SD-JWT VC issuer metadata names the issuer and publishes jwks or jwks_uri.
    keys_acceptable: the registry's key rule: allowed curves, valid points, no private parts, unique kids.
    test_issuance: a throwaway wallet redeems the test offer (pre-authorized code flow, tx_code, key proof).
    credential_verifies: typ, issuer signature by a published key, iss, cnf, iat/exp, vct, key binding.
    required_claims: the credential carries every claim its PCTF type requires.
    status_list: a referenced status list token is served, typed statuslist+jwt, signed, sub = its uri.

    Exit 0 when every check passes, 1 when any fails, 2 on unusable input.
    """
    from pctf.http import make_client
    from registry.conformance import run_conformance
    from wallet.oid4vci import parse_offer

    s = settings()
    supplied = None
    if offer is not None:
        text = offer.strip() if offer.lstrip().startswith("{") or "://" in offer else read_text_arg(offer, "offer")
        supplied = guarded(lambda: parse_offer(text))
    with make_client(s) as http:
        report = guarded(lambda: run_conformance(issuer_url, http=http, clock=SystemClock(), offer=supplied,
                                                 tx_code=tx_code, leeway=s.leeway_seconds))
    if as_json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        from rich.text import Text

        table = Table()
        for column in ("col.check", "col.result", "col.evidence"):
            table.add_column(t(column, lang.value), overflow="fold")
        for check in report.checks:
            result = Text(t("pass", lang.value), style="green") if check.passed else \
                Text(f"{t('fail', lang.value)}\n{check.reason}", style="bold red")
            table.add_row(Text(f"{check.id}\n{t('conformance.' + check.id, lang.value)}"), result,
                          Text("\n".join(check.evidence)))
        out.print(table)
        failed = [c.id for c in report.checks if not c.passed]
        out.print(t("conformance.passed", lang.value, issuer=report.issuer) if report.passed else
                  t("conformance.failed", lang.value, issuer=report.issuer, checks=", ".join(failed)), highlight=False)
    raise typer.Exit(0 if report.passed else 1)


# -- credential status: the holder's view, and issuer staff's actions ------------------------------
wallet_app = typer.Typer(help="Look into a persona's wallet.", no_args_is_help=True)
credential_app = typer.Typer(help="Issuer staff: list issued credentials, suspend, reinstate or revoke one.",
                             no_args_is_help=True)
app.add_typer(wallet_app, name="wallet")
app.add_typer(credential_app, name="credential")

_STATUS_STYLES = {"valid": "green", "expiring_soon": "yellow", "expired": "red", "suspended": "yellow",
                  "revoked": "bold red", "unknown": "dim", "replaced": "dim"}


@wallet_app.command("list")
def wallet_list(persona: str = typer.Argument(..., help="The wallet's persona, e.g. sasha."),
                as_json: bool = typer.Option(False, "--json", help="Print JSON."),
                lang: Lang = typer.Option(Lang.en, help="Language of the labels.")) -> None:
    """Each credential in the wallet: type, issuer, expiry and live status (valid, expiring soon,
    expired, suspended, revoked, or unknown when the status list cannot be read)."""
    from issuers.service import IssuerService
    from issuers.status import LocalStatusSource
    from pctf.http import make_client
    from pctf.statuslist import HttpStatusSource
    from wallet.service import WalletService

    from .narration import issuer_label, type_label

    s = settings()
    clock = SystemClock()

    def run() -> list[dict]:
        issuers = IssuerService(s, clock)
        with make_client(s) as http:
            wallet: WalletService | None = None

            def issuer_keys(issuer: str) -> list[dict]:
                # The sandbox's issuers from their own store (no server needed); others as published.
                short_id = issuers.short_id_for(issuer)
                return issuers.jwks(short_id)["keys"] if short_id else wallet.published_keys(issuer)

            wallet = WalletService(s, clock, http, status_source=LocalStatusSource(issuers, HttpStatusSource(http)),
                                   issuer_keys=issuer_keys)
            return wallet.credentials(persona)

    held = guarded(run)
    if as_json:
        print(json.dumps(held, indent=2, ensure_ascii=False))
        return
    if not held:
        out.print(t("wallet.empty", lang.value, wallet=persona))
        return
    table = Table(t("col.type", lang.value), t("col.issuer", lang.value), t("col.expires", lang.value),
                  t("col.status", lang.value), title=t("wallet.title", lang.value, wallet=persona))
    for cred in held:
        short_id = cred["issuer"].rstrip("/").rsplit("/", 1)[-1]
        status = cred["status"]
        table.add_row(type_label(cred["type"], lang.value), issuer_label(short_id, lang.value),
                      cred["expires_at"][:10], f"[{_STATUS_STYLES.get(status, '')}]{t('status.' + status, lang.value)}[/]")
    out.print(table)
    for cred in held:
        label = type_label(cred["type"], lang.value)
        if cred["replaced_by"] is not None:
            out.print(t("wallet.replaced_by", lang.value, id=cred["id"], type=label, new=cred["replaced_by"]),
                      highlight=False)
        elif "renew" in cred["actions"]:
            out.print(t("wallet.renew_hint", lang.value, id=cred["id"], type=label, wallet=persona,
                        status=t("status." + cred["status"], lang.value)), highlight=False)


@wallet_app.command("renew")
def wallet_renew(persona: str = typer.Argument(..., help="The wallet's persona, e.g. sasha."),
                 credential_id: int = typer.Argument(..., help="The credential's id (wallet list --json)."),
                 as_json: bool = typer.Option(False, "--json", help="Print JSON."),
                 lang: Lang = typer.Option(Lang.en, help="Language of the messages.")) -> None:
    """Renew a credential that expires soon or has expired: the wallet proves possession to its
    issuer, redeems the renewal offer over OpenID4VCI, and keeps the old one as replaced.

    Uses the sandbox running at PCTF_PORT, or starts one for the duration of the command.
    """
    from pctf.http import checked_json, make_client

    from .narration import type_label
    from .stack import is_sandbox, port_in_use, start_in_thread

    s = settings()
    server = None
    if not s.wallet_url:  # the embedded sandbox: use it, or run it for this command
        if port_in_use(s.host, s.port):
            if not is_sandbox(s.base_url):
                fail(f"port {s.port} is taken by another program; set PCTF_PORT to a free port")
        else:
            server = guarded(lambda: start_in_thread(s, SystemClock()))
    try:
        with make_client(s) as http:
            renewed = guarded(lambda: checked_json(http.post(
                f"{s.service_url('wallet')}/wallet/{persona}/credentials/{credential_id}/renew")))
    finally:
        if server:
            server.stop()
    if as_json:
        print(json.dumps(renewed, indent=2, ensure_ascii=False))
        return
    new = renewed["credential"]
    out.print(t("wallet.renewed", lang.value, old=renewed["replaced"], new=new["id"],
                type=type_label(new["type"], lang.value), expires=new["expires_at"][:10]), highlight=False)


@credential_app.command("list")
def credential_list(issuer: str = typer.Option(..., "--issuer", help=ISSUER_HELP),
                    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
                    lang: Lang = typer.Option(Lang.en, help="Language of the labels.")) -> None:
    """The credentials an issuer has issued, with the issuance number credential status takes."""
    from issuers.service import IssuerService
    from pctf.vocab import type_for_vct

    from .narration import type_label

    s = settings()
    rows = guarded(lambda: IssuerService(s, SystemClock()).issuances(issuer))
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(t("col.issuance", lang.value), t("col.type", lang.value), t("col.loa", lang.value),
                  t("col.issued", lang.value), t("col.expires", lang.value), t("col.status", lang.value))
    for r in rows:
        ctype = type_for_vct(r["vct"])
        table.add_row(str(r["id"]), type_label(ctype.name, lang.value) if ctype else r["vct"], str(r["assurance_level"]),
                      r["issued_at"][:10], r["expires_at"][:10],
                      f"[{_STATUS_STYLES.get(r['status'], '')}]{t('status.' + r['status'], lang.value)}[/]")
    out.print(table)


@credential_app.command("status")
def credential_status(issuer: str = typer.Option(..., "--issuer", help=ISSUER_HELP),
                      issuance: str = typer.Option(..., "--issuance", help="The issuance number (credential list)."),
                      set_: str = typer.Option(..., "--set", help="suspended, revoked (final) or valid (reinstate)."),
                      reason: Optional[str] = typer.Option(None, "--reason", help="Why, for the issuer's records."),
                      as_json: bool = typer.Option(False, "--json", help="Print the updated issuance as JSON."),
                      lang: Lang = typer.Option(Lang.en, help="Language of the messages.")) -> None:
    """Suspend, reinstate or revoke one credential. Verifiers see it once their cached status
    list expires (its ttl, PCTF_STATUS_LIST_TTL_SECONDS). Revocation cannot be undone."""
    from issuers.service import CREDENTIAL_STATUSES, IssuerService

    if not issuance.isdigit() or not 1 <= int(issuance) <= 2**63 - 1:
        fail(f"bad_request: --issuance must be a positive integer, not {issuance!r}")
    if set_ not in CREDENTIAL_STATUSES:
        fail(f"bad_request: --set must be one of {', '.join(CREDENTIAL_STATUSES)}, not {set_!r}")
    s = settings()
    updated = guarded(lambda: IssuerService(s, SystemClock()).set_status(issuer, int(issuance), set_, reason))
    if as_json:
        print(json.dumps(updated, indent=2, ensure_ascii=False))
        return
    out.print(t("credential.status_set", lang.value, issuance=updated["id"], issuer=issuer,
                status=t(f"status.{updated['status']}", lang.value)))


if __name__ == "__main__":
    app()

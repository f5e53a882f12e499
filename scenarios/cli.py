"""``pctf-sandbox``: run the sandbox, tell its stories, and drive it from scripts and tests.

Every command keeps its state under ``PCTF_DATA_DIR`` so commands can be chained. Bad input
gets one line on stderr and exit code 2; ``verify`` exits 0 when accepted and 1 when rejected.
"""
from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Optional

import typer
from rich.console import Console
from rich.table import Table

from pctf.clock import SystemClock
from pctf.i18n import t
from pctf.reasons import SandboxError
from pctf.settings import Settings

app = typer.Typer(help="PCTF digital-trust sandbox: issuers, wallets, a trust registry and relying parties.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
registry_app = typer.Typer(help="Read and govern the trust registry.", no_args_is_help=True)
demo_app = typer.Typer(help="Run a story end to end, narrated.", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
app.add_typer(demo_app, name="demo")

out = Console()
err = Console(stderr=True)


class Lang(str, Enum):
    en = "en"
    fr = "fr"


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def guarded(fn: Callable[[], Any]) -> Any:
    """Turn a SandboxError (or unreadable input) into one clear line and exit code 2."""
    try:
        return fn()
    except SandboxError as exc:
        fail(f"{exc.reason.value}: {exc.message}")
    except OSError as exc:
        fail(f"{exc.filename or ''}: {exc.strerror or exc}")


def settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic validation of PCTF_* variables
        fail(f"invalid PCTF_* setting: {str(exc).splitlines()[0]}")
        raise


def read_json_file(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        fail(f"{what} file {path} does not exist")
    except ValueError as exc:
        fail(f"{what} file {path} is not valid JSON ({exc})")


def read_text_arg(source: str, what: str) -> str:
    """The stripped text of a file, or of standard input for ``-``; exit 2 when unusable."""
    if source == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(source).read_text()
        except OSError as exc:
            fail(f"cannot read {source}: {exc.strerror}")
    text = text.strip()
    if not text:
        fail(f"bad_request: the {what} is empty")
    return text


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
def issue(issuer: str = typer.Option(..., "--issuer", help="Issuer short id: prov1, prov2, terr1, terr2, fed."),
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


# -- the registry -----------------------------------------------------------------------------
def _entity_id(s: Settings, ident: str) -> str:
    return ident if "://" in ident else s.issuer_id(ident)


@registry_app.command("entity")
def registry_entity(entity_id: str = typer.Argument(..., help="Entity id (URL) or a sandbox issuer's short id."),
                    as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """An entity's record: jurisdiction, role, status, keys and authorizations."""
    from registry.service import RegistryService

    from .stack import bootstrap

    s = settings()
    clock = SystemClock()

    def run() -> dict:
        bootstrap(s, clock)
        return RegistryService(s, clock).entity(_entity_id(s, entity_id))

    record = guarded(run)
    if as_json:
        print(json.dumps(record, indent=2, ensure_ascii=False))
        return
    out.print(f"[bold]{record['name']}[/] ({record['entity_id']})")
    out.print(f"jurisdiction {record['jurisdiction']}, role {record['role']}, status {record['status']}, "
              f"{len(record['jwks']['keys'])} key(s)")
    table = Table("action", "resource", "LoA", "valid from", "valid until", "status")
    for a in record["authorizations"]:
        table.add_row(a["action"], a["resource"], str(a["assurance_level"]), a["valid_from"] or "",
                      a["valid_until"] or "", a["status"])
    out.print(table)


@registry_app.command("onboard")
def registry_onboard(entity_id: str = typer.Option(..., "--entity-id", help="The issuer's identifier (its iss URL)."),
                     jwks: Path = typer.Option(..., "--jwks", help="File with the issuer's public JWKS (or one JWK)."),
                     type_: str = typer.Option(..., "--type", help="Credential type it may issue, e.g. VerifiedPerson."),
                     loa: int = typer.Option(..., "--loa", min=1, max=4, help="Highest level of assurance (1-4)."),
                     name: Optional[str] = typer.Option(None, help="Display name (default: the entity id)."),
                     jurisdiction: str = typer.Option("external", help="Jurisdiction code, e.g. CA-BC."),
                     lang: Lang = typer.Option(Lang.en, help="Language of the messages.")) -> None:
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


# -- credential status: the holder's view, and issuer staff's actions ------------------------------
wallet_app = typer.Typer(help="Look into a persona's wallet.", no_args_is_help=True)
credential_app = typer.Typer(help="Issuer staff: list issued credentials, suspend, reinstate or revoke one.",
                             no_args_is_help=True)
app.add_typer(wallet_app, name="wallet")
app.add_typer(credential_app, name="credential")

_STATUS_STYLES = {"valid": "green", "expiring_soon": "yellow", "expired": "red", "suspended": "yellow",
                  "revoked": "bold red", "unknown": "dim"}


def _type_label(name: str, lang: str) -> str:
    from pctf.vocab import credential_type

    try:
        ctype = credential_type(name)
    except SandboxError:
        return name
    return ctype.label_fr if lang == "fr" else ctype.label_en


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

    from .narration import ISSUER_NAMES

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
        table.add_row(_type_label(cred["type"], lang.value), ISSUER_NAMES.get(short_id, cred["issuer"]),
                      cred["expires_at"][:10], f"[{_STATUS_STYLES.get(status, '')}]{t('status.' + status, lang.value)}[/]")
    out.print(table)


@credential_app.command("list")
def credential_list(issuer: str = typer.Option(..., "--issuer", help="Issuer short id: prov1, prov2, terr1, terr2, fed."),
                    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
                    lang: Lang = typer.Option(Lang.en, help="Language of the labels.")) -> None:
    """The credentials an issuer has issued, with the issuance number credential status takes."""
    from issuers.service import IssuerService
    from pctf.vocab import type_for_vct

    s = settings()
    rows = guarded(lambda: IssuerService(s, SystemClock()).issuances(issuer))
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(t("col.issuance", lang.value), t("col.type", lang.value), t("col.loa", lang.value),
                  t("col.issued", lang.value), t("col.expires", lang.value), t("col.status", lang.value))
    for r in rows:
        ctype = type_for_vct(r["vct"])
        table.add_row(str(r["id"]), _type_label(ctype.name, lang.value) if ctype else r["vct"], str(r["assurance_level"]),
                      r["issued_at"][:10], r["expires_at"][:10],
                      f"[{_STATUS_STYLES.get(r['status'], '')}]{t('status.' + r['status'], lang.value)}[/]")
    out.print(table)


@credential_app.command("status")
def credential_status(issuer: str = typer.Option(..., "--issuer", help="Issuer short id: prov1, prov2, terr1, terr2, fed."),
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

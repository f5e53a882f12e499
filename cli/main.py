"""``pctf-sandbox``: run the sandbox and drive it from scripts and tests; the command groups
(``demo``, ``registry``, ``issuer``, ``wallet``, ``credential``) live in modules of their own.

Every command keeps its state under ``PCTF_DATA_DIR`` so commands can be chained. Every failure
is one line on stderr and an exit code (see ``EXIT_CODES``): ``verify`` exits 0 when accepted
and 1 when rejected, unusable input is 2, an internal error 3.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from pctf.clock import SystemClock
from pctf.jose import SigningKey
from scenarios.i18n import t

from .ca import ca_app
from .credential import credential_app, wallet_app
from .db import db_app
from .demo import demo_app
from .issuer import issuer_app
from .offer import offer, request
from .registry import registry_app
from .secrets import init_secrets
from .simulate import simulate
from .support import (
    ISSUER_HELP,
    CatalogueCommand,
    GuardedGroup,
    Lang,
    fail,
    guarded,
    note,
    out,
    parse_json,
    read_holder_key,
    read_text_arg,
    settings,
)

EXIT_CODES = (
    "Exit codes: 0 ok; 1 a negative result the command documents (verify rejected, conformance "
    "failed, audit chain broken); 2 unusable input (a bad file, JSON, key, option value or PCTF_* "
    "setting); 3 internal error (PCTF_DEBUG=1 shows its traceback). Every failure is one line on stderr."
)

app = typer.Typer(
    help="PCTF digital-trust sandbox: issuers, wallets, a trust registry and relying parties.\n\n" + EXIT_CODES,
    cls=GuardedGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(registry_app, name="registry")
app.add_typer(issuer_app, name="issuer")
app.add_typer(demo_app, name="demo")
app.add_typer(wallet_app, name="wallet")
app.add_typer(credential_app, name="credential")
app.add_typer(db_app, name="db")
app.add_typer(ca_app, name="ca")
app.command("init-secrets")(init_secrets)
app.command("offer")(offer)
app.command("request")(request)
app.command("simulate", cls=CatalogueCommand)(simulate)


# -- running the sandbox ------------------------------------------------------------------
@app.command()
def up(
    host: str | None = typer.Option(None, help="Interface to listen on (default PCTF_HOST or 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default PCTF_PORT or 8600)."),
    lang: Lang = typer.Option(Lang.en, help="Language of the messages."),
    open_browser: bool = typer.Option(
        False, "--open", help="Open the dashboard in the default web browser, logged in as presenter."
    ),
    tls: bool = typer.Option(
        False,
        "--tls",
        help="Serve HTTPS with a certificate from the sandbox CA (real wallets refuse plain http); "
        "the default public URL becomes https://HOST:PORT. Also PCTF_TLS=1.",
    ),
) -> None:
    """Serve every service (registry, issuers, wallet, relying parties) and the dashboard on one local port.

    The sandbox serves the data in PCTF_DATA_DIR and records so in that directory (sandbox.json,
    removed when it stops): while it runs, every command with the same PCTF_DATA_DIR that needs
    the services (wallet renew, demo sasha) uses it. One sandbox per data directory.

    Prints the dashboard's address and the presenter's login link (it carries the presenter
    token: whoever opens it drives the stories). With --tls, also where the sandbox's root
    certificate is and its fingerprint: a wallet, phone or browser that trusts it accepts the
    sandbox's HTTPS (pctf-sandbox ca export writes it)."""
    import uvicorn

    from .stack import (
        STREAM_GRACE_SECONDS,
        build_app,
        open_when_up,
        port_in_use,
        server_certificate,
        serving,
        serving_sandbox,
    )

    s = settings()
    if host or port or tls:
        s = s.model_copy(update={k: v for k, v in (("host", host), ("port", port), ("tls", tls)) if v})
    if port_in_use(s.host, s.port):
        fail(f"port {s.port} is already in use; choose another with --port or PCTF_PORT")
    running = serving_sandbox(s)
    if running is not None:
        fail(
            f"the sandbox at {running['url']} (pid {running['pid']}) already serves {s.data_dir}; "
            "stop it first, or set PCTF_DATA_DIR to another data directory"
        )
    certificate = guarded(lambda: server_certificate(s)) if s.tls else None
    application = guarded(lambda: build_app(s, SystemClock()))
    out.print(t("up.serving", lang.value, url=s.base_url, data_dir=s.data_dir))
    if certificate is not None:
        from pctf.ca import SandboxCA

        ca = SandboxCA.open(s.data_dir)
        out.print(
            t("up.tls", lang.value, root=ca.root_path, fingerprint=ca.fingerprint, url=s.base_url),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    login = f"{s.base_url}/ui/login?token={s.resolved_presenter_token()}&next=/%3Flang%3D{lang.value}"
    out.print(t("up.dashboard", lang.value, url=s.base_url, login=login), soft_wrap=True)
    if open_browser:
        open_when_up(s.host, s.port, login)
    # The services log each request themselves (pctf.access), without identifiers or query strings;
    # X-Forwarded-For is not believed (a client could otherwise pick the address its failed
    # attempts are counted against).
    # An open dashboard keeps its live event stream open: Ctrl+C gives such streams a few seconds, not forever.
    with serving(s):
        uvicorn.run(
            application,
            host=s.host,
            port=s.port,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            timeout_graceful_shutdown=STREAM_GRACE_SECONDS,
            ssl_keyfile=str(certificate[0]) if certificate else None,
            ssl_certfile=str(certificate[1]) if certificate else None,
        )


@app.command()
def serve(
    service: str = typer.Argument(..., help="registry, issuers, wallet or verifier."),
    host: str = typer.Option("0.0.0.0", help="Interface to listen on."),
    port: int = typer.Option(8600, help="Port to listen on."),
    issuer: list[str] = typer.Option(
        [],
        "--issuer",
        help="With issuers: serve only this issuer (its short id, e.g. prov1), as its jurisdiction "
        "would run its own; repeatable. Default: every issuer.",
    ),
) -> None:
    """Serve one service alone (each in its own container, as in docker-compose.yml). The
    services find each other through the PCTF_*_URL settings (PCTF_ISSUER_URLS for issuers served
    apart), each over its own PCTF_DATA_DIR or PCTF_DATABASE_URL."""
    import uvicorn

    from .stack import build_service_app

    s = settings()
    application = guarded(lambda: build_service_app(service, s, SystemClock(), issuers=tuple(issuer) or None))
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=False, proxy_headers=False)


@app.command()
def types(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    lang: Lang = typer.Option(Lang.en, help="Language of the labels."),
) -> None:
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
def issue(
    issuer: str = typer.Option(..., "--issuer", help=ISSUER_HELP),
    type_: str = typer.Option(..., "--type", help="Credential type name or vct, e.g. VerifiedPerson."),
    holder_jwk: Path = typer.Option(
        ..., "--holder-jwk", help="File with the holder's JWK (private members are dropped)."
    ),
    claims: str = typer.Option(..., "--claims", help="The claims as a JSON object."),
) -> None:
    """Mint a credential from a simulated issuer and print it in SD-JWT issuance form."""
    from issuers.service import IssuerService

    from .stack import bootstrap

    s = settings()
    jwk = read_holder_key(holder_jwk, private=False)
    claim_set = parse_json(claims, "claims_invalid: --claims")
    clock = SystemClock()

    def run() -> str:
        bootstrap(s, clock)
        return IssuerService(s, clock).mint(issuer, type_, claim_set, jwk)

    print(guarded(run))


@app.command()
def keygen(
    out: Path | None = typer.Option(
        None, "--out", help="Write the key to this file (mode 0600) instead of standard output."
    ),
    jwks: Path | None = typer.Option(
        None,
        "--jwks",
        help="Also write the public key as a JWKS to this file: the form registry onboard --jwks "
        "takes for an issuer's keys.",
    ),
) -> None:
    """Generate a private ES256 JWK: a holder key for issue --holder-jwk and present, or an
    issuer's signing key, whose public JWKS --jwks writes for registry onboard."""
    from pctf.jose import generate_key

    key = generate_key()
    if out is not None and jwks is not None and out.resolve() == jwks.resolve():
        fail("bad_request: --out and --jwks must be different files (one holds the private key)")
    for path in (out, jwks):  # before writing either, so no half of a pair is left behind
        if path is not None and path.exists():
            fail(f"{path} already exists; keys are never overwritten")
    if jwks is not None:
        _write_new(jwks, json.dumps({"keys": [key.public_jwk]}, indent=2), mode=0o644)
    text = json.dumps(key.private_jwk, indent=2)
    if out is None:
        print(text)
        return
    _write_new(out, text, mode=0o600)


def _write_new(path: Path, text: str, *, mode: int) -> None:
    """Write a new file; an existing one is never overwritten (it may hold a key in use)."""
    import os

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        fail(f"{path} already exists; keys are never overwritten")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}")
    with os.fdopen(fd, "w") as fh:
        fh.write(text + "\n")


@app.command()
def present(
    credential: str = typer.Argument("-", help="File holding the credential (SD-JWT issuance form), or -."),
    holder_jwk: Path = typer.Option(..., "--holder-jwk", help="File with the holder's private JWK."),
    aud: str = typer.Option(..., help="The verifier the presentation is for (KB-JWT aud)."),
    nonce: str = typer.Option(..., help="The verifier's nonce (KB-JWT nonce)."),
    disclose: list[str] | None = typer.Option(
        None,
        "--disclose",
        help="A claim to reveal, e.g. given_name or address.locality; repeatable. Default: every claim.",
    ),
) -> None:
    """Build a presentation with key binding, revealing only the chosen claims (the holder's side)."""
    from pctf import sdjwt

    text = read_text_arg(credential, "credential")
    key = read_holder_key(holder_jwk, private=True)

    def run() -> str:
        paths = _reveal_paths(text, disclose or [])
        _check_bound_to(text, key)
        return sdjwt.present(text, key, reveal=paths, aud=aud, nonce=nonce, iat=SystemClock().timestamp())

    print(guarded(run))


def _reveal_paths(credential: str, disclose: list[str]) -> list[tuple[str | int, ...]]:
    """The claim paths to reveal: every claim when none is named, else each named one, which must
    exist in the credential; a misspelt name would otherwise reveal nothing, silently. Array
    elements are named by their index (``nationalities.0``)."""
    from pctf import sdjwt

    issued = sdjwt.SdJwt.parse(credential)
    claims, placed = sdjwt.resolve_disclosures(issued.payload, issued.disclosures)
    if not disclose:
        return [(name,) for name in claims]
    paths = {spec: _claim_path(claims, spec) for spec in disclose}
    found = [path for path in paths.values() if path is not None]
    if len(found) < len(paths):
        unknown = [spec for spec, path in paths.items() if path is None]
        disclosable = sorted({".".join(str(p) for p in d.path) for d in placed})
        fail(
            f"bad_request: the credential has no claim {', '.join(unknown)}; "
            f"its disclosable claims: {', '.join(disclosable) or 'none'}"
        )
    return found


def _check_bound_to(credential: str, key: SigningKey) -> None:
    """Refuse a key the credential is not bound to (its ``cnf.jwk``): every verifier would reject
    the presentation, so say so now. A credential without a usable ``cnf`` is left to them."""
    from pctf import sdjwt
    from pctf.jose import public_jwk_only, thumbprint

    cnf: Any = sdjwt.SdJwt.parse(credential).payload.get("cnf")
    try:
        bound = thumbprint(public_jwk_only(cnf["jwk"]))
    except (TypeError, KeyError, ValueError):
        return
    if bound != thumbprint(key.public_jwk):
        fail("bad_request: the credential is bound to another holder key (its cnf.jwk), not the one given")


def _claim_path(claims: dict[str, Any], spec: str) -> tuple[str | int, ...] | None:
    """``address.locality`` as the path of a claim the credential holds, or None when it holds none."""
    value: Any = claims
    path: list[str | int] = []
    for part in spec.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
            path.append(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
            path.append(int(part))
        else:
            return None
    return tuple(path)


@app.command()
def verify(
    presentation: str = typer.Argument("-", help="File holding the presentation, or - for stdin."),
    aud: str = typer.Option(..., help="The audience the key binding JWT must name."),
    nonce: str = typer.Option(..., help="The nonce the key binding JWT must carry."),
    type_: str | None = typer.Option(None, "--type", help="Require this credential type (name or vct)."),
) -> None:
    """Verify an SD-JWT VC presentation with key binding against the registry.

    Prints the JSON verdict; exit 0 when accepted, 1 when rejected, 2 on unusable input.
    """
    from issuers.service import IssuerService
    from issuers.status import LocalStatusSource
    from pctf.outbound import outbound_client
    from pctf.statuslist import MAX_TOKEN_BYTES, HttpStatusSource
    from pctf.vocab import credential_type
    from registry.local_trust import LocalTrust
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
        with outbound_client(s, max_body_bytes=MAX_TOKEN_BYTES) as http:
            status = LocalStatusSource(IssuerService(s, clock), fallback=HttpStatusSource(http))
            engine = VerificationEngine(
                LocalTrust(RegistryService(s, clock)),
                clock,
                status=status,
                kb_max_age=s.kb_max_age_seconds,
                leeway=s.leeway_seconds,
            )
            return engine.verify_single(text, aud=aud, nonce=nonce, expected_vcts=vcts).as_dict()

    verdict = guarded(run)
    print(json.dumps(verdict, indent=2, ensure_ascii=False))
    raise typer.Exit(0 if verdict["accepted"] else 1)


@app.command()
def routes(
    markdown: bool = typer.Option(False, "--markdown", help="Print the authorization matrix as Markdown."),
    as_json: bool = typer.Option(False, "--json", help="Print every route and its owners as JSON."),
) -> None:
    """Every route of every service and who may call it (the authorization matrix).

    Built from the services' own OpenAPI, where each route declares its owner; nothing is started
    and no data directory is touched.
    """
    import tempfile

    from pctf.access import matrix_markdown, route_access

    from .stack import build_app, openapi_documents

    with tempfile.TemporaryDirectory(prefix="pctf-routes-") as tmp:
        s = settings().model_copy(
            update={"data_dir": Path(tmp), "database_url": None, "event_bus": "memory://", "local_mode": True}
        )
        dispatcher = guarded(lambda: build_app(s, SystemClock()))
        documents = openapi_documents(dispatcher)
        for stop in dispatcher.on_shutdown:
            stop()
        from pctf.storage import dispose_all

        dispose_all()
    if markdown:
        print(matrix_markdown(documents), end="")
        return
    rows = [
        {"service": r.service, "method": r.method, "path": r.path, "owners": [o.value for o in r.owners]}
        for name, doc in documents.items()
        for r in route_access(name, doc)
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("service", "method", "path", "owner")
    for r in rows:
        table.add_row(str(r["service"]), str(r["method"]), str(r["path"]), ", ".join(r["owners"]))
    out.print(table)


# -- issuer conformance ------------------------------------------------------------------------
@app.command()
def conformance(
    issuer_url: str = typer.Argument(..., help="The issuer's identifier: its credential_issuer and iss URL."),
    offer: str | None = typer.Option(
        None,
        "--offer",
        help="A test credential offer for a test subject: an openid-credential-offer:// "
        "URI, a JSON object, or a file holding either (- for stdin).",
    ),
    tx_code: str | None = typer.Option(None, "--tx-code", help="The offer's transaction code, if it needs one."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON document."),
    lang: Lang = typer.Option(Lang.en, help="Language of the table."),
) -> None:
    """Check an issuer's live endpoints as the trust registry does before accreditation.

    The offer may also be the file `issuer test-offer --json` writes (its tx_code comes with it).
    A sandbox issuer's endpoints are reached through the sandbox serving PCTF_DATA_DIR when one
    runs, else through the services started in process for the checks; one line on stderr says which.

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
    from pctf.oid4vci import parse_offer
    from pctf.outbound import outbound_client
    from registry.conformance import run_conformance

    from .registry import is_own_issuer, read_offer
    from .stack import sandbox_services

    s = settings()
    supplied = None
    if offer is not None:
        given, offered_tx_code = read_offer(offer)
        tx_code = tx_code if tx_code is not None else offered_tx_code
        supplied = guarded(lambda: parse_offer(given))
    # A sandbox issuer's endpoints are the sandbox's services: found running, or started for the checks.
    services = guarded(lambda: sandbox_services(s, SystemClock())) if is_own_issuer(s, issuer_url) else None
    try:
        with outbound_client(s) as http:  # the same rules as the registry's own checks
            report = guarded(
                lambda: run_conformance(
                    issuer_url, http=http, clock=SystemClock(), offer=supplied, tx_code=tx_code, leeway=s.leeway_seconds
                )
            )
    finally:
        if services is not None:
            services.stop()
    if services is not None:
        note(services.used)
    if as_json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        from rich.text import Text

        table = Table()
        for column in ("col.check", "col.result", "col.evidence"):
            table.add_column(t(column, lang.value), overflow="fold")
        for check in report.checks:
            result = (
                Text(t("pass", lang.value), style="green")
                if check.passed
                else Text(f"{t('fail', lang.value)}\n{check.reason}", style="bold red")
            )
            table.add_row(
                Text(f"{check.id}\n{t('conformance.' + check.id, lang.value)}"), result, Text("\n".join(check.evidence))
            )
        out.print(table)
        failed = [c.id for c in report.checks if not c.passed]
        out.print(
            t("conformance.passed", lang.value, issuer=report.issuer)
            if report.passed
            else t("conformance.failed", lang.value, issuer=report.issuer, checks=", ".join(failed)),
            highlight=False,
        )
    raise typer.Exit(0 if report.passed else 1)


if __name__ == "__main__":
    app()

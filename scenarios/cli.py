"""``pctf-sandbox``: run the sandbox and drive it from scripts and tests; the command groups
(``demo``, ``registry``, ``issuer``, ``wallet``, ``credential``) live in modules of their own.

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

from .cli_support import ISSUER_HELP, Lang, fail, guarded, out, read_json_file, read_text_arg, settings
from .credential_cli import credential_app, wallet_app
from .demo_cli import demo_app
from .issuer_cli import issuer_app
from .registry_cli import registry_app

app = typer.Typer(help="PCTF digital-trust sandbox: issuers, wallets, a trust registry and relying parties.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
app.add_typer(registry_app, name="registry")
app.add_typer(issuer_app, name="issuer")
app.add_typer(demo_app, name="demo")
app.add_typer(wallet_app, name="wallet")
app.add_typer(credential_app, name="credential")

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


if __name__ == "__main__":
    app()

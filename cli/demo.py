"""``pctf-sandbox demo ...``: the stories, told step by step in English or French.

Each story but Sasha's runs in a sandbox of its own (a fresh data directory, a free port), so it
never changes the one a user runs with ``up``; ``--json`` prints only the outcome, and the exit
code is 0 when the story went as told.

``--against URL`` tells any story against a deployment that runs already instead (``up`` here or
on another machine, or the services apart, found as the ``PCTF_*_URL`` settings say): it checks
first that a sandbox deployment answers there and that every role token the story acts with is
set or kept (exit 2, one line, otherwise), gives the run wallets of its own so it can be told
again against the same deployment, and closes with one line on stderr naming the deployment.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import typer

from issuers.jurisdictions import SANDBOX_ISSUERS
from pctf.clock import SystemClock
from pctf.settings import InsecureSetting, Settings
from scenarios.deployment import Deployment
from scenarios.i18n import t
from verifier.relying_parties import relying_party

from .support import CatalogueCommand, CatalogueGroup, Lang, consent_prompt, fail, guarded, note, out, settings

demo_app = typer.Typer(help="Run a story end to end, narrated.", no_args_is_help=True, cls=CatalogueGroup)


# Options the stories share; their --help in both languages is help.demo.lang, .json and .ttl.
LANG = typer.Option(Lang.en, help="Tell the story in English or French.")
AS_JSON = typer.Option(False, "--json", help="Print only the outcome, as JSON.")
TTL = typer.Option(
    None,
    "--ttl",
    min=1,
    max=300,
    help="Status list ttl of the story's sandbox, in seconds: how long a verifier may answer from a cached list.",
)
# The ttl a story's own sandbox gets when --ttl is not given (the death notification's: two seconds).
OWN_TTL = 1
DEATH_TTL = 2
AGAINST = typer.Option(
    None,
    "--against",
    metavar="URL",
    help="Tell the story against the running deployment at URL instead of a sandbox of its own.",
)


def story_command(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the demo command ``name``, its ``--help`` in English and French from the
    catalogue (:class:`~cli.support.CatalogueCommand`): ``help.demo.<name>`` for the command,
    ``help.demo.<name>.<option>`` for its own options (``help.demo.lang`` and ``help.demo.json``
    serve every story)."""
    return demo_app.command(name, cls=CatalogueCommand)


@story_command("sasha")
def demo_sasha(
    lang: Lang = LANG,
    as_json: bool = typer.Option(False, "--json", help="Print only the bank's verdict, as JSON."),
    interactive: bool = typer.Option(
        False, "--interactive", "-i", help="Ask before Sasha's wallet shares anything (for live demos)."
    ),
    against: str | None = AGAINST,
) -> None:
    """Sasha proves who she is, incorporates, and opens a business bank account online.

    Her wallet and credentials are kept under PCTF_DATA_DIR: the story uses the sandbox serving
    that data directory (pctf-sandbox up) when one runs, else starts the services in process on it
    for its duration; a sandbox on PCTF_PORT serving another data directory is never used (exit 2).
    At the end, one line on stderr says which it used."""
    from scenarios import sasha
    from scenarios.keyring import operator_client
    from scenarios.narration import Narrator

    from .stack import sandbox_services

    if against is not None:
        decide = consent_prompt(lang.value, relying_party("bank").name(lang.value)) if interactive else True
        with _against(against, "sasha", lang, as_json, "demo.title") as (target, narrator, http):
            wallet_id = f"sasha{target.suffix}"
            told = guarded(lambda: sasha.run(target.where, http, narrator, wallet_id=wallet_id, approve=decide))
        if as_json:
            print(json.dumps(told["verdict"], indent=2, ensure_ascii=False))
        else:
            narrator.outcome(told["verdict"], told["legal_name"])
        note(t("demo.against_used", lang.value, url=target.url))
        raise typer.Exit(0 if told["verdict"]["accepted"] else 1)
    narrator = Narrator(out, lang.value, quiet=as_json)
    services = guarded(lambda: sandbox_services(settings(), SystemClock()))
    s = services.settings
    started = services.server is not None
    try:
        narrator.title(t("demo.title", lang.value))
        with operator_client(s) as http:
            decide = consent_prompt(lang.value, relying_party("bank").name(lang.value)) if interactive else True
            result = guarded(lambda: sasha.run(services.url, http, narrator, approve=decide))
        verdict = result["verdict"]
        if as_json:
            print(json.dumps(verdict, indent=2, ensure_ascii=False))
        else:
            narrator.outcome(verdict, result["legal_name"])
    finally:
        services.stop()
    if lang is Lang.en:
        note(services.used)
    else:
        note(t("demo.started" if started else "demo.using", lang.value, url=services.url, data_dir=s.data_dir))
    raise typer.Exit(0 if verdict["accepted"] else 1)


@story_command("onboarding")
def demo_onboarding(
    lang: Lang = LANG,
    as_json: bool = AS_JSON,
    keep: Path | None = typer.Option(
        None, "--data-dir", help="Keep the story's sandbox data here (default: a temporary directory, removed after)."
    ),
    against: str | None = AGAINST,
) -> None:
    """Territory 2 applies to the trust registry, passes conformance, is assessed and accredited;
    the bank accepts its credentials at once, and refuses those issued after its suspension.

    The story runs in a sandbox of its own (a fresh data directory, a free port) where Territory 2
    starts unaccredited, so it never changes the sandbox you run with `up`.
    """
    from scenarios import onboarding
    from scenarios.keyring import operator_client
    from scenarios.narration import Narrator

    from .stack import story_sandbox

    if against is not None:
        with _against(against, "onboarding", lang, as_json, "onboarding.title") as (target, narrator, http):
            tokens = target.tokens
            told = guarded(
                lambda: onboarding.run(
                    target.where,
                    http,
                    narrator,
                    governance_token=tokens["governance"],
                    assessor_token=tokens["assessor"],
                    wallet_suffix=target.suffix,
                )
            )
        _story_end(told, "onboarding", lang, as_json, against=target.url)
    base = settings()
    with ExitStack() as stack:
        box = guarded(lambda: stack.enter_context(story_sandbox("onboarding", base, data_dir=keep)))
        s = box.settings
        narrator = Narrator(out, lang.value, quiet=as_json)
        narrator.note(t("onboarding.sandbox", lang.value, url=s.base_url, data_dir=s.data_dir))
        narrator.title(t("onboarding.title", lang.value))
        with operator_client(s) as http:
            result = guarded(lambda: onboarding.run(s.base_url, http, narrator, **box.kwargs))
    _story_end(result, "onboarding", lang, as_json)


@story_command("cross-jurisdiction")
def demo_cross_jurisdiction(
    lang: Lang = LANG,
    as_json: bool = AS_JSON,
    against: str | None = AGAINST,
) -> None:
    """Nora uses her Territory 1 Verified Person at a Province 2 service, once the pan-Canadian
    framework recognizes Territory 1's own trust framework (TRQP recognition).

    Runs in a sandbox of its own (fresh data directory, free ports) beside a second registry,
    Territory 1's, so it never changes the sandbox you run with `up`.
    """
    from scenarios import cross_jurisdiction
    from scenarios.keyring import operator_client
    from scenarios.narration import Narrator

    from .stack import story_sandbox

    if against is not None:
        with _against(against, "cross", lang, as_json, "cross.title") as (target, narrator, http):
            with _framework_for(target, "cross-jurisdiction") as framework:
                governance = target.tokens["governance"]
                told = guarded(
                    lambda: cross_jurisdiction.run(
                        target.where,
                        http,
                        narrator,
                        governance_token=governance,
                        wallet_suffix=target.suffix,
                        **framework,
                    )
                )
        _story_end(told, "cross", lang, as_json, against=target.url)
    base = settings()
    with ExitStack() as stack:
        box = guarded(lambda: stack.enter_context(story_sandbox("cross", base)))
        s = box.settings
        narrator = Narrator(out, lang.value, quiet=as_json)
        narrator.note(t("cross.sandbox", lang.value, url=s.base_url, framework=box.kwargs["framework_api"]))
        narrator.title(t("cross.title", lang.value))
        with operator_client(s) as http:
            result = guarded(lambda: cross_jurisdiction.run(s.base_url, http, narrator, **box.kwargs))
    _story_end(result, "cross", lang, as_json)


@story_command("death-notification")
def demo_death_notification(
    lang: Lang = LANG,
    as_json: bool = typer.Option(False, "--json", help="Print only the outcome and the propagation figures, as JSON."),
    ttl: int | None = typer.Option(
        None,
        "--ttl",
        min=1,
        max=300,
        help="Status list ttl of the story's sandbox, in seconds: how long a verifier may answer from a cached list.",
    ),
    against: str | None = AGAINST,
) -> None:
    """Sasha's father's Verified Person works at the federal benefits service; vital statistics
    registers his death; every issuer revokes his credentials and the same presentation is
    refused with credential_revoked. Prints how long that took, stage by stage.

    Runs in a sandbox of its own (fresh data directory, free port) whose status lists carry a
    short ttl, so the story does not wait the default five minutes; the ttl is printed, and it
    bounds the last stage of the propagation.
    """
    from scenarios import death_notification
    from scenarios.keyring import operator_client
    from scenarios.narration import Narrator

    if against is not None:
        with _against(against, "death", lang, as_json, "death.title", ttl=ttl) as (target, narrator, http):
            born = target.father_born()
            told = guarded(
                lambda: death_notification.run(
                    target.where, http, narrator, ttl_seconds=ttl, father_born=born, wallet_suffix=target.suffix
                )
            )
        _story_end(told, "death", lang, as_json, against=target.url)
    own_ttl = ttl or DEATH_TTL
    with _own_sandbox("death", settings(), ttl=own_ttl) as (s, tmp):
        narrator = Narrator(out, lang.value, quiet=as_json)
        narrator.note(t("death.sandbox", lang.value, url=s.base_url, data_dir=tmp, ttl=own_ttl))
        narrator.title(t("death.title", lang.value))
        with operator_client(s) as http:
            result = guarded(lambda: death_notification.run(s.base_url, http, narrator, ttl_seconds=own_ttl))
    _story_end(result, "death", lang, as_json)


@story_command("newborn")
def demo_newborn(
    lang: Lang = LANG,
    as_json: bool = AS_JSON,
    interactive: bool = typer.Option(
        False, "--interactive", "-i", help="Ask before each parent's wallet shares anything (for live demos)."
    ),
    against: str | None = AGAINST,
) -> None:
    """Register a birth once: two Province 1 parents, each with a Verified Person, have their
    baby's birth registered by vital statistics, which in the same answer offers each of them the
    birth certificate and a parent–child relationship. With no new paperwork one parent applies
    for the Canada Child Benefit and the other for the baby's Social Insurance Number; someone
    not on the birth registration is refused a relationship to the baby
    (not_on_birth_registration).

    Runs in a sandbox of its own (fresh data directory, free port), so it never changes the
    sandbox you run with `up`.
    """
    from scenarios import newborn
    from scenarios.keyring import operator_client
    from scenarios.narration import Narrator

    approve: Any = (
        {rp: consent_prompt(lang.value, relying_party(rp).name(lang.value)) for rp in newborn.SERVICES}
        if interactive
        else True
    )
    if against is not None:
        with _against(against, "newborn", lang, as_json, "newborn.title") as (target, narrator, http):
            told = guarded(
                lambda: newborn.run(target.where, http, narrator, approve=approve, wallet_suffix=target.suffix)
            )
        _story_end(told, "newborn", lang, as_json, against=target.url)
    with _own_sandbox("newborn", settings(), ttl=None) as (s, tmp):
        narrator = Narrator(out, lang.value, quiet=as_json)
        narrator.note(t("newborn.sandbox", lang.value, url=s.base_url, data_dir=tmp))
        narrator.title(t("newborn.title", lang.value))
        with operator_client(s) as http:
            result = guarded(lambda: newborn.run(s.base_url, http, narrator, approve=approve))
    _story_end(result, "newborn", lang, as_json)


@story_command("immunization")
def demo_immunization(
    lang: Lang = LANG,
    as_json: bool = AS_JSON,
    interactive: bool = typer.Option(
        False, "--interactive", "-i", help="Ask before Léa's wallet shares anything (for live demos)."
    ),
    ttl: int | None = TTL,
    against: str | None = AGAINST,
) -> None:
    """Safe return to school: Province 1 proofs Léa, a student, and its health authority issues
    her immunization records. Riverton Secondary School asks only for her name, birthdate and the
    disease an immunization targets: it refuses her flu shot record (immunization_not_accepted),
    accepts her measles record without learning the vaccine, date, dose, lot or clinic (the story
    lists what was disclosed and what was withheld), and refuses the measles record once the
    health authority has revoked it (credential_revoked).

    Runs in a sandbox of its own (fresh data directory, free port) whose status lists carry a
    short ttl, so the school sees the revocation within seconds.
    """
    from scenarios import immunization
    from scenarios.keyring import operator_client
    from scenarios.narration import Narrator

    school = relying_party(immunization.SCHOOL).name(lang.value)
    decide = consent_prompt(lang.value, school) if interactive else True
    if against is not None:
        with _against(against, "immunization", lang, as_json, "immunization.title", ttl=ttl) as (
            target,
            narrator,
            http,
        ):
            told = guarded(
                lambda: immunization.run(
                    target.where, http, narrator, ttl_seconds=ttl, approve=decide, wallet_suffix=target.suffix
                )
            )
        _story_end(told, "immunization", lang, as_json, against=target.url)
    own_ttl = ttl or OWN_TTL
    with _own_sandbox("immunization", settings(), ttl=own_ttl) as (s, tmp):
        narrator = Narrator(out, lang.value, quiet=as_json)
        narrator.note(t("immunization.sandbox", lang.value, url=s.base_url, data_dir=tmp, ttl=own_ttl))
        narrator.title(t("immunization.title", lang.value))
        with operator_client(s) as http:
            result = guarded(lambda: immunization.run(s.base_url, http, narrator, ttl_seconds=own_ttl, approve=decide))
    _story_end(result, "immunization", lang, as_json)


@story_command("federal-sign-in")
def demo_federal_sign_in(
    lang: Lang = LANG,
    as_json: bool = AS_JSON,
    interactive: bool = typer.Option(
        False, "--interactive", "-i", help="Ask before each wallet shares anything (for live demos)."
    ),
    against: str | None = AGAINST,
) -> None:
    """Three people sign in to a federal account service (Sign in Canada) with their provincial
    or territorial digital ID. It asks for the name and birthdate only, at level of assurance 3:
    Province 1's Verified Person is accepted and the person signed in (a session with a subject
    of the service's own); Province 2's, authorized at LoA 2 only, is refused (loa_too_low);
    Territory 1's is refused (issuer_unknown) until the pan-Canadian framework recognizes
    Territory 1's own trust framework, then accepted.

    Runs in a sandbox of its own (fresh data directory, free ports) beside a second registry,
    Territory 1's, so it never changes the sandbox you run with `up`.
    """
    from scenarios import federal_sign_in
    from scenarios.keyring import operator_client
    from scenarios.narration import Narrator

    from .stack import story_sandbox

    if against is not None:
        rp_name = relying_party(federal_sign_in.SERVICE).name(lang.value)
        decide = consent_prompt(lang.value, rp_name) if interactive else True
        with _against(against, "signin", lang, as_json, "signin.title") as (target, narrator, http):
            with _framework_for(target, "federal-sign-in") as framework:
                governance = target.tokens["governance"]
                told = guarded(
                    lambda: federal_sign_in.run(
                        target.where,
                        http,
                        narrator,
                        governance_token=governance,
                        approve=decide,
                        wallet_suffix=target.suffix,
                        **framework,
                    )
                )
        _story_end(told, "signin", lang, as_json, against=target.url)
    base = settings()
    with ExitStack() as stack:
        box = guarded(lambda: stack.enter_context(story_sandbox("signin", base)))
        s = box.settings
        narrator = Narrator(out, lang.value, quiet=as_json)
        narrator.note(t("signin.sandbox", lang.value, url=s.base_url, framework=box.kwargs["framework_api"]))
        narrator.title(t("signin.title", lang.value))
        rp_name = relying_party(federal_sign_in.SERVICE).name(lang.value)
        decide = consent_prompt(lang.value, rp_name) if interactive else True
        with operator_client(s) as http:
            result = guarded(lambda: federal_sign_in.run(s.base_url, http, narrator, approve=decide, **box.kwargs))
    _story_end(result, "signin", lang, as_json)


@story_command("delegation")
def demo_delegation(
    lang: Lang = LANG,
    as_json: bool = AS_JSON,
    interactive: bool = typer.Option(
        False, "--interactive", "-i", help="Ask before Sasha's wallet shares anything (for live demos)."
    ),
    ttl: int | None = TTL,
    against: str | None = AGAINST,
) -> None:
    """An adult child acting for an elderly parent: Province 1 proofs Sasha and her father Gilles;
    with his recorded consent, Province 1's health authority gives Sasha a delegation of access to
    his health information, and the Province 1 Health Portal lets her act for him. The portal then
    refuses her once he has withdrawn his consent and the delegation is revoked
    (credential_revoked), with a delegation for booking appointments only (scope_not_covered), and
    with one that takes effect next month (credential_not_yet_valid).

    Runs in a sandbox of its own (fresh data directory, free port) whose status lists carry a
    short ttl, so the portal sees the revocation within seconds.
    """
    from scenarios import delegation
    from scenarios.keyring import operator_client
    from scenarios.narration import Narrator

    portal = relying_party(delegation.SERVICE).name(lang.value)
    decide = consent_prompt(lang.value, portal) if interactive else True
    if against is not None:
        with _against(against, "delegation", lang, as_json, "delegation.title", ttl=ttl) as (target, narrator, http):
            born = target.father_born()
            told = guarded(
                lambda: delegation.run(
                    target.where,
                    http,
                    narrator,
                    ttl_seconds=ttl,
                    approve=decide,
                    father_born=born,
                    wallet_suffix=target.suffix,
                )
            )
        _story_end(told, "delegation", lang, as_json, against=target.url)
    own_ttl = ttl or OWN_TTL
    with _own_sandbox("delegation", settings(), ttl=own_ttl) as (s, tmp):
        narrator = Narrator(out, lang.value, quiet=as_json)
        narrator.note(t("delegation.sandbox", lang.value, url=s.base_url, data_dir=tmp, ttl=own_ttl))
        narrator.title(t("delegation.title", lang.value))
        with operator_client(s) as http:
            result = guarded(lambda: delegation.run(s.base_url, http, narrator, ttl_seconds=own_ttl, approve=decide))
    _story_end(result, "delegation", lang, as_json)


# -- a story told against a running deployment (--against URL) -----------------------------------
# Every role token each story acts with, checked before it starts: ``staff:<issuer>``,
# ``rp:<relying party>``, ``governance``, ``assessor`` (scenarios.keyring.held_token).
NEEDS: dict[str, tuple[str, ...]] = {
    "sasha": ("staff:prov1", "staff:fed", "rp:bank"),
    "onboarding": ("staff:terr2", "rp:bank-personal", "governance", "assessor"),
    "cross": ("staff:terr1", "rp:prov2-health", "governance"),
    # Each issuer's staff report what their issuer did with the death event.
    "death": ("rp:fed-benefits", *(f"staff:{i}" for i in SANDBOX_ISSUERS)),
    "newborn": ("staff:prov1", "staff:vitalstats", "rp:fed-child-benefit", "rp:fed-sin"),
    "immunization": ("staff:prov1", "staff:prov1health", "rp:school"),
    "signin": ("staff:prov1", "staff:prov2", "staff:terr1", "rp:fed-my-account", "governance"),
    "delegation": ("staff:prov1", "staff:prov1health", "rp:prov1-health"),
}
# A run's own Gilles is born within this many days before the Gilles of the stories.
FATHER_BIRTHDAYS = 3650


@dataclass
class Deployed:
    """A deployment a story is told against: its URL as given, the settings that reach it (the
    ``PCTF_*`` ones, with the URL as the base of every service they do not place elsewhere),
    where each service is, the role tokens the story needs, and this run's own suffix for the
    wallets it opens (``_`` and six hex digits)."""

    url: str
    settings: Settings
    where: Deployment
    tokens: dict[str, str]
    suffix: str

    def father_born(self) -> str:
        """This run's Gilles's birthdate: his own, moved back by a number of days the run's suffix
        gives, so a death an earlier run registered is another man's."""
        shift = int(self.suffix.lstrip("_"), 16) % FATHER_BIRTHDAYS
        return (date(1951, 9, 2) - timedelta(days=shift)).isoformat()


def _deployed(url: str, story: str) -> Deployed:
    """The deployment at ``url``, once it is known to be a running sandbox deployment and every
    token ``story`` needs is at hand; otherwise the command ends with one line and exit 2."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        fail(f"--against {url}: not an http(s) base URL (such as http://127.0.0.1:8600)")
    base = url.rstrip("/")
    s = settings().model_copy(update={"public_url": base})
    where = Deployment.from_settings(s)
    probes = [
        (where.registry, "/registry/metadata"),
        (where.wallet, "/wallet/healthz"),
        (where.verifier, "/verifier/healthz"),
        *((issuers, "/issuers/healthz") for issuers in where.issuer_bases()),
    ]
    with httpx.Client(timeout=5, follow_redirects=False) as http:
        for service_base, path in probes:
            try:
                answer = http.get(f"{service_base}{path}")
                body = answer.json() if answer.status_code == 200 else None
            except httpx.TransportError as exc:
                fail(
                    f"nothing answers at {service_base} ({type(exc).__name__}): start the deployment "
                    "(pctf-sandbox up) or give --against its URL"
                )
            except ValueError:
                body = None
            expected = "authority_id" if path == "/registry/metadata" else "status"
            if not isinstance(body, dict) or expected not in body:
                fail(
                    f"{service_base} is not a pctf-sandbox deployment: {path} answered "
                    f"{answer.status_code}, not the service's own answer"
                )
    from scenarios.keyring import held_token

    try:
        tokens = guarded(lambda: {role: held_token(s, role, generate=False) for role in NEEDS[story]})
    except InsecureSetting as exc:
        fail(str(exc))
    return Deployed(base, s, where, tokens, f"_{secrets.token_hex(3)}")


@contextmanager
def _against(
    url: str, story: str, lang: Lang, as_json: bool, title: str, *, ttl: int | None | bool = False
) -> Iterator[tuple[Deployed, Any, Any]]:
    """Tell ``story`` against the deployment at ``url``: yields the deployment, the narrator
    (its notes said: which deployment, and with ``ttl`` how long the story waits for a
    revocation) and a client acting with the deployment's tokens, never generated ones."""
    from scenarios.keyring import operator_client
    from scenarios.narration import Narrator

    target = _deployed(url, story)
    narrator = Narrator(out, lang.value, quiet=as_json)
    narrator.note(t("demo.against", lang.value, url=target.url, suffix=target.suffix))
    if ttl is not False:
        waited = f"{ttl}s" if isinstance(ttl, int) else t("demo.against_ttl_read", lang.value)
        narrator.note(t("demo.against_ttl", lang.value, ttl=waited))
    narrator.title(t(title, lang.value))
    with operator_client(target.settings, generate=False) as http:
        yield target, narrator, http


def _on_this_machine(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def _framework_for(target: Deployed, story: str) -> Iterator[dict[str, str]]:
    """Territory 1's own framework registry for a framework story told against ``target``: it
    runs in this process on loopback, so the deployment's verifier must be on this machine."""
    from .stack import framework_beside

    if not _on_this_machine(target.where.verifier):
        fail(
            f"the {story} story starts Territory 1's framework registry on this machine, which the "
            f"deployment's verifier at {target.where.verifier} cannot reach: tell it against a deployment "
            "running on this machine"
        )
    with ExitStack() as stack:
        yield guarded(lambda: stack.enter_context(framework_beside(target.settings)))


@contextmanager
def _own_sandbox(story: str, base: Settings, *, ttl: int | None = None) -> Iterator[tuple[Settings, str]]:
    """A sandbox of its own for a story that needs no registry change: a temporary data directory
    and a free port, every service started in this process, and with ``ttl`` status lists a
    verifier may cache only that many seconds (so a revocation shows within the story). Yields
    the settings and the data directory; stops the services and removes the directory after."""
    import tempfile

    from .stack import start_in_thread, story_settings

    with tempfile.TemporaryDirectory(prefix=f"pctf-{story}-") as tmp:
        s = story_settings(base, Path(tmp))
        if ttl is not None:
            s = s.model_copy(update={"status_list_ttl_seconds": ttl})
        server = guarded(lambda: start_in_thread(s, SystemClock()))
        try:
            yield s, tmp
        finally:
            server.stop()


def _story_end(result: dict, story: str, lang: Lang, as_json: bool, *, against: str | None = None) -> None:
    """Print a story's outcome (one line, or the JSON document) and exit 0 when it went as told;
    told ``against`` a deployment, a closing line on stderr names it."""
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        key = f"{story}.ok" if result["ok"] else f"{story}.not_ok"
        out.print(f"[bold {'green' if result['ok'] else 'red'}]{t(key, lang.value)}[/]")
    if against is not None:
        note(t("demo.against_used", lang.value, url=against))
    raise typer.Exit(0 if result["ok"] else 1)

"""``pctf-sandbox demo ...``: the stories, told step by step in English or French.

Each story but Sasha's runs in a sandbox of its own (a fresh data directory, a free port), so it
never changes the one a user runs with ``up``; ``--json`` prints only the outcome, and the exit
code is 0 when the story went as told.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import typer

from pctf.clock import SystemClock
from pctf.settings import Settings
from scenarios.i18n import t
from verifier.relying_parties import relying_party

from .support import CatalogueCommand, CatalogueGroup, Lang, consent_prompt, guarded, note, out, settings

demo_app = typer.Typer(help="Run a story end to end, narrated.", no_args_is_help=True, cls=CatalogueGroup)


# Options the stories share; their --help in both languages is help.demo.lang, .json and .ttl.
LANG = typer.Option(Lang.en, help="Tell the story in English or French.")
AS_JSON = typer.Option(False, "--json", help="Print only the outcome, as JSON.")
TTL = typer.Option(
    1,
    "--ttl",
    min=1,
    max=300,
    help="Status list ttl of the story's sandbox, in seconds: how long a verifier may answer from a cached list.",
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
    ttl: int = typer.Option(
        2,
        "--ttl",
        min=1,
        max=300,
        help="Status list ttl of the story's sandbox, in seconds: how long a verifier may answer from a cached list.",
    ),
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

    with _own_sandbox("death", settings(), ttl=ttl) as (s, tmp):
        narrator = Narrator(out, lang.value, quiet=as_json)
        narrator.note(t("death.sandbox", lang.value, url=s.base_url, data_dir=tmp, ttl=ttl))
        narrator.title(t("death.title", lang.value))
        with operator_client(s) as http:
            result = guarded(lambda: death_notification.run(s.base_url, http, narrator, ttl_seconds=ttl))
    _story_end(result, "death", lang, as_json)


@story_command("newborn")
def demo_newborn(
    lang: Lang = LANG,
    as_json: bool = AS_JSON,
    interactive: bool = typer.Option(
        False, "--interactive", "-i", help="Ask before each parent's wallet shares anything (for live demos)."
    ),
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

    with _own_sandbox("newborn", settings(), ttl=None) as (s, tmp):
        narrator = Narrator(out, lang.value, quiet=as_json)
        narrator.note(t("newborn.sandbox", lang.value, url=s.base_url, data_dir=tmp))
        narrator.title(t("newborn.title", lang.value))
        with operator_client(s) as http:
            approve = (
                {rp: consent_prompt(lang.value, relying_party(rp).name(lang.value)) for rp in newborn.SERVICES}
                if interactive
                else True
            )
            result = guarded(lambda: newborn.run(s.base_url, http, narrator, approve=approve))
    _story_end(result, "newborn", lang, as_json)


@story_command("immunization")
def demo_immunization(
    lang: Lang = LANG,
    as_json: bool = AS_JSON,
    interactive: bool = typer.Option(
        False, "--interactive", "-i", help="Ask before Léa's wallet shares anything (for live demos)."
    ),
    ttl: int = TTL,
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

    with _own_sandbox("immunization", settings(), ttl=ttl) as (s, tmp):
        narrator = Narrator(out, lang.value, quiet=as_json)
        narrator.note(t("immunization.sandbox", lang.value, url=s.base_url, data_dir=tmp, ttl=ttl))
        narrator.title(t("immunization.title", lang.value))
        with operator_client(s) as http:
            school = relying_party(immunization.SCHOOL).name(lang.value)
            decide = consent_prompt(lang.value, school) if interactive else True
            result = guarded(lambda: immunization.run(s.base_url, http, narrator, ttl_seconds=ttl, approve=decide))
    _story_end(result, "immunization", lang, as_json)


@story_command("federal-sign-in")
def demo_federal_sign_in(
    lang: Lang = LANG,
    as_json: bool = AS_JSON,
    interactive: bool = typer.Option(
        False, "--interactive", "-i", help="Ask before each wallet shares anything (for live demos)."
    ),
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
    ttl: int = TTL,
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

    with _own_sandbox("delegation", settings(), ttl=ttl) as (s, tmp):
        narrator = Narrator(out, lang.value, quiet=as_json)
        narrator.note(t("delegation.sandbox", lang.value, url=s.base_url, data_dir=tmp, ttl=ttl))
        narrator.title(t("delegation.title", lang.value))
        portal = relying_party(delegation.SERVICE).name(lang.value)
        decide = consent_prompt(lang.value, portal) if interactive else True
        with operator_client(s) as http:
            result = guarded(lambda: delegation.run(s.base_url, http, narrator, ttl_seconds=ttl, approve=decide))
    _story_end(result, "delegation", lang, as_json)


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


def _story_end(result: dict, story: str, lang: Lang, as_json: bool) -> None:
    """Print a story's outcome (one line, or the JSON document) and exit 0 when it went as told."""
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        key = f"{story}.ok" if result["ok"] else f"{story}.not_ok"
        out.print(f"[bold {'green' if result['ok'] else 'red'}]{t(key, lang.value)}[/]")
    raise typer.Exit(0 if result["ok"] else 1)

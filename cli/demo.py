"""``pctf-sandbox demo ...``: the stories, told step by step in English or French.

Each story but Sasha's runs in a sandbox of its own (a fresh data directory, a free port), so it
never changes the one a user runs with ``up``; ``--json`` prints only the outcome, and the exit
code is 0 when the story went as told.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import typer

from pctf.clock import SystemClock
from scenarios.i18n import t
from verifier.relying_parties import relying_party

from .support import Lang, consent_prompt, fail, guarded, out, settings

demo_app = typer.Typer(help="Run a story end to end, narrated.", no_args_is_help=True)


@demo_app.command("sasha")
def demo_sasha(
    lang: Lang = typer.Option(Lang.en, help="Tell the story in English or French."),
    as_json: bool = typer.Option(False, "--json", help="Print only the bank's verdict, as JSON."),
    interactive: bool = typer.Option(
        False, "--interactive", "-i", help="Ask before Sasha's wallet shares anything (for live demos)."
    ),
) -> None:
    """Sasha proves who she is, incorporates, and opens a business bank account online."""
    from scenarios import sasha
    from scenarios.keyring import operator_client
    from scenarios.narration import Narrator

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
        with operator_client(s) as http:
            decide = consent_prompt(lang.value, relying_party("bank").name(lang.value)) if interactive else True
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
def demo_onboarding(
    lang: Lang = typer.Option(Lang.en, help="Tell the story in English or French."),
    as_json: bool = typer.Option(False, "--json", help="Print only the outcome, as JSON."),
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


@demo_app.command("cross-jurisdiction")
def demo_cross_jurisdiction(
    lang: Lang = typer.Option(Lang.en, help="Tell the story in English or French."),
    as_json: bool = typer.Option(False, "--json", help="Print only the outcome, as JSON."),
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


@demo_app.command("death-notification")
def demo_death_notification(
    lang: Lang = typer.Option(Lang.en, help="Tell the story in English or French."),
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
    import tempfile

    from scenarios import death_notification
    from scenarios.keyring import operator_client
    from scenarios.narration import Narrator

    from .stack import start_in_thread, story_settings

    base = settings()
    with tempfile.TemporaryDirectory(prefix="pctf-death-") as tmp:
        s = story_settings(base, Path(tmp)).model_copy(update={"status_list_ttl_seconds": ttl})
        narrator = Narrator(out, lang.value, quiet=as_json)
        server = guarded(lambda: start_in_thread(s, SystemClock()))
        try:
            narrator.note(t("death.sandbox", lang.value, url=s.base_url, data_dir=tmp, ttl=ttl))
            narrator.title(t("death.title", lang.value))
            with operator_client(s) as http:
                result = guarded(lambda: death_notification.run(s.base_url, http, narrator, ttl_seconds=ttl))
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

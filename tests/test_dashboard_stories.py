"""The stories' step-through pages over HTTP: a presenter drives Sasha's story against the live
sandbox, step by step, to the bank's verdict; what the pages show came from the services. The
onboarding and cross-jurisdiction stories run to their end in a sandbox of their own, and the
main sandbox's registry is the same afterwards."""

from __future__ import annotations

import re
import threading
import time

import httpx
import pytest

from cli.stack import port_in_use
from dashboard import i18n
from dashboard.runs import CANCELLED, DONE, FAILED, WAITING, Runs
from dashboard.text.stories import MESSAGES
from pctf.clock import SystemClock
from pctf.reasons import Reason, SandboxError
from scenarios import i18n as story_text
from tests.support import serve, serve_sandbox

RUN_PATH = re.compile(r"^/ui/runs/([A-Za-z0-9_-]+)#step-(\d+)$")
# Every reason a relying party's verdict can carry: the codec's, the payload's, key binding,
# trust, policy and status codes, and the holder's refusal.
VERDICT_REASONS = [
    r
    for r in Reason
    if r.value
    not in {
        "bad_request",
        "not_found",
        "unauthorized",
        "forbidden",
        "too_many_attempts",
        "request_too_large",
        "url_not_allowed",
        "consent_mismatch",
        "setting_invalid",
        "conflict",
        "credential_type_unknown",
        "issuer_id_unknown",
        "evidence_insufficient",
        "evidence_mismatch",
        "person_deceased",
        "event_invalid",
        "invalid_grant",
        "unsupported_grant_type",
        "invalid_credential_request",
        "invalid_token",
        "invalid_proof",
        "invalid_nonce",
        "unknown_credential_configuration",
        "no_matching_credential",
        "endpoint_unreachable",
        "http_error_status",
        "metadata_invalid",
        "keys_unacceptable",
        "test_offer_missing",
        "dependency_failed",
        "conformance_check_error",
    }
]


@pytest.fixture
def presenter(sandbox, settings):
    """A browser-like client logged in as the presenter (the login link sets the cookie)."""
    with httpx.Client(base_url=sandbox.url, timeout=90, headers={"Accept": "text/html"}) as client:
        answer = client.get(f"/ui/login?token={settings.resolved_presenter_token()}")
        assert answer.status_code == 303
        yield client


def _go(client: httpx.Client, answer: httpx.Response) -> tuple[str, int, str]:
    """Follow a step's 303 to the run page; the run's path, the step anchored, and the page."""
    assert answer.status_code == 303, answer.text[:500]
    found = RUN_PATH.match(answer.headers["location"])
    assert found, answer.headers["location"]
    page = client.get(f"/ui/runs/{found.group(1)}")
    assert page.status_code == 200, page.text[:500]
    return f"/ui/runs/{found.group(1)}", int(found.group(2)), page.text


def _drive(client: httpx.Client, decision: str) -> tuple[list[str], str]:
    """Run Sasha's story to its end, giving ``decision`` on the consent screen; every page seen."""
    run, step, page = _go(client, client.post("/ui/stories/sasha/runs"))
    assert step == 1
    pages = [page]
    for _ in range(20):
        if 'name="decision"' in page:
            run, step, page = _go(client, client.post(f"{run}/consent", data={"decision": decision}))
        elif f'action="{run}/next"' in page:
            run, step, page = _go(client, client.post(f"{run}/next"))
        else:
            break
        pages.append(page)
        assert f'id="step-{step}"' in page
    return pages, run


def test_sasha_accepted_step_by_step(presenter):
    pages, _run = _drive(presenter, "accept")
    consent = next(p for p in pages if 'name="decision"' in p)
    assert "Disclose to Northern Lights Bank?" in consent
    assert "Open a business bank account without visiting a branch" in consent
    assert 'data-shortcut="next"' in pages[0]
    last = pages[-1]
    # The business number the registrar answered with, shown in its step and in the claims.
    number = re.search(r"business number (\d+)", last)
    assert number and len(number.group(1)) == 9
    assert last.count(number.group(1)) >= 3
    # The offers and the request as QR codes, with their links beside them.
    assert "openid-credential-offer://?credential_offer=" in last
    assert "openid4vp://" in last
    assert last.count("<svg") >= 3
    assert 'class="dcql"' in last and "urn:pctf-sandbox:vct:verified-organization:1" in last
    # The verdict: every check with its mark and the word, and the story's outcome.
    assert "✓ Accepted" in last
    assert last.count("✓</span> passed") >= 10
    assert "✗</span> failed" not in last
    assert "Issuer authorized for this type and level" in last
    assert "Account opened: Maple Leaf Designs Inc. now banks with Northern Lights Bank" in last
    assert "The story is over." in last


def test_sasha_declined_ends_refused(presenter):
    pages, _run = _drive(presenter, "decline")
    last = pages[-1]
    assert "Sasha declines; the wallet shares nothing and says so to Northern Lights Bank" in last
    assert "✗ Refused" in last
    assert "consent_required" in last
    assert "The holder declined to share" in last
    assert "Application refused" in last
    assert "✓ Accepted" not in last


def test_french_pages(presenter):
    presenter.cookies.set("pctf_lang", "fr")
    listing = presenter.get("/ui/stories")
    assert "Récits" in listing.text and "Commencer le récit" in listing.text
    run, _step, page = _go(presenter, presenter.post("/ui/stories/sasha/runs"))
    assert "Le portefeuille de Sasha est prêt" in page
    assert "Étape suivante" in page
    for _ in range(9):
        run, _step, page = _go(presenter, presenter.post(f"{run}/next"))
    assert "Communiquer à " in page
    assert "Accepter et communiquer" in page
    assert "Ouvrir un compte bancaire d'entreprise sans se rendre en succursale" in page.replace("&#39;", "'")
    run, _step, page = _go(presenter, presenter.post(f"{run}/consent", data={"decision": "accept"}))
    run, _step, page = _go(presenter, presenter.post(f"{run}/next"))
    assert "✓ Accepté" in page
    assert "Émetteur autorisé pour ce type et ce niveau" in page
    assert "réussi" in page


def test_anonymous_is_refused(sandbox):
    with httpx.Client(base_url=sandbox.url, timeout=15) as stranger:
        assert stranger.get("/ui/runs/x").status_code == 401
        assert stranger.post("/ui/stories/sasha/runs").status_code == 401
        assert stranger.post("/ui/runs/x/next").status_code == 401
        assert stranger.post("/ui/runs/x/consent", data={"decision": "accept"}).status_code == 401
        assert stranger.get("/ui/stories/sasha").status_code == 401
        listing = stranger.get("/ui/stories")
        assert listing.status_code == 200
        assert "Log in as the presenter to run a story." in listing.text


def test_unknown_runs_and_stories(presenter):
    assert presenter.get("/ui/runs/nosuchrun").status_code == 404
    assert presenter.post("/ui/runs/nosuchrun/next").status_code == 404
    assert presenter.get("/ui/stories/nosuch").status_code == 404
    # A story that needs a sandbox of its own says so before it starts one.
    page = presenter.get("/ui/stories/cross")
    assert page.status_code == 200 and "pctf-sandbox demo cross-jurisdiction" in page.text
    assert "/ui/stories/cross/runs" in page.text
    assert "runs in a sandbox of its own" in page.text and "never changes this sandbox" in page.text
    run, _step, _page = _go(presenter, presenter.post("/ui/stories/sasha/runs"))
    assert presenter.post(f"{run}/consent", data={"decision": "maybe"}).status_code == 400


def test_without_a_sandbox_provider_those_stories_say_why(settings):
    """A dashboard deployed without a way to start a sandbox of its own (its services elsewhere)
    lists the onboarding and cross-jurisdiction stories as runnable from the command line only."""
    from dashboard.app import create_app

    served = serve(create_app(settings, SystemClock()))
    with served.client(headers={"Accept": "text/html"}) as client:
        login = client.get(f"/ui/login?token={settings.resolved_presenter_token()}")
        assert login.status_code == 303
        for story, command in (("cross", "demo cross-jurisdiction"), ("onboarding", "demo onboarding")):
            page = client.get(f"/ui/stories/{story}")
            assert page.status_code == 200 and command in page.text
            assert "Not available on this page" in page.text
            assert f"/ui/stories/{story}/runs" not in page.text
            assert client.post(f"/ui/stories/{story}/runs").status_code == 409


def _to_the_end(client: httpx.Client, story: str) -> tuple[str, list[str]]:
    """Start ``story`` and press Next until it ends (these stories ask no consent); the run's path
    and every page seen."""
    run, step, page = _go(client, client.post(f"/ui/stories/{story}/runs"))
    assert step == 1, page[:2000]
    pages = [page]
    for _ in range(20):
        if f'action="{run}/next"' not in page:
            break
        run, step, page = _go(client, client.post(f"{run}/next"))
        pages.append(page)
        assert f'id="step-{step}"' in page
    return run, pages


def _terr2_status(sandbox) -> str:
    api = f"{sandbox.url}/registry"
    answer = httpx.post(
        f"{api}/authorization",
        json={
            "entity_id": f"{sandbox.url}/issuers/terr2",
            "authority_id": api,
            "action": "issue",
            "resource": "VerifiedPerson",
        },
        timeout=15,
    )
    return answer.json()["status"]


def test_onboarding_in_a_sandbox_of_its_own(presenter, sandbox):
    entities = httpx.get(f"{sandbox.url}/registry/entities", timeout=15).json()
    audit = httpx.get(f"{sandbox.url}/registry/audit", timeout=15).json()
    assert _terr2_status(sandbox) == "active"
    run, pages = _to_the_end(presenter, "onboarding")
    last = pages[-1]
    assert "The story is over." in last, last[-3000:]
    assert 'class="outcome passed"' in last
    assert "Territory 2 was onboarded, accepted at once, and its suspension took effect from its date" in last
    # The conformance step: each check, its mark and its words.
    assert "7 of 7 conformance checks pass" in last
    assert last.count("<code>test_issuance</code>") == 1 and "Test issuance (pre-authorized code)" in last
    conformance = last[last.index('class="conformance"') :]
    assert conformance[: conformance.index("</table>")].count("✓</span> passed") == 7
    # The bank's verdicts, with their checks; the suspended issuer's credential refused.
    assert "which was never reconfigured: accepted" in last
    assert "refused (issuer_suspended)" in last and "The issuer is suspended" in last
    assert "its hash chain is intact" in last
    assert "Assessor" in last and "conformance checks over OpenID4VCI" in last
    french = presenter.get(f"{run}?lang=fr").text
    assert "Le Territoire 2 a été intégré" in french and "Les contrôles de conformité du registre" in french
    assert "Émission d&#39;essai (code pré-autorisé)" in french and "Évaluateur" in french
    # The main sandbox is as it was: Territory 2 still active, nothing recorded.
    assert _terr2_status(sandbox) == "active"
    assert httpx.get(f"{sandbox.url}/registry/entities", timeout=15).json() == entities
    assert httpx.get(f"{sandbox.url}/registry/audit", timeout=15).json() == audit


def test_cross_jurisdiction_in_a_sandbox_of_its_own(presenter, sandbox):
    recognitions = httpx.get(f"{sandbox.url}/registry/recognitions", timeout=15).json()
    _run, pages = _to_the_end(presenter, "cross")
    last = pages[-1]
    assert "The story is over." in last, last[-3000:]
    assert 'class="outcome passed"' in last
    assert "now accepts Territory 1&#39;s credentials under the recognized framework" in last
    assert "refused (issuer_unknown)" in last
    assert "TRQP recognition: yes" in last
    assert "Territory 1&#39;s trust registry" in last and "TRQP recognition: is this framework recognized?" in last
    assert httpx.get(f"{sandbox.url}/registry/recognitions", timeout=15).json() == recognitions


def test_a_cancelled_story_stops_its_sandbox(presenter, sandbox):
    _run, _step, page = _go(presenter, presenter.post("/ui/stories/onboarding/runs"))
    found = re.search(r"http://127\.0\.0\.1:(\d+)/issuers/terr2", page)
    assert found, page[:3000]
    port = int(found.group(1))
    assert port != sandbox.app.default.state.dashboard.settings.port and port_in_use("127.0.0.1", port)
    sandbox.app.default.state.runs.close()
    deadline = time.monotonic() + 20
    while port_in_use("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not port_in_use("127.0.0.1", port)


def test_every_verdict_reason_has_words():
    for reason in VERDICT_REASONS:
        assert f"reason.{reason.value}" in story_text.MESSAGES, reason
    # One catalogue of reason descriptions, the command line's: none in the dashboard's own.
    assert not [key for key in i18n.MESSAGES if key.startswith("run.reason.")]
    for key, entry in MESSAGES.items():
        assert set(entry) == set(i18n.LANGS), key
        assert all(entry[lang].strip() for lang in i18n.LANGS), key


# -- the run machinery, without services ---------------------------------------------------------
def _story(steps: int, *, consent: bool = False):
    def call(run) -> dict:
        for n in range(steps):
            run.narrate("tick", n=n)
        decided = run.approve({"credentials": []}) if consent else None
        run.narrate("tock")
        return {"decided": decided}

    return call


def test_run_waits_for_each_step():
    runs = Runs()
    run = runs.start("test", _story(3, consent=True))
    assert [s.event for s in run.steps] == ["tick"] and run.state == WAITING
    run.next()
    run.next()
    assert len(run.steps) == 3
    run.next()
    assert run.steps[-1].event == "consent" and run.state == "consent"
    run.decide(False)
    assert run.steps[-1].event == "tock"
    run.next()
    assert run.state == DONE and run.result == {"decided": False}


def test_oldest_run_cancelled_beyond_the_limit():
    runs = Runs(limit=2)
    first = runs.start("test", _story(5))
    runs.start("test", _story(5))
    runs.start("test", _story(5))
    deadline = time.monotonic() + 5
    while first.state != CANCELLED and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.state == CANCELLED
    with pytest.raises(SandboxError):
        runs.get(first.id)
    runs.close()


def test_idle_run_ends_itself():
    runs = Runs(idle_seconds=0.2)
    run = runs.start("test", _story(5))
    deadline = time.monotonic() + 10
    while run.state != CANCELLED and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.state == CANCELLED
    while [t for t in threading.enumerate() if t.name == f"story-test-{run.id}"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [t for t in threading.enumerate() if t.name == f"story-test-{run.id}"]


def test_failed_run_keeps_its_reason():
    def call(run) -> dict:
        run.narrate("tick")
        raise SandboxError(Reason.ISSUER_UNKNOWN, "nobody knows this issuer")

    run = Runs().start("test", call)
    run.next()
    assert run.state == FAILED
    assert run.error == ("issuer_unknown", "nobody knows this issuer")


def test_death_notification_step_by_step(settings):
    """The death story on a sandbox whose status lists live one second: every issuer revokes, the
    benefits service refuses; a second run says the death is already registered."""
    short = settings.model_copy(update={"status_list_ttl_seconds": 1})
    with serve_sandbox(short, SystemClock()) as served:
        with httpx.Client(base_url=served.url, timeout=90, headers={"Accept": "text/html"}) as client:
            assert client.get(f"/ui/login?token={short.resolved_presenter_token()}").status_code == 303
            intro = client.get("/ui/stories/death")
            assert "runs once per sandbox" in intro.text
            run, step, page = _go(client, client.post("/ui/stories/death/runs"))
            assert "Gilles&#39;s wallet is ready" in page
            for _ in range(40):
                if f'action="{run}/next"' not in page:
                    break
                run, step, page = _go(client, client.post(f"{run}/next"))
            assert "The story is over." in page
            assert "Every issuer revoked what it had issued to him" in page
            assert "credential_revoked" in page
            assert "Prov1: event received after" in page
            assert "First rejected verification" in page
            again_run, _step, _again = _go(client, client.post("/ui/stories/death/runs"))
            again_run, _step, again = _go(client, client.post(f"{again_run}/next"))
            assert "The story stopped on an error." in again
            assert "person_deceased" in again
            assert "already registered in this sandbox" in again

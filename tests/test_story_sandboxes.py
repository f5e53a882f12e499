"""A sandbox of its own for a story that changes a registry for good: it starts with the story's
issuer unknown to its registry, hands out role tokens that work there, and leaves nothing behind
(its ports free, its data gone) once the story is over."""

from __future__ import annotations

import httpx
import pytest

from cli.stack import port_in_use, story_sandbox
from dashboard.events import EventLog
from pctf.reasons import SandboxError


def _may_issue(api: str, entity_id: str) -> str:
    answer = httpx.post(
        f"{api}/authorization",
        json={"entity_id": entity_id, "authority_id": api, "action": "issue", "resource": "VerifiedPerson"},
        timeout=15,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["status"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_onboarding_sandbox_starts_without_territory_2_and_stops(settings):
    log = EventLog()
    with story_sandbox("onboarding", settings, log=log) as box:
        s = box.settings
        assert s.port != settings.port and s.data_dir != settings.data_dir
        assert set(box.kwargs) == {"governance_token", "assessor_token"}
        api = s.registry_authority_id
        assert _may_issue(api, s.issuer_id("terr2")) == "unknown_entity"
        assert _may_issue(api, s.issuer_id("prov1")) == "active"
        # The role tokens it hands out are the ones its registry knows.
        listing = httpx.get(f"{api}/applications", headers=_bearer(box.kwargs["governance_token"]), timeout=15)
        assert listing.status_code == 200
        assert httpx.get(f"{api}/applications", headers=_bearer("not-a-token"), timeout=15).status_code == 401
        missing = httpx.get(f"{api}/applications/none", headers=_bearer(box.kwargs["assessor_token"]), timeout=15)
        assert missing.status_code == 404
        # What crosses inside it reaches the event log it was given.
        assert any("/registry/" in e.route for e in log.since(0))
        port, data_dir = s.port, s.data_dir
    assert not port_in_use(s.host, port)
    assert not data_dir.exists()
    assert not log.closed  # the log belongs to whoever gave it: stopping the story's sandbox leaves it open


def test_cross_sandbox_starts_territory_1_framework_beside_it_and_stops(settings):
    with story_sandbox("cross", settings) as box:
        s = box.settings
        assert set(box.kwargs) == {"framework_api", "framework_token", "governance_token"}
        framework = box.kwargs["framework_api"]
        assert framework != s.registry_authority_id
        assert _may_issue(s.registry_authority_id, s.issuer_id("terr1")) == "unknown_entity"
        assert _may_issue(s.registry_authority_id, s.issuer_id("terr2")) == "active"
        assert httpx.get(f"{framework}/entities", timeout=15).json() == []  # Territory 1's registry starts empty
        listing = httpx.get(f"{framework}/applications", headers=_bearer(box.kwargs["framework_token"]), timeout=15)
        assert listing.status_code == 200
        home = httpx.get(
            f"{s.registry_authority_id}/applications", headers=_bearer(box.kwargs["governance_token"]), timeout=15
        )
        assert home.status_code == 200
        framework_port = httpx.URL(framework).port
        port, root = s.port, s.data_dir.parent
    assert not port_in_use(s.host, port)
    assert framework_port is not None and not port_in_use(s.host, framework_port)
    assert not root.exists()


def test_a_failing_story_still_stops_its_sandbox(settings):
    with pytest.raises(RuntimeError):
        with story_sandbox("onboarding", settings) as box:
            port, data_dir = box.settings.port, box.settings.data_dir
            raise RuntimeError("the story failed")
    assert not port_in_use(box.settings.host, port)
    assert not data_dir.exists()


def test_no_sandbox_for_other_stories(settings):
    with pytest.raises(SandboxError):
        with story_sandbox("sasha", settings):
            pass

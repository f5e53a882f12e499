"""Recognition between trust frameworks: Territory 1's framework, recognized by the pan-Canadian
registry, vouches for an issuer the home registry does not list; the verifier asks it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from cli.stack import free_port
from pctf.clock import FrozenClock, SystemClock
from pctf.jose import generate_key
from pctf.settings import Settings
from registry.app import create_app
from registry.client import RegistryClient
from registry.service import RegistryService
from scenarios import cross_jurisdiction
from tests.support import serve, serve_sandbox

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ISS = "http://127.0.0.1:8600/issuers/terr1"


def test_a_recognized_framework_answers_for_an_issuer_the_home_registry_does_not_know(tmp_path, another_store):
    """Two registries over real HTTP, each its own store; the home client follows the recognition."""
    clock = FrozenClock(T0)
    t1_settings = Settings(
        data_dir=tmp_path / "terr1", governance_token="t1", port=free_port(), database_url=another_store()
    )
    t1_settings = t1_settings.model_copy(update={"registry_url": f"http://127.0.0.1:{t1_settings.port}"})
    terr1 = RegistryService(t1_settings, clock)
    key = generate_key()
    terr1.upsert_entity(ISS, name="Territory 1", jurisdiction="Terr1", role="issuer", jwks={"keys": [key.public_jwk]})
    grant = terr1.authorize(ISS, resource="VerifiedPerson", assurance_level=3)
    server = serve(create_app(t1_settings, clock, terr1), loopback=True, port=t1_settings.port)
    try:
        home = RegistryService(
            Settings(data_dir=tmp_path / "home", governance_token="h", database_url=another_store()), clock
        )
        api = serve(create_app(home.settings, clock, home)).client()
        client = RegistryClient("http://testserver", api, home.authority_id, clock=clock)
        # The home registry in process, Terr1's framework over real HTTP.
        client.framework(terr1.authority_id).http = httpx.Client(timeout=10)

        assert client.issuer_jwks(ISS) is None
        assert client.authorization(ISS, "issue", "VerifiedPerson", at=T0).status == "unknown_entity"

        home.recognize(terr1.authority_id, resource="VerifiedPerson", valid_until=T0 + timedelta(days=30))
        assert client.issuer_jwks(ISS) == {"keys": [key.public_jwk]}
        answer = client.authorization(ISS, "issue", "VerifiedPerson", at=T0, assurance_level=3)
        assert answer.authorized and answer.raw["recognized_authority_id"] == terr1.authority_id
        assert terr1.authority_id in answer.message
        # Only what the recognition covers: not another credential type...
        assert client.authorization(ISS, "issue", "VerifiedOrganization", at=T0).status == "unknown_entity"
        # ...and what the other framework says still counts: suspended there, suspended here.
        terr1.set_authorization_status(grant["id"], "suspended", reason="territorial audit")
        client.framework(terr1.authority_id).clear_cache()
        assert client.authorization(ISS, "issue", "VerifiedPerson", at=T0).status == "suspended"
        # Once the recognition has lapsed, the framework is no longer asked.
        clock.advance(timedelta(days=31))
        client.clear_cache()
        assert client.authorization(ISS, "issue", "VerifiedPerson", at=T0).status == "unknown_entity"
    finally:
        server.stop()


def test_nora_uses_her_terr1_credential_at_the_prov2_health_portal(settings, http, another_store):
    framework_port = free_port()
    t1 = Settings(
        data_dir=settings.data_dir / "terr1-framework",
        governance_token="terr1-governance",
        port=framework_port,
        registry_url=f"http://127.0.0.1:{framework_port}",
        database_url=another_store(),
    )
    framework = serve(create_app(t1, SystemClock()), loopback=True, port=framework_port)
    sandbox = serve_sandbox(settings, SystemClock(), withhold=("terr1",))
    try:
        result = cross_jurisdiction.run(
            sandbox.url,
            http,
            framework_api=t1.registry_authority_id,
            framework_token="terr1-governance",
            governance_token=settings.resolved_governance_token(),
        )
    finally:
        sandbox.stop()
        framework.stop()
    assert result["before_recognition"]["reasons"] == ["issuer_unknown"]
    assert result["recognition"]["recognized"] is True
    after = result["after_recognition"]
    assert after["accepted"] is True, after["reasons"]
    evidence = next(c["detail"] for c in after["checks"] if c["check"] == "issuer_authorized")
    assert t1.registry_authority_id in evidence
    assert result["ok"] is True

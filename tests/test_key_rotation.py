"""Key rotation from the issuer's side to the verifier's: a sandbox issuer starts signing with a new
key, the registry learns it, governance retires the old one, and what the old key signed before
its retirement keeps verifying until it expires."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta

import pytest

from cli.stack import bootstrap
from pctf import sdjwt
from pctf.jose import SigningKey
from pctf.reasons import Reason
from tests.test_cli import EXE
from tests.test_verifier_engine import (
    PERSON_CLAIMS,
    T0,
    assert_accepted,
    assert_rejected,
    hand_issue,
    make_world,
    payload_for,
    person_only,
    present,
)


def test_rotation_keeps_old_credentials_verifying_until_the_old_key_is_retired_or_compromised(tmp_path):
    w = make_world(tmp_path / "data")
    before = w.issued["person"]  # signed by the first key at T0
    old_kid = w.issuers.signing_key("prov1").kid

    w.clock.advance(timedelta(days=30))
    rotated = w.issuers.rotate_key("prov1")
    assert rotated["previous_kid"] == old_kid and rotated["kid"] != old_kid
    assert {k["kid"] for k in w.issuers.jwks("prov1")["keys"]} == {old_kid, rotated["kid"]}  # both published
    bootstrap(w.settings, w.clock)  # a restart registers the new key; nothing is dropped
    registered = {k["kid"] for k in w.registry.entity(w.iss("prov1"))["jwks"]["keys"]}
    assert registered == {old_kid, rotated["kid"]}

    after = w.mint("prov1", "VerifiedPerson", PERSON_CLAIMS)
    assert sdjwt.SdJwt.parse(after).header["kid"] == rotated["kid"]
    retired_at = w.clock.now()
    w.registry.key_event(w.iss("prov1"), old_kid, "retired", effective_from=retired_at)
    bootstrap(w.settings, w.clock)  # seeding again undoes no governance decision
    assert [e["kid"] for e in w.registry.entity(w.iss("prov1"))["key_events"]] == [old_kid]

    w.clock.advance(timedelta(days=1))
    assert_accepted(person_only(w, present(w, after)))
    assert_accepted(person_only(w, present(w, before)))  # signed before the retirement

    # Something the old key signed after its retirement (a stolen key, a forgotten server).
    old_key = next(SigningKey(private_jwk=r) for r in _private_keys(w, "prov1") if r["kid"] == old_kid)
    late = hand_issue(payload_for(w, "VerifiedPerson", PERSON_CLAIMS, iss=w.iss("prov1")), old_key)
    assert_rejected(person_only(w, present(w, late)), Reason.ISSUER_KEY_RETIRED, "issuer_key", "person")

    # The old key turns out to have been compromised ten days before its retirement: what it
    # signed from then on is refused, what it signed before still counts.
    w.registry.key_event(
        w.iss("prov1"),
        old_kid,
        "compromised",
        effective_from=retired_at - timedelta(days=10),
        reason="key material found on a decommissioned server",
    )
    assert_accepted(person_only(w, present(w, before)))  # T0, before the compromise
    signed_at = int((retired_at - timedelta(days=5)).timestamp())
    backdated = hand_issue(payload_for(w, "VerifiedPerson", PERSON_CLAIMS, iss=w.iss("prov1"), iat=signed_at), old_key)
    assert_rejected(person_only(w, present(w, backdated)), Reason.ISSUER_KEY_COMPROMISED, "issuer_key", "person")
    assert retired_at > T0


def _private_keys(w, short_id: str) -> list[dict]:
    from sqlmodel import Session, select

    from issuers.models import IssuerKey

    with Session(w.issuers.db) as session:
        return [r.private_jwk for r in session.exec(select(IssuerKey).where(IssuerKey.issuer_id == short_id))]


@pytest.mark.slow
def test_rotate_key_command(tmp_path):
    env = {**os.environ, "PCTF_DATA_DIR": str(tmp_path)}
    env.pop("PCTF_DATABASE_URL", None)
    first = subprocess.run(
        [EXE, "issuer", "rotate-key", "terr1", "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert first.returncode == 0, first.stderr
    rotated = json.loads(first.stdout)
    said = subprocess.run(
        [EXE, "issuer", "rotate-key", "terr1", "--lang", "fr"], env=env, capture_output=True, text=True, timeout=60
    )
    assert said.returncode == 0 and rotated["kid"] in said.stdout and "registry key retire terr1" in said.stdout
    unknown = subprocess.run(
        [EXE, "issuer", "rotate-key", "nowhere"], env=env, capture_output=True, text=True, timeout=60
    )
    assert unknown.returncode == 2 and "issuer_id_unknown" in unknown.stderr and "Traceback" not in unknown.stderr

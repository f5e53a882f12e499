"""The command-line contract that external integration tests call, run as real subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer

from pctf import sdjwt
from pctf.jose import generate_key
from pctf.vocab import CREDENTIAL_TYPES, VERIFIED_PERSON

EXE = shutil.which("pctf-sandbox") or str(Path(sys.executable).with_name("pctf-sandbox"))
SASHA_CLAIMS = {
    "given_name": "Sasha",
    "family_name": "Tremblay",
    "birthdate": "1988-06-14",
    "address": {"locality": "Riverton", "region": "Prov1", "country": "CA"},
}
AUD, NONCE = "https://rp.example.ca", "n-0S6_WzA2Mj"


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "PCTF_DATA_DIR": str(tmp_path / "data"), "PCTF_GOVERNANCE_TOKEN": "cli-test"}


def run(env, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, input=stdin, timeout=120)


def assert_clean_error(proc: subprocess.CompletedProcess, code: int = 2, reason: str | None = None) -> None:
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    if reason:
        assert reason in proc.stderr


def test_types_json_lists_every_type(env):
    proc = run(env, "types", "--json")
    assert proc.returncode == 0, proc.stderr
    types = {t["type"]: t for t in json.loads(proc.stdout)}
    assert set(types) == set(CREDENTIAL_TYPES) >= {"VerifiedPerson", "VerifiedOrganization", "VerifiedRelationship"}
    assert types["VerifiedPerson"]["vct"] == VERIFIED_PERSON.vct
    assert {c["name"] for c in types["VerifiedPerson"]["claims"]} >= {"given_name", "birthdate", "address"}


@pytest.mark.slow
def test_issue_then_verify_chain(env, tmp_path):
    holder = generate_key()
    (tmp_path / "holder.jwk").write_text(json.dumps(holder.private_jwk))  # private parts are dropped by the CLI
    proc = run(
        env,
        "issue",
        "--issuer",
        "prov1",
        "--type",
        "VerifiedPerson",
        "--holder-jwk",
        str(tmp_path / "holder.jwk"),
        "--claims",
        json.dumps(SASHA_CLAIMS),
    )
    assert proc.returncode == 0, proc.stderr
    issued = proc.stdout.strip()
    assert issued.endswith("~") and sdjwt.SdJwt.parse(issued).header["typ"] == "dc+sd-jwt"
    presentation = sdjwt.present(
        issued, holder, reveal=[("given_name",), ("address", "locality")], aud=AUD, nonce=NONCE, iat=int(time.time())
    )
    (tmp_path / "vp.txt").write_text(presentation)

    ok = run(env, "verify", str(tmp_path / "vp.txt"), "--aud", AUD, "--nonce", NONCE, "--type", "VerifiedPerson")
    verdict = json.loads(ok.stdout)
    assert ok.returncode == 0 and verdict["accepted"] is True, ok.stdout
    assert verdict["credentials"]["credential"]["claims"]["address"] == {"locality": "Riverton"}
    assert "family_name" not in verdict["credentials"]["credential"]["claims"]

    from_stdin = run(env, "verify", "-", "--aud", AUD, "--nonce", "other", stdin=presentation)
    assert from_stdin.returncode == 1 and json.loads(from_stdin.stdout)["reasons"] == ["nonce_mismatch"]

    wrong_type = run(
        env, "verify", str(tmp_path / "vp.txt"), "--aud", AUD, "--nonce", NONCE, "--type", "VerifiedOrganization"
    )
    assert wrong_type.returncode == 1 and json.loads(wrong_type.stdout)["reasons"] == ["vct_unexpected"]


def test_registry_entity_json(env):
    proc = run(env, "registry", "entity", "prov1", "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["entity_id"].endswith("/issuers/prov1") and record["role"] == "issuer"
    assert record["jwks"]["keys"] and "d" not in record["jwks"]["keys"][0]
    assert [(a["resource"], a["assurance_level"]) for a in record["authorizations"]] == [(VERIFIED_PERSON.vct, 3)]


def _independent_credential(issuer_id: str, issuer_key: JWK, holder_key: JWK, *, age: int = 0) -> str:
    """A Verified Person issued by the OpenWallet Foundation's SD-JWT implementation, not ours."""
    now = int(time.time()) - age
    claims = {
        "iss": issuer_id,
        "iat": now,
        "exp": now + 3600,
        "vct": VERIFIED_PERSON.vct,
        "assurance_level": 3,
        SDObj("given_name"): "Sasha",
        SDObj("family_name"): "Tremblay",
        SDObj("birthdate"): "1988-06-14",
        SDObj("address"): {SDObj("locality"): "Riverton", SDObj("country"): "CA"},
    }
    issuer = SDJWTIssuer(
        claims,
        issuer_key,
        holder_key,
        sign_alg="ES256",
        add_decoy_claims=True,
        extra_header_parameters={"typ": "dc+sd-jwt", "kid": issuer_key.thumbprint()},
    )
    return issuer.sd_jwt_issuance


@pytest.mark.slow
def test_onboarded_external_issuer_verifies_and_tampering_is_caught(env, tmp_path):
    issuer_id = "https://digital-id.jurisdiction.example.ca/issuer"
    issuer_key = JWK.generate(kty="EC", crv="P-256")
    holder_key = JWK.generate(kty="EC", crv="P-256")
    public = issuer_key.export_public(as_dict=True)
    public["kid"] = issuer_key.thumbprint()
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [public]}))

    def present(issued: str) -> str:
        holder = SDJWTHolder(issued)
        holder.create_presentation(
            {"given_name": True, "address": {"locality": True}},
            nonce=NONCE,
            aud=AUD,
            holder_key=holder_key,
            sign_alg="ES256",
        )
        return holder.sd_jwt_presentation

    # Before onboarding, the registry does not know this issuer.
    early = present(_independent_credential(issuer_id, issuer_key, holder_key, age=60))
    (tmp_path / "early.txt").write_text(early)
    unknown = run(env, "verify", str(tmp_path / "early.txt"), "--aud", AUD, "--nonce", NONCE)
    assert unknown.returncode == 1 and json.loads(unknown.stdout)["reasons"] == ["issuer_unknown"]

    onboard = run(
        env,
        "registry",
        "onboard",
        "--entity-id",
        issuer_id,
        "--jwks",
        str(tmp_path / "jwks.json"),
        "--type",
        "VerifiedPerson",
        "--loa",
        "3",
    )
    assert onboard.returncode == 0, onboard.stderr

    # Authorization is judged at issuance time: what it signed before accreditation stays refused.
    before = run(env, "verify", str(tmp_path / "early.txt"), "--aud", AUD, "--nonce", NONCE)
    assert before.returncode == 1 and json.loads(before.stdout)["reasons"] == ["issuer_not_authorized"]

    presentation = present(_independent_credential(issuer_id, issuer_key, holder_key))
    (tmp_path / "vp.txt").write_text(presentation)

    ok = run(env, "verify", str(tmp_path / "vp.txt"), "--aud", AUD, "--nonce", NONCE, "--type", "VerifiedPerson")
    verdict = json.loads(ok.stdout)
    assert ok.returncode == 0 and verdict["accepted"], ok.stdout
    assert verdict["credentials"]["credential"]["claims"]["given_name"] == "Sasha"

    # One disclosure altered: its digest is no longer among those the issuer signed.
    parts = presentation.split("~")
    salt, name, value = json.loads(sdjwt.b64u_decode(parts[1]))
    forged = sdjwt.b64u_encode(json.dumps([salt, name, "Mallory" if value != "Mallory" else "Eve"]).encode())
    (tmp_path / "forged.txt").write_text("~".join([parts[0], forged, *parts[2:]]))
    tampered = run(env, "verify", str(tmp_path / "forged.txt"), "--aud", AUD, "--nonce", NONCE)
    assert tampered.returncode == 1 and json.loads(tampered.stdout)["reasons"] == ["disclosure_unreferenced"]

    other_nonce = run(env, "verify", str(tmp_path / "vp.txt"), "--aud", AUD, "--nonce", "another-nonce")
    assert other_nonce.returncode == 1 and json.loads(other_nonce.stdout)["reasons"] == ["nonce_mismatch"]


@pytest.mark.slow
def test_bad_input_is_one_line_exit_2_and_changes_nothing(env, tmp_path):
    holder = tmp_path / "holder.jwk"
    holder.write_text(json.dumps(generate_key().public_jwk))
    args = ["--holder-jwk", str(holder), "--claims", json.dumps(SASHA_CLAIMS)]
    assert_clean_error(
        run(env, "issue", "--issuer", "prov9", "--type", "VerifiedPerson", *args), reason="issuer_id_unknown"
    )
    assert_clean_error(
        run(env, "issue", "--issuer", "prov1", "--type", "Passport", *args), reason="credential_type_unknown"
    )
    assert_clean_error(
        run(
            env,
            "issue",
            "--issuer",
            "prov1",
            "--type",
            "VerifiedPerson",
            "--holder-jwk",
            str(holder),
            "--claims",
            "{given_name: Sasha",
        ),
        reason="claims_invalid",
    )
    assert_clean_error(
        run(
            env,
            "issue",
            "--issuer",
            "prov1",
            "--type",
            "VerifiedPerson",
            "--holder-jwk",
            str(holder),
            "--claims",
            json.dumps({"given_name": "Sasha"}),
        ),
        reason="claims_invalid",
    )
    assert_clean_error(
        run(
            env,
            "issue",
            "--issuer",
            "prov1",
            "--type",
            "VerifiedPerson",
            "--holder-jwk",
            str(tmp_path / "missing.jwk"),
            "--claims",
            "{}",
        )
    )
    assert_clean_error(run(env, "verify", str(tmp_path / "missing.txt"), "--aud", AUD, "--nonce", NONCE))
    assert_clean_error(run(env, "registry", "entity", "https://nobody.example", "--json"), reason="not_found")
    missing_option = run(env, "verify", "-", "--aud", AUD, stdin="x~")
    assert missing_option.returncode == 2 and "Traceback" not in missing_option.stderr

    private = generate_key().private_jwk
    (tmp_path / "private.json").write_text(json.dumps({"keys": [private]}))
    assert_clean_error(
        run(
            env,
            "registry",
            "onboard",
            "--entity-id",
            "https://leaky.example",
            "--jwks",
            str(tmp_path / "private.json"),
            "--type",
            "VerifiedPerson",
            "--loa",
            "3",
        )
    )
    assert_clean_error(run(env, "registry", "entity", "https://leaky.example"), reason="not_found")

    garbage = run(env, "verify", "-", "--aud", AUD, "--nonce", NONCE, stdin="not a presentation")
    assert garbage.returncode == 1 and json.loads(garbage.stdout)["reasons"] == ["malformed_presentation"]
    issuances = run(env, "registry", "entity", "prov1", "--json")
    assert issuances.returncode == 0


@pytest.mark.slow
def test_keygen_issue_present_verify_entirely_from_the_command_line(env, tmp_path):
    key = tmp_path / "holder.jwk"
    assert run(env, "keygen", "--out", str(key)).returncode == 0
    assert oct(key.stat().st_mode & 0o777) == "0o600" and "d" in json.loads(key.read_text())
    assert_clean_error(run(env, "keygen", "--out", str(key)))  # never overwrites a key

    issued = run(
        env,
        "issue",
        "--issuer",
        "terr1",
        "--type",
        "VerifiedPerson",
        "--holder-jwk",
        str(key),
        "--claims",
        json.dumps(SASHA_CLAIMS),
    )
    assert issued.returncode == 0, issued.stderr
    presented = run(
        env,
        "present",
        "-",
        "--holder-jwk",
        str(key),
        "--aud",
        AUD,
        "--nonce",
        NONCE,
        "--disclose",
        "family_name",
        "--disclose",
        "address.region",
        stdin=issued.stdout,
    )
    assert presented.returncode == 0, presented.stderr
    verdict = run(env, "verify", "-", "--aud", AUD, "--nonce", NONCE, stdin=presented.stdout)
    assert verdict.returncode == 0, verdict.stdout
    claims = json.loads(verdict.stdout)["credentials"]["credential"]["claims"]
    assert claims == {"family_name": "Tremblay", "address": {"region": "Prov1"}, "assurance_level": 3}

    everything = run(env, "present", "-", "--holder-jwk", str(key), "--aud", AUD, "--nonce", NONCE, stdin=issued.stdout)
    all_claims = json.loads(run(env, "verify", "-", "--aud", AUD, "--nonce", NONCE, stdin=everything.stdout).stdout)[
        "credentials"
    ]["credential"]["claims"]
    assert all_claims["address"] == SASHA_CLAIMS["address"] and all_claims["given_name"] == "Sasha"

    public = tmp_path / "public.jwk"
    public.write_text(json.dumps(generate_key().public_jwk))
    assert_clean_error(
        run(env, "present", "-", "--holder-jwk", str(public), "--aud", AUD, "--nonce", NONCE, stdin=issued.stdout)
    )
    assert_clean_error(
        run(env, "present", "-", "--holder-jwk", str(key), "--aud", AUD, "--nonce", NONCE, stdin="not a credential"),
        reason="malformed_presentation",
    )


# -- a sandbox issuer left to onboard (PCTF_UNACCREDITED_ISSUERS) -------------------------------
def test_unaccredited_issuers_run_but_start_out_of_the_registry(env, tmp_path):
    env = {**env, "PCTF_UNACCREDITED_ISSUERS": "terr2, prov2"}
    for short_id in ("terr2", "prov2"):
        assert_clean_error(run(env, "registry", "entity", short_id), reason="not_found")
    assert json.loads(run(env, "registry", "entity", "prov1", "--json").stdout)["status"] == "active"
    issuer = run(env, "issuer", "id", "terr2")
    assert issuer.returncode == 0 and issuer.stdout == "http://127.0.0.1:8600/issuers/terr2\n"
    assert json.loads(run(env, "issuer", "id", "terr2", "--json").stdout)["entity_id"] == issuer.stdout.strip()
    assert_clean_error(run(env, "issuer", "id", "nowhere"), reason="issuer_id_unknown")


def test_a_story_sandbox_withholds_only_its_own_issuer(tmp_path, monkeypatch):
    from cli.stack import bootstrap
    from pctf.clock import SystemClock
    from pctf.settings import Settings
    from registry.service import RegistryService

    monkeypatch.setenv("PCTF_UNACCREDITED_ISSUERS", "terr2")
    s = Settings(data_dir=tmp_path / "data")
    bootstrap(s, SystemClock(), withhold=("terr1",))  # what the story asked for, not the setting
    held = {e["entity_id"] for e in RegistryService(s, SystemClock()).entities()}
    assert s.issuer_id("terr2") in held and s.issuer_id("terr1") not in held


@pytest.mark.parametrize(
    ("value", "named"),
    [("terr2,terr9", "no sandbox issuer 'terr9'"), ("Terr 2", "'Terr 2' is not an issuer short id")],
)
def test_an_unknown_unaccredited_issuer_is_refused_naming_it(env, value, named):
    from cli.stack import free_port

    env = {**env, "PCTF_UNACCREDITED_ISSUERS": value, "PCTF_PORT": str(free_port())}
    for args in (("registry", "entity", "prov1"), ("up",)):
        refused = run(env, *args)
        assert_clean_error(refused)
        assert "PCTF_UNACCREDITED_ISSUERS" in refused.stderr and named in refused.stderr


@pytest.mark.slow
def test_issuer_test_offer_proofs_the_registry_test_subject(env):
    from cli.stack import free_port

    env = {**env, "PCTF_PORT": str(free_port())}
    made = run(env, "issuer", "test-offer", "terr2", "--json")
    assert made.returncode == 0, made.stderr
    offered = json.loads(made.stdout)
    issuer = f"http://127.0.0.1:{env['PCTF_PORT']}/issuers/terr2"
    assert offered["issuer"] == issuer and offered["offer"].startswith("openid-credential-offer://?credential_offer=")
    assert offered["tx_code"].isdigit() and offered["assurance_level"] == 2
    assert made.stderr.startswith("started the sandbox services in process at ")
    # The issuer's staff recorded it: the offer is theirs, for the test subject.
    from urllib.parse import parse_qs, urlsplit

    offer = json.loads(parse_qs(urlsplit(offered["offer"]).query)["credential_offer"][0])
    assert offer["credential_issuer"] == issuer and offer["credential_configuration_ids"] == ["VerifiedPerson"]

    shown = run(env, "issuer", "test-offer", "prov1", "--lang", "fr")
    assert shown.returncode == 0, shown.stderr
    first, second = shown.stdout.strip().splitlines()
    assert first.startswith("Offre de test de l'émetteur http://") and "openid-credential-offer://" in first
    assert second.startswith("Son code de transaction") and second.split()[-1].isdigit()
    assert_clean_error(run(env, "issuer", "test-offer", "fed"), reason="not an identity-proofing issuer")
    assert_clean_error(run(env, "issuer", "test-offer", "nowhere"), reason="issuer_id_unknown")

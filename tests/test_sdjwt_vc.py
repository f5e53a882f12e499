"""The one credential check (pctf/sdjwt_vc.py), as each of its callers uses it: the verifier
(key binding asked for), the wallet (an issued credential, its own key expected), the registry's
conformance run (a published key set, an expected issuer) and an issuer renewing a credential
(expired accepted, any nonce returned to be used up)."""

from __future__ import annotations

import pytest

from pctf import sdjwt
from pctf.jose import generate_key
from pctf.reasons import Reason, SandboxError
from pctf.sdjwt_vc import (
    STEPS,
    TECHNICAL_CLAIMS,
    KeyBinding,
    Progress,
    check_credential,
    is_numeric_date,
    numeric_date,
    subject_claims,
)

NOW = 1_800_000_000
ISS = "https://issuers.example/issuers/prov1"
VCT = "https://pctf.example/vct/VerifiedPerson"
ISSUER = generate_key()
HOLDER = generate_key()


def _issued(**changes) -> str:
    payload = {
        "iss": ISS,
        "vct": VCT,
        "iat": NOW - 60,
        "exp": NOW + 3600,
        "cnf": {"jwk": HOLDER.public_jwk},
        "given_name": "Sasha",
        "family_name": "Tremblay",
    }
    payload.update(changes)
    payload = {k: v for k, v in payload.items() if v is not None}
    return sdjwt.issue(payload, ISSUER, disclosable=[("given_name",), ("family_name",)])


def _keys(iss: str) -> list[dict]:
    return [ISSUER.public_jwk] if iss == ISS else []


def _check(text: str, **kw):
    return check_credential(text, issuer_keys=_keys, now=NOW, leeway=30, **kw)


def _refusal(text: str, **kw) -> Reason:
    with pytest.raises(SandboxError) as caught:
        _check(text, **kw)
    return caught.value.reason


def test_an_issued_credential_passes_every_step_and_yields_its_claims():
    progress = Progress()
    checked = _check(_issued(), expected_iss=ISS, expected_vcts=[VCT], holder=HOLDER.public_jwk, progress=progress)
    assert [step for step, _ in progress.passed] == list(STEPS)
    assert (checked.iss, checked.vct, checked.iat, checked.exp) == (ISS, VCT, NOW - 60, NOW + 3600)
    assert checked.subject_claims == {"given_name": "Sasha", "family_name": "Tremblay"}
    assert checked.disclosed == 2 and checked.issuer_key["kid"] == ISSUER.kid and checked.holder == HOLDER.public_jwk


def test_a_presentation_is_checked_with_its_key_binding():
    text = sdjwt.present(_issued(), HOLDER, reveal=[("given_name",)], aud="https://bank", nonce="n-1", iat=NOW)
    checked = _check(text, key_binding=KeyBinding(aud="https://bank", nonce="n-1", max_age=300))
    assert checked.subject_claims == {"given_name": "Sasha"} and checked.kb_nonce == "n-1"
    assert (
        _refusal(text, key_binding=KeyBinding(aud="https://other", nonce="n-1", max_age=300))
        == Reason.AUDIENCE_MISMATCH
    )
    assert _refusal(text, key_binding=KeyBinding(aud="https://bank", nonce="n-2", max_age=300)) == Reason.NONCE_MISMATCH
    assert (
        _refusal(_issued(), key_binding=KeyBinding(aud="https://bank", nonce="n-1", max_age=300))
        == Reason.HOLDER_BINDING_MISSING
    )


def test_any_nonce_is_returned_when_the_caller_uses_it_up_itself():
    text = sdjwt.present(_issued(), HOLDER, reveal=[], aud=ISS, nonce="c-nonce-7", iat=NOW)
    assert _check(text, key_binding=KeyBinding(aud=ISS, nonce=None, max_age=300)).kb_nonce == "c-nonce-7"


def test_a_key_binding_where_none_is_asked_for_is_refused():
    text = sdjwt.present(_issued(), HOLDER, reveal=[], aud="x", nonce="n", iat=NOW)
    assert _refusal(text) == Reason.MALFORMED_PRESENTATION


def test_each_expectation_has_its_reason():
    assert _refusal(_issued(), expected_iss="https://elsewhere") == Reason.ISSUER_MISMATCH
    assert _refusal(_issued(), expected_vcts=["urn:other"]) == Reason.VCT_UNEXPECTED
    assert _refusal(_issued(), holder=generate_key().public_jwk) == Reason.HOLDER_KEY_MISSING
    assert _refusal(_issued(iss="https://unknown")) == Reason.ISSUER_UNKNOWN
    assert _refusal(_issued(cnf=None)) == Reason.HOLDER_KEY_MISSING
    assert _refusal(_issued(iat=None)) == Reason.REQUIRED_CLAIM_MISSING
    assert _refusal(_issued(iat=True)) == Reason.CLAIMS_INVALID


def test_a_foreign_key_is_refused():
    foreign = sdjwt.issue(
        {"iss": ISS, "vct": VCT, "iat": NOW, "cnf": {"jwk": HOLDER.public_jwk}}, generate_key(), disclosable=[]
    )
    assert _refusal(foreign) in (Reason.ISSUER_KEY_UNKNOWN, Reason.SIGNATURE_INVALID)


def test_dates_are_judged_with_leeway_and_expiry_can_be_waived():
    expired = _issued(iat=NOW - 7200, exp=NOW - 3600)
    assert _refusal(expired) == Reason.CREDENTIAL_EXPIRED
    assert _check(expired, check_expiry=False).exp == NOW - 3600
    assert _check(_issued(exp=NOW - 10)).exp == NOW - 10  # within the 30 s leeway
    assert _refusal(_issued(iat=NOW + 600)) == Reason.CREDENTIAL_NOT_YET_VALID
    assert _refusal(_issued(nbf=NOW + 600)) == Reason.CREDENTIAL_NOT_YET_VALID
    assert _refusal(_issued(iat=NOW - 100, exp=NOW - 200), check_expiry=False) == Reason.CLAIMS_INVALID


def test_the_key_state_hook_stops_the_check_and_the_progress_says_where():
    def retired(iss, kid, iat):
        raise SandboxError(Reason.ISSUER_KEY_RETIRED, f"{kid} was retired")

    progress = Progress()
    with pytest.raises(SandboxError) as caught:
        _check(_issued(), key_state=retired, progress=progress)
    assert caught.value.reason == Reason.ISSUER_KEY_RETIRED
    assert progress.step == "issuer_key" and (progress.iss, progress.vct) == (ISS, VCT)
    assert [s for s, _ in progress.passed] == list(STEPS[: STEPS.index("issuer_key")])


@pytest.mark.parametrize(
    "value, ok",
    [
        (0, True),
        (253402300799, True),
        (1.5, True),
        (-1, False),
        (253402300800, False),
        (True, False),
        ("1", False),
        (None, False),
    ],
)
def test_numeric_dates(value, ok):
    assert is_numeric_date(value) is ok
    if value is not None:
        if ok:
            assert numeric_date({"iat": value}, "iat") == value
        else:
            with pytest.raises(SandboxError):
                numeric_date({"iat": value}, "iat")


def test_technical_claims_never_count_as_the_subject_s():
    claims = {name: 1 for name in TECHNICAL_CLAIMS} | {"given_name": "Sasha"}
    assert subject_claims(claims) == {"given_name": "Sasha"}

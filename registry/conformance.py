"""Automated technical conformance of an issuer, checked against its live endpoints.

Onboarding starts here: before anyone assesses an applicant against PCTF criteria, the registry
checks that what it will register is what wallets and verifiers will meet. The applicant's
metadata must describe it (OpenID4VCI 12.2, SD-JWT VC issuer metadata), its published keys must
pass the registry's own key rule (:func:`registry.validation.validate_jwks`, the rule applied when
they are registered), and a test credential, obtained by a throwaway wallet through the
applicant's real OpenID4VCI endpoints, must verify with those keys, carry the claims of its
PCTF type and point to a well-formed status list. The test credential describes a test
subject, is bound to a key made for the run and is discarded with it: the report holds what was
checked (URLs, key ids, claim names), never claim values.

An applicant whose entity id is a ``did:web`` DID (:mod:`pctf.did`) is checked the same way, from
its DID document instead of SD-JWT VC issuer metadata (:data:`DID_CHECKS`): the document must
resolve, be the DID's, list its issuing keys under ``assertionMethod`` and name its OpenID4VCI
Credential Issuer, an https URL, in a service of type ``OID4VCI`` (DID Extensions). The rest is
unchanged and holds that URL to the DID: the issuer's metadata and test offer name that URL, and
the test credential it issues must carry the DID as ``iss`` and verify with a key of the document,
named by its DID URL. The DID's controller thus says where it issues, and a credential from that
issuer proves the issuer signs with the DID's keys; accreditation registers those keys.

:func:`run_conformance` runs the checks in :data:`CHECKS` order and returns a
:class:`ConformanceReport`. A failing issuer never raises: each failure is recorded with the
evidence seen (URLs fetched, values read, what was wrong) and a reason code, and a check that
needs a failed one is recorded as skipped. Everything goes through the kernel: :mod:`pctf.http`
for requests, :mod:`pctf.oid4vci` for issuance, :func:`pctf.sdjwt_vc.check_credential` (the
check every verifier runs) for the test credential and :mod:`pctf.statuslist` for its status list.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from pctf import did, oid4vci, sdjwt, statuslist
from pctf.clock import Clock, from_timestamp
from pctf.http import send, well_known_url
from pctf.jose import SigningKey, generate_key, has_private_parts
from pctf.reasons import Reason, SandboxError
from pctf.sdjwt_vc import CheckedCredential, KeyBinding, check_credential
from pctf.trqp import iso_z
from pctf.vocab import type_for_vct

from .validation import validate_jwks

# The credential formats assessed: dc+sd-jwt, and vc+sd-jwt, the draft's earlier name, still accepted.
SD_JWT_VC_FORMATS = sdjwt.ACCEPTED_TYPS
STATUS_LIST_MEDIA_TYPE = statuslist.MEDIA_TYPE
# The audience of the test wallet's key-binding presentation: nobody else's, so it cannot be replayed.
KB_AUDIENCE = "urn:pctf-sandbox:registry:conformance"


@dataclass
class CheckResult:
    """One check: passed or not, what was seen, and a reason code when it failed."""

    id: str
    passed: bool
    evidence: list[str] = field(default_factory=list)
    reason: str | None = None

    def as_dict(self) -> dict:
        return {"id": self.id, "passed": self.passed, "evidence": list(self.evidence), "reason": self.reason}


@dataclass
class ConformanceReport:
    """Every check of one run, in order; ``pctf_types`` are the PCTF types the metadata advertises."""

    issuer: str
    ran_at: str
    checks: list[CheckResult]
    pctf_types: list[str] = field(default_factory=list)
    jwks: dict | None = None  # the published keys, when the registry's key rule accepted them

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def check(self, check_id: str) -> CheckResult:
        return next(c for c in self.checks if c.id == check_id)

    def as_dict(self) -> dict:
        return {
            "issuer": self.issuer,
            "ran_at": self.ran_at,
            "passed": self.passed,
            "pctf_types": list(self.pctf_types),
            "jwks": self.jwks,
            "checks": [c.as_dict() for c in self.checks],
        }


class _Failed(Exception):
    """What the issuer got wrong, with the reason code it is recorded under."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class _Run:
    """What one run has learnt so far; each check reads what the checks it depends on stored.
    ``entity`` is the identifier checked (its credentials' ``iss``); ``issuer`` the OpenID4VCI
    Credential Issuer: the same URL, or the one a DID's document names."""

    issuer: str
    http: httpx.Client
    clock: Clock
    offer: str | dict | None
    tx_code: str | None
    leeway: int
    vcts: dict[str, str] = field(default_factory=dict)  # SD-JWT VC configuration id -> vct
    pctf_types: list[str] = field(default_factory=list)
    jwks: dict = field(default_factory=dict)
    keys: list[dict] = field(default_factory=list)  # the published keys, as validate_jwks accepted them
    holder: SigningKey | None = None
    received: list[oid4vci.ReceivedCredential] = field(default_factory=list)
    verified: list[tuple[str, dict]] = field(default_factory=list)  # (configuration id, resolved claims)
    entity: str = ""

    def __post_init__(self) -> None:
        self.entity = self.entity or self.issuer


# -- helpers ------------------------------------------------------------------------------------
def _is_http_url(value: object) -> bool:
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _fetch(run: _Run, evidence: list[str], url: str, *, accept: str = "application/json") -> httpx.Response:
    """GET ``url``; anything but a 200 fails the check. Transport errors arrive as ``endpoint_unreachable``."""
    response = send(run.http, "GET", url, headers={"Accept": accept})
    content_type = response.headers.get("content-type", "no content-type")
    evidence.append(f"GET {url} -> {response.status_code} ({content_type})")
    if response.status_code != 200:
        raise _Failed(Reason.HTTP_ERROR_STATUS, f"{url} answered HTTP {response.status_code}, not 200")
    return response


def _fetch_json(run: _Run, evidence: list[str], url: str, *, accept: str = "application/json") -> dict:
    response = _fetch(run, evidence, url, accept=accept)
    try:
        body = response.json()
    except ValueError:
        raise _Failed(Reason.METADATA_INVALID, f"{url} did not answer JSON: {response.text[:80]!r}") from None
    if not isinstance(body, dict):
        raise _Failed(Reason.METADATA_INVALID, f"{url} answered JSON that is not an object")
    return body


def _describe_key(jwk: object) -> str:
    if not isinstance(jwk, dict):
        return f"not a JWK object: {str(jwk)[:40]!r}"
    private = ", WITH PRIVATE MEMBERS" if has_private_parts(jwk) else ""
    return f"kid {jwk.get('kid', '(none)')!r}: {jwk.get('kty')}/{jwk.get('crv')}{private}"


# -- the checks ---------------------------------------------------------------------------------
def _credential_issuer_metadata(run: _Run, evidence: list[str]) -> None:
    """OpenID4VCI 12.2: the metadata names this issuer, its credential endpoint and its SD-JWT VC types."""
    meta = _fetch_json(run, evidence, well_known_url(run.issuer, "openid-credential-issuer"))
    if meta.get("credential_issuer") != run.issuer:
        raise _Failed(
            Reason.ISSUER_MISMATCH, f"credential_issuer is {meta.get('credential_issuer')!r}, expected {run.issuer!r}"
        )
    evidence.append(f"credential_issuer = {run.issuer}")
    for name in ("credential_endpoint", "nonce_endpoint"):
        value = meta.get(name)
        if name == "credential_endpoint" or value is not None:
            if not _is_http_url(value):
                raise _Failed(Reason.METADATA_INVALID, f"{name} {value!r} is not an http(s) URL")
            evidence.append(f"{name} = {value}")
    configs = meta.get("credential_configurations_supported")
    if not isinstance(configs, dict) or not configs:
        raise _Failed(Reason.METADATA_INVALID, "credential_configurations_supported is missing or empty")
    problems = []
    for config_id, config in configs.items():
        fmt = config.get("format") if isinstance(config, dict) else None
        if fmt not in SD_JWT_VC_FORMATS:
            evidence.append(f"{config_id}: format {fmt!r} is not SD-JWT VC; not assessed")
            continue
        vct = config.get("vct")
        if not isinstance(vct, str) or not vct:
            problems.append(f"{config_id} (format {fmt}) has no vct")
            continue
        ctype = type_for_vct(vct)
        run.vcts[config_id] = vct
        evidence.append(
            f"{config_id}: {fmt}, vct {vct}, "
            + (f"PCTF type {ctype.name}" if ctype else "not a PCTF type")
            + (" (older media type, accepted)" if fmt != SD_JWT_VC_FORMATS[0] else "")
        )
        if ctype and ctype.name not in run.pctf_types:
            run.pctf_types.append(ctype.name)
    if problems:
        raise _Failed(Reason.METADATA_INVALID, "; ".join(problems))
    if not run.vcts:
        raise _Failed(Reason.METADATA_INVALID, "no credential configuration has format dc+sd-jwt")


def _jwt_vc_issuer_metadata(run: _Run, evidence: list[str]) -> None:
    """SD-JWT VC issuer metadata: ``issuer`` is this issuer, with exactly one of ``jwks`` / ``jwks_uri``."""
    doc = _fetch_json(run, evidence, well_known_url(run.issuer, "jwt-vc-issuer"))
    if doc.get("issuer") != run.issuer:
        raise _Failed(Reason.ISSUER_MISMATCH, f"issuer is {doc.get('issuer')!r}, expected {run.issuer!r}")
    evidence.append(f"issuer = {run.issuer}")
    if ("jwks" in doc) == ("jwks_uri" in doc):
        raise _Failed(Reason.METADATA_INVALID, "the metadata must hold exactly one of jwks and jwks_uri")
    if "jwks" in doc:
        jwks = doc["jwks"]
        evidence.append("keys published inline (jwks)")
    else:
        uri = doc["jwks_uri"]
        if not _is_http_url(uri):
            raise _Failed(Reason.METADATA_INVALID, f"jwks_uri {uri!r} is not an http(s) URL")
        jwks = _fetch_json(run, evidence, uri, accept="application/jwk-set+json, application/json")
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise _Failed(Reason.METADATA_INVALID, 'the JWKS is not an object {"keys": [...]}')
    evidence.append(f"{len(jwks['keys'])} key(s) published")
    run.jwks = jwks


def _did_document(run: _Run, evidence: list[str]) -> None:
    """The DID document (:func:`pctf.did.resolve`): the DID's own, with issuing keys, naming one
    OpenID4VCI Credential Issuer, an https URL, which the other checks then reach."""
    document = did.resolve(run.entity, run.http)
    evidence.append(f"GET {document.url} -> 200; id = {run.entity}")
    evidence.append(f"{len(document.keys)} assertionMethod key(s): {', '.join(k['kid'] for k in document.keys)}")
    issuers = document.service_endpoints(did.OID4VCI_SERVICE)
    if len(issuers) != 1:
        raise _Failed(
            Reason.DID_DOCUMENT_INVALID,
            f"the DID document names {len(issuers)} services of type {did.OID4VCI_SERVICE}; one must name "
            "the OpenID4VCI Credential Issuer",
        )
    issuer = issuers[0]
    parts = urlsplit(issuer)
    if not _is_http_url(issuer) or parts.scheme != "https" or parts.query or parts.fragment:
        raise _Failed(Reason.DID_DOCUMENT_INVALID, f"its {did.OID4VCI_SERVICE} service {issuer!r} is not an https URL")
    evidence.append(f"{did.OID4VCI_SERVICE} service: credential issuer {issuer}")
    run.issuer = issuer
    run.jwks = {"keys": document.keys}


def _keys_acceptable(run: _Run, evidence: list[str]) -> None:
    """The keys pass the rule the registry applies when it registers them."""
    evidence.extend(_describe_key(k) for k in run.jwks["keys"])
    try:
        run.keys = validate_jwks(run.jwks)["keys"]
    except SandboxError as exc:
        raise _Failed(Reason.KEYS_UNACCEPTABLE, exc.message) from None
    evidence.append(f"all {len(run.keys)} key(s) accepted: public only, allowed curves, valid points, unique kids")


def _test_issuance(run: _Run, evidence: list[str]) -> None:
    """A throwaway wallet (fresh holder key, no storage) redeems the applicant's test offer."""
    if run.offer is None:
        raise _Failed(
            Reason.TEST_OFFER_MISSING,
            "no test credential offer was supplied: the applicant must supply a pre-authorized credential "
            "offer (URI or JSON) for a test subject, with its tx_code if it needs one",
        )
    offer = oid4vci.resolve_offer(run.http, run.offer, trace=evidence)
    grant = offer["grants"][oid4vci.PRE_AUTH_GRANT]
    evidence.append(
        f"offer from {offer['credential_issuer']} for {', '.join(offer['credential_configuration_ids'])}"
        + (", with a tx_code" if grant.get("tx_code") else "")
    )
    if offer["credential_issuer"] != run.issuer:
        raise _Failed(Reason.ISSUER_MISMATCH, f"the offer is from {offer['credential_issuer']!r}, not {run.issuer!r}")
    run.holder = generate_key()
    evidence.append(f"test wallet holder key {run.holder.kid}")
    redemption = oid4vci.redeem(run.http, offer, run.holder, clock=run.clock, tx_code=run.tx_code, trace=evidence)
    run.received = redemption.credentials
    evidence.append(
        f"received {len(run.received)} credential(s): " + ", ".join(r.configuration_id for r in run.received)
    )


def _credential_verifies(run: _Run, evidence: list[str]) -> None:
    """Each credential passes the one credential check a verifier runs (:func:`pctf.sdjwt_vc.check_credential`)
    against the published keys, and so does a key-binding presentation of it by the test wallet."""
    assert run.holder is not None  # test_issuance, which this check needs, made it
    now = run.clock.timestamp()
    for received in run.received:
        label = received.configuration_id
        vct = run.vcts.get(label)
        evidence.append(
            f"{label}: expecting iss {run.entity}, vct {vct} (advertised for it), a signature by a "
            f"published key ({', '.join(k['kid'] for k in run.keys)}), cnf.jwk the test wallet's key "
            f"{run.holder.kid}"
        )
        checked = _check(run, label, "credential", received.credential, now, expected_vcts=[vct] if vct else [])
        evidence.append(
            f"{label}: typ {checked.sd.header.get('typ')}, {checked.sd.header.get('alg')}, "
            f"signature verifies with published key {checked.issuer_key.get('kid')}"
        )
        evidence.append(
            f"{label}: {checked.disclosed} disclosure(s) resolve; iss, cnf.jwk, vct {checked.vct} as "
            f"expected; issued {from_timestamp(checked.iat).isoformat()}"
            + (f", expires {from_timestamp(checked.exp).isoformat()}" if checked.exp else "")
        )
        nonce = secrets.token_urlsafe(16)
        presentation = sdjwt.present(
            received.credential,
            run.holder,
            reveal=[(n,) for n in checked.claims],
            aud=KB_AUDIENCE,
            nonce=nonce,
            iat=now,
        )
        _check(
            run,
            label,
            "key-binding presentation",
            presentation,
            now,
            key_binding=KeyBinding(aud=KB_AUDIENCE, nonce=nonce, max_age=run.leeway),
        )
        evidence.append(f"{label}: a key-binding presentation by the test wallet verifies")
        run.verified.append((label, checked.claims))


def _check(
    run: _Run,
    label: str,
    what: str,
    text: str,
    now: int,
    *,
    expected_vcts: list[str] | None = None,
    key_binding: KeyBinding | None = None,
) -> CheckedCredential:
    """:func:`~pctf.sdjwt_vc.check_credential` of ``text`` as the applicant's, signed with a published key and
    bound to the test wallet's key; a failure keeps its reason code and says which ``what`` of ``label`` failed."""
    assert run.holder is not None
    try:
        return check_credential(
            text,
            issuer_keys=lambda iss: run.keys,
            now=now,
            leeway=run.leeway,
            expected_iss=run.entity,
            expected_vcts=expected_vcts,
            holder=run.holder.public_jwk,
            key_binding=key_binding,
        )
    except SandboxError as exc:
        raise _Failed(exc.reason, f"{label} {what}: {exc.message}") from None


def _required_claims(run: _Run, evidence: list[str]) -> None:
    """With every disclosure resolved, each credential carries what its PCTF type requires."""
    problems = []
    for label, claims in run.verified:
        ctype = type_for_vct(claims.get("vct", ""))
        if ctype is None:
            problems.append(
                (Reason.CREDENTIAL_TYPE_UNKNOWN, f"{label}: vct {claims.get('vct')!r} is not a PCTF credential type")
            )
            continue
        missing = ctype.missing_claims(claims)
        if missing:
            problems.append(
                (
                    Reason.REQUIRED_CLAIM_MISSING,
                    f"{label}: {ctype.name} requires {', '.join(missing)}, which the credential lacks",
                )
            )
            continue
        try:
            ctype.validate_claims({k: v for k, v in claims.items() if ctype.claim(k)})
        except SandboxError as exc:
            problems.append((exc.reason, f"{label}: {exc.message}"))
            continue
        evidence.append(f"{label}: carries every claim {ctype.name} requires ({', '.join(ctype.required_claims())})")
    if problems:
        evidence.extend(message for _, message in problems[:-1])
        raise _Failed(*problems[-1])


def _status_list(run: _Run, evidence: list[str]) -> None:
    """Each status list a credential references is served and well formed."""
    referenced = False
    for label, claims in run.verified:
        try:
            reference = statuslist.status_reference(claims)
        except SandboxError as exc:
            raise _Failed(exc.reason, f"{label}: {exc.message}") from None
        if reference is None:
            continue
        referenced = True
        evidence.append(f"{label}: status_list idx {reference.idx!r}, uri {reference.uri!r}")
        _check_status_list(run, reference, evidence)
    if not referenced:
        evidence.append("no status list referenced")


def _check_status_list(run: _Run, reference: statuslist.StatusReference, evidence: list[str]) -> None:
    """A referenced Status List Token, as a verifier will read it (draft-ietf-oauth-status-list 5, 8):
    served as ``application/statuslist+jwt``, verified with the shared codec against the keys the
    issuer publishes (typ, signature, ``sub`` equal to the uri, ``iat``, not expired, a decodable
    ``lst``), and holding the credential's index."""
    response = _fetch(run, evidence, reference.uri, accept=STATUS_LIST_MEDIA_TYPE)
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != STATUS_LIST_MEDIA_TYPE:
        raise _Failed(
            Reason.STATUS_LIST_MALFORMED,
            f"{reference.uri} is served as {media_type or 'no media type'!r}, not {STATUS_LIST_MEDIA_TYPE}",
        )
    try:
        token = statuslist.verify_token(
            response.text.strip(), run.keys, uri=reference.uri, now=run.clock.timestamp(), leeway=run.leeway
        )
        value = token.status_list.get(reference.idx)
    except SandboxError as exc:
        raise _Failed(exc.reason, exc.message) from None
    evidence.append(
        f"statuslist+jwt signed with published key {token.key.get('kid')}; sub = uri; "
        f"{len(token.status_list)} entries of {token.status_list.bits} bits; this credential's entry is "
        f"0x{value:02x}"
    )


Check = Callable[[_Run, list[str]], None]
# (id, the checks it needs, the check): run in this order.
CHECKS: tuple[tuple[str, tuple[str, ...], Check], ...] = (
    ("credential_issuer_metadata", (), _credential_issuer_metadata),
    ("jwt_vc_issuer_metadata", (), _jwt_vc_issuer_metadata),
    ("keys_acceptable", ("jwt_vc_issuer_metadata",), _keys_acceptable),
    ("test_issuance", ("credential_issuer_metadata",), _test_issuance),
    ("credential_verifies", ("test_issuance", "keys_acceptable"), _credential_verifies),
    ("required_claims", ("credential_verifies",), _required_claims),
    ("status_list", ("credential_verifies",), _status_list),
)
CHECK_IDS = tuple(check_id for check_id, _, _ in CHECKS)
# For a did:web entity: the DID document takes the place of the SD-JWT VC issuer metadata, and comes
# first, since it names the Credential Issuer the OpenID4VCI checks reach.
DID_CHECKS: tuple[tuple[str, tuple[str, ...], Check], ...] = (
    ("did_document", (), _did_document),
    ("credential_issuer_metadata", ("did_document",), _credential_issuer_metadata),
    ("keys_acceptable", ("did_document",), _keys_acceptable),
    *(c for c in CHECKS if c[0] not in ("credential_issuer_metadata", "jwt_vc_issuer_metadata", "keys_acceptable")),
)


def run_conformance(
    issuer_url: str,
    *,
    http: httpx.Client,
    clock: Clock,
    offer: str | dict | None = None,
    tx_code: str | None = None,
    leeway: int = 30,
) -> ConformanceReport:
    """Check the issuer identified by ``issuer_url`` through its live endpoints; ``issuer_url``
    may be a ``did:web`` DID, checked by :data:`DID_CHECKS` (see the module docstring).

    ``offer`` is the applicant's test credential offer (an ``openid-credential-offer://`` URI,
    JSON text or object, by value or by reference) for a test subject, and ``tx_code`` its
    transaction code. ``leeway`` is the tolerated clock skew in seconds (``settings.leeway_seconds``).
    Raises ``bad_request`` only when ``issuer_url`` is not an http(s) identifier (``did_invalid``
    for a DID outside :func:`pctf.did.parse_did_web`'s rules); everything the issuer gets wrong is
    in the report.
    """
    checks = CHECKS
    if did.is_did(issuer_url):
        did.parse_did_web(issuer_url)
        run = _Run("", http, clock, offer, tx_code, leeway, entity=issuer_url)
        checks = DID_CHECKS
    elif not _is_http_url(issuer_url) or urlsplit(issuer_url).query or urlsplit(issuer_url).fragment:
        raise SandboxError(
            Reason.BAD_REQUEST, f"{issuer_url!r} is not an http(s) issuer identifier (no query or fragment)"
        )
    else:
        run = _Run(issuer_url, http, clock, offer, tx_code, leeway)
    ran_at = iso_z(clock.now())
    results: dict[str, CheckResult] = {}
    for check_id, needs, check in checks:
        failed = next((n for n in needs if not results[n].passed), None)
        if failed is not None:
            results[check_id] = CheckResult(
                check_id, False, [f"skipped: depends on {failed}"], Reason.DEPENDENCY_FAILED.value
            )
            continue
        evidence: list[str] = []
        try:
            check(run, evidence)
            results[check_id] = CheckResult(check_id, True, evidence)
        except (_Failed, SandboxError) as exc:
            evidence.append(exc.message)
            results[check_id] = CheckResult(check_id, False, evidence, Reason(exc.reason).value)
        except Exception as exc:  # an answer malformed in a way no rule above foresaw: still a report
            evidence.append(f"the check could not finish: {exc.__class__.__name__}: {exc}")
            results[check_id] = CheckResult(check_id, False, evidence, Reason.CONFORMANCE_CHECK_ERROR.value)
    return ConformanceReport(
        issuer_url, ran_at, list(results.values()), list(run.pctf_types), {"keys": run.keys} if run.keys else None
    )

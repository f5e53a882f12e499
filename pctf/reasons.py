"""Machine-readable reason codes, one per way a check can fail.

Every rejection anywhere in the sandbox (codec, verification engine, HTTP APIs, CLI) carries one
of these codes, so integration tests can assert on the exact cause. The codec's codes follow the
"MUST reject" list of RFC 9901 section 7; the engine's follow the verifier policy checks.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    # -- presentation / compact form (RFC 9901 section 4, 7.1)
    MALFORMED_PRESENTATION = "malformed_presentation"
    ALG_NOT_ALLOWED = "alg_not_allowed"  # none, HMAC, anything but the asymmetric allow-list
    TYP_INVALID = "typ_invalid"
    CRIT_UNSUPPORTED = "crit_unsupported"
    ISSUER_KEY_UNKNOWN = "issuer_key_unknown"  # kid not among the issuer's registered keys
    SIGNATURE_INVALID = "signature_invalid"
    SD_ALG_UNSUPPORTED = "sd_alg_unsupported"
    DISCLOSURE_MALFORMED = "disclosure_malformed"
    DISCLOSURE_SHAPE_INVALID = "disclosure_shape_invalid"  # wrong number of elements for its place
    DISCLOSURE_UNREFERENCED = "disclosure_unreferenced"  # altered or foreign disclosure
    DIGEST_DUPLICATE = "digest_duplicate"
    CLAIM_NAME_RESERVED = "claim_name_reserved"  # a disclosure naming `_sd` or `...`
    CLAIM_ALREADY_EXISTS = "claim_already_exists"
    CLAIM_NOT_DISCLOSABLE = "claim_not_disclosable"  # iss, exp, cnf, vct, status... hidden in a disclosure
    # -- SD-JWT VC payload
    REQUIRED_CLAIM_MISSING = "required_claim_missing"  # iss, vct, iat, cnf missing from the payload
    VCT_UNEXPECTED = "vct_unexpected"
    CREDENTIAL_EXPIRED = "credential_expired"
    CREDENTIAL_NOT_YET_VALID = "credential_not_yet_valid"
    # -- key binding (RFC 9901 section 4.3, 7.3)
    HOLDER_BINDING_MISSING = "holder_binding_missing"
    KB_TYP_INVALID = "kb_typ_invalid"
    HOLDER_BINDING_FAILED = "holder_binding_failed"
    SD_HASH_MISMATCH = "sd_hash_mismatch"
    KB_IAT_INVALID = "kb_iat_invalid"  # in the future, or older than the freshness window
    NONCE_MISMATCH = "nonce_mismatch"
    AUDIENCE_MISMATCH = "audience_mismatch"
    PRESENTATION_REPLAYED = "presentation_replayed"
    REQUEST_EXPIRED = "request_expired"
    HOLDER_KEY_MISSING = "holder_key_missing"
    # -- encrypted responses (OpenID4VP 8.3, direct_post.jwt)
    RESPONSE_ENCRYPTION_REQUIRED = "response_encryption_required"  # a plaintext answer to a direct_post.jwt request
    ENCRYPTION_ALG_NOT_ALLOWED = "encryption_alg_not_allowed"  # JWE alg not ECDH-ES, enc not offered, zip
    RESPONSE_DECRYPTION_FAILED = "response_decryption_failed"  # encrypted to another key, or altered
    # -- signed request objects (RFC 9101, OpenID4VP 5.9.3 x509_san_dns / x509_hash)
    REQUEST_OBJECT_INVALID = "request_object_invalid"  # malformed, bad signature, wrong aud, iat ahead
    REQUEST_OBJECT_UNTRUSTED = "request_object_untrusted"  # x5c does not lead to a trusted root, or not valid now
    CLIENT_ID_MISMATCH = "client_id_mismatch"  # link vs object, not the certificate's SAN or hash, answer elsewhere
    # -- trust (registry)
    ISSUER_UNKNOWN = "issuer_unknown"
    ISSUER_NOT_AUTHORIZED = "issuer_not_authorized"
    ISSUER_SUSPENDED = "issuer_suspended"
    REGISTRY_UNAVAILABLE = "registry_unavailable"
    TRUST_LIST_EXPIRED = "trust_list_expired"  # registry unreachable and the cached snapshot too old
    TRUST_LIST_INVALID = "trust_list_invalid"  # a snapshot not signed by the registry, or altered
    ISSUER_KEY_RETIRED = "issuer_key_retired"  # signed after the issuer retired the key
    ISSUER_KEY_COMPROMISED = "issuer_key_compromised"  # signed on or after the date the key was compromised
    # -- did:web entity identifiers (pctf.did)
    DID_INVALID = "did_invalid"  # not a did:web DID the sandbox accepts (IP host, traversal, encoding...)
    DID_UNRESOLVABLE = "did_unresolvable"  # the DID document could not be read over HTTPS
    DID_DOCUMENT_INVALID = "did_document_invalid"  # id not the DID, too large, no assertionMethod JWK...
    # -- relying-party policy
    LOA_TOO_LOW = "loa_too_low"
    CLAIMS_NOT_DISCLOSED = "claims_not_disclosed"
    CLAIMS_NOT_LINKED = "claims_not_linked"
    ORGANIZATION_INACTIVE = "organization_inactive"
    ROLE_NOT_ACCEPTED = "role_not_accepted"
    IMMUNIZATION_NOT_ACCEPTED = "immunization_not_accepted"  # not against the disease the policy asks about
    CREDENTIAL_NOT_PRESENTED = "credential_not_presented"
    CLAIM_VALUE_NOT_ACCEPTED = "claim_value_not_accepted"  # a disclosed value outside the DCQL query's values
    SCOPE_NOT_COVERED = "scope_not_covered"  # a delegation that does not cover what the relying party does
    # -- request handling (HTTP and CLI)
    BAD_REQUEST = "bad_request"
    NOT_FOUND = "not_found"
    UNAUTHORIZED = "unauthorized"  # no bearer token, or one this service does not know (401)
    FORBIDDEN = "forbidden"  # a known token whose holder may not do this, e.g. another wallet's (403)
    TOO_MANY_ATTEMPTS = "too_many_attempts"  # failed attempts over the limit: wait (429)
    REQUEST_TOO_LARGE = "request_too_large"  # a body over PCTF_MAX_BODY_BYTES (413)
    URL_NOT_ALLOWED = "url_not_allowed"  # a URL to fetch that is not https, or not at a public address (400)
    CONSENT_MISMATCH = "consent_mismatch"  # an approval that is not of the request the holder was shown
    SETTING_INVALID = "setting_invalid"  # a configuration a service refuses to start with
    CONFLICT = "conflict"
    CREDENTIAL_TYPE_UNKNOWN = "credential_type_unknown"
    ISSUER_ID_UNKNOWN = "issuer_id_unknown"
    CLAIMS_INVALID = "claims_invalid"
    EVIDENCE_INSUFFICIENT = "evidence_insufficient"
    EVIDENCE_MISMATCH = "evidence_mismatch"
    PERSON_DECEASED = "person_deceased"  # proofing someone on the vital statistics death register
    # a parent–child relationship asked for a child on the birth register by someone it does not name as a parent
    NOT_ON_BIRTH_REGISTRATION = "not_on_birth_registration"
    EVENT_INVALID = "event_invalid"  # an event not signed by the emitter it names (forged on the bus)
    # -- OpenID4VCI (section 8.3.1.2 credential error codes, 6.3 token errors)
    INVALID_GRANT = "invalid_grant"
    # an offer by reference (credential_offer_uri) that is unknown, expired, void or already redeemed (404)
    CREDENTIAL_OFFER_UNKNOWN = "credential_offer_unknown"
    UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
    INVALID_CREDENTIAL_REQUEST = "invalid_credential_request"
    INVALID_TOKEN = "invalid_token"
    INVALID_PROOF = "invalid_proof"
    INVALID_NONCE = "invalid_nonce"
    UNKNOWN_CREDENTIAL_CONFIGURATION = "unknown_credential_configuration"
    CONSENT_REQUIRED = "consent_required"
    NO_MATCHING_CREDENTIAL = "no_matching_credential"
    # -- OAuth authorization code flow (RFC 6749 4.1.2.1 and 5.2, RFC 9126, RFC 9396 5, RFC 9101 7)
    INVALID_REQUEST = "invalid_request"  # a parameter missing, repeated or malformed (PKCE, redirect_uri, PAR)
    INVALID_SCOPE = "invalid_scope"  # a scope no credential configuration here has
    INVALID_AUTHORIZATION_DETAILS = "invalid_authorization_details"  # not openid_credential, or unknown configuration
    UNSUPPORTED_RESPONSE_TYPE = "unsupported_response_type"  # anything but response_type=code
    INVALID_REQUEST_URI = "invalid_request_uri"  # a request_uri unknown, expired or already used
    # -- issuer conformance (the registry's automated checks of an applicant's live endpoints)
    ENDPOINT_UNREACHABLE = "endpoint_unreachable"  # refused, timed out, DNS or TLS failure
    HTTP_ERROR_STATUS = "http_error_status"  # the endpoint answered, but not with 200
    METADATA_INVALID = "metadata_invalid"  # not a JSON object, or a member missing or malformed
    ISSUER_MISMATCH = "issuer_mismatch"  # credential_issuer, issuer or iss is not the identifier checked
    KEYS_UNACCEPTABLE = "keys_unacceptable"  # the published JWKS fails the registry's key rule
    TEST_OFFER_MISSING = "test_offer_missing"
    DEPENDENCY_FAILED = "dependency_failed"  # not run, because a check it depends on failed
    CONFORMANCE_CHECK_ERROR = "conformance_check_error"  # an answer too malformed for the check to finish
    # -- credential status (draft-ietf-oauth-status-list)
    CREDENTIAL_REVOKED = "credential_revoked"  # status 0x01 INVALID: final
    CREDENTIAL_SUSPENDED = "credential_suspended"  # status 0x02 SUSPENDED: may be reinstated
    CREDENTIAL_STATUS_UNKNOWN = "credential_status_unknown"  # an application-specific or unregistered value
    STATUS_LIST_UNAVAILABLE = "status_list_unavailable"  # the Status List Token cannot be fetched
    STATUS_LIST_MALFORMED = "status_list_malformed"  # not a statuslist+jwt, bad claims, bad base64 or zlib
    STATUS_LIST_SIGNATURE_INVALID = "status_list_signature_invalid"  # bad signature, or not the issuer's key
    STATUS_LIST_SUB_MISMATCH = "status_list_sub_mismatch"  # sub is not the uri the credential references
    STATUS_INDEX_OUT_OF_RANGE = "status_index_out_of_range"
    STATUS_LIST_EXPIRED = "status_list_expired"  # exp has passed


class SandboxError(Exception):
    """A failure with a reason code and a one-line, human-readable explanation."""

    status_code = 400

    def __init__(
        self, reason: Reason, message: str, *, status_code: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.reason = Reason(reason)
        self.message = message
        self.headers = headers or {}
        if status_code is not None:
            self.status_code = status_code

    def as_dict(self) -> dict[str, str]:
        return {"error": self.reason.value, "error_description": self.message}

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.message}"

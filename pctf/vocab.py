"""The vocabulary of PCTF credential types: their ``vct``, claims and which claims are disclosable.

Issuers build credentials from these definitions, wallets show them, relying parties write
DCQL queries against them and the registry authorizes issuers per ``vct``. Claim names follow
OpenID Connect / SD-JWT VC usage where one exists (``given_name``, ``birthdate``, ``address``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .reasons import Reason, SandboxError

VCT_PREFIX = "urn:pctf-sandbox:vct:"
ADDRESS_FIELDS = ("street_address", "locality", "region", "postal_code", "country")
RELATIONSHIP_ROLES = ("director", "signing_officer", "parent", "child", "delegate")
# Relationships between two people: the holder is the relationship's ``person`` (the parent for
# ``parent``, the child for ``child``) and the other one its ``related_person``. Relationships
# with an organization (director, signing officer) name it in ``organization`` instead.
FAMILY_ROLES = ("parent", "child")
LEVELS_OF_ASSURANCE = (1, 2, 3, 4)
# Text claims (names, addresses) are at most this long, after NFC normalization.
MAX_TEXT_CLAIM = 200
# Dates a credential may carry: anything outside is a typing error, not a person or a company.
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2099, 12, 31)
# Unicode categories no name or address holds: controls (NUL, newlines), format characters
# (bidirectional overrides that make a name display as another, zero-width characters that make
# two names look the same), surrogates, private-use and unassigned code points, line separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def clean_text(value: Any, what: str) -> str:
    """A name or an address field as the sandbox keeps it: NFC-normalized, trimmed, non-empty, at
    most :data:`MAX_TEXT_CLAIM` characters, and free of characters that hide or disguise text.
    Refused with ``claims_invalid`` (422) otherwise, naming the character found."""
    if not isinstance(value, str):
        raise SandboxError(Reason.CLAIMS_INVALID, f"{what} must be a string")
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise SandboxError(Reason.CLAIMS_INVALID, f"{what} must not be empty")
    if len(text) > MAX_TEXT_CLAIM:
        raise SandboxError(Reason.CLAIMS_INVALID, f"{what} is longer than {MAX_TEXT_CLAIM} characters", status_code=422)
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise SandboxError(
                Reason.CLAIMS_INVALID,
                f"{what} holds the character U+{ord(char):04X} "
                f"({unicodedata.name(char, 'unnamed')}), which no name or "
                "address may hold",
                status_code=422,
            )
    return text


def clean_date(value: Any, what: str) -> str:
    """A date ``YYYY-MM-DD`` between :data:`EARLIEST_DATE` and :data:`LATEST_DATE`."""
    if not isinstance(value, str) or not _is_iso_date(value):
        raise SandboxError(Reason.CLAIMS_INVALID, f"{what} must be a date YYYY-MM-DD")
    if not EARLIEST_DATE <= date.fromisoformat(value) <= LATEST_DATE:
        raise SandboxError(
            Reason.CLAIMS_INVALID, f"{what} must lie between {EARLIEST_DATE} and {LATEST_DATE}", status_code=422
        )
    return value


@dataclass(frozen=True)
class Claim:
    name: str
    required: bool = True
    kind: str = "string"  # string | date | object | integer
    fields: tuple[str, ...] = ()  # sub-claims of an object claim
    label_en: str = ""
    label_fr: str = ""


@dataclass(frozen=True)
class CredentialType:
    name: str
    vct: str
    label_en: str
    label_fr: str
    claims: tuple[Claim, ...]
    # Claims that stay in the signed payload: not personal data, and needed by every verifier.
    always_visible: tuple[str, ...] = field(default=())

    def claim(self, name: str) -> Claim | None:
        return next((c for c in self.claims if c.name == name), None)

    def disclosable_paths(self) -> list[tuple[str, ...]]:
        """Every personal claim is selectively disclosable; object claims are nested (RFC 9901 4.2.6)."""
        paths: list[tuple[str, ...]] = []
        for claim in self.claims:
            if claim.name in self.always_visible:
                continue
            paths.append((claim.name,))
            paths.extend((claim.name, f) for f in claim.fields)
        return paths

    def required_claims(self) -> tuple[str, ...]:
        """The claims every credential of this type must carry (those declared ``required``)."""
        return tuple(c.name for c in self.claims if c.required)

    def missing_claims(self, claims: dict[str, Any]) -> list[str]:
        """Every required claim absent from ``claims`` (``validate_claims`` stops at the first problem)."""
        return [name for name in self.required_claims() if claims.get(name) is None]

    def validate_claims(self, claims: Any) -> dict[str, Any]:
        """Check a claim set for this type; raise ``claims_invalid`` with the first problem.

        Returns the claims as they are to be kept: text (names, address fields) NFC-normalized
        and trimmed by :func:`clean_text`, dates checked by :func:`clean_date`."""
        if not isinstance(claims, dict):
            raise SandboxError(Reason.CLAIMS_INVALID, "claims must be a JSON object")
        known = {c.name for c in self.claims}
        unknown = sorted(set(claims) - known)
        if unknown:
            raise SandboxError(Reason.CLAIMS_INVALID, f"unknown claim(s) for {self.name}: {', '.join(unknown)}")
        cleaned = dict(claims)
        for claim in self.claims:
            value = claims.get(claim.name)
            if value is None:
                if claim.required:
                    raise SandboxError(Reason.CLAIMS_INVALID, f"{self.name} requires claim {claim.name!r}")
                continue
            if claim.kind == "object":
                if not isinstance(value, dict) or any(not isinstance(v, str) for v in value.values()):
                    raise SandboxError(Reason.CLAIMS_INVALID, f"claim {claim.name!r} must be an object of strings")
                extra = sorted(set(value) - set(claim.fields))
                if extra:
                    raise SandboxError(
                        Reason.CLAIMS_INVALID, f"claim {claim.name!r} has unknown field(s): {', '.join(extra)}"
                    )
                cleaned[claim.name] = {
                    k: (clean_date(v, f"{claim.name}.{k}") if k in _DATE_FIELDS else clean_text(v, f"{claim.name}.{k}"))
                    for k, v in value.items()
                }
            elif claim.kind == "integer":
                if not isinstance(value, int) or isinstance(value, bool):
                    raise SandboxError(Reason.CLAIMS_INVALID, f"claim {claim.name!r} must be an integer")
            elif claim.kind == "date":
                cleaned[claim.name] = clean_date(value, f"claim {claim.name!r}")
            else:
                cleaned[claim.name] = clean_text(value, f"claim {claim.name!r}")
        return cleaned

    def ordered(self, claims: dict[str, Any]) -> dict[str, Any]:
        """``claims`` in the type's declared order (disclosures arrive shuffled), others last."""
        out: dict[str, Any] = {}
        for claim in self.claims:
            if claim.name in claims:
                value = claims[claim.name]
                if claim.fields and isinstance(value, dict):
                    value = {f: value[f] for f in claim.fields if f in value} | {
                        k: v for k, v in value.items() if k not in claim.fields
                    }
                out[claim.name] = value
        return out | {k: v for k, v in claims.items() if k not in out}

    def label(self, path: list[Any] | tuple[Any, ...], lang: str = "en") -> str:
        """A claim path in words (``address.locality`` -> "Address: locality")."""
        claim = self.claim(str(path[0])) if path else None
        if claim is None:
            return ".".join(str(p) for p in path)
        head = claim.label_fr if lang == "fr" else claim.label_en
        rest = [str(p).replace("_", " ") for p in path[1:]]
        return f"{head}: {'.'.join(rest)}" if rest else head

    def describe(self) -> dict[str, Any]:
        return {
            "type": self.name,
            "vct": self.vct,
            "label": {"en": self.label_en, "fr": self.label_fr},
            "claims": [
                {
                    "name": c.name,
                    "required": c.required,
                    "kind": c.kind,
                    "selectively_disclosable": c.name not in self.always_visible,
                    **({"fields": list(c.fields)} if c.fields else {}),
                    "label": {"en": c.label_en, "fr": c.label_fr},
                }
                for c in self.claims
            ],
        }


def _is_iso_date(text: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


# Sub-fields of object claims that hold dates (a person reference's birthdate), not text.
_DATE_FIELDS = frozenset({"birthdate"})

_ADDRESS = Claim("address", kind="object", fields=ADDRESS_FIELDS, label_en="Address", label_fr="Adresse")
_PERSON_REF = ("given_name", "family_name", "birthdate")
_ORG_REF = ("legal_name", "business_number")

VERIFIED_PERSON = CredentialType(
    name="VerifiedPerson",
    vct=VCT_PREFIX + "verified-person:1",
    label_en="Verified Person",
    label_fr="Personne vérifiée",
    claims=(
        Claim("given_name", label_en="Given name", label_fr="Prénom"),
        Claim("family_name", label_en="Family name", label_fr="Nom de famille"),
        Claim("birthdate", kind="date", label_en="Date of birth", label_fr="Date de naissance"),
        _ADDRESS,
        Claim("assurance_level", kind="integer", label_en="Level of assurance", label_fr="Niveau d'assurance"),
    ),
    always_visible=("assurance_level",),
)

# The organization's standing is ``corporate_status`` (active, inactive, dissolved): SD-JWT VC
# reserves the ``status`` claim for the credential's own status-list reference.
VERIFIED_ORGANIZATION = CredentialType(
    name="VerifiedOrganization",
    vct=VCT_PREFIX + "verified-organization:1",
    label_en="Verified Organization",
    label_fr="Organisation vérifiée",
    claims=(
        Claim("legal_name", label_en="Legal name", label_fr="Dénomination sociale"),
        Claim("business_number", label_en="Business number", label_fr="Numéro d'entreprise"),
        Claim(
            "jurisdiction_of_incorporation",
            label_en="Jurisdiction of incorporation",
            label_fr="Juridiction de constitution",
        ),
        Claim("corporate_status", label_en="Corporate status", label_fr="Statut de la société"),
        Claim("incorporation_date", kind="date", label_en="Date of incorporation", label_fr="Date de constitution"),
        Claim(
            "registered_office",
            kind="object",
            fields=ADDRESS_FIELDS,
            required=False,
            label_en="Registered office",
            label_fr="Siège social",
        ),
        Claim("assurance_level", kind="integer", label_en="Level of assurance", label_fr="Niveau d'assurance"),
    ),
    always_visible=("assurance_level",),
)

VERIFIED_RELATIONSHIP = CredentialType(
    name="VerifiedRelationship",
    vct=VCT_PREFIX + "verified-relationship:1",
    label_en="Verified Relationship",
    label_fr="Relation vérifiée",
    claims=(
        Claim("relationship_type", label_en="Relationship", label_fr="Relation"),
        Claim("person", kind="object", fields=_PERSON_REF, label_en="Person", label_fr="Personne"),
        Claim(
            "organization",
            kind="object",
            fields=_ORG_REF,
            required=False,
            label_en="Organization",
            label_fr="Organisation",
        ),
        Claim(
            "related_person",
            kind="object",
            fields=_PERSON_REF,
            required=False,
            label_en="Related person",
            label_fr="Personne liée",
        ),
        Claim("effective_date", kind="date", label_en="Effective date", label_fr="Date d'effet"),
        # A delegation (``delegate``): what the delegate may do for the related person, for how
        # long (the credential's own nbf and exp follow these dates), and the consent behind it.
        Claim("scope", required=False, label_en="Scope of the delegation", label_fr="Portée de la délégation"),
        Claim("valid_from", kind="date", required=False, label_en="Valid from", label_fr="Valide à partir du"),
        Claim("valid_until", kind="date", required=False, label_en="Valid until", label_fr="Valide jusqu'au"),
        Claim(
            "consent",
            kind="object",
            fields=("granted_by", "granted_at", "reference"),
            required=False,
            label_en="Consent",
            label_fr="Consentement",
        ),
        Claim("assurance_level", kind="integer", label_en="Level of assurance", label_fr="Niveau d'assurance"),
    ),
    always_visible=("assurance_level",),
)

# A child's birth certificate, as vital statistics issues it to each parent when it registers the
# birth: the registration, the child, and the parents it names (one or two). Every claim but the
# level of assurance is about a person, so each is selectively disclosable, a parent's name on
# its own (RFC 9901 4.2.6).
PLACE_FIELDS = ("locality", "region", "country")
BIRTH_CERTIFICATE = CredentialType(
    name="BirthCertificate",
    vct=VCT_PREFIX + "birth-certificate:1",
    label_en="Birth Certificate",
    label_fr="Certificat de naissance",
    claims=(
        Claim("registration_number", label_en="Registration number", label_fr="Numéro d'enregistrement"),
        Claim("given_name", label_en="Given name", label_fr="Prénom"),
        Claim("family_name", label_en="Family name", label_fr="Nom de famille"),
        Claim("birthdate", kind="date", label_en="Date of birth", label_fr="Date de naissance"),
        Claim(
            "place_of_birth",
            kind="object",
            fields=PLACE_FIELDS,
            label_en="Place of birth",
            label_fr="Lieu de naissance",
        ),
        Claim("parent_1", kind="object", fields=_PERSON_REF, label_en="Parent 1", label_fr="Parent 1"),
        Claim("parent_2", kind="object", fields=_PERSON_REF, required=False, label_en="Parent 2", label_fr="Parent 2"),
        Claim("assurance_level", kind="integer", label_en="Level of assurance", label_fr="Niveau d'assurance"),
    ),
    always_visible=("assurance_level",),
)

# One dose of one vaccine, as a health authority's immunization register records it: who received
# it, against which disease, which product, when and which dose. Every claim but the level of
# assurance is selectively disclosable, so a school can learn that a student is immunized against
# measles without learning the product, the date or the clinic.
IMMUNIZATION = CredentialType(
    name="Immunization",
    vct=VCT_PREFIX + "immunization:1",
    label_en="Immunization record",
    label_fr="Dossier d'immunisation",
    claims=(
        Claim("given_name", label_en="Given name", label_fr="Prénom"),
        Claim("family_name", label_en="Family name", label_fr="Nom de famille"),
        Claim("birthdate", kind="date", label_en="Date of birth", label_fr="Date de naissance"),
        Claim("target_disease", label_en="Disease targeted", label_fr="Maladie visée"),
        Claim("vaccine", label_en="Vaccine", label_fr="Vaccin"),
        Claim("vaccination_date", kind="date", label_en="Date of vaccination", label_fr="Date de vaccination"),
        Claim("dose_number", kind="integer", label_en="Dose number", label_fr="Numéro de dose"),
        Claim("lot_number", required=False, label_en="Lot number", label_fr="Numéro de lot"),
        Claim(
            "administering_clinic",
            required=False,
            label_en="Administering clinic",
            label_fr="Clinique de vaccination",
        ),
        Claim("assurance_level", kind="integer", label_en="Level of assurance", label_fr="Niveau d'assurance"),
    ),
    always_visible=("assurance_level",),
)
# The diseases an immunization record may name (``target_disease``), as the immunization register
# spells them: relying parties compare the value as it is written.
TARGET_DISEASES = (
    "measles",
    "mumps",
    "rubella",
    "varicella",
    "diphtheria",
    "tetanus",
    "pertussis",
    "poliomyelitis",
    "haemophilus_influenzae_b",
    "hepatitis_b",
    "meningococcal",
    "pneumococcal",
    "human_papillomavirus",
    "influenza",
    "covid-19",
)

CREDENTIAL_TYPES: dict[str, CredentialType] = {
    t.name: t for t in (VERIFIED_PERSON, VERIFIED_ORGANIZATION, VERIFIED_RELATIONSHIP, BIRTH_CERTIFICATE, IMMUNIZATION)
}
_BY_VCT = {t.vct: t for t in CREDENTIAL_TYPES.values()}


def credential_type(name_or_vct: str) -> CredentialType:
    """Look a type up by name (``VerifiedPerson``) or ``vct``; ``credential_type_unknown`` otherwise."""
    found = CREDENTIAL_TYPES.get(name_or_vct) or _BY_VCT.get(name_or_vct)
    if found is None:
        raise SandboxError(
            Reason.CREDENTIAL_TYPE_UNKNOWN,
            f"unknown credential type {name_or_vct!r} (known: {', '.join(CREDENTIAL_TYPES)})",
        )
    return found


def type_for_vct(vct: str) -> CredentialType | None:
    return _BY_VCT.get(vct)

"""The PCTF assessment checklist: the conformance criteria an assessor marks, with evidence.

The Pan-Canadian Trust Framework groups its conformance criteria by process. Which criteria
apply depends on what the applicant asks to issue: a Verified Person issuer is assessed on the
identity processes, a federal registrar on the organization processes, a relationship issuer on
the relationship processes; privacy, notice and consent, evidence and the security of operations
apply to everyone. Criteria are data, so a framework revision is an edit here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pctf.vocab import (
    BIRTH_CERTIFICATE,
    IMMUNIZATION,
    VERIFIED_ORGANIZATION,
    VERIFIED_PERSON,
    VERIFIED_RELATIONSHIP,
)


@dataclass(frozen=True)
class Criterion:
    id: str
    en: str
    fr: str


COMMON = (
    Criterion(
        "evidence",
        "Evidence is collected, validated against authoritative sources and retained",
        "Les preuves sont recueillies, validées auprès de sources faisant autorité et conservées",
    ),
    Criterion(
        "privacy",
        "Personal information is limited to what is needed and protected (privacy component)",
        "Les renseignements personnels sont limités au nécessaire et protégés (composante vie privée)",
    ),
    Criterion(
        "notice_and_consent",
        "Notice is given and consent obtained and recorded before disclosure",
        "Un avis est donné et le consentement obtenu et consigné avant toute communication",
    ),
    Criterion(
        "infrastructure",
        "Keys and operations are secured (infrastructure, technology and operations)",
        "Les clés et les opérations sont sécurisées (infrastructure, technologie et opérations)",
    ),
)

_PROCESSES = {
    VERIFIED_PERSON.vct: ("identity", "l'identité", "Identity", "de l'identité"),
    VERIFIED_ORGANIZATION.vct: ("organization", "l'organisation", "Organization", "de l'organisation"),
    VERIFIED_RELATIONSHIP.vct: ("relationship", "la relation", "Relationship", "de la relation"),
    # A vital statistics agency is assessed on how it registers births: the same six steps,
    # applied to the birth record (one registration per child, naming its parents).
    BIRTH_CERTIFICATE.vct: (
        "birth_registration",
        "l'enregistrement de la naissance",
        "Birth registration",
        "de l'enregistrement de la naissance",
    ),
    # A health authority is assessed on its immunization register: each record resolves to one
    # person, is established from the administering provider's report, validated against the
    # register, tied to the person it is issued to, and corrected or revoked when found in error.
    IMMUNIZATION.vct: (
        "immunization_record",
        "le dossier d'immunisation",
        "Immunization record",
        "du dossier d'immunisation",
    ),
}
_STEPS = (
    (
        "resolution",
        "resolution: the subject is unique within the population served",
        "Résolution {of} : le sujet est unique dans la population desservie",
    ),
    (
        "establishment",
        "establishment: the record is created from evidence",
        "Établissement {of} : le dossier est créé à partir de preuves",
    ),
    (
        "validation",
        "validation: the information is confirmed against an authoritative source",
        "Validation {of} : l'information est confirmée auprès d'une source faisant autorité",
    ),
    (
        "verification",
        "verification: the information relates to the subject presenting it",
        "Vérification {of} : l'information se rapporte au sujet qui la présente",
    ),
    (
        "continuity",
        "continuity: the subject can be recognized again over time",
        "Continuité {of} : le sujet peut être reconnu de nouveau au fil du temps",
    ),
    (
        "maintenance",
        "maintenance: changes, deaths and errors are reflected promptly (status lists)",
        "Maintien {of} : changements, décès et erreurs sont reflétés promptement (listes d'état)",
    ),
)


def _process_criteria(vct: str) -> tuple[Criterion, ...]:
    key, _, label, of = _PROCESSES[vct]
    return tuple(Criterion(f"{key}_{step}", f"{label} {en}", fr.format(of=of)) for step, en, fr in _STEPS)


# Beyond the six steps: a relationship issuer may issue delegations (``delegate``), one person's
# authority to act for another, which rest on the represented person's consent, not on a register.
_FURTHER = {
    VERIFIED_RELATIONSHIP.vct: (
        Criterion(
            "relationship_delegation_consent",
            "Relationship delegation: a delegation is issued only with the represented person's consent, "
            "which the issuer records (who gave it, when, its reference) and states in the credential",
            "Délégation de la relation : une délégation n'est délivrée qu'avec le consentement de la personne "
            "représentée, que l'émetteur consigne (qui l'a donné, quand, sa référence) et indique dans le "
            "justificatif",
        ),
        Criterion(
            "relationship_delegation_terms",
            "Relationship delegation: each delegation states its scope and its period, the credential is "
            "valid only within that period, and consent withdrawn revokes it promptly (status lists)",
            "Délégation de la relation : chaque délégation indique sa portée et sa période, le justificatif "
            "n'est valide que pendant cette période, et le retrait du consentement le révoque promptement "
            "(listes d'état)",
        ),
    ),
}


def criteria_for(vcts: list[str]) -> list[Criterion]:
    """The checklist for an application asking to issue these credential types (by ``vct``)."""
    chosen: list[Criterion] = []
    for vct in dict.fromkeys(vcts):
        if vct in _PROCESSES:
            chosen.extend(_process_criteria(vct))
            chosen.extend(_FURTHER.get(vct, ()))
    return chosen + list(COMMON)

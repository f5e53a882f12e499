"""The sandbox's built-in relying parties and their policies, stated in code.

More can be declared as data, in a file or over the API (:mod:`verifier.declarations`); the
verifier serves all of them through :mod:`verifier.directory`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pctf.reasons import Reason, SandboxError

from .policy import Link, Policy, Requirement, ValueRule

_PERSON = ("given_name", "family_name", "birthdate")


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name_en: str
    name_fr: str
    policy: Policy

    def name(self, lang: str = "en") -> str:
        return self.name_fr if lang == "fr" else self.name_en


BUSINESS_ACCOUNT = Policy(
    id="business-bank-account",
    purpose_en="Open a business bank account without visiting a branch",
    purpose_fr="Ouvrir un compte bancaire d'entreprise sans se rendre en succursale",
    requirements=(
        Requirement(
            "person", "VerifiedPerson", (("given_name",), ("family_name",), ("birthdate",), ("address",)), min_loa=3
        ),
        Requirement(
            "organization",
            "VerifiedOrganization",
            (("legal_name",), ("business_number",), ("jurisdiction_of_incorporation",), ("corporate_status",)),
            rules=(ValueRule(("corporate_status",), ("active",), Reason.ORGANIZATION_INACTIVE, "organization_active"),),
        ),
        Requirement(
            "relationship",
            "VerifiedRelationship",
            (("relationship_type",), ("person",), ("organization",)),
            rules=(
                ValueRule(
                    ("relationship_type",), ("director", "signing_officer"), Reason.ROLE_NOT_ACCEPTED, "role_accepted"
                ),
            ),
        ),
    ),
    links=tuple(Link("relationship", ("person", f), "person", (f,)) for f in _PERSON)
    + (
        Link("relationship", ("organization", "business_number"), "organization", ("business_number",)),
        Link("relationship", ("organization", "legal_name"), "organization", ("legal_name",)),
    ),
)

PERSONAL_ACCOUNT = Policy(
    id="personal-bank-account",
    purpose_en="Open a personal bank account without visiting a branch",
    purpose_fr="Ouvrir un compte bancaire personnel sans se rendre en succursale",
    requirements=(
        Requirement(
            "person", "VerifiedPerson", (("given_name",), ("family_name",), ("birthdate",), ("address",)), min_loa=2
        ),
    ),
)

HEALTH_PORTAL = Policy(
    id="health-portal-sign-in",
    purpose_en="Sign in to your health record",
    purpose_fr="Accéder à votre dossier de santé",
    requirements=(
        Requirement("person", "VerifiedPerson", (("given_name",), ("family_name",), ("birthdate",)), min_loa=3),
    ),
)

# A federal benefits service (a pension, a benefit for a child): a verified person at LoA 3 or more.
# It is where a death must be felt quickly: benefits paid on a dead person's identity are lost.
FEDERAL_BENEFITS = Policy(
    id="federal-benefits",
    purpose_en="Apply for federal benefits",
    purpose_fr="Demander des prestations fédérales",
    requirements=(
        Requirement("person", "VerifiedPerson", (("given_name",), ("family_name",), ("birthdate",)), min_loa=3),
    ),
)

# Signing in to a federal account (Sign in Canada; CRA's My Account accepting provincial digital
# IDs): a Verified Person from any province or territory the registry authorizes for it, at LoA 3
# or more. It asks for the name and birthdate only: an account needs no address to sign in.
FEDERAL_SIGN_IN = Policy(
    id="federal-sign-in",
    purpose_en="Sign in to your federal account with your provincial or territorial digital ID",
    purpose_fr="Vous connecter à votre dossier fédéral avec votre identité numérique provinciale ou territoriale",
    requirements=(Requirement("person", "VerifiedPerson", tuple((f,) for f in _PERSON), min_loa=3),),
    signs_in=True,
)


def _parent_of_a_child(policy_id: str, purpose_en: str, purpose_fr: str) -> Policy:
    """A federal service a parent applies to for their child, with no new paperwork: the parent's
    Verified Person, and the parent–child relationship vital statistics issued from the birth
    register, which must be a ``parent`` relationship naming that same person (the child is its
    ``related_person``)."""
    return Policy(
        id=policy_id,
        purpose_en=purpose_en,
        purpose_fr=purpose_fr,
        requirements=(
            Requirement("person", "VerifiedPerson", tuple((f,) for f in _PERSON), min_loa=3),
            Requirement(
                "relationship",
                "VerifiedRelationship",
                (("relationship_type",), ("person",), ("related_person",)),
                min_loa=3,
                rules=(ValueRule(("relationship_type",), ("parent",), Reason.ROLE_NOT_ACCEPTED, "role_accepted"),),
            ),
        ),
        links=tuple(Link("relationship", ("person", f), "person", (f,)) for f in _PERSON),
    )


CHILD_BENEFIT = _parent_of_a_child(
    "canada-child-benefit",
    "Apply for the Canada Child Benefit for your child",
    "Demander l'Allocation canadienne pour enfants pour votre enfant",
)
NEWBORN_SIN = _parent_of_a_child(
    "newborn-sin",
    "Apply for your newborn's Social Insurance Number",
    "Demander le numéro d'assurance sociale de votre nouveau-né",
)

# Safe return to school: proof of immunization against measles, with the name and birthdate that
# tie it to the student, and none of the medical detail (vaccine, date, dose, lot, clinic).
SCHOOL_ENTRY = Policy(
    id="school-immunization",
    purpose_en="Confirm immunization against measles for return to school",
    purpose_fr="Confirmer l'immunisation contre la rougeole pour le retour à l'école",
    requirements=(
        Requirement(
            "immunization",
            "Immunization",
            (("given_name",), ("family_name",), ("birthdate",), ("target_disease",)),
            rules=(
                ValueRule(("target_disease",), ("measles",), Reason.IMMUNIZATION_NOT_ACCEPTED, "immunization_accepted"),
            ),
        ),
    ),
)

# Acting for a family member on their health record: the delegate's Verified Person, and the
# delegation the health authority issued with the represented person's consent, which must cover
# health information and name that same person as the delegate. Its period is the credential's
# own validity (nbf, exp) and its withdrawal a revocation: the engine's checks enforce both.
DELEGATED_HEALTH_RECORD = Policy(
    id="delegated-health-record",
    purpose_en="Act for a family member on their health record",
    purpose_fr="Agir pour un membre de votre famille dans son dossier de santé",
    requirements=(
        Requirement("person", "VerifiedPerson", tuple((f,) for f in _PERSON), min_loa=3),
        Requirement(
            "delegation",
            "VerifiedRelationship",
            (("relationship_type",), ("person",), ("related_person",), ("scope",), ("consent",)),
            min_loa=3,
            rules=(
                ValueRule(("relationship_type",), ("delegate",), Reason.ROLE_NOT_ACCEPTED, "role_accepted"),
                ValueRule(("scope",), ("health_information",), Reason.SCOPE_NOT_COVERED, "scope_covered"),
            ),
        ),
    ),
    links=tuple(Link("delegation", ("person", f), "person", (f,)) for f in _PERSON),
)

RELYING_PARTIES: dict[str, RelyingParty] = {
    rp.id: rp
    for rp in (
        RelyingParty("bank", "Northern Lights Bank", "Banque Aurores boréales", BUSINESS_ACCOUNT),
        RelyingParty(
            "bank-personal",
            "Northern Lights Bank (personal accounts)",
            "Banque Aurores boréales (comptes personnels)",
            PERSONAL_ACCOUNT,
        ),
        RelyingParty("prov2-health", "Province 2 Health Portal", "Portail santé de la Province 2", HEALTH_PORTAL),
        RelyingParty(
            "prov1-health", "Province 1 Health Portal", "Portail santé de la Province 1", DELEGATED_HEALTH_RECORD
        ),
        RelyingParty("fed-benefits", "Federal Benefits Service", "Service fédéral des prestations", FEDERAL_BENEFITS),
        RelyingParty(
            "fed-my-account",
            "Federal My Account (Sign in Canada)",
            "Mon dossier fédéral (Connexion Canada)",
            FEDERAL_SIGN_IN,
        ),
        RelyingParty("school", "Riverton Secondary School", "École secondaire de Riverton", SCHOOL_ENTRY),
        RelyingParty(
            "fed-child-benefit",
            "Canada Child Benefit (federal benefits service)",
            "Allocation canadienne pour enfants (service fédéral des prestations)",
            CHILD_BENEFIT,
        ),
        RelyingParty(
            "fed-sin",
            "Social Insurance Number for a newborn",
            "Numéro d'assurance sociale d'un nouveau-né",
            NEWBORN_SIN,
        ),
    )
}


def relying_party(rp_id: str) -> RelyingParty:
    """A built-in relying party (the stories' own). The verifier looks every relying party up,
    declared ones included, through :class:`verifier.directory.RelyingParties`."""
    found = RELYING_PARTIES.get(rp_id)
    if found is None:
        raise SandboxError(
            Reason.NOT_FOUND, f"unknown relying party {rp_id!r} (known: {', '.join(RELYING_PARTIES)})", status_code=404
        )
    return found

"""The sandbox's relying parties and their declared policies."""

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
        RelyingParty("fed-benefits", "Federal Benefits Service", "Service fédéral des prestations", FEDERAL_BENEFITS),
    )
}


def relying_party(rp_id: str) -> RelyingParty:
    found = RELYING_PARTIES.get(rp_id)
    if found is None:
        raise SandboxError(
            Reason.NOT_FOUND, f"unknown relying party {rp_id!r} (known: {', '.join(RELYING_PARTIES)})", status_code=404
        )
    return found

"""The sandbox's issuers, as data.

Only provinces and territories issue a *Verified Person* (they hold the legislative basis);
the federal registrar issues *Verified Organization* and the director / signing-officer
*Verified Relationship* for the corporations it registers; Province 1's vital statistics agency
registers births and deaths, issues the parent–child *Verified Relationship* from its birth
register, and announces each registered death to every issuer (``person.died``); Province 1's health
authority issues health credentials and delegations of access to health information. A new
jurisdiction is one more entry here, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass

from pctf.reasons import Reason, SandboxError


@dataclass(frozen=True)
class Jurisdiction:
    short_id: str  # path segment of the issuer identifier: <issuers_url>/issuers/<short_id>
    name_en: str
    name_fr: str
    jurisdiction: str  # what the registry records as the entity's jurisdiction
    # "person" (identity proofing), "registrar" (business registration), "vital_statistics" or "health"
    kind: str
    grants: tuple[tuple[str, int], ...]  # (credential type, highest level of assurance it issues at)

    def name(self, lang: str = "en") -> str:
        return self.name_fr if lang == "fr" else self.name_en

    def max_loa(self, type_name: str) -> int | None:
        return next((loa for t, loa in self.grants if t == type_name), None)


SANDBOX_ISSUERS: dict[str, Jurisdiction] = {
    j.short_id: j
    for j in (
        Jurisdiction(
            "prov1",
            "Province 1 Digital Identity Program",
            "Programme d'identité numérique de la Province 1",
            "Prov1",
            "person",
            (("VerifiedPerson", 3),),
        ),
        Jurisdiction(
            "prov2",
            "Province 2 Digital Identity Program",
            "Programme d'identité numérique de la Province 2",
            "Prov2",
            "person",
            # Assessed at LoA 2 only: a service that needs LoA 3 refuses its Verified Person.
            (("VerifiedPerson", 2),),
        ),
        Jurisdiction(
            "terr1",
            "Territory 1 Digital Identity Program",
            "Programme d'identité numérique du Territoire 1",
            "Terr1",
            "person",
            (("VerifiedPerson", 3),),
        ),
        Jurisdiction(
            "terr2",
            "Territory 2 Digital Identity Program",
            "Programme d'identité numérique du Territoire 2",
            "Terr2",
            "person",
            (("VerifiedPerson", 2),),
        ),
        Jurisdiction(
            "fed",
            "Federal Corporations Registrar",
            "Registraire fédéral des sociétés",
            "Fed",
            "registrar",
            (("VerifiedOrganization", 3), ("VerifiedRelationship", 3)),
        ),
        Jurisdiction(
            "vitalstats",
            "Province 1 Vital Statistics Agency",
            "Bureau de l'état civil de la Province 1",
            "Prov1",
            "vital_statistics",
            (("VerifiedRelationship", 3), ("BirthCertificate", 3)),
        ),
        Jurisdiction(
            "prov1health",
            "Province 1 Health Authority",
            "Autorité sanitaire de la Province 1",
            "Prov1",
            "health",
            (("VerifiedRelationship", 3), ("Immunization", 3)),
        ),
    )
}


def jurisdiction(short_id: str) -> Jurisdiction:
    found = SANDBOX_ISSUERS.get(short_id)
    if found is None:
        raise SandboxError(
            Reason.ISSUER_ID_UNKNOWN,
            f"unknown issuer {short_id!r} (known: {', '.join(SANDBOX_ISSUERS)})",
            status_code=404,
        )
    return found

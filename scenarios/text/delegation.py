"""An adult child acting for an elderly parent (``pctf-sandbox demo delegation``)."""

MESSAGES: dict[str, dict[str, str]] = {
    # The delegation story (pctf-sandbox demo delegation).
    "delegation.title": {
        "en": "Sasha acts for her father on his health record, with his consent",
        "fr": "Sasha agit pour son père dans son dossier de santé, avec son consentement",
    },
    "delegation.sandbox": {
        "en": "A fresh sandbox at {url} (data in {data_dir}); the portal may reuse a status list for its "
        "ttl of {ttl} s",
        "fr": "Un bac à sable neuf à {url} (données dans {data_dir}); le portail peut réutiliser une "
        "liste de statuts pendant son ttl de {ttl} s",
    },
    "delegation.received": {
        "en": "{person}'s wallet received a {type} credential {from_issuer} over OpenID4VCI",
        "fr": "Le portefeuille de {person} a reçu un justificatif {type} {from_issuer} par OpenID4VCI",
    },
    "delegation.granted": {
        "en": "{person} gives his consent (form {reference}): {the_issuer} records it and offers "
        "{delegate} a delegation for {scope}, valid from {valid_from} to {valid_until}",
        "fr": "{person} donne son consentement (formulaire {reference}) : {the_issuer} le consigne et "
        "offre à {delegate} une délégation pour {scope}, valide du {valid_from} au {valid_until}",
    },
    "delegation.scope.health_information": {"en": "health information", "fr": "les renseignements de santé"},
    "delegation.scope.appointments": {"en": "booking appointments", "fr": "la prise de rendez-vous"},
    "delegation.revoked": {
        "en": "{person} withdraws his consent: {the_issuer} revokes the delegation (credential "
        "{issuance}) in its status list",
        "fr": "{person} retire son consentement : {the_issuer} révoque la délégation "
        "(justificatif n° {issuance}) dans sa liste de statuts",
    },
    "delegation.cached": {
        "en": "{portal} still answers from the status list it cached before the revocation, and accepts; "
        "{person} asks again until that copy (kept {ttl} s at most) runs out",
        "fr": "{portal} répond encore d'après la liste de statuts mise en cache avant la révocation, et "
        "accepte; {person} redemande jusqu'à l'expiration de cette copie (gardée {ttl} s au plus)",
    },
    "delegation.presented.accepted": {
        "en": "{person} acts for {parent} on {the_portal}: {outcome}",
        "fr": "{person} agit pour {parent} sur {the_portal} : {outcome}",
    },
    "delegation.presented.revoked": {
        "en": "After the revocation, {person} presents the same credentials {to_portal}: {outcome} "
        "(accepted {cached} time(s) before, from a status list cached for at most {ttl} s)",
        "fr": "Après la révocation, {person} présente les mêmes justificatifs {to_portal} : {outcome} "
        "(acceptée {cached} fois auparavant, d'après une liste de statuts mise en cache {ttl} s au plus)",
    },
    "delegation.presented.out_of_scope": {
        "en": "With a delegation for booking appointments only, {person} asks to act for {parent} on "
        "his health record on {the_portal}: {outcome}",
        "fr": "Avec une délégation limitée à la prise de rendez-vous, {person} demande à agir pour "
        "{parent} dans son dossier de santé sur {the_portal} : {outcome}",
    },
    "delegation.presented.not_yet_in_effect": {
        "en": "With a delegation that takes effect next month, {person} asks today to act for {parent} "
        "on {the_portal}: {outcome}",
        "fr": "Avec une délégation qui prend effet le mois prochain, {person} demande aujourd'hui à agir "
        "pour {parent} sur {the_portal} : {outcome}",
    },
    "delegation.accepted": {"en": "accepted", "fr": "demande acceptée"},
    "delegation.refused": {"en": "refused ({reasons})", "fr": "demande refusée ({reasons})"},
    "delegation.ok": {
        "en": "The portal let Sasha act for her father with his consent, and refused her once it was "
        "withdrawn, beyond its scope and before it took effect",
        "fr": "Le portail a permis à Sasha d'agir pour son père avec son consentement, et le lui a refusé "
        "une fois celui-ci retiré, hors de sa portée et avant sa prise d'effet",
    },
    "delegation.not_ok": {
        "en": "The delegation story did not go as expected",
        "fr": "Le scénario de délégation ne s'est pas déroulé comme prévu",
    },
}

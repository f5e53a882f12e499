"""The newborn bundle (``pctf-sandbox demo newborn``)."""

MESSAGES: dict[str, dict[str, str]] = {
    # The newborn story (pctf-sandbox demo newborn).
    "newborn.title": {
        "en": "A birth registered once: the newborn's credentials, then a child benefit and a SIN with no "
        "new paperwork",
        "fr": "Une naissance enregistrée une seule fois : les justificatifs du nouveau-né, puis l'allocation pour "
        "enfants et le NAS sans nouvelle paperasse",
    },
    "newborn.sandbox": {
        "en": "The story runs in a sandbox of its own at {url} (data in {data_dir}, removed afterwards)",
        "fr": "L'histoire se déroule dans son propre bac à sable à {url} (données dans {data_dir}, supprimées ensuite)",
    },
    "newborn.proofed": {
        "en": "Province 1 proofs {person} at level of assurance {loa}; their wallet holds a Verified Person",
        "fr": "{person} : identité vérifiée par la Province 1 au niveau d'assurance {loa}; son portefeuille "
        "détient le justificatif « Personne vérifiée »",
    },
    "newborn.registered": {
        "en": "Vital statistics registers the birth of {child} ({birthdate}, {place}), once: registration {number}",
        "fr": "L'état civil enregistre la naissance de {child} ({birthdate}, {place}), une seule fois : "
        "enregistrement {number}",
    },
    "newborn.offer": {
        "en": "In the same answer, an offer for {person}: the birth certificate and the parent–child relationship "
        "(code sent by text: {tx})",
        "fr": "Dans la même réponse, une offre pour {person} : le certificat de naissance et la relation "
        "parent-enfant (code envoyé par texto : {tx})",
    },
    "newborn.received": {
        "en": "{person}'s wallet receives a {type} credential from {issuer}",
        "fr": "{person} reçoit dans son portefeuille le justificatif « {type} » ({issuer})",
    },
    "newborn.apply": {
        "en": "{person} applies for {child}: {service}, with no new paperwork",
        "fr": "{person} fait une demande pour {child} : {service}, sans nouvelle paperasse",
    },
    "newborn.verdict": {"en": "{service}: {outcome}", "fr": "{service} : {outcome}"},
    "newborn.accepted": {"en": "application accepted", "fr": "demande acceptée"},
    "newborn.rejected": {"en": "application refused ({reasons})", "fr": "demande refusée ({reasons})"},
    "newborn.refused": {
        "en": "{person}, who is not on the birth registration, asks vital statistics for a parent–child "
        "relationship to {child}, with a certificate naming him: refused ({reason})",
        "fr": "{person}, qui ne figure pas à l'enregistrement de la naissance, demande à l'état civil une relation "
        "parent-enfant avec {child}, certificat à l'appui le nommant : refusée ({reason})",
    },
    "newborn.granted": {
        "en": "{person}, who is not on the birth registration, asks vital statistics for a parent–child "
        "relationship to {child}: granted, which must not happen",
        "fr": "{person}, qui ne figure pas à l'enregistrement de la naissance, demande à l'état civil une relation "
        "parent-enfant avec {child} : accordée, ce qui ne doit pas arriver",
    },
    "newborn.ok": {
        "en": "The birth was registered once; both parents received its credentials, both federal services "
        "accepted them, and someone not on the registration was refused.",
        "fr": "La naissance a été enregistrée une seule fois; les deux parents en ont reçu les justificatifs, les "
        "deux services fédéraux les ont acceptés, et une personne absente de l'enregistrement a été refusée.",
    },
    "newborn.not_ok": {
        "en": "The newborn story did not go as expected: see the steps above.",
        "fr": "L'histoire du nouveau-né ne s'est pas déroulée comme prévu : voir les étapes ci-dessus.",
    },
}

"""Safe return to school (``pctf-sandbox demo immunization``)."""

MESSAGES: dict[str, dict[str, str]] = {
    # The immunization story (pctf-sandbox demo immunization).
    "immunization.title": {
        "en": "Léa returns to school: her immunization record tells the school only what it needs",
        "fr": "Léa retourne à l'école : son dossier d'immunisation ne dit à l'école que ce dont elle a besoin",
    },
    "immunization.sandbox": {
        "en": "A fresh sandbox at {url} (data in {data_dir}); verifiers may reuse a status list for its ttl of {ttl} s",
        "fr": "Un bac à sable neuf à {url} (données dans {data_dir}); les vérificateurs peuvent réutiliser une "
        "liste de statuts pendant son ttl de {ttl} s",
    },
    "immunization.wallet": {"en": "{person}'s wallet is ready", "fr": "Le portefeuille de {person} est prêt"},
    "immunization.received": {
        "en": "{person}'s wallet received a credential over OpenID4VCI: {type} ({issuer})",
        "fr": "Le portefeuille de {person} a reçu un justificatif par OpenID4VCI : {type} ({issuer})",
    },
    "immunization.presented_flu": {
        "en": "{person}'s wallet holds only her flu shot record; {school} asks for immunization against "
        "measles, and she presents it: {outcome}",
        "fr": "Le portefeuille de {person} ne contient que son dossier de vaccination contre la grippe; "
        "l'{school} demande une immunisation contre la rougeole, et elle le présente : {outcome}",
    },
    "immunization.accepted": {"en": "accepted", "fr": "accepté"},
    "immunization.refused": {"en": "refused ({reasons})", "fr": "refusé ({reasons})"},
    "immunization.disclosure": {
        "en": "What {school} received from {person}'s immunization record, and what stayed in her wallet:",
        "fr": "Ce que l'{school} a reçu du dossier d'immunisation de {person}, et ce qui est resté dans "
        "son portefeuille :",
    },
    "immunization.disclosed": {"en": "Disclosed", "fr": "Communiqué"},
    "immunization.withheld": {"en": "Withheld", "fr": "Non communiqué"},
    "immunization.revoked": {
        "en": "{issuer} revokes {person}'s measles record (issuance {issuance}), entered in error",
        "fr": "L'{issuer} révoque le dossier de vaccination contre la rougeole de {person} (émission {issuance}), "
        "saisi par erreur",
    },
    "immunization.presented_revoked": {
        "en": "Once its cached status list is older than its ttl ({ttl} s), {school} is shown the same "
        "measles record: {outcome}",
        "fr": "Une fois sa liste de statuts en cache plus ancienne que son ttl ({ttl} s), l'{school} reçoit le "
        "même dossier de vaccination contre la rougeole : {outcome}",
    },
    "immunization.ok": {
        "en": "The school accepted measles immunization without learning the medical detail, and refused "
        "the wrong disease and the revoked record",
        "fr": "L'école a accepté l'immunisation contre la rougeole sans apprendre le détail médical, et a "
        "refusé la mauvaise maladie et le dossier révoqué",
    },
    "immunization.not_ok": {
        "en": "The immunization story did not go as expected",
        "fr": "Le scénario d'immunisation ne s'est pas déroulé comme prévu",
    },
}

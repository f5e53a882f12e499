"""Signing in to a federal service with a provincial digital ID (``pctf-sandbox demo federal-sign-in``)."""

MESSAGES: dict[str, dict[str, str]] = {
    # The federal sign-in story (pctf-sandbox demo federal-sign-in).
    "signin.title": {
        "en": "Signing in to a federal service with a provincial or territorial digital ID",
        "fr": "Se connecter à un service fédéral avec une identité numérique provinciale ou territoriale",
    },
    "signin.sandbox": {
        "en": "A fresh sandbox at {url}; Territory 1's own trust registry at {framework}",
        "fr": "Un bac à sable neuf à {url}; le registre de confiance du Territoire 1 à {framework}",
    },
    "signin.policy": {
        "en": "{service} signs people in with a Verified Person at level of assurance {loa} or more, "
        "from any province or territory the trust registry authorizes for it. It asks for {claims}, "
        "and never the address",
        "fr": "{service} ouvre une session au moyen d'un justificatif « Personne vérifiée » de niveau "
        "d'assurance {loa} ou plus, délivré par toute province ou tout territoire que le registre de "
        "confiance autorise à cette fin. Il demande : {claims}, et jamais l'adresse",
    },
    "signin.framework": {
        "en": "Territory 1's own trust framework ({framework}) accredits its identity program; the "
        "pan-Canadian registry does not list it (TRQP answer: {status})",
        "fr": "Le cadre de confiance du Territoire 1 ({framework}) accrédite son programme d'identité; "
        "le registre pancanadien ne le répertorie pas (réponse TRQP : {status})",
    },
    "signin.proofed": {
        "en": "{person}'s wallet receives a Verified Person from {issuer}, at level of assurance {loa}",
        "fr": "Le portefeuille de {person} reçoit un justificatif « Personne vérifiée » de {issuer}, "
        "au niveau d'assurance {loa}",
    },
    "signin.presented": {
        "en": "{person} tries to sign in to {service} with the Verified Person from {issuer}: {outcome}",
        "fr": "{person} tente de se connecter à {service} avec le justificatif « Personne vérifiée » de "
        "{issuer} : {outcome}",
    },
    "signin.accepted": {"en": "accepted", "fr": "connexion acceptée"},
    "signin.refused": {"en": "refused ({reasons})", "fr": "connexion refusée ({reasons})"},
    "signin.session": {
        "en": "Session {session} opened for {person}: subject {subject} (this service's own, pairwise), "
        "{issuer} at level of assurance {loa}, expires {expires}",
        "fr": "Session {session} ouverte pour {person} : identifiant {subject} (propre à ce service), "
        "{issuer} au niveau d'assurance {loa}, expire le {expires}",
    },
    "signin.no_session": {
        "en": "No session is opened for {person}",
        "fr": "Aucune session n'est ouverte pour {person}",
    },
    "signin.recognized": {
        "en": "The pan-Canadian framework recognizes Territory 1's framework for Verified Person "
        "(TRQP recognition: {recognized})",
        "fr": "Le cadre pancanadien reconnaît le cadre du Territoire 1 pour le justificatif « Personne "
        "vérifiée » (reconnaissance TRQP : {recognized})",
    },
    "signin.ok": {
        "en": "The federal service signed in Sasha (Province 1) and, once Territory 1's framework was "
        "recognized, Nora (Territory 1); it refused Priya's Verified Person (Province 2), authorized "
        "below the level it needs",
        "fr": "Le service fédéral a ouvert une session pour Sasha (Province 1) et, une fois le cadre du "
        "Territoire 1 reconnu, pour Nora (Territoire 1); il a refusé le justificatif de Priya "
        "(Province 2), autorisé sous le niveau requis",
    },
    "signin.not_ok": {
        "en": "The federal sign-in story did not go as expected",
        "fr": "Le scénario de connexion à un service fédéral ne s'est pas déroulé comme prévu",
    },
}

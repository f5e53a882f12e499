"""Words shared by every page: the frame, navigation, logins, the home page and its map."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "site.name": {"en": "PCTF digital-trust sandbox", "fr": "Bac à sable de confiance numérique du CCP"},
    "site.skip": {"en": "Skip to content", "fr": "Aller au contenu"},
    "nav.label": {"en": "Main", "fr": "Principal"},
    "nav.home": {"en": "Home", "fr": "Accueil"},
    "nav.stories": {"en": "Stories", "fr": "Récits"},
    "nav.wallets": {"en": "Wallets", "fr": "Portefeuilles"},
    "nav.registry": {"en": "Trust registry", "fr": "Registre de confiance"},
    "nav.events": {"en": "Event log", "fr": "Journal des événements"},
    "nav.api": {"en": "API docs", "fr": "Documentation de l'API"},
    "lang.switch": {"en": "Français", "fr": "English"},
    "lang.switch_label": {"en": "Lire cette page en français", "fr": "Read this page in English"},
    "login.title": {"en": "Presenter login", "fr": "Connexion du présentateur"},
    "login.intro": {
        "en": (
            "Stories, wallets and the event log act with the sandbox operator's keys, so they are for "
            "the presenter only. Open the link that pctf-sandbox up printed, or paste the presenter "
            "token (PCTF_PRESENTER_TOKEN, or the file presenter.token in the data directory)."
        ),
        "fr": (
            "Les récits, les portefeuilles et le journal des événements agissent avec les clés de "
            "l'exploitant du bac à sable : ils sont réservés au présentateur. Ouvrez le lien affiché "
            "par pctf-sandbox up, ou collez le jeton du présentateur (PCTF_PRESENTER_TOKEN, ou le "
            "fichier presenter.token du répertoire de données)."
        ),
    },
    "login.token": {"en": "Presenter token", "fr": "Jeton du présentateur"},
    "login.submit": {"en": "Log in", "fr": "Se connecter"},
    "login.failed": {"en": "That token is not the presenter's.", "fr": "Ce jeton n'est pas celui du présentateur."},
    "login.needed": {
        "en": "This page is for the presenter: log in first.",
        "fr": "Cette page est réservée au présentateur : connectez-vous d'abord.",
    },
    "login.as_presenter": {"en": "Presenter", "fr": "Présentateur"},
    "logout.submit": {"en": "Log out", "fr": "Se déconnecter"},
    "forbidden.title": {"en": "Not allowed", "fr": "Accès refusé"},
    "error.title": {"en": "Something went wrong", "fr": "Un problème est survenu"},
    "error.back": {"en": "Back to the home page", "fr": "Retour à l'accueil"},
    "home.title": {"en": "The PCTF digital-trust sandbox", "fr": "Le bac à sable de confiance numérique du CCP"},
    "home.lead": {
        "en": (
            "Simulated Canadian issuers put signed credentials (Verified Person, Organization, Relationship) "
            "into people's wallets, and relying parties check them. The trust registry in the middle is the "
            "dial tone: it tells every relying party who may issue what."
        ),
        "fr": (
            "Des émetteurs canadiens simulés déposent des justificatifs signés (personne, organisation, "
            "relation vérifiées) dans les portefeuilles des gens, et les parties utilisatrices les vérifient. "
            "Au centre, le registre de confiance est la tonalité : il dit à chaque partie utilisatrice qui "
            "peut émettre quoi."
        ),
    },
    "home.start": {"en": "Start with Sasha's story", "fr": "Commencer par le récit de Sasha"},
    "home.map": {"en": "The ecosystem", "fr": "L'écosystème"},
    "home.issuers": {"en": "Issuers", "fr": "Émetteurs"},
    "home.wallets": {"en": "Wallets", "fr": "Portefeuilles"},
    "home.registry": {"en": "Trust registry", "fr": "Registre de confiance"},
    "home.registry_role": {
        "en": "The dial tone: who may issue which credential, at which level of assurance",
        "fr": "La tonalité : qui peut émettre quel justificatif, à quel niveau d'assurance",
    },
    "home.relying_parties": {"en": "Relying parties", "fr": "Parties utilisatrices"},
    "home.issues": {"en": "issues", "fr": "émet"},
    "home.no_wallets": {
        "en": "No wallet yet: a story opens its persona's wallet.",
        "fr": "Aucun portefeuille pour l'instant : un récit ouvre celui de sa personne.",
    },
    "home.flow": {
        "en": (
            "Issuers put credentials into wallets; wallets present them to relying parties; "
            "relying parties ask the registry."
        ),
        "fr": (
            "Les émetteurs déposent des justificatifs dans les portefeuilles; les portefeuilles les présentent "
            "aux parties utilisatrices; celles-ci interrogent le registre."
        ),
    },
    "home.status": {"en": "Status", "fr": "Statut"},
    "status.active": {"en": "active", "fr": "actif"},
    "status.suspended": {"en": "suspended", "fr": "suspendu"},
    "status.revoked": {"en": "revoked", "fr": "révoqué"},
    "status.pending": {"en": "pending", "fr": "en attente"},
    "status.unknown": {"en": "not in the registry", "fr": "absent du registre"},
}

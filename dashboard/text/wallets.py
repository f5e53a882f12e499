"""The wallets pages' words: the personas' wallets, their credentials and consent records."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "wallet.list_title": {"en": "The personas' wallets", "fr": "Les portefeuilles des personnes"},
    "wallet.list_lead": {
        "en": (
            "Each persona of the stories has a wallet of her own. A story opens it; then you can look "
            "inside: her credentials, what each one is worth right now, and whom she shared what with."
        ),
        "fr": (
            "Chaque personne des récits a son propre portefeuille. Un récit l'ouvre; vous pouvez ensuite "
            "regarder dedans : ses justificatifs, ce que chacun vaut en ce moment, et avec qui elle a "
            "partagé quoi."
        ),
    },
    "wallet.persona": {"en": "Persona", "fr": "Personne"},
    "wallet.state": {"en": "Wallet", "fr": "Portefeuille"},
    "wallet.opened": {"en": "opened", "fr": "ouvert"},
    "wallet.not_opened": {
        "en": "not opened yet: a story opens it",
        "fr": "pas encore ouvert : un récit l'ouvre",
    },
    "wallet.open": {"en": "Open {name}'s wallet", "fr": "Ouvrir le portefeuille de {name}"},
    "wallet.title": {"en": "{name}'s wallet", "fr": "Portefeuille de {name}"},
    "wallet.lead": {
        "en": ("What the wallet holds, with each credential's status as its issuer's status list says it right now."),
        "fr": (
            "Ce que contient le portefeuille, avec le statut de chaque justificatif tel que la liste de "
            "statuts de son émetteur l'indique en ce moment."
        ),
    },
    "wallet.all": {"en": "All wallets", "fr": "Tous les portefeuilles"},
    "wallet.credentials": {"en": "Credentials", "fr": "Justificatifs"},
    "wallet.no_credentials": {
        "en": "No credential yet: run a story to receive one.",
        "fr": "Aucun justificatif pour l'instant : lancez un récit pour en recevoir un.",
    },
    "wallet.type": {"en": "Type", "fr": "Type"},
    "wallet.issuer": {"en": "Issuer", "fr": "Émetteur"},
    "wallet.received": {"en": "Received", "fr": "Reçu le"},
    "wallet.expires": {"en": "Expires", "fr": "Expire le"},
    "wallet.status": {"en": "Status", "fr": "Statut"},
    "wallet.claims": {"en": "What it says", "fr": "Ce qu'il atteste"},
    "wallet.show_claims": {"en": "Show its claims", "fr": "Afficher ses attributs"},
    "wallet.claim": {"en": "Claim", "fr": "Attribut"},
    "wallet.value": {"en": "Value", "fr": "Valeur"},
    "wallet.replaced_by": {"en": "replaced by credential no. {id}", "fr": "remplacé par le justificatif nº {id}"},
    "wallet.status.valid": {"en": "valid", "fr": "valide"},
    "wallet.status.expiring_soon": {"en": "expiring soon", "fr": "expire bientôt"},
    "wallet.status.expired": {"en": "expired", "fr": "expiré"},
    "wallet.status.suspended": {"en": "suspended", "fr": "suspendu"},
    "wallet.status.revoked": {"en": "revoked", "fr": "révoqué"},
    "wallet.status.replaced": {"en": "replaced", "fr": "remplacé"},
    "wallet.status.unknown": {"en": "status unknown", "fr": "statut inconnu"},
    "wallet.consents": {"en": "Consent records", "fr": "Registre des consentements"},
    "wallet.consents_lead": {
        "en": "Each time a relying party asked, what she decided and exactly what left her wallet.",
        "fr": (
            "Chaque fois qu'une partie utilisatrice a demandé : ce qu'elle a décidé et ce qui est sorti "
            "de son portefeuille."
        ),
    },
    "wallet.no_consents": {
        "en": "No relying party has asked her for anything yet.",
        "fr": "Aucune partie utilisatrice ne lui a encore rien demandé.",
    },
    "wallet.who": {"en": "Who asked", "fr": "Qui a demandé"},
    "wallet.when": {"en": "When", "fr": "Quand"},
    "wallet.decision": {"en": "Decision", "fr": "Décision"},
    "wallet.disclosed": {"en": "What was disclosed", "fr": "Ce qui a été communiqué"},
    "wallet.nothing_disclosed": {"en": "nothing", "fr": "rien"},
    "wallet.decision.approved": {"en": "approved", "fr": "accepté"},
    "wallet.decision.declined": {"en": "declined", "fr": "refusé"},
    "wallet.missing_title": {"en": "No such wallet here", "fr": "Aucun portefeuille de ce nom ici"},
    "wallet.missing": {
        "en": "There is no persona named {id}, or her wallet has not been opened in this sandbox yet.",
        "fr": "Aucune personne ne s'appelle {id}, ou son portefeuille n'a pas encore été ouvert dans ce bac à sable.",
    },
    "wallet.unreachable": {
        "en": "The wallet service did not answer as expected",
        "fr": "Le service de portefeuille n'a pas répondu comme prévu",
    },
}

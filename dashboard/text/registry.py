"""The registry pages' words: the explorer, its audit log and the governance actions."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "registry.title": {"en": "Trust registry explorer", "fr": "Explorateur du registre de confiance"},
    "registry.lead": {
        "en": (
            "Everything the registry knows is public: who is in it, what each one may issue and at which "
            "level of assurance, which keys sign for them, and every change, in a tamper-evident log."
        ),
        "fr": (
            "Tout ce que le registre sait est public : qui y figure, ce que chacun peut émettre et à quel "
            "niveau d'assurance, quelles clés signent pour lui, et chaque changement, dans un journal "
            "infalsifiable."
        ),
    },
    "registry.unreachable": {
        "en": "The registry does not answer right now.",
        "fr": "Le registre ne répond pas pour l'instant.",
    },
    "registry.entities": {"en": "Entities", "fr": "Entités"},
    "registry.no_entities": {
        "en": "The registry lists no entity yet.",
        "fr": "Le registre ne compte encore aucune entité.",
    },
    "registry.name": {"en": "Name", "fr": "Nom"},
    "registry.id": {"en": "Identifier", "fr": "Identifiant"},
    "registry.jurisdiction": {"en": "Jurisdiction", "fr": "Juridiction"},
    "registry.role": {"en": "Role", "fr": "Rôle"},
    "registry.status": {"en": "Status", "fr": "Statut"},
    "registry.authorizations": {"en": "Authorizations", "fr": "Autorisations"},
    "registry.no_authorizations": {"en": "No authorization.", "fr": "Aucune autorisation."},
    "registry.type": {"en": "Credential type", "fr": "Type de justificatif"},
    "registry.loa": {"en": "Level of assurance", "fr": "Niveau d'assurance"},
    "registry.valid_from": {"en": "Valid from", "fr": "Valide à partir du"},
    "registry.valid_until": {"en": "Valid until", "fr": "Valide jusqu'au"},
    "registry.no_end": {"en": "no end date", "fr": "sans date de fin"},
    "registry.keys": {"en": "Signing keys", "fr": "Clés de signature"},
    "registry.no_keys": {"en": "No key.", "fr": "Aucune clé."},
    "registry.kid": {"en": "Key identifier", "fr": "Identifiant de la clé"},
    "registry.key_status": {"en": "Key status", "fr": "Statut de la clé"},
    "registry.since": {"en": "since", "fr": "depuis le"},
    "registry.key.active": {"en": "in use", "fr": "en service"},
    "registry.key.retired": {"en": "retired", "fr": "retirée"},
    "registry.key.compromised": {"en": "compromised", "fr": "compromise"},
    "registry.recognitions": {"en": "Recognized frameworks", "fr": "Cadres reconnus"},
    "registry.recognitions_lead": {
        "en": "Other trust frameworks whose authorizations this registry accepts.",
        "fr": "Les autres cadres de confiance dont ce registre accepte les autorisations.",
    },
    "registry.no_recognitions": {
        "en": "This registry recognizes no other framework.",
        "fr": "Ce registre ne reconnaît aucun autre cadre.",
    },
    "registry.authority": {"en": "Recognized authority", "fr": "Autorité reconnue"},
    "registry.action": {"en": "Action", "fr": "Action"},
    "registry.audit_link": {"en": "See the audit log", "fr": "Voir le journal d'audit"},
    "registry.governance": {"en": "Governance", "fr": "Gouvernance"},
    "registry.governance_lead": {
        "en": (
            "The governance authority accredits issuers and may suspend or reinstate them. "
            "Log in with the governance token to act."
        ),
        "fr": (
            "L'autorité de gouvernance accrédite les émetteurs et peut les suspendre ou les rétablir. "
            "Connectez-vous avec le jeton de gouvernance pour agir."
        ),
    },
    "registry.governance_in": {
        "en": "You are logged in as the governance authority: your actions are recorded in the audit log.",
        "fr": "Vous êtes connecté comme autorité de gouvernance : vos actions sont inscrites au journal d'audit.",
    },
    "registry.token": {"en": "Governance token", "fr": "Jeton de gouvernance"},
    "registry.login": {"en": "Log in as governance", "fr": "Se connecter comme gouvernance"},
    "registry.login_failed": {
        "en": "The registry did not accept that token as the governance token.",
        "fr": "Le registre n'a pas accepté ce jeton comme jeton de gouvernance.",
    },
    "registry.actions": {"en": "Governance actions", "fr": "Actions de gouvernance"},
    "registry.reason": {"en": "Reason", "fr": "Motif"},
    "registry.suspend_reason": {
        "en": "Suspended by the governance authority during the demonstration",
        "fr": "Suspendu par l'autorité de gouvernance pendant la démonstration",
    },
    "registry.suspend": {"en": "Suspend", "fr": "Suspendre"},
    "registry.reinstate": {"en": "Reinstate", "fr": "Rétablir"},
    "registry.revoked_final": {
        "en": "Revoked: final, it must apply again.",
        "fr": "Révoquée : c'est définitif, elle doit présenter une nouvelle demande.",
    },
    "registry.applications": {"en": "Pending applications", "fr": "Demandes en attente"},
    "registry.no_applications": {"en": "No application is waiting.", "fr": "Aucune demande n'est en attente."},
    "registry.application": {"en": "Application", "fr": "Demande"},
    "registry.state": {"en": "Stage", "fr": "Étape"},
    "registry.applied": {"en": "Applied on", "fr": "Déposée le"},
    "registry.decision": {"en": "Decision", "fr": "Décision"},
    "registry.refusal_reason": {"en": "Reason for a refusal", "fr": "Motif d'un refus"},
    "registry.accredit": {"en": "Accredit", "fr": "Accréditer"},
    "registry.refuse": {"en": "Refuse", "fr": "Refuser"},
    "registry.refused_by": {"en": "The registry refused", "fr": "Le registre a refusé"},
    "registry.done.suspended": {"en": "The entity is suspended.", "fr": "L'entité est suspendue."},
    "registry.done.active": {"en": "The entity is reinstated.", "fr": "L'entité est rétablie."},
    "registry.done.accredit": {"en": "The application is accredited.", "fr": "La demande est accréditée."},
    "registry.done.refuse": {"en": "The application is refused.", "fr": "La demande est refusée."},
    "registry.done.login": {
        "en": "You are logged in as the governance authority.",
        "fr": "Vous êtes connecté comme autorité de gouvernance.",
    },
    "registry.audit.title": {"en": "The registry's audit log", "fr": "Le journal d'audit du registre"},
    "registry.audit.lead": {
        "en": (
            "Every change to the registry is written here, each entry sealed with the hash of the one "
            "before it: changing or removing an old entry breaks the chain, and anyone can check it."
        ),
        "fr": (
            "Chaque changement du registre est inscrit ici, chaque entrée scellée par l'empreinte de la "
            "précédente : modifier ou supprimer une ancienne entrée brise la chaîne, et chacun peut le vérifier."
        ),
    },
    "registry.audit.verify": {"en": "Verify the chain", "fr": "Vérifier la chaîne"},
    "registry.audit.intact": {
        "en": "The chain is intact: {entries} entries, each linked to the one before it.",
        "fr": "La chaîne est intacte : {entries} entrées, chacune liée à la précédente.",
    },
    "registry.audit.head": {"en": "Latest hash", "fr": "Dernière empreinte"},
    "registry.audit.broken": {
        "en": "The chain is broken at entry {at}.",
        "fr": "La chaîne est brisée à l'entrée {at}.",
    },
    "registry.audit.entries": {
        "en": "Latest entries, newest first",
        "fr": "Dernières entrées, les plus récentes d'abord",
    },
    "registry.audit.shown": {
        "en": "The {shown} latest of {total} entries.",
        "fr": "Les {shown} plus récentes des {total} entrées.",
    },
    "registry.audit.none": {"en": "The log is empty.", "fr": "Le journal est vide."},
    "registry.audit.seq": {"en": "No.", "fr": "Nº"},
    "registry.audit.at": {"en": "When", "fr": "Quand"},
    "registry.audit.actor": {"en": "Who", "fr": "Qui"},
    "registry.audit.action": {"en": "What", "fr": "Quoi"},
    "registry.audit.subject": {"en": "Subject", "fr": "Objet"},
    "registry.audit.details": {"en": "Details", "fr": "Détails"},
    "registry.audit.hash": {"en": "Hash", "fr": "Empreinte"},
    "registry.back": {"en": "Back to the registry", "fr": "Retour au registre"},
}

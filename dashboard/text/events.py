"""The events pages' words: who talks to whom, and what each kind of exchange means in plain words."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "events.title": {"en": "Event log", "fr": "Journal des événements"},
    "events.lead": {
        "en": (
            "What crosses between the services, as it happens: offers redeemed, presentations received, "
            "questions to the trust registry, death events delivered to each issuer. New events appear at "
            "the top without reloading the page."
        ),
        "fr": (
            "Ce qui circule entre les services, au moment où cela se produit : offres échangées, présentations "
            "reçues, questions au registre de confiance, avis de décès transmis à chaque émetteur. Les nouveaux "
            "événements s'ajoutent en haut sans recharger la page."
        ),
    },
    "events.privacy": {
        "en": "Only the route and who is named in it are kept: never a query string, a token, a code or a claim.",
        "fr": (
            "Seuls la route et les acteurs qu'elle nomme sont conservés : jamais de chaîne de requête, de jeton, "
            "de code ni d'attribut."
        ),
    },
    "events.caption": {"en": "Latest events, newest first", "fr": "Derniers événements, du plus récent au plus ancien"},
    "events.panel_title": {"en": "Live events", "fr": "Événements en direct"},
    "events.panel_more": {"en": "See the whole event log", "fr": "Voir tout le journal des événements"},
    "events.col.time": {"en": "Time (UTC)", "fr": "Heure (UTC)"},
    "events.col.parties": {"en": "From → to", "fr": "De → à"},
    "events.col.what": {"en": "What happened", "fr": "Ce qui s'est passé"},
    "events.col.status": {"en": "Status", "fr": "Statut"},
    "events.empty": {
        "en": "Nothing yet: run a story, or query the registry, and events appear here.",
        "fr": "Rien pour l'instant : lancez un récit ou interrogez le registre, et les événements s'afficheront ici.",
    },
    "events.no_status": {"en": "—", "fr": "—"},
    # Who takes part in an exchange.
    "events.party.client": {"en": "A client", "fr": "Un client"},
    "events.party.operator": {"en": "Sandbox operator", "fr": "Exploitant du bac à sable"},
    "events.party.issuer": {"en": "Issuer", "fr": "Émetteur"},
    "events.party.issuers": {"en": "Issuers", "fr": "Émetteurs"},
    "events.party.wallet": {"en": "Wallet", "fr": "Portefeuille"},
    "events.party.holder": {"en": "Holder", "fr": "Titulaire"},
    "events.party.relying_party": {"en": "Relying party", "fr": "Partie utilisatrice"},
    "events.party.verifiers": {"en": "Verifiers", "fr": "Vérificateurs"},
    "events.party.registry": {"en": "Trust registry", "fr": "Registre de confiance"},
    "events.party.governance": {"en": "Governance", "fr": "Gouvernance"},
    "events.party.applicant": {"en": "Applicant", "fr": "Candidat"},
    "events.party.assessor": {"en": "Assessor", "fr": "Évaluateur"},
    "events.party.bus": {"en": "Event bus", "fr": "Bus d'événements"},
    "events.party.wallet_service": {"en": "Wallet service", "fr": "Service des portefeuilles"},
    "events.party.verifier_service": {"en": "Verifier service", "fr": "Service de vérification"},
    # What happened, by kind of exchange.
    "events.kind.other": {"en": "Request {method} {route}", "fr": "Requête {method} {route}"},
    "events.kind.health": {"en": "Health check", "fr": "Vérification de l'état du service"},
    "events.kind.readiness": {
        "en": "Readiness check (database, broker, registry)",
        "fr": "Vérification de disponibilité (base de données, courtier, registre)",
    },
    "events.kind.metrics_read": {"en": "Metrics read", "fr": "Mesures consultées"},
    "events.kind.issuers_listed": {"en": "List of issuers read", "fr": "Liste des émetteurs consultée"},
    "events.kind.issuer_metadata": {
        "en": "Credential issuer metadata read (OpenID4VCI)",
        "fr": "Métadonnées de l'émetteur de justificatifs consultées (OpenID4VCI)",
    },
    "events.kind.authorization_server_metadata": {
        "en": "Authorization server metadata read (OpenID4VCI)",
        "fr": "Métadonnées du serveur d'autorisation consultées (OpenID4VCI)",
    },
    "events.kind.issuer_keys": {
        "en": "Issuer's signing keys fetched to check a credential",
        "fr": "Clés de signature de l'émetteur récupérées pour vérifier un justificatif",
    },
    "events.kind.offer_created": {
        "en": "Identity proofed: credential offer created",
        "fr": "Identité vérifiée : offre de justificatif créée",
    },
    "events.kind.offer_created_by_staff": {
        "en": "Credential offer made by the issuer's staff",
        "fr": "Offre de justificatif faite par le personnel de l'émetteur",
    },
    "events.kind.offer_created_organization": {
        "en": "Business registration checked: credential offer created",
        "fr": "Enregistrement de l'entreprise vérifié : offre de justificatif créée",
    },
    "events.kind.offer_created_relationship": {
        "en": "Relationship checked: credential offer created",
        "fr": "Relation vérifiée : offre de justificatif créée",
    },
    "events.kind.offer_created_immunization": {
        "en": "Immunization recorded by the health authority: credential offer created",
        "fr": "Immunisation inscrite par l'autorité sanitaire : offre de justificatif créée",
    },
    "events.kind.offer_created_delegation": {
        "en": "Consent recorded by the health authority: delegation offer created",
        "fr": "Consentement consigné par l'autorité sanitaire : offre de délégation créée",
    },
    "events.kind.offer_qr": {
        "en": "Credential offer drawn as a QR code",
        "fr": "Offre de justificatif affichée en code QR",
    },
    "events.kind.offer_received": {
        "en": "Credential offer handed to the wallet",
        "fr": "Offre de justificatif remise au portefeuille",
    },
    "events.kind.offer_redeemed": {
        "en": "Offer redeemed: access token issued (OpenID4VCI)",
        "fr": "Offre échangée : jeton d'accès délivré (OpenID4VCI)",
    },
    "events.kind.authorization_pushed": {
        "en": "Wallet's authorization request pushed to the issuer (PAR)",
        "fr": "Demande d'autorisation du portefeuille déposée chez l'émetteur (PAR)",
    },
    "events.kind.authorization_page": {
        "en": "Authorization page shown to the person",
        "fr": "Page d'autorisation présentée à la personne",
    },
    "events.kind.authorization_proofing": {
        "en": "Person's identity proofing at the authorization page",
        "fr": "Vérification d'identité de la personne sur la page d'autorisation",
    },
    "events.kind.nonce": {
        "en": "Nonce issued for the wallet's proof of key",
        "fr": "Nonce délivré pour la preuve de clé du portefeuille",
    },
    "events.kind.credential_issued": {
        "en": "Credential issued into the wallet",
        "fr": "Justificatif délivré dans le portefeuille",
    },
    "events.kind.issuances_read": {"en": "Issuer's issuance records read", "fr": "Registre des délivrances consulté"},
    "events.kind.status_list": {
        "en": "Status list fetched: is the credential still valid?",
        "fr": "Liste de statuts récupérée : le justificatif est-il toujours valide?",
    },
    "events.kind.status_changed": {
        "en": "Credential status changed (suspended, revoked or reinstated)",
        "fr": "Statut d'un justificatif modifié (suspendu, révoqué ou rétabli)",
    },
    "events.kind.renewal": {"en": "Credential renewed by its issuer", "fr": "Justificatif renouvelé par son émetteur"},
    "events.kind.reissuance": {
        "en": "Credential reissued by its issuer",
        "fr": "Justificatif délivré de nouveau par son émetteur",
    },
    "events.kind.birth_registered": {
        "en": "Birth registered by vital statistics: credential offers created for the parents",
        "fr": "Naissance enregistrée par l'état civil : offres de justificatifs créées pour les parents",
    },
    "events.kind.death_registered": {
        "en": "Death registered by vital statistics",
        "fr": "Décès enregistré par l'état civil",
    },
    "events.kind.death_read": {"en": "Death registration read", "fr": "Enregistrement de décès consulté"},
    "events.kind.event_processing_read": {
        "en": "What an issuer did with an event, checked",
        "fr": "Traitement d'un événement par un émetteur, vérifié",
    },
    "events.kind.death_announced": {
        "en": "Death event published on the event bus (person.died)",
        "fr": "Avis de décès publié sur le bus d'événements (person.died)",
    },
    "events.kind.death_delivered": {
        "en": "Death event delivered to the issuer",
        "fr": "Avis de décès transmis à l'émetteur",
    },
    "events.kind.wallet_opened": {"en": "Wallet opened", "fr": "Portefeuille ouvert"},
    "events.kind.wallet_read": {"en": "Wallet contents read", "fr": "Contenu du portefeuille consulté"},
    "events.kind.renewal_requested": {
        "en": "Holder asked for a credential to be renewed",
        "fr": "Le titulaire a demandé le renouvellement d'un justificatif",
    },
    "events.kind.presentation_request_received": {
        "en": "Presentation request handed to the wallet",
        "fr": "Demande de présentation remise au portefeuille",
    },
    "events.kind.consent_decision": {
        "en": "Holder decided what to share",
        "fr": "Le titulaire a décidé quoi communiquer",
    },
    "events.kind.consents_read": {"en": "Holder's consent history read", "fr": "Historique des consentements consulté"},
    "events.kind.verifiers_listed": {
        "en": "List of relying parties read",
        "fr": "Liste des parties utilisatrices consultée",
    },
    "events.kind.presentation_request_created": {
        "en": "Presentation request created by the relying party",
        "fr": "Demande de présentation créée par la partie utilisatrice",
    },
    "events.kind.presentation_request_fetched": {
        "en": "Presentation request fetched by the wallet (OpenID4VP)",
        "fr": "Demande de présentation récupérée par le portefeuille (OpenID4VP)",
    },
    "events.kind.presentation_received": {
        "en": "Presentation received by the relying party",
        "fr": "Présentation reçue par la partie utilisatrice",
    },
    "events.kind.presentation_verified": {
        "en": "Presentation checked by the relying party",
        "fr": "Présentation vérifiée par la partie utilisatrice",
    },
    "events.kind.relying_parties_read": {
        "en": "Relying parties' declarations read",
        "fr": "Déclarations des parties utilisatrices consultées",
    },
    "events.kind.relying_party_created": {
        "en": "Relying party created from its declaration",
        "fr": "Partie utilisatrice créée à partir de sa déclaration",
    },
    "events.kind.registry_metadata": {"en": "Trust registry metadata read", "fr": "Métadonnées du registre consultées"},
    "events.kind.registry_read": {"en": "Registry entries read", "fr": "Entrées du registre consultées"},
    "events.kind.trqp_authorization": {
        "en": "TRQP authorization query: may this issuer issue this credential?",
        "fr": "Requête d'autorisation TRQP : cet émetteur peut-il émettre ce justificatif?",
    },
    "events.kind.trqp_recognition": {
        "en": "TRQP recognition query: is this other authority recognized?",
        "fr": "Requête de reconnaissance TRQP : cette autre autorité est-elle reconnue?",
    },
    "events.kind.registry_keys": {
        "en": "Registry's signing keys fetched",
        "fr": "Clés de signature du registre récupérées",
    },
    "events.kind.trust_list": {
        "en": "Trust list fetched: the signed list of who may issue what",
        "fr": "Liste de confiance récupérée : la liste signée de qui peut émettre quoi",
    },
    "events.kind.audit_read": {"en": "Registry audit log read", "fr": "Journal d'audit du registre consulté"},
    "events.kind.entity_added": {"en": "Governance added an entity", "fr": "La gouvernance a ajouté une entité"},
    "events.kind.issuer_seeded": {
        "en": "A sandbox issuer registered itself with its keys and grants",
        "fr": "Un émetteur du bac à sable s'est inscrit avec ses clés et ses autorisations",
    },
    "events.kind.identity_query": {
        "en": "One issuer asked another about a person (yes or no, never the claims)",
        "fr": "Un émetteur en a interrogé un autre sur une personne (oui ou non, jamais les attributs)",
    },
    "events.kind.entity_status": {
        "en": "Governance changed an entity's status",
        "fr": "La gouvernance a modifié le statut d'une entité",
    },
    "events.kind.authorization_added": {
        "en": "Governance granted an authorization",
        "fr": "La gouvernance a accordé une autorisation",
    },
    "events.kind.authorization_status": {
        "en": "Governance changed an authorization's status",
        "fr": "La gouvernance a modifié le statut d'une autorisation",
    },
    "events.kind.key_added": {"en": "An entity's signing key was added", "fr": "Une clé de signature a été ajoutée"},
    "events.kind.keys_refreshed": {
        "en": "An entity's DID document read again for new signing keys",
        "fr": "Document DID d'une entité relu pour de nouvelles clés de signature",
    },
    "events.kind.key_event": {
        "en": "A signing key was rotated or revoked",
        "fr": "Une clé de signature a été remplacée ou révoquée",
    },
    "events.kind.recognition_added": {
        "en": "Governance recognized another authority",
        "fr": "La gouvernance a reconnu une autre autorité",
    },
    "events.kind.application_filed": {
        "en": "Onboarding application filed",
        "fr": "Demande d'intégration déposée",
    },
    "events.kind.application_read": {"en": "Onboarding application read", "fr": "Demande d'intégration consultée"},
    "events.kind.conformance_run": {
        "en": "Conformance tests run on an applicant",
        "fr": "Tests de conformité exécutés sur un candidat",
    },
    "events.kind.assessment_recorded": {
        "en": "Assessor recorded a finding",
        "fr": "L'évaluateur a consigné une constatation",
    },
    "events.kind.application_decided": {
        "en": "Governance decided on an application",
        "fr": "La gouvernance a statué sur une demande",
    },
}

"""What a verdict says to people: check names, the description of each reason code, a
passed check's detail formed from its ``params``, statuses, and the words of the tables."""

MESSAGES: dict[str, dict[str, str]] = {
    "check.immunization_accepted": {
        "en": "Immunization against the disease required",
        "fr": "Immunisation contre la maladie exigée",
    },
    "check.scope_covered": {"en": "Scope covered", "fr": "Portée couverte"},
    "value.delegate": {"en": "delegate", "fr": "délégataire"},
    "value.health_information": {"en": "health information", "fr": "renseignements de santé"},
    "value.appointments": {"en": "appointments", "fr": "rendez-vous"},
    "col.check": {"en": "Check", "fr": "Contrôle"},
    "col.credential": {"en": "Credential", "fr": "Justificatif"},
    "col.result": {"en": "Result", "fr": "Résultat"},
    "col.detail": {"en": "Detail", "fr": "Détail"},
    "col.claim": {"en": "Claim", "fr": "Attribut"},
    "col.value": {"en": "Value", "fr": "Valeur"},
    "pass": {"en": "pass", "fr": "réussi"},
    "fail": {"en": "FAIL", "fr": "ÉCHEC"},
    "evidence.drivers_licence": {"en": "driver's licence", "fr": "permis de conduire"},
    "evidence.services_card": {"en": "services card", "fr": "carte de services"},
    "evidence.birth_certificate": {"en": "birth certificate", "fr": "acte de naissance"},
    "and": {"en": "and", "fr": "et"},
    "word.yes": {"en": "yes", "fr": "oui"},
    "word.no": {"en": "no", "fr": "non"},
    # The registry's conformance checks of an applicant issuer (pctf-sandbox conformance).
    "col.evidence": {"en": "Evidence", "fr": "Constats"},
    "col.application": {"en": "Application", "fr": "Demande"},
    "col.entity": {"en": "Entity", "fr": "Entité"},
    "col.name": {"en": "Name", "fr": "Nom"},
    "col.state": {"en": "State", "fr": "État"},
    "col.submitted": {"en": "Submitted", "fr": "Déposée"},
    "col.criterion": {"en": "Criterion", "fr": "Critère"},
    "col.proof": {"en": "Evidence", "fr": "Preuves"},
    "col.when": {"en": "When", "fr": "Quand"},
    "col.actor": {"en": "Actor", "fr": "Acteur"},
    "col.action": {"en": "Action", "fr": "Opération"},
    "col.subject": {"en": "Subject", "fr": "Sujet"},
    # Names of the verification checks, as a relying party's verdict lists them.
    "check.format": {"en": "Credential format", "fr": "Format du justificatif"},
    "check.presented": {"en": "Credential presented", "fr": "Justificatif présenté"},
    "check.credential_type": {"en": "Credential type", "fr": "Type de justificatif"},
    "check.issuer_known": {"en": "Issuer in the trust registry", "fr": "Émetteur inscrit au registre de confiance"},
    "check.signature": {"en": "Issuer signature", "fr": "Signature de l'émetteur"},
    "check.disclosures": {
        "en": "Disclosures match the signed digests",
        "fr": "Divulgations conformes aux empreintes signées",
    },
    "check.validity": {"en": "Validity period", "fr": "Période de validité"},
    "check.issuer_key": {"en": "Issuer key in service", "fr": "Clé de l'émetteur en service"},
    "check.holder_binding": {
        "en": "Holder binding (key, audience, nonce)",
        "fr": "Lien au détenteur (clé, audience, nonce)",
    },
    "check.issuer_authorized": {
        "en": "Issuer authorized for this type and level",
        "fr": "Émetteur autorisé pour ce type et ce niveau",
    },
    "check.claims_disclosed": {"en": "Requested claims disclosed", "fr": "Attributs demandés communiqués"},
    "check.loa": {"en": "Level of assurance", "fr": "Niveau d'assurance"},
    "check.organization_active": {"en": "Organization active", "fr": "Organisation active"},
    "check.role_accepted": {"en": "Role accepted", "fr": "Rôle accepté"},
    "check.claim_value": {"en": "Claim value accepted", "fr": "Valeur d'attribut acceptée"},
    "check.linked": {"en": "Credentials name the same party", "fr": "Les justificatifs désignent la même partie"},
    "check.same_holder": {
        "en": "One holder for all credentials",
        "fr": "Un seul détenteur pour tous les justificatifs",
    },
    "check.credential_status": {
        "en": "Not revoked or suspended by its issuer",
        "fr": "Ni révoqué ni suspendu par son émetteur",
    },
    # Why a check failed: one description per reason code (pctf.reasons), for the command line
    # and the dashboard alike.
    "reason.malformed_presentation": {"en": "The presentation is malformed", "fr": "La présentation est mal formée"},
    "reason.alg_not_allowed": {"en": "Signature algorithm not allowed", "fr": "Algorithme de signature non permis"},
    "reason.typ_invalid": {"en": "Wrong token type", "fr": "Type de jeton incorrect"},
    "reason.crit_unsupported": {"en": "Unsupported critical header", "fr": "En-tête critique non pris en charge"},
    "reason.issuer_key_unknown": {
        "en": "The issuer's key is not registered",
        "fr": "La clé de l'émetteur n'est pas inscrite",
    },
    "reason.signature_invalid": {
        "en": "The issuer's signature does not verify",
        "fr": "La signature de l'émetteur est invalide",
    },
    "reason.sd_alg_unsupported": {
        "en": "Unsupported digest algorithm",
        "fr": "Algorithme d'empreinte non pris en charge",
    },
    "reason.disclosure_malformed": {"en": "A disclosure is malformed", "fr": "Une divulgation est mal formée"},
    "reason.disclosure_shape_invalid": {
        "en": "A disclosure has the wrong shape",
        "fr": "Une divulgation a une forme incorrecte",
    },
    "reason.disclosure_unreferenced": {
        "en": "A disclosure was altered or does not belong to this credential",
        "fr": "Une divulgation a été modifiée ou n'appartient pas à ce justificatif",
    },
    "reason.digest_duplicate": {"en": "A digest appears twice", "fr": "Une empreinte apparaît deux fois"},
    "reason.claim_name_reserved": {
        "en": "A disclosure uses a reserved claim name",
        "fr": "Une divulgation utilise un nom réservé",
    },
    "reason.claim_already_exists": {"en": "A claim is disclosed twice", "fr": "Un attribut est divulgué deux fois"},
    "reason.claim_not_disclosable": {
        "en": "A claim that must stay visible was hidden",
        "fr": "Un attribut qui doit rester visible a été masqué",
    },
    "reason.required_claim_missing": {"en": "A required claim is missing", "fr": "Un attribut requis manque"},
    "reason.vct_unexpected": {"en": "Not the credential type asked for", "fr": "Pas le type de justificatif demandé"},
    "reason.credential_expired": {"en": "The credential has expired", "fr": "Le justificatif est expiré"},
    "reason.credential_not_yet_valid": {
        "en": "The credential is not valid yet",
        "fr": "Le justificatif n'est pas encore valide",
    },
    "reason.holder_binding_missing": {
        "en": "No proof of the holder's key",
        "fr": "Aucune preuve de la clé du détenteur",
    },
    "reason.kb_typ_invalid": {
        "en": "The key binding JWT has the wrong type",
        "fr": "Le JWT de liaison de clé a un type incorrect",
    },
    "reason.holder_binding_failed": {
        "en": "The holder's key binding does not verify",
        "fr": "La liaison à la clé du détenteur est invalide",
    },
    "reason.sd_hash_mismatch": {
        "en": "The key binding JWT is for another presentation",
        "fr": "Le JWT de liaison de clé vise une autre présentation",
    },
    "reason.kb_iat_invalid": {
        "en": "The key binding JWT is too old or in the future",
        "fr": "Le JWT de liaison de clé est trop ancien ou futur",
    },
    "reason.nonce_mismatch": {
        "en": "The nonce is not this request's",
        "fr": "Le nonce n'est pas celui de cette demande",
    },
    "reason.audience_mismatch": {
        "en": "The presentation was made for someone else",
        "fr": "La présentation était destinée à un autre",
    },
    "reason.presentation_replayed": {
        "en": "This presentation was already used",
        "fr": "Cette présentation a déjà servi",
    },
    "reason.request_expired": {"en": "The request has expired", "fr": "La demande est expirée"},
    "reason.holder_key_missing": {
        "en": "The credential names no holder key",
        "fr": "Le justificatif ne nomme aucune clé de détenteur",
    },
    "reason.issuer_unknown": {
        "en": "The trust registry does not know the issuer",
        "fr": "Le registre de confiance ne connaît pas l'émetteur",
    },
    "reason.issuer_not_authorized": {
        "en": "The issuer is not authorized for this type or level",
        "fr": "L'émetteur n'est pas autorisé pour ce type ou ce niveau",
    },
    "reason.issuer_suspended": {"en": "The issuer is suspended", "fr": "L'émetteur est suspendu"},
    "reason.registry_unavailable": {
        "en": "The trust registry did not answer",
        "fr": "Le registre de confiance n'a pas répondu",
    },
    "reason.trust_list_expired": {
        "en": "The cached trust list is too old",
        "fr": "La liste de confiance en cache est trop ancienne",
    },
    "reason.trust_list_invalid": {
        "en": "The trust list is not the registry's",
        "fr": "La liste de confiance n'est pas celle du registre",
    },
    "reason.issuer_key_retired": {
        "en": "Signed after the issuer retired the key",
        "fr": "Signé après le retrait de la clé par l'émetteur",
    },
    "reason.issuer_key_compromised": {"en": "Signed with a compromised key", "fr": "Signé avec une clé compromise"},
    "reason.did_invalid": {
        "en": "The identifier is not a did:web DID the registry accepts",
        "fr": "L'identifiant n'est pas un DID did:web que le registre accepte",
    },
    "reason.did_unresolvable": {
        "en": "The DID document could not be read",
        "fr": "Le document DID n'a pas pu être lu",
    },
    "reason.did_document_invalid": {
        "en": "The DID document is not usable",
        "fr": "Le document DID n'est pas utilisable",
    },
    "reason.loa_too_low": {"en": "The level of assurance is too low", "fr": "Le niveau d'assurance est trop bas"},
    "reason.claims_not_disclosed": {
        "en": "A requested claim was not disclosed",
        "fr": "Un attribut demandé n'a pas été communiqué",
    },
    "reason.claims_not_linked": {
        "en": "The credentials name different parties",
        "fr": "Les justificatifs désignent des parties différentes",
    },
    "reason.organization_inactive": {"en": "The organization is not active", "fr": "L'organisation n'est pas active"},
    "reason.role_not_accepted": {
        "en": "This role may not act for the organization",
        "fr": "Ce rôle ne peut agir pour l'organisation",
    },
    "reason.immunization_not_accepted": {
        "en": "The immunization is not against the disease required",
        "fr": "L'immunisation ne vise pas la maladie exigée",
    },
    "reason.credential_not_presented": {
        "en": "A required credential was not presented",
        "fr": "Un justificatif exigé n'a pas été présenté",
    },
    "reason.claim_value_not_accepted": {
        "en": "A claim has a value the request does not accept",
        "fr": "Un attribut a une valeur que la demande n'accepte pas",
    },
    "reason.consent_required": {"en": "The holder declined to share", "fr": "Le détenteur a refusé de communiquer"},
    "reason.credential_revoked": {
        "en": "The issuer revoked the credential",
        "fr": "L'émetteur a révoqué le justificatif",
    },
    "reason.credential_suspended": {
        "en": "The issuer suspended the credential",
        "fr": "L'émetteur a suspendu le justificatif",
    },
    "reason.credential_status_unknown": {
        "en": "The credential's status is unknown",
        "fr": "Le statut du justificatif est inconnu",
    },
    "reason.status_list_unavailable": {
        "en": "The status list could not be fetched",
        "fr": "La liste de statuts est inaccessible",
    },
    "reason.status_list_malformed": {"en": "The status list is malformed", "fr": "La liste de statuts est mal formée"},
    "reason.status_list_signature_invalid": {
        "en": "The status list is not signed by the issuer",
        "fr": "La liste de statuts n'est pas signée par l'émetteur",
    },
    "reason.status_list_sub_mismatch": {
        "en": "Not the status list the credential names",
        "fr": "Pas la liste de statuts que nomme le justificatif",
    },
    "reason.status_index_out_of_range": {
        "en": "The status index is out of range",
        "fr": "L'index de statut est hors limites",
    },
    "reason.status_list_expired": {"en": "The status list has expired", "fr": "La liste de statuts est expirée"},
    "reason.claims_invalid": {"en": "A claim has an invalid value", "fr": "Un attribut a une valeur invalide"},
    "reason.issuer_mismatch": {"en": "The issuer is not the one expected", "fr": "L'émetteur n'est pas celui attendu"},
    "reason.not_on_birth_registration": {
        "en": "The child's birth registration does not name this person as a parent",
        "fr": "L'enregistrement de la naissance de l'enfant ne nomme pas cette personne comme parent",
    },
    "reason.person_deceased": {
        "en": "This person's death is already registered in this sandbox",
        "fr": "Le décès de cette personne est déjà enregistré dans ce bac à sable",
    },
    "reason.response_encryption_required": {
        "en": "The request asked for an encrypted answer; this one was not encrypted",
        "fr": "La demande exigeait une réponse chiffrée ; celle-ci ne l'était pas",
    },
    "reason.encryption_alg_not_allowed": {
        "en": "Encryption algorithm not accepted",
        "fr": "Algorithme de chiffrement non accepté",
    },
    "reason.response_decryption_failed": {
        "en": "The answer cannot be decrypted: encrypted to another key, or altered",
        "fr": "La réponse ne peut être déchiffrée : chiffrée pour une autre clé, ou modifiée",
    },
    "reason.request_object_invalid": {
        "en": "The signed request is malformed or its signature does not verify",
        "fr": "La demande signée est mal formée ou sa signature est invalide",
    },
    "reason.request_object_untrusted": {
        "en": "The request's certificate does not lead to a trusted authority, or is not valid now",
        "fr": "Le certificat de la demande ne mène pas à une autorité de confiance, ou n'est pas valide maintenant",
    },
    "reason.client_id_mismatch": {
        "en": "The relying party's identifier does not match its certificate or its request",
        "fr": "L'identifiant de la partie utilisatrice ne correspond pas à son certificat ou à sa demande",
    },
    "reason.bad_request": {"en": "The request is not valid", "fr": "La requête n'est pas valide"},
    "reason.not_found": {"en": "Not found", "fr": "Introuvable"},
    "reason.unauthorized": {"en": "No valid access token was given", "fr": "Aucun jeton d'accès valide n'a été fourni"},
    "reason.forbidden": {"en": "This token may not do this", "fr": "Ce jeton ne permet pas cette opération"},
    "reason.too_many_attempts": {
        "en": "Too many failed attempts: wait",
        "fr": "Trop de tentatives échouées : patientez",
    },
    "reason.request_too_large": {"en": "The request is too large", "fr": "La requête est trop volumineuse"},
    "reason.url_not_allowed": {
        "en": "This address may not be fetched",
        "fr": "Cette adresse ne peut pas être consultée",
    },
    "reason.consent_mismatch": {
        "en": "The approval is not for the request the holder was shown",
        "fr": "L'approbation ne vise pas la demande montrée au détenteur",
    },
    "reason.setting_invalid": {"en": "A setting is not valid", "fr": "Un paramètre n'est pas valide"},
    "reason.conflict": {"en": "This conflicts with what exists", "fr": "Cela entre en conflit avec l'existant"},
    "reason.credential_type_unknown": {"en": "Unknown credential type", "fr": "Type de justificatif inconnu"},
    "reason.issuer_id_unknown": {"en": "Unknown issuer", "fr": "Émetteur inconnu"},
    "reason.evidence_insufficient": {
        "en": "The identity evidence is not enough for this level of assurance",
        "fr": "Les pièces d'identité ne suffisent pas pour ce niveau d'assurance",
    },
    "reason.evidence_mismatch": {
        "en": "The identity evidence does not match the person",
        "fr": "Les pièces d'identité ne correspondent pas à la personne",
    },
    "reason.event_invalid": {
        "en": "The event is not signed by the emitter it names",
        "fr": "L'événement n'est pas signé par l'émetteur qu'il nomme",
    },
    "reason.invalid_grant": {
        "en": "The pre-authorized code, transaction code, authorization code or PKCE verifier is not valid",
        "fr": "Le code pré-autorisé, le code de transaction, le code d'autorisation ou le vérificateur PKCE "
        "n'est pas valide",
    },
    "reason.credential_offer_unknown": {
        "en": "The credential offer is unknown, expired or already redeemed",
        "fr": "L'offre de justificatif est inconnue, expirée ou déjà échangée",
    },
    "reason.unsupported_grant_type": {"en": "Unsupported grant type", "fr": "Type d'autorisation non pris en charge"},
    "reason.invalid_credential_request": {
        "en": "The credential request is not valid",
        "fr": "La demande de justificatif n'est pas valide",
    },
    "reason.invalid_token": {"en": "The access token is not valid", "fr": "Le jeton d'accès n'est pas valide"},
    "reason.invalid_proof": {
        "en": "The proof of possession of the holder key is not valid",
        "fr": "La preuve de possession de la clé du détenteur n'est pas valide",
    },
    "reason.invalid_nonce": {"en": "The nonce is not valid", "fr": "Le nonce n'est pas valide"},
    "reason.unknown_credential_configuration": {
        "en": "The issuer offers no such credential",
        "fr": "L'émetteur n'offre pas ce justificatif",
    },
    "reason.invalid_request": {
        "en": "The authorization request is missing a parameter or has one that is not valid",
        "fr": "Il manque un paramètre à la demande d'autorisation, ou l'un d'eux n'est pas valide",
    },
    "reason.invalid_scope": {
        "en": "The issuer has no credential for this scope",
        "fr": "L'émetteur n'a aucun justificatif pour cette portée",
    },
    "reason.invalid_authorization_details": {
        "en": "The authorization details name no credential the issuer grants this way",
        "fr": "Les détails d'autorisation ne désignent aucun justificatif que l'émetteur accorde ainsi",
    },
    "reason.unsupported_response_type": {
        "en": "Unsupported response type",
        "fr": "Type de réponse non pris en charge",
    },
    "reason.invalid_request_uri": {
        "en": "The authorization request is unknown, expired or already used",
        "fr": "La demande d'autorisation est inconnue, expirée ou déjà utilisée",
    },
    "reason.no_matching_credential": {
        "en": "The wallet holds no credential matching the request",
        "fr": "Le portefeuille ne contient aucun justificatif correspondant à la demande",
    },
    "reason.endpoint_unreachable": {
        "en": "An endpoint could not be reached",
        "fr": "Un point de terminaison est injoignable",
    },
    "reason.http_error_status": {
        "en": "An endpoint answered with an error",
        "fr": "Un point de terminaison a répondu par une erreur",
    },
    "reason.metadata_invalid": {"en": "The metadata is not valid", "fr": "Les métadonnées ne sont pas valides"},
    "reason.keys_unacceptable": {
        "en": "The keys are not acceptable to the registry",
        "fr": "Les clés ne sont pas acceptables pour le registre",
    },
    "reason.test_offer_missing": {
        "en": "The application carries no test credential offer",
        "fr": "La demande ne comporte aucune offre de justificatif d'essai",
    },
    "reason.dependency_failed": {
        "en": "An earlier check failed, so this one could not run",
        "fr": "Un contrôle précédent a échoué : celui-ci n'a pas pu avoir lieu",
    },
    "reason.conformance_check_error": {
        "en": "The conformance check itself failed",
        "fr": "Le contrôle de conformité lui-même a échoué",
    },
    "reason.scope_not_covered": {
        "en": "The delegation does not cover this service",
        "fr": "La délégation ne couvre pas ce service",
    },
    "reason.other": {"en": "See the reason code", "fr": "Voir le code du motif"},
    # A passed check's detail, for people: the verdict's ``detail`` stays one English line for
    # programs, and these sentences are formed from the check's ``params`` in either language.
    "detail.format": {"en": "SD-JWT VC ({typ}, {alg})", "fr": "SD-JWT VC ({typ}, algorithme {alg})"},
    "detail.credential_type": {"en": "as asked: {type}", "fr": "comme demandé : {type}"},
    "detail.issuer_known": {"en": "{iss} is registered", "fr": "{iss} est inscrit"},
    "detail.signature": {
        "en": "issuer signature verified with key {kid}",
        "fr": "signature de l'émetteur vérifiée avec la clé {kid}",
    },
    "detail.disclosures": {
        "en": "{count} disclosure(s) match digests signed by the issuer",
        "fr": "{count} divulgation(s) conforme(s) aux empreintes signées par l'émetteur",
    },
    "detail.validity": {"en": "issued {issued}, expires {expires}", "fr": "émis le {issued}, expire le {expires}"},
    "detail.validity_open": {"en": "issued {issued}, no expiry", "fr": "émis le {issued}, sans échéance"},
    "detail.issuer_key": {"en": "key {kid} in force at issuance", "fr": "clé {kid} en vigueur à l'émission"},
    "detail.holder_binding": {
        "en": "key binding JWT signed by the holder key, for this audience and nonce",
        "fr": "JWT de liaison de clé signé par la clé du détenteur, pour cette audience et ce nonce",
    },
    "detail.holder_bound": {"en": "bound to holder key {thumbprint}", "fr": "lié à la clé de détenteur {thumbprint}"},
    "detail.issuer_authorized": {
        "en": "{source}: authorized to issue {type} up to level of assurance {loa} at issuance time",
        "fr": "{source} : autorisé à émettre {type} jusqu'au niveau d'assurance {loa} au moment de l'émission",
    },
    "detail.source.registry": {"en": "trust registry", "fr": "registre de confiance"},
    "detail.source.trust_list": {
        "en": "the registry's signed trust list (registry unreachable)",
        "fr": "liste de confiance signée du registre (registre injoignable)",
    },
    "detail.source.recognition": {
        "en": "{authority}, a framework the registry recognizes",
        "fr": "{authority}, un cadre que le registre reconnaît",
    },
    "detail.credential_status": {
        "en": "valid in the issuer's status list",
        "fr": "valide dans la liste de statuts de l'émetteur",
    },
    "detail.no_status_list": {"en": "no status list referenced", "fr": "aucune liste de statuts indiquée"},
    "detail.claims_disclosed": {
        "en": "{count} requested claim(s) disclosed",
        "fr": "{count} attribut(s) demandé(s) communiqué(s)",
    },
    "detail.loa": {
        "en": "level of assurance {loa}, policy requires {required}",
        "fr": "niveau d'assurance {loa}, la politique exige {required}",
    },
    "detail.rule": {"en": "{claim}: {value}; accepted: {accepted}", "fr": "{claim} : {value}; accepté : {accepted}"},
    "detail.linked": {"en": "{left} matches {right}", "fr": "{left} correspond à {right}"},
    "detail.not_linked": {"en": "{left} differs from {right}", "fr": "{left} diffère de {right}"},
    "detail.same_holder": {
        "en": "all credentials are bound to one holder key",
        "fr": "tous les justificatifs sont liés à une seule clé de détenteur",
    },
    "detail.absent": {"en": "(no value)", "fr": "(aucune valeur)"},
    # What the trust registry answers about an issuer (TRQP ``status``), and an application's state.
    "trqp.active": {"en": "active", "fr": "actif"},
    "trqp.suspended": {"en": "suspended", "fr": "suspendu"},
    "trqp.revoked": {"en": "revoked", "fr": "révoqué"},
    "trqp.expired": {"en": "expired", "fr": "expiré"},
    "trqp.not_found": {"en": "not authorized", "fr": "non autorisé"},
    "trqp.unknown_entity": {"en": "unknown entity", "fr": "entité inconnue"},
    "application.submitted": {"en": "submitted", "fr": "déposée"},
    "application.conformance_failed": {"en": "conformance failed", "fr": "conformité non atteinte"},
    "application.conformance_passed": {"en": "conformance passed", "fr": "conformité atteinte"},
    "application.accredited": {"en": "accredited", "fr": "accréditée"},
    "application.refused": {"en": "refused", "fr": "refusée"},
    # Claim values a credential carries as codes, shown to people in their language.
    "value.director": {"en": "director", "fr": "administrateur"},
    "value.signing_officer": {"en": "signing officer", "fr": "signataire autorisé"},
    # A credential's status, as a wallet shows it.
    "status.valid": {"en": "valid", "fr": "valide"},
    "status.expiring_soon": {"en": "expiring soon", "fr": "expire bientôt"},
    "status.expired": {"en": "expired", "fr": "expiré"},
    "status.suspended": {"en": "suspended", "fr": "suspendu"},
    "status.revoked": {"en": "revoked", "fr": "révoqué"},
    "status.unknown": {"en": "unknown (status list unreachable)", "fr": "inconnu (liste de statuts inaccessible)"},
    "col.type": {"en": "Credential type", "fr": "Type de justificatif"},
    "col.issuer": {"en": "Issuer", "fr": "Émetteur"},
    "col.expires": {"en": "Expires", "fr": "Expire le"},
    "col.status": {"en": "Status", "fr": "Statut"},
    "col.issuance": {"en": "Issuance", "fr": "Émission"},
    "col.issued": {"en": "Issued", "fr": "Émis le"},
    "col.loa": {"en": "LoA", "fr": "Niveau d'assurance"},
    "status.replaced": {"en": "replaced", "fr": "remplacé"},
    "col.leg": {"en": "Stage", "fr": "Étape"},
    "col.elapsed": {"en": "Elapsed", "fr": "Délai"},
}

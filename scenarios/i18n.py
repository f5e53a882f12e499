"""Every user-facing sentence of the command line, in English and French.

Canada has two official languages and the people running these demos work in both; a string
missing from either catalogue is a test failure, not a fallback.
"""

from __future__ import annotations

LANGS = ("en", "fr")

MESSAGES: dict[str, dict[str, str]] = {
    "demo.title": {
        "en": "Sasha opens her business bank account, without visiting a branch",
        "fr": "Sasha ouvre son compte bancaire d'entreprise, sans se rendre en succursale",
    },
    "demo.using": {"en": "Sandbox services at {url}", "fr": "Services du bac à sable à {url}"},
    "demo.started": {
        "en": "Started the sandbox services at {url} (data in {data_dir})",
        "fr": "Services du bac à sable démarrés à {url} (données dans {data_dir})",
    },
    "step.wallet": {
        "en": "Sasha's wallet is ready; its holder key is {kid}",
        "fr": "Le portefeuille de Sasha est prêt; sa clé de détenteur est {kid}",
    },
    "step.proofing": {
        "en": "{issuer} proofs Sasha's identity from her {evidence}",
        "fr": "{issuer} vérifie l'identité de Sasha à partir de ses pièces : {evidence}",
    },
    "step.proofed": {
        "en": "Identity proofed at level of assurance {loa}; a credential offer is ready (code sent by text: {tx})",
        "fr": (
            "Identité vérifiée au niveau d'assurance {loa}; une offre de justificatif est prête "
            "(code reçu par texto : {tx})"
        ),
    },
    "step.received": {
        "en": "Sasha's wallet received a {type} credential from {issuer} over OpenID4VCI",
        "fr": "Le portefeuille de Sasha a reçu un justificatif {type} de {issuer} par OpenID4VCI",
    },
    "step.incorporate": {
        "en": "Sasha incorporates {legal_name} federally, as its director",
        "fr": "Sasha constitue {legal_name} sous le régime fédéral, à titre d'administratrice",
    },
    "step.incorporated": {
        "en": "The federal registrar registered the corporation: business number {bn}",
        "fr": "Le registraire fédéral a enregistré la société : numéro d'entreprise {bn}",
    },
    "step.request": {
        "en": "{bank} asks, by DCQL, for exactly these claims:",
        "fr": "{bank} demande, par DCQL, exactement ces attributs :",
    },
    "step.consent": {
        "en": "Sasha's wallet shows what will be disclosed to {verifier}:",
        "fr": "Le portefeuille de Sasha montre ce qui sera communiqué à {verifier} :",
    },
    "consent.ask": {"en": "Share these claims with {rp}?", "fr": "Communiquer ces attributs à {rp}?"},
    "consent.choices": {"en": "[Y/n]", "fr": "[O/n]"},
    "consent.invalid": {"en": "Please answer y or n.", "fr": "Répondez par o (oui) ou n (non)."},
    "step.consented": {
        "en": "Sasha consents; her wallet sends the presentation (direct_post)",
        "fr": "Sasha consent; son portefeuille envoie la présentation (direct_post)",
    },
    "step.declined": {
        "en": "Sasha declines; her wallet tells the bank and shares nothing",
        "fr": "Sasha refuse; son portefeuille en avise la banque et ne communique rien",
    },
    "step.verdict": {
        "en": "{bank} verified the presentation. Every check it made:",
        "fr": "{bank} a vérifié la présentation. Chaque contrôle effectué :",
    },
    "result.accepted": {
        "en": "Account opened: {legal_name} now banks with {bank}, no branch visit needed",
        "fr": "Compte ouvert : {legal_name} fait affaire avec {bank}, sans visite en succursale",
    },
    "result.rejected": {"en": "Application refused: {reasons}", "fr": "Demande refusée : {reasons}"},
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
    "error": {"en": "error", "fr": "erreur"},
    "up.serving": {
        "en": "PCTF sandbox serving at {url} (data in {data_dir}); press Ctrl+C to stop",
        "fr": "Bac à sable PCTF en service à {url} (données dans {data_dir}); Ctrl+C pour arrêter",
    },
    "up.dashboard": {
        "en": "Dashboard: {url}/  (as presenter, open this link; it logs your browser in: {login})",
        "fr": "Tableau de bord : {url}/  (présentateur : ouvrez ce lien, il connecte votre navigateur : {login})",
    },
    "onboarding.title": {
        "en": "Territory 2 joins the trust registry: application, conformance, assessment, accreditation, suspension",
        "fr": "Le Territoire 2 rejoint le registre de confiance : demande, conformité, évaluation, "
        "accréditation, suspension",
    },
    "onboarding.sandbox": {
        "en": "A fresh sandbox at {url} where Territory 2 is not accredited yet (data in {data_dir})",
        "fr": "Un bac à sable neuf à {url} où le Territoire 2 n'est pas encore accrédité (données dans {data_dir})",
    },
    "onboarding.unknown": {
        "en": "The trust registry does not know {issuer} (TRQP answer: {status}): no verifier "
        "would accept its credentials",
        "fr": "Le registre de confiance ne connaît pas {issuer} (réponse TRQP : {status}) : "
        "aucun vérificateur n'accepterait ses justificatifs",
    },
    "onboarding.applied": {
        "en": "Territory 2 applies to issue Verified Person credentials at level of assurance 2 "
        "(application {application}, {state})",
        "fr": "Le Territoire 2 demande à émettre des attestations de personne vérifiée au niveau "
        "d'assurance 2 (demande {application}, {state})",
    },
    "onboarding.conformance": {
        "en": "The registry checks Territory 2's live endpoints: {passed} of {total} conformance checks pass",
        "fr": "Le registre vérifie les points de terminaison du Territoire 2 : {passed} "
        "vérifications de conformité sur {total} réussissent",
    },
    "onboarding.assessed": {
        "en": "An assessor marks all {criteria} PCTF criteria as met, each with its evidence",
        "fr": "Un évaluateur juge les {criteria} critères du CCP satisfaits, chacun preuves à l'appui",
    },
    "onboarding.accredited": {
        "en": "Governance accredits Territory 2 for one year; the registry now answers: {status}",
        "fr": "La gouvernance accrédite le Territoire 2 pour un an; le registre répond maintenant : {status}",
    },
    "onboarding.bank": {
        "en": "{person} presents a Territory 2 Verified Person to {bank}, which was never reconfigured: {outcome}",
        "fr": "{person} présente une attestation de personne vérifiée du Territoire 2 à {bank}, "
        "jamais reconfigurée : {outcome}",
    },
    "onboarding.bank_again": {
        "en": "{person} presents her credential again; Territory 2 issued it while accredited, "
        "and the registry answers for the time of issuance: {outcome}",
        "fr": "{person} présente de nouveau son attestation; le Territoire 2 l'a émise pendant "
        "son accréditation, et le registre répond pour le moment de l'émission : {outcome}",
    },
    "onboarding.accepted": {"en": "accepted", "fr": "acceptée"},
    "onboarding.refused": {"en": "refused ({reasons})", "fr": "refusée ({reasons})"},
    "onboarding.suspended": {
        "en": "Governance suspends Territory 2 from now on (audit finding); for credentials "
        "issued from now the registry answers: {status}",
        "fr": "La gouvernance suspend le Territoire 2 à compter de maintenant (constat "
        "d'audit); pour les attestations émises dès maintenant, le registre répond : "
        "{status}",
    },
    "onboarding.audit": {
        "en": "The registry's audit log holds {entries} entries; its hash chain is {valid}",
        "fr": "Le journal d'audit du registre compte {entries} entrées; sa chaîne de hachage est {valid}",
    },
    "onboarding.intact": {"en": "intact", "fr": "intacte"},
    "onboarding.broken": {"en": "broken", "fr": "rompue"},
    "onboarding.ok": {
        "en": "Territory 2 was onboarded, accepted at once, and its suspension took effect from its date",
        "fr": "Le Territoire 2 a été intégré, accepté aussitôt, et sa suspension a pris effet à sa date",
    },
    "onboarding.not_ok": {
        "en": "The onboarding story did not go as expected",
        "fr": "L'intégration ne s'est pas déroulée comme prévu",
    },
    "cross.title": {
        "en": "Nora, a Territory 1 resident, signs in to the Province 2 health portal",
        "fr": "Nora, résidente du Territoire 1, accède au portail santé de la Province 2",
    },
    "cross.sandbox": {
        "en": "A fresh sandbox at {url}; Territory 1's own trust registry at {framework}",
        "fr": "Un bac à sable neuf à {url}; le registre de confiance du Territoire 1 à {framework}",
    },
    "cross.framework": {
        "en": "Territory 1 runs its own trust framework; its registry ({framework}) accredits the "
        "Territory 1 identity program for Verified Person at level of assurance 3",
        "fr": "Le Territoire 1 a son propre cadre de confiance; son registre ({framework}) accrédite "
        "le programme d'identité du Territoire 1 pour la personne vérifiée au niveau "
        "d'assurance 3",
    },
    "cross.unknown": {
        "en": "The pan-Canadian registry does not list Territory 1's issuer (TRQP answer: {status})",
        "fr": "Le registre pancanadien ne répertorie pas l'émetteur du Territoire 1 (réponse TRQP : {status})",
    },
    "cross.portal": {
        "en": "{person} presents her Territory 1 Verified Person to {portal}: {outcome}",
        "fr": "{person} présente son attestation de personne vérifiée du Territoire 1 au {portal} : {outcome}",
    },
    "cross.recognized": {
        "en": "The pan-Canadian framework recognizes Territory 1's framework for Verified Person "
        "(TRQP recognition: {recognized})",
        "fr": "Le cadre pancanadien reconnaît le cadre du Territoire 1 pour la personne vérifiée "
        "(reconnaissance TRQP : {recognized})",
    },
    "word.yes": {"en": "yes", "fr": "oui"},
    "word.no": {"en": "no", "fr": "non"},
    "cross.ok": {
        "en": "The portal, unchanged, now accepts Territory 1's credentials under the recognized framework",
        "fr": "Le portail, inchangé, accepte maintenant les attestations du Territoire 1 en vertu du cadre reconnu",
    },
    "cross.not_ok": {
        "en": "The cross-jurisdiction story did not go as expected",
        "fr": "Le scénario interterritorial ne s'est pas déroulé comme prévu",
    },
    "issuer.rotated": {
        "en": "{issuer} now signs with key {kid}; key {previous} stays published for what it signed",
        "fr": "{issuer} signe maintenant avec la clé {kid}; la clé {previous} reste publiée pour ce qu'elle a signé",
    },
    "issuer.rotated_next": {
        "en": "Next, as governance: pctf-sandbox registry key retire {issuer} {previous}",
        "fr": "Ensuite, par la gouvernance : pctf-sandbox registry key retire {issuer} {previous}",
    },
    "onboard.done": {
        "en": "{entity} is registered and authorized to issue {type} up to level of assurance {loa}",
        "fr": "{entity} est enregistré et autorisé à émettre {type} jusqu'au niveau d'assurance {loa}",
    },
    # The registry's conformance checks of an applicant issuer (pctf-sandbox conformance).
    "col.evidence": {"en": "Evidence", "fr": "Constats"},
    "conformance.passed": {
        "en": "{issuer} passes every technical conformance check",
        "fr": "{issuer} réussit tous les contrôles de conformité technique",
    },
    "conformance.failed": {"en": "{issuer} fails: {checks}", "fr": "{issuer} échoue : {checks}"},
    "conformance.credential_issuer_metadata": {
        "en": "OpenID4VCI issuer metadata",
        "fr": "Métadonnées d'émetteur OpenID4VCI",
    },
    "conformance.jwt_vc_issuer_metadata": {
        "en": "SD-JWT VC issuer metadata and keys",
        "fr": "Métadonnées d'émetteur SD-JWT VC et clés",
    },
    "conformance.keys_acceptable": {"en": "Keys acceptable to the registry", "fr": "Clés acceptables pour le registre"},
    "conformance.test_issuance": {
        "en": "Test issuance (pre-authorized code)",
        "fr": "Émission d'essai (code pré-autorisé)",
    },
    "conformance.credential_verifies": {"en": "Test credential verifies", "fr": "Le justificatif d'essai est vérifié"},
    "conformance.required_claims": {
        "en": "Claims required by the PCTF type",
        "fr": "Attributs exigés par le type PCTF",
    },
    "conformance.status_list": {"en": "Status list", "fr": "Liste de statuts"},
    # The registry's governance commands (pctf-sandbox registry ...).
    "registry.applied": {
        "en": "Application {id} submitted for {entity} (state: {state})",
        "fr": "Demande {id} déposée pour {entity} (état : {state})",
    },
    "registry.token": {
        "en": "Applicant token, shown only this once (keep it to follow the application): {token}",
        "fr": "Jeton du demandeur, affiché cette seule fois (conservez-le pour suivre la demande) : {token}",
    },
    "registry.conformance.passed": {
        "en": "Technical conformance checks passed for {issuer}",
        "fr": "Contrôles techniques de conformité réussis pour {issuer}",
    },
    "registry.conformance.failed": {
        "en": "Technical conformance checks failed for {issuer}: {failed}",
        "fr": "Échec des contrôles techniques de conformité pour {issuer} : {failed}",
    },
    "registry.assessed": {
        "en": "Criterion {criterion} marked {mark} on application {id}; {met} of {total} criteria met",
        "fr": "Critère {criterion} évalué {mark} pour la demande {id}; {met} critères satisfaits sur {total}",
    },
    "registry.met": {"en": "met", "fr": "satisfait"},
    "registry.not_met": {"en": "not met", "fr": "non satisfait"},
    "registry.accredited": {
        "en": "Application {id} accredited: {entity} may issue {grants}",
        "fr": "Demande {id} accréditée : {entity} peut émettre {grants}",
    },
    "registry.refused": {"en": "Application {id} refused: {reasons}", "fr": "Demande {id} refusée : {reasons}"},
    "registry.status": {
        "en": "{subject} is {status} from {effective_from} (retroactive: {retroactive})",
        "fr": "{subject} : {status} à compter du {effective_from} (rétroactif : {retroactive})",
    },
    "registry.key_added": {
        "en": "Key {kid} registered for {entity}; it now has {count} key(s)",
        "fr": "Clé {kid} inscrite pour {entity}; l'entité compte maintenant {count} clé(s)",
    },
    "registry.key_event": {
        "en": "Key {kid} of {entity} {event} from {effective_from}",
        "fr": "Clé {kid} de {entity} : {event} à compter du {effective_from}",
    },
    "registry.audit_valid": {
        "en": "Audit log intact: {entries} entries, head {head}",
        "fr": "Journal d'audit intact : {entries} entrées, tête {head}",
    },
    "registry.audit_broken": {
        "en": "Audit log broken at entry {seq}: {problem}",
        "fr": "Journal d'audit rompu à l'entrée {seq} : {problem}",
    },
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
    "check.linked": {"en": "Credentials name the same party", "fr": "Les justificatifs désignent la même partie"},
    "check.same_holder": {
        "en": "One holder for all credentials",
        "fr": "Un seul détenteur pour tous les justificatifs",
    },
    "check.credential_status": {
        "en": "Not revoked or suspended by its issuer",
        "fr": "Ni révoqué ni suspendu par son émetteur",
    },
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
    "wallet.title": {"en": "{wallet}'s wallet", "fr": "Portefeuille de {wallet}"},
    "wallet.empty": {
        "en": "{wallet}'s wallet holds no credential",
        "fr": "Le portefeuille de {wallet} ne contient aucun justificatif",
    },
    "status.replaced": {"en": "replaced", "fr": "remplacé"},
    "wallet.replaced_by": {
        "en": "Credential {id} ({type}) was replaced by credential {new}",
        "fr": "Le justificatif {id} ({type}) a été remplacé par le justificatif {new}",
    },
    "wallet.renew_hint": {
        "en": "Credential {id} ({type}) is {status}: renew it with `pctf-sandbox wallet renew {wallet} {id}`",
        "fr": "Le justificatif {id} ({type}) est {status} : renouvelez-le avec "
        "`pctf-sandbox wallet renew {wallet} {id}`",
    },
    "wallet.renewed": {
        "en": "Credential {old} renewed over OpenID4VCI: credential {new} ({type}) is valid until "
        "{expires}; credential {old} is kept as replaced",
        "fr": "Justificatif {old} renouvelé par OpenID4VCI : le justificatif {new} ({type}) est "
        "valide jusqu'au {expires}; le justificatif {old} est conservé comme remplacé",
    },
    # The death notification story (pctf-sandbox demo death-notification).
    "death.title": {
        "en": "Sasha's father dies: vital statistics tells every issuer, and the federal benefits "
        "service stops accepting his credential",
        "fr": "Le père de Sasha décède : l'état civil avise chaque émetteur, et le service fédéral des "
        "prestations cesse d'accepter son justificatif",
    },
    "death.sandbox": {
        "en": "A fresh sandbox at {url} (data in {data_dir}); verifiers and wallets may reuse a status "
        "list for its ttl of {ttl} s (PCTF_STATUS_LIST_TTL_SECONDS, 300 s by default)",
        "fr": "Un bac à sable neuf à {url} (données dans {data_dir}); vérificateurs et portefeuilles "
        "peuvent réutiliser une liste de statuts pendant son ttl de {ttl} s "
        "(PCTF_STATUS_LIST_TTL_SECONDS, 300 s par défaut)",
    },
    "death.wallet": {"en": "{person}'s wallet is ready", "fr": "Le portefeuille de {person} est prêt"},
    "death.received": {
        "en": "{person}'s wallet received a {type} credential from {issuer} over OpenID4VCI",
        "fr": "Le portefeuille de {person} a reçu un justificatif {type} de {issuer} par OpenID4VCI",
    },
    "death.presented": {
        "en": "{person} presents his Verified Person to the {service}: {outcome}",
        "fr": "{person} présente son attestation de personne vérifiée au {service} : {outcome}",
    },
    "death.accepted": {"en": "accepted", "fr": "acceptée"},
    "death.refused": {"en": "refused ({reasons})", "fr": "refusée ({reasons})"},
    "death.registered": {
        "en": "Vital statistics registers {person}'s death ({date}); event {event_id} is published to every issuer",
        "fr": "L'état civil enregistre le décès de {person} ({date}); l'événement {event_id} est "
        "publié à chaque émetteur",
    },
    "death.delivered": {
        "en": "{issuer}: event received after {ms} ms, {revoked} credential(s) revoked",
        "fr": "{issuer} : événement reçu après {ms} ms, {revoked} justificatif(s) révoqué(s)",
    },
    "death.not_delivered": {
        "en": "{issuer}: the event has not arrived",
        "fr": "{issuer} : l'événement n'est pas arrivé",
    },
    "death.presented_after": {
        "en": "The same Verified Person is presented to the {service} again: {outcome} "
        "(accepted {cached} time(s) before, from a status list cached for at most {ttl} s)",
        "fr": "La même attestation de personne vérifiée est présentée de nouveau au {service} : "
        "{outcome} (acceptée {cached} fois auparavant, d'après une liste de statuts mise "
        "en cache {ttl} s au plus)",
    },
    "death.wallet_view": {
        "en": "{person}'s wallet now shows: {statuses}",
        "fr": "Le portefeuille de {person} affiche maintenant : {statuses}",
    },
    "death.propagation": {
        "en": "Propagation, measured from the registration of the death:",
        "fr": "Propagation, mesurée depuis l'enregistrement du décès :",
    },
    "col.leg": {"en": "Stage", "fr": "Étape"},
    "col.elapsed": {"en": "Elapsed", "fr": "Délai"},
    "death.leg.delivered": {"en": "Event delivered to every issuer", "fr": "Événement remis à chaque émetteur"},
    "death.leg.revoked": {
        "en": "Revoked in every status list concerned",
        "fr": "Révocation inscrite dans chaque liste de statuts concernée",
    },
    "death.leg.rejected": {"en": "First rejected verification", "fr": "Première vérification refusée"},
    "death.ttl_note": {
        "en": "The last stage is bounded by the status list ttl ({ttl} s): a verifier may answer from "
        "its cached list until then ({cached} presentation(s) were). With the default ttl "
        "of 300 s it can take up to five minutes.",
        "fr": "La dernière étape est bornée par le ttl de la liste de statuts ({ttl} s) : un "
        "vérificateur peut répondre d'après sa liste en cache jusque-là ({cached} "
        "présentation(s) l'ont été). Avec le ttl par défaut de 300 s, cela peut prendre "
        "jusqu'à cinq minutes.",
    },
    "death.ok": {
        "en": "Every issuer revoked what it had issued to him, and the benefits service now refuses it",
        "fr": "Chaque émetteur a révoqué ce qu'il lui avait délivré, et le service des prestations le refuse désormais",
    },
    "death.not_ok": {
        "en": "The death notification story did not go as expected",
        "fr": "Le scénario d'avis de décès ne s'est pas déroulé comme prévu",
    },
    "credential.status_set": {
        "en": "Credential {issuance} issued by {issuer} is now {status}",
        "fr": "Le justificatif {issuance} émis par {issuer} est maintenant {status}",
    },
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The sentence ``key`` in ``lang`` with ``values`` filled in."""
    entry = MESSAGES.get(key)
    if entry is None:  # an unknown check name from another verifier: show it as is
        return key.split(".", 1)[-1]
    text = entry["fr" if lang == "fr" else "en"]
    return text.format(**values) if values else text

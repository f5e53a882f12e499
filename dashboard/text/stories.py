"""The stories pages' words: the list of stories, a run's step-through, the wallet's consent
screen and the relying party's verdict, with a phrase for every reason a verdict can give.

The stories' own sentences are the command line's (:mod:`scenarios.i18n`, ``story:`` keys), so a
step reads the same in the terminal and on the page; only what the page adds is here.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "run.stories_title": {"en": "Stories", "fr": "Récits"},
    "run.stories_lead": {
        "en": (
            "Each story runs the real services step by step: the issuers, the wallet, the relying party "
            "and the trust registry answer live. Press Next step (or the right arrow key) to go on."
        ),
        "fr": (
            "Chaque récit fait tourner les vrais services, étape par étape : émetteurs, portefeuille, partie "
            "utilisatrice et registre de confiance répondent en direct. Appuyez sur Étape suivante (ou la "
            "flèche droite) pour continuer."
        ),
    },
    "run.login_to_drive": {
        "en": "Log in as the presenter to run a story.",
        "fr": "Connectez-vous comme présentateur pour lancer un récit.",
    },
    "run.open_story": {"en": "Open this story", "fr": "Ouvrir ce récit"},
    "run.not_here": {"en": "Not available on this page", "fr": "Pas offert sur cette page"},
    "run.command": {"en": "From the command line:", "fr": "En ligne de commande :"},
    "run.sasha_lead": {
        "en": (
            "Sasha proves who she is to Prov1, incorporates her business federally, and opens a business "
            "bank account online: her wallet receives three credentials over OpenID4VCI, the bank asks for "
            "exactly what its policy needs over OpenID4VP, she decides, and the bank checks everything, "
            "asking the trust registry who may issue what."
        ),
        "fr": (
            "Sasha prouve son identité auprès de Prov1, constitue son entreprise sous le régime fédéral et "
            "ouvre un compte bancaire d'entreprise en ligne : son portefeuille reçoit trois justificatifs par "
            "OpenID4VCI, la banque demande par OpenID4VP exactement ce qu'exige sa politique, Sasha décide, "
            "et la banque vérifie tout, en demandant au registre de confiance qui peut émettre quoi."
        ),
    },
    "run.death_lead": {
        "en": (
            "Vital statistics registers a death; every issuer revokes what it issued to that person, and "
            "the federal benefits service refuses the credential once its cached status list expires."
        ),
        "fr": (
            "L'état civil enregistre un décès; chaque émetteur révoque ce qu'il avait délivré à cette "
            "personne, et le service fédéral des prestations refuse le justificatif dès que sa liste de "
            "statuts en cache expire."
        ),
    },
    "run.death_once": {
        "en": (
            "This story registers Gilles Tremblay's death in this sandbox for good: it runs once per "
            "sandbox (the command line runs it in a fresh sandbox of its own, as often as you like). Its "
            "last steps wait until the benefits service's cached status list expires (the status list ttl)."
        ),
        "fr": (
            "Ce récit enregistre pour de bon le décès de Gilles Tremblay dans ce bac à sable : il ne "
            "tourne qu'une fois par bac à sable (la ligne de commande le fait tourner dans un bac à sable "
            "neuf, autant de fois que voulu). Ses dernières étapes attendent que la liste de statuts en "
            "cache du service des prestations expire (le ttl de la liste de statuts)."
        ),
    },
    "run.onboarding_lead": {
        "en": (
            "A territory applies to the trust registry, passes the conformance checks, is assessed and "
            "accredited; the bank accepts its credentials at once, and refuses those issued after its "
            "suspension."
        ),
        "fr": (
            "Un territoire présente une demande au registre de confiance, réussit les contrôles de "
            "conformité, est évalué puis accrédité; la banque accepte aussitôt ses justificatifs, et refuse "
            "ceux émis après sa suspension."
        ),
    },
    "run.onboarding_why": {
        "en": (
            "This story needs Territory 2 not yet accredited, and it ends by suspending it: in this "
            "sandbox Territory 2 is accredited already, so the story runs in a fresh sandbox of its own, "
            "from the command line."
        ),
        "fr": (
            "Ce récit exige que le Territoire 2 ne soit pas encore accrédité, et il se termine par sa "
            "suspension : dans ce bac à sable, le Territoire 2 est déjà accrédité, le récit tourne donc dans "
            "un bac à sable neuf, en ligne de commande."
        ),
    },
    "run.cross_lead": {
        "en": (
            "Territory 1 runs its own trust framework; once the pan-Canadian framework recognizes it, the "
            "Province 2 health portal accepts Territory 1's credentials, unchanged."
        ),
        "fr": (
            "Le Territoire 1 a son propre cadre de confiance; dès que le cadre pancanadien le reconnaît, le "
            "portail santé de la Province 2 accepte, sans changement, les justificatifs du Territoire 1."
        ),
    },
    "run.cross_why": {
        "en": (
            "This story needs a second trust registry, Territory 1's own, beside the pan-Canadian one; "
            "this sandbox runs only one, so the story runs from the command line, which starts both."
        ),
        "fr": (
            "Ce récit exige un second registre de confiance, celui du Territoire 1, à côté du registre "
            "pancanadien; ce bac à sable n'en fait tourner qu'un : le récit tourne donc en ligne de "
            "commande, qui démarre les deux."
        ),
    },
    "run.onboarding_own": {
        "en": (
            "This story runs in a sandbox of its own, where Territory 2 starts unaccredited: it starts when "
            "you press Start the story (a few seconds) and stops when the story ends. It never changes "
            "this sandbox, where Territory 2 stays accredited."
        ),
        "fr": (
            "Ce récit tourne dans un bac à sable bien à lui, où le Territoire 2 n'est pas encore accrédité : "
            "il démarre quand vous appuyez sur Commencer le récit (quelques secondes) et s'arrête à la fin du "
            "récit. Il ne change jamais ce bac à sable-ci, où le Territoire 2 reste accrédité."
        ),
    },
    "run.cross_own": {
        "en": (
            "This story runs in a sandbox of its own, beside a second trust registry, Territory 1's: both "
            "start when you press Start the story (a few seconds) and stop when the story ends. It never "
            "changes this sandbox."
        ),
        "fr": (
            "Ce récit tourne dans un bac à sable bien à lui, à côté d'un second registre de confiance, celui "
            "du Territoire 1 : tous deux démarrent quand vous appuyez sur Commencer le récit (quelques "
            "secondes) et s'arrêtent à la fin du récit. Il ne change jamais ce bac à sable-ci."
        ),
    },
    "run.start": {"en": "Start the story", "fr": "Commencer le récit"},
    "run.again": {"en": "Run the story again", "fr": "Relancer le récit"},
    "run.back": {"en": "All stories", "fr": "Tous les récits"},
    "run.steps": {"en": "Steps so far", "fr": "Étapes jusqu'ici"},
    "run.step": {"en": "Step {n}", "fr": "Étape {n}"},
    "run.next": {"en": "Next step", "fr": "Étape suivante"},
    "run.next_hint": {
        "en": "Shortcut: the right arrow key or N.",
        "fr": "Raccourci : la flèche droite ou la touche N.",
    },
    "run.refresh": {"en": "Check again", "fr": "Vérifier de nouveau"},
    "run.state.running": {
        "en": "The services are still working on this step.",
        "fr": "Les services travaillent encore à cette étape.",
    },
    "run.state.waiting": {"en": "Ready for the next step.", "fr": "Prêt pour l'étape suivante."},
    "run.state.consent": {
        "en": "The wallet is waiting for the holder's decision.",
        "fr": "Le portefeuille attend la décision du détenteur.",
    },
    "run.state.done": {"en": "The story is over.", "fr": "Le récit est terminé."},
    "run.state.failed": {"en": "The story stopped on an error.", "fr": "Le récit s'est arrêté sur une erreur."},
    "run.state.cancelled": {
        "en": "This run was stopped (replaced by newer runs, or left idle).",
        "fr": "Cette exécution a été arrêtée (remplacée par de plus récentes, ou laissée inactive).",
    },
    "run.error": {"en": "Error {reason}: {message}", "fr": "Erreur {reason} : {message}"},
    "run.who": {"en": "Who talks to whom", "fr": "Qui parle à qui"},
    "run.from": {"en": "From", "fr": "De"},
    "run.to": {"en": "To", "fr": "À"},
    "run.how": {"en": "How", "fr": "Comment"},
    "run.party.wallet": {"en": "{person}'s wallet", "fr": "Portefeuille de {person}"},
    "run.party.registry": {"en": "Trust registry", "fr": "Registre de confiance"},
    "run.party.issuers": {"en": "The issuers", "fr": "Les émetteurs"},
    "run.party.anyone": {"en": "Anyone", "fr": "N'importe qui"},
    "run.party.assessor": {"en": "Assessor", "fr": "Évaluateur"},
    "run.party.governance": {"en": "Governance", "fr": "Gouvernance"},
    "run.party.framework": {"en": "Territory 1's trust registry", "fr": "Registre de confiance du Territoire 1"},
    "run.party.framework_governance": {"en": "Territory 1's governance", "fr": "Gouvernance du Territoire 1"},
    "run.proto.application": {
        "en": "application to issue Verified Person, with a test credential offer",
        "fr": "demande d'émettre la personne vérifiée, avec une offre de justificatif d'essai",
    },
    "run.proto.conformance_ask": {
        "en": "asks for the conformance checks (applicant token)",
        "fr": "demande les contrôles de conformité (jeton du demandeur)",
    },
    "run.proto.conformance": {
        "en": "conformance checks over OpenID4VCI: metadata, keys, a test issuance, its status list",
        "fr": "contrôles de conformité par OpenID4VCI : métadonnées, clés, émission d'essai, liste de statuts",
    },
    "run.proto.assessment": {
        "en": "marks each PCTF criterion, with its evidence",
        "fr": "juge chaque critère du CCP, preuves à l'appui",
    },
    "run.proto.accreditation": {
        "en": "accredits for Verified Person, for one year",
        "fr": "accrédite pour la personne vérifiée, pour un an",
    },
    "run.proto.suspension": {
        "en": "suspends the issuer from now on, saying why",
        "fr": "suspend l'émetteur à compter de maintenant, motif à l'appui",
    },
    "run.proto.audit": {
        "en": "checks the audit log's hash chain",
        "fr": "vérifie la chaîne de hachage du journal d'audit",
    },
    "run.proto.issuer_keys": {
        "en": "reads the issuer's published keys (JWT VC issuer metadata)",
        "fr": "lit les clés publiées de l'émetteur (métadonnées JWT VC de l'émetteur)",
    },
    "run.proto.framework_accredit": {
        "en": "registers the issuer with its keys; authorizes Verified Person at level 3",
        "fr": "inscrit l'émetteur avec ses clés; autorise la personne vérifiée au niveau 3",
    },
    "run.proto.recognition_record": {
        "en": "recognizes Territory 1's framework for Verified Person, for one year",
        "fr": "reconnaît le cadre du Territoire 1 pour la personne vérifiée, pour un an",
    },
    "run.proto.trqp_recognition": {
        "en": "TRQP recognition: is this framework recognized?",
        "fr": "reconnaissance TRQP : ce cadre est-il reconnu?",
    },
    "run.proto.trqp_framework": {
        "en": "TRQP in the recognized framework: this issuer's keys, and may it issue this?",
        "fr": "TRQP dans le cadre reconnu : les clés de cet émetteur, et peut-il émettre ceci?",
    },
    "run.conformance.title": {
        "en": "The registry's conformance checks",
        "fr": "Les contrôles de conformité du registre",
    },
    "run.conformance.looked_at": {"en": "What the registry looked at", "fr": "Ce que le registre a examiné"},
    "run.conformance.show": {"en": "{n} requests and findings", "fr": "{n} requêtes et constats"},
    "run.conformance_json": {"en": "The whole conformance report", "fr": "Le rapport de conformité complet"},
    "run.proto.wallet_api": {
        "en": "opens her wallet (wallet API)",
        "fr": "ouvre son portefeuille (API du portefeuille)",
    },
    "run.proto.proofing": {"en": "identity proofing", "fr": "vérification d'identité"},
    "run.proto.offer": {
        "en": "credential offer; the code comes by text message",
        "fr": "offre de justificatif; le code arrive par texto",
    },
    "run.proto.oid4vci": {
        "en": "OpenID4VCI (token, nonce, credential)",
        "fr": "OpenID4VCI (jeton, nonce, justificatif)",
    },
    "run.proto.registration": {"en": "incorporation (registry filing)", "fr": "constitution (dépôt au registre)"},
    "run.proto.oid4vp_request": {
        "en": "OpenID4VP request, with a DCQL query",
        "fr": "requête OpenID4VP, avec une requête DCQL",
    },
    "run.proto.consent": {"en": "consent screen", "fr": "écran de consentement"},
    "run.proto.direct_post": {
        "en": "OpenID4VP direct_post: the presentation and its KB-JWT",
        "fr": "OpenID4VP direct_post : la présentation et son KB-JWT",
    },
    "run.proto.direct_post_error": {
        "en": "OpenID4VP direct_post: a refusal (access_denied)",
        "fr": "OpenID4VP direct_post : un refus (access_denied)",
    },
    "run.proto.presentation": {
        "en": "OpenID4VP: request, consent, presentation",
        "fr": "OpenID4VP : demande, consentement, présentation",
    },
    "run.proto.death_event": {
        "en": "signed person.died event on the event bus",
        "fr": "événement person.died signé, sur le bus d'événements",
    },
    "run.propagation_json": {"en": "The propagation figures", "fr": "Les mesures de propagation"},
    "run.proto.trqp": {"en": "TRQP: may this issuer issue this?", "fr": "TRQP : cet émetteur peut-il émettre ceci?"},
    "run.proto.status_list": {
        "en": "status list: revoked or suspended?",
        "fr": "liste de statuts : révoqué ou suspendu?",
    },
    "run.artefacts": {"en": "What crossed the wire", "fr": "Ce qui a circulé"},
    "run.offer": {"en": "The credential offer (OpenID4VCI)", "fr": "L'offre de justificatif (OpenID4VCI)"},
    "run.offer_qr": {
        "en": "The offer as a QR code a wallet can scan",
        "fr": "L'offre en code QR, lisible par un portefeuille",
    },
    "run.link": {"en": "The link, to copy:", "fr": "Le lien, à copier :"},
    "run.tx_code": {"en": "Transaction code (tx_code):", "fr": "Code de transaction (tx_code) :"},
    "run.claims": {"en": "The credential's claims", "fr": "Les attributs du justificatif"},
    "run.credential_json": {
        "en": "The credential as the wallet holds it",
        "fr": "Le justificatif tel que le portefeuille le garde",
    },
    "run.dcql": {"en": "The DCQL query", "fr": "La requête DCQL"},
    "run.request_qr": {
        "en": "The presentation request as a QR code a wallet can scan",
        "fr": "La demande de présentation en code QR, lisible par un portefeuille",
    },
    "run.request_json": {"en": "The whole presentation request", "fr": "La demande de présentation complète"},
    "run.asked": {"en": "What is asked for", "fr": "Ce qui est demandé"},
    "run.review_json": {
        "en": "The wallet's review (what consent is given to)",
        "fr": "L'examen du portefeuille (ce à quoi on consent)",
    },
    "run.decision_json": {
        "en": "The wallet's decision and the relying party's answer",
        "fr": "La décision du portefeuille et la réponse de la partie utilisatrice",
    },
    "run.verdict_json": {"en": "The whole verdict", "fr": "Le verdict complet"},
    "run.evidence": {
        "en": "What the relying party checked with others",
        "fr": "Ce que la partie utilisatrice a vérifié auprès d'autres",
    },
    "run.evidence.kb_jwt": {"en": "Key binding JWT (KB-JWT)", "fr": "JWT de liaison de clé (KB-JWT)"},
    "run.evidence.trqp": {"en": "TRQP question to the trust registry", "fr": "Question TRQP au registre de confiance"},
    "run.evidence.trqp_authorization": {
        "en": "TRQP authorization question to the trust registry",
        "fr": "Question d'autorisation TRQP au registre de confiance",
    },
    "run.evidence.trqp_recognition": {
        "en": "TRQP recognition question to the trust registry",
        "fr": "Question de reconnaissance TRQP au registre de confiance",
    },
    "run.evidence.source": {"en": "answered by: {source}", "fr": "réponse de : {source}"},
    "run.evidence.status_list": {"en": "Status list entry", "fr": "Entrée de la liste de statuts"},
    "run.evidence.request": {"en": "Asked", "fr": "Question"},
    "run.evidence.answer": {"en": "Answer", "fr": "Réponse"},
    "run.outcome": {"en": "Outcome:", "fr": "Dénouement :"},
    "run.declined_verdict": {
        "en": "{rp} recorded the refusal: the holder declined, nothing was shared",
        "fr": "{rp} a pris acte du refus : le détenteur a refusé, rien n'a été communiqué",
    },
    "run.status": {"en": "Request status: {status}", "fr": "État de la demande : {status}"},
    "run.request_status.pending": {"en": "pending", "fr": "en attente"},
    "run.request_status.accepted": {"en": "accepted", "fr": "acceptée"},
    "run.request_status.rejected": {"en": "rejected", "fr": "rejetée"},
    "run.request_status.declined": {"en": "declined by the holder", "fr": "refusée par le détenteur"},
    "run.source.presentation": {"en": "the presentation itself", "fr": "la présentation elle-même"},
    "run.source.registry": {"en": "the trust registry", "fr": "le registre de confiance"},
    "run.source.issuer": {"en": "the issuer", "fr": "l'émetteur"},
    "run.source.cache": {"en": "a cached answer", "fr": "une réponse en cache"},
    "run.consent.title": {"en": "Disclose {to_rp}?", "fr": "Communiquer {to_rp}?"},
    "run.consent.who": {"en": "Who asks", "fr": "Qui demande"},
    "run.consent.why": {"en": "Why", "fr": "Pourquoi"},
    "run.consent.what": {"en": "Exactly these claims", "fr": "Exactement ces attributs"},
    "run.consent.from_issuer": {"en": "Issued by", "fr": "Émis par"},
    "run.consent.accept": {"en": "Accept and share", "fr": "Accepter et communiquer"},
    "run.consent.decline": {"en": "Decline", "fr": "Refuser"},
    "run.consent.legend": {"en": "The holder's decision", "fr": "La décision du détenteur"},
    "run.verdict.title": {"en": "The verdict:", "fr": "Le verdict :"},
    "run.verdict.accepted": {"en": "Accepted", "fr": "Accepté"},
    "run.verdict.refused": {"en": "Refused", "fr": "Refusé"},
    "run.verdict.reasons": {"en": "Reasons:", "fr": "Motifs :"},
    "run.verdict.passed": {"en": "passed", "fr": "réussi"},
    "run.verdict.failed": {"en": "failed", "fr": "échoué"},
    "run.verdict.check": {"en": "Check", "fr": "Contrôle"},
    "run.verdict.credential": {"en": "Credential", "fr": "Justificatif"},
    "run.verdict.result": {"en": "Result", "fr": "Résultat"},
    "run.verdict.detail": {"en": "Detail", "fr": "Détail"},
    "run.verdict.reason": {"en": "Reason", "fr": "Motif"},
}

"""The command line's own messages and ``--help`` texts (``PCTF_LANG`` chooses the language)."""

MESSAGES: dict[str, dict[str, str]] = {
    "help.demo.federal-sign-in": {
        "en": "Three people sign in to a federal account service (Sign in Canada) with their provincial or "
        "territorial digital ID. It asks for the name and birthdate only, at level of assurance 3: Province "
        "1's Verified Person is accepted and the person signed in (a session with a subject of the service's "
        "own); Province 2's, authorized at LoA 2 only, is refused (loa_too_low); Territory 1's is refused "
        "(issuer_unknown) until the pan-Canadian framework recognizes Territory 1's own trust framework, then "
        "accepted.\n\nRuns in a sandbox of its own (fresh data directory, free ports) beside a second "
        "registry, Territory 1's, so it never changes the sandbox you run with `up`.",
        "fr": "Trois personnes se connectent à un service fédéral de dossier en ligne (Connexion Canada) avec "
        "leur identité numérique provinciale ou territoriale. Il ne demande que le nom et la date de "
        "naissance, au niveau d'assurance 3 : le justificatif « Personne vérifiée » de la Province 1 est "
        "accepté et une session est ouverte (avec un identifiant propre au service); celui de la Province 2, "
        "autorisé au niveau 2 seulement, est refusé (loa_too_low); celui du Territoire 1 est refusé "
        "(issuer_unknown) jusqu'à ce que le cadre pancanadien reconnaisse le cadre de confiance du "
        "Territoire 1, puis accepté.\n\nLe récit tourne dans un bac à sable bien à lui (répertoire de "
        "données neuf, ports libres), à côté d'un second registre, celui du Territoire 1 : il ne change "
        "jamais celui que vous lancez avec `up`.",
    },
    "help.demo.federal-sign-in.interactive": {
        "en": "Ask before each wallet shares anything (for live demos).",
        "fr": "Demander avant que chaque portefeuille communique quoi que ce soit (démonstrations en direct).",
    },
    "help.demo.immunization": {
        "en": "Safe return to school: Province 1 proofs Léa, a student, and its health authority issues her "
        "immunization records. Riverton Secondary School asks only for her name, birthdate and the disease an "
        "immunization targets: it refuses her flu shot record (immunization_not_accepted), accepts her measles "
        "record without learning the vaccine, date, dose, lot or clinic (the story lists what was disclosed and "
        "what was withheld), and refuses the measles record once the health authority has revoked it "
        "(credential_revoked).\n\nRuns in a sandbox of its own (fresh data directory, free port) whose status "
        "lists carry a short ttl, so the school sees the revocation within seconds.",
        "fr": "Retour en classe en toute sécurité : la Province 1 vérifie l'identité de Léa, une élève, et son "
        "autorité sanitaire lui délivre ses dossiers d'immunisation. L'école secondaire de Riverton ne demande que "
        "son nom, sa date de naissance et la maladie visée par l'immunisation : elle refuse son dossier de vaccin "
        "contre la grippe (immunization_not_accepted), accepte son dossier contre la rougeole sans apprendre le "
        "vaccin, la date, la dose, le lot ni la clinique (le récit énumère ce qui a été communiqué et ce qui ne "
        "l'a pas été), puis refuse ce dossier une fois révoqué par l'autorité sanitaire "
        "(credential_revoked).\n\nS'exécute dans un bac à sable qui lui est propre (nouveau répertoire de "
        "données, port libre) dont les listes de statuts ont une courte durée de validité (ttl), pour que l'école "
        "voie la révocation en quelques secondes.",
    },
    "help.demo.immunization.interactive": {
        "en": "Ask before Léa's wallet shares anything (for live demos).",
        "fr": "Demander avant que le portefeuille de Léa communique quoi que ce soit (démonstrations en direct).",
    },
    "help.demo.ttl": {
        "en": "Status list ttl of the story's sandbox, in seconds: how long a verifier may answer from a cached list "
        "(default: 1; 2 for the death notification). With --against, the deployment's ttl: read from its status "
        "lists when not given.",
        "fr": "Durée de validité (ttl) des listes de statuts du bac à sable du récit, en secondes : combien de "
        "temps un vérificateur peut répondre d'après une liste en cache (par défaut : 1; 2 pour l'avis de décès). "
        "Avec --against, le ttl du déploiement : lu dans ses listes de statuts s'il n'est pas donné.",
    },
    "help.demo.ttl.metavar": {"en": "SECONDS", "fr": "SECONDES"},
    "help.demo.against": {
        "en": "Tell the story against the running deployment at URL (pctf-sandbox up, here or elsewhere) instead "
        "of a sandbox of its own. The services and issuers it runs apart are found from PCTF_REGISTRY_URL, "
        "PCTF_WALLET_URL, PCTF_VERIFIER_URL, PCTF_ISSUERS_URL and PCTF_ISSUER_URLS; the role tokens from the "
        "PCTF_* token variables, else those PCTF_DATA_DIR keeps. Status list waits follow the deployment's ttl.",
        "fr": "Raconter le récit avec le déploiement en service à URL (pctf-sandbox up, ici ou ailleurs) plutôt "
        "qu'avec un bac à sable à lui. Les services et émetteurs qu'il fait tourner à part se trouvent par "
        "PCTF_REGISTRY_URL, PCTF_WALLET_URL, PCTF_VERIFIER_URL, PCTF_ISSUERS_URL et PCTF_ISSUER_URLS; les jetons "
        "des rôles par les variables de jetons PCTF_*, sinon ceux que garde PCTF_DATA_DIR. Les attentes de "
        "listes de statuts suivent le ttl du déploiement.",
    },
    "demo.against": {
        "en": "Against the deployment at {url} (this run's wallets end in {suffix})",
        "fr": "Avec le déploiement à {url} (les portefeuilles de cette exécution finissent par {suffix})",
    },
    "demo.against_ttl": {
        "en": "The story waits as long as the deployment's status list ttl: {ttl}",
        "fr": "Le récit attend aussi longtemps que le ttl des listes de statuts du déploiement : {ttl}",
    },
    "demo.against_ttl_read": {
        "en": "read from its status lists",
        "fr": "lu dans ses listes de statuts",
    },
    "demo.against_used": {
        "en": "used the deployment at {url}",
        "fr": "déploiement utilisé : {url}",
    },
    "help.demo.delegation": {
        "en": "An adult child acting for an elderly parent: Province 1 proofs Sasha and her father Gilles; with "
        "his recorded consent, Province 1's health authority gives Sasha a delegation of access to his health "
        "information, and the Province 1 Health Portal lets her act for him. The portal then refuses her once "
        "he has withdrawn his consent and the delegation is revoked (credential_revoked), with a delegation "
        "for booking appointments only (scope_not_covered), and with one that takes effect next month "
        "(credential_not_yet_valid).\n\nRuns in a sandbox of its own (fresh data directory, free port) whose "
        "status lists carry a short ttl, so the portal sees the revocation within seconds.",
        "fr": "Une enfant adulte qui agit pour son père âgé : la Province 1 vérifie l'identité de Sasha et de "
        "son père Gilles; avec le consentement consigné de celui-ci, l'autorité sanitaire de la Province 1 "
        "remet à Sasha une délégation d'accès à ses renseignements de santé, et le Portail santé de la "
        "Province 1 la laisse agir pour lui. Le portail la refuse ensuite une fois que Gilles a retiré son "
        "consentement et que la délégation est révoquée (credential_revoked), avec une délégation limitée à "
        "la prise de rendez-vous (scope_not_covered), et avec une délégation qui prend effet le mois prochain "
        "(credential_not_yet_valid).\n\nLe récit tourne dans un bac à sable bien à lui (répertoire de données "
        "neuf, port libre) dont les listes de statuts ont un ttl court : le portail voit la révocation en "
        "quelques secondes.",
    },
    "help.demo.delegation.interactive": {
        "en": "Ask before Sasha's wallet shares anything (for live demos).",
        "fr": "Demander avant que le portefeuille de Sasha communique quoi que ce soit (démonstrations en direct).",
    },
    "consent.ask": {"en": "Disclose these claims {to_rp}?", "fr": "Communiquer ces attributs {to_rp}?"},
    "consent.choices": {"en": "[Y/n]", "fr": "[O/n]"},
    "consent.invalid": {"en": "Please answer y or n.", "fr": "Répondez par o (oui) ou n (non)."},
    "error": {"en": "error", "fr": "erreur"},
    "up.serving": {
        "en": "PCTF sandbox serving at {url} (data in {data_dir}); press Ctrl+C to stop",
        "fr": "Bac à sable PCTF en service à {url} (données dans {data_dir}); Ctrl+C pour arrêter",
    },
    "up.tls": {
        "en": "HTTPS with a certificate from the sandbox CA: root {root} (SHA-256 {fingerprint}). "
        "Trust that root to reach the sandbox: curl --cacert {root} {url}/health, or import it into "
        "the phone's or browser's trusted certificates (pctf-sandbox ca export --out FILE)",
        "fr": "HTTPS avec un certificat de l'autorité du bac à sable : racine {root} (SHA-256 {fingerprint}). "
        "Faites confiance à cette racine pour joindre le bac à sable : curl --cacert {root} {url}/health, "
        "ou importez-la dans les certificats de confiance du téléphone ou du navigateur "
        "(pctf-sandbox ca export --out FICHIER)",
    },
    "up.dashboard": {
        "en": "Dashboard: {url}/  (as presenter, open this link; it logs your browser in: {login})",
        "fr": "Tableau de bord : {url}/  (présentateur : ouvrez ce lien, il connecte votre navigateur : {login})",
    },
    "issuer.rotated": {
        "en": "{issuer} now signs with key {kid}; key {previous} stays published for what it signed",
        "fr": "{issuer} signe maintenant avec la clé {kid}; la clé {previous} reste publiée pour ce qu'elle a signé",
    },
    "issuer.rotated_next": {
        "en": "Next, as governance: pctf-sandbox registry key retire {issuer} {previous}",
        "fr": "Ensuite, par la gouvernance : pctf-sandbox registry key retire {issuer} {previous}",
    },
    "offer.made": {
        "en": "Credential offer ({type}) from {issuer}: scan the QR code with a wallet, or open this link in it:",
        "fr": "Offre de justificatif ({type}) de {issuer} : balayez le code QR avec un portefeuille, "
        "ou ouvrez-y ce lien :",
    },
    "offer.tx_code": {
        "en": "Transaction code (the wallet asks for it): {tx_code}",
        "fr": "Code de transaction (le portefeuille le demande) : {tx_code}",
    },
    "offer.by_reference": {
        "en": "The same offer by reference (the wallet fetches it from the issuer): {link}",
        "fr": "La même offre par référence (le portefeuille la récupère chez l'émetteur) : {link}",
    },
    "offer.not_served": {
        "en": "No sandbox serves {data_dir} now: start one (pctf-sandbox up) so that a wallet can redeem "
        "the offer within {minutes} minutes",
        "fr": "Aucun bac à sable ne sert {data_dir} en ce moment : démarrez-en un (pctf-sandbox up) pour "
        "qu'un portefeuille puisse échanger l'offre d'ici {minutes} minutes",
    },
    "request.made": {
        "en": "{rp} asks for a presentation ({purpose}): scan the QR code with a wallet, or open this link in it:",
        "fr": "{rp} demande une présentation ({purpose}) : balayez le code QR avec un portefeuille, "
        "ou ouvrez-y ce lien :",
    },
    "request.waiting": {
        "en": "Waiting for a wallet's answer (at most {seconds} s); Ctrl+C to stop",
        "fr": "En attente de la réponse d'un portefeuille (au plus {seconds} s); Ctrl+C pour arrêter",
    },
    "request.accepted": {"en": "Presentation accepted by {the_rp}", "fr": "Présentation acceptée par {the_rp}"},
    "request.refused": {
        "en": "Presentation refused by {the_rp}: {reasons}",
        "fr": "Présentation refusée par {the_rp} : {reasons}",
    },
    "request.declined": {
        "en": "The holder declined to share: {reasons}",
        "fr": "La personne titulaire a refusé de communiquer ses données : {reasons}",
    },
    "request.timed_out": {
        "en": "No wallet answered within {seconds} s",
        "fr": "Aucun portefeuille n'a répondu en {seconds} s",
    },
    "request.interrupted": {
        "en": "Stopped: no longer waiting for a wallet's answer",
        "fr": "Arrêté : plus d'attente de la réponse d'un portefeuille",
    },
    "issuer.test_offer": {
        "en": "{issuer}'s test offer, for the trust registry's test subject: {offer}",
        "fr": "Offre de test de l'émetteur {issuer}, pour la personne test du registre de confiance : {offer}",
    },
    "issuer.test_offer_tx": {
        "en": "Its transaction code (give it with the offer): {tx_code}",
        "fr": "Son code de transaction (à donner avec l'offre) : {tx_code}",
    },
    "onboard.done": {
        "en": "{entity} is registered and authorized to issue {type} up to level of assurance {loa}",
        "fr": "{entity} est enregistré et autorisé à émettre {type} jusqu'au niveau d'assurance {loa}",
    },
    "conformance.passed": {
        "en": "{issuer} passes every technical conformance check",
        "fr": "{issuer} réussit tous les contrôles de conformité technique",
    },
    "conformance.failed": {"en": "{issuer} fails: {checks}", "fr": "{issuer} échoue : {checks}"},
    "conformance.did_document": {
        "en": "DID document, its keys and its OpenID4VCI issuer",
        "fr": "Document DID, ses clés et son émetteur OpenID4VCI",
    },
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
    "registry.keys_refreshed": {
        "en": "{added} new key(s) read from the DID document of {entity}; it now has {count} key(s)",
        "fr": "{added} nouvelle(s) clé(s) lue(s) dans le document DID de {entity}; "
        "l'entité compte maintenant {count} clé(s)",
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
    # A failure line of the command line: the reason code, then its description.
    "error.prefix": {"en": "error:", "fr": "erreur :"},
    "error.reason": {"en": "{reason}: {message}", "fr": "{reason} : {message}"},
    "error.internal": {
        "en": "internal error ({kind}); run with PCTF_DEBUG=1 for the traceback",
        "fr": "erreur interne ({kind}); relancez avec PCTF_DEBUG=1 pour voir la trace",
    },
    # ``--help`` of the demo commands (PCTF_LANG chooses the language).
    "help.usage": {"en": "Usage: ", "fr": "Utilisation : "},
    "help.commands": {"en": "Commands", "fr": "Commandes"},
    "help.command_metavar": {"en": "COMMAND [ARGS]...", "fr": "COMMANDE [ARGUMENTS]..."},
    "help.help": {"en": "Show this message and exit.", "fr": "Afficher cette aide et quitter."},
    "help.demo": {"en": "Run a story end to end, narrated.", "fr": "Raconter un récit de bout en bout."},
    "help.demo.lang": {
        "en": "Tell the story in English or French (default: PCTF_LANG, else en).",
        "fr": "Raconter le récit en anglais ou en français (par défaut : PCTF_LANG, sinon en).",
    },
    "help.demo.json": {"en": "Print only the outcome, as JSON.", "fr": "N'afficher que le dénouement, en JSON."},
    "help.demo.sasha": {
        "en": "Sasha proves who she is, incorporates, and opens a business bank account online.\n\n"
        "Her wallet and credentials are kept under PCTF_DATA_DIR: the story uses the sandbox serving that "
        "data directory (pctf-sandbox up) when one runs, else starts the services in process on it for its "
        "duration; a sandbox on PCTF_PORT serving another data directory is never used (exit 2). One line "
        "on stderr says which.",
        "fr": "Sasha prouve son identité, constitue sa société et ouvre en ligne un compte bancaire "
        "d'entreprise.\n\nSon portefeuille et ses justificatifs sont conservés dans PCTF_DATA_DIR : le récit "
        "utilise le bac à sable qui sert ce répertoire de données (pctf-sandbox up) s'il tourne, sinon il y "
        "démarre les services dans ce processus, le temps du récit; un bac à sable sur PCTF_PORT qui sert "
        "un autre répertoire de données n'est jamais utilisé (code de sortie 2). Une ligne sur la sortie "
        "d'erreur indique lequel.",
    },
    "help.demo.sasha.json": {
        "en": "Print only the bank's verdict, as JSON.",
        "fr": "N'afficher que le verdict de la banque, en JSON.",
    },
    "help.demo.sasha.interactive": {
        "en": "Ask before Sasha's wallet shares anything (for live demos).",
        "fr": "Demander avant que le portefeuille de Sasha communique quoi que ce soit (démonstrations en direct).",
    },
    "help.demo.onboarding": {
        "en": "Territory 2 applies to the trust registry, passes conformance, is assessed and accredited; "
        "the bank accepts its credentials at once, and refuses those issued after its suspension.\n\n"
        "The story runs in a sandbox of its own (a fresh data directory, a free port) where Territory 2 "
        "starts unaccredited, so it never changes the sandbox you run with `up`.",
        "fr": "Le Territoire 2 présente une demande au registre de confiance, réussit les contrôles de "
        "conformité, est évalué puis accrédité; la banque accepte aussitôt ses justificatifs, et refuse ceux "
        "émis après sa suspension.\n\nLe récit tourne dans un bac à sable bien à lui (un répertoire de "
        "données neuf, un port libre) où le Territoire 2 n'est pas encore accrédité : il ne change jamais "
        "le bac à sable que vous faites tourner avec `up`.",
    },
    "help.demo.onboarding.data_dir": {
        "en": "Keep the story's sandbox data here (default: a temporary directory, removed after).",
        "fr": "Conserver ici les données du bac à sable du récit (par défaut : un répertoire temporaire, "
        "supprimé ensuite).",
    },
    "help.demo.cross-jurisdiction": {
        "en": "Nora uses her Territory 1 Verified Person at a Province 2 service, once the pan-Canadian "
        "framework recognizes Territory 1's own trust framework (TRQP recognition).\n\nRuns in a sandbox of "
        "its own (fresh data directory, free ports) beside a second registry, Territory 1's, so it never "
        "changes the sandbox you run with `up`.",
        "fr": "Nora utilise son justificatif de personne vérifiée du Territoire 1 auprès d'un service de la "
        "Province 2, dès que le cadre pancanadien reconnaît le cadre de confiance du Territoire 1 "
        "(reconnaissance TRQP).\n\nLe récit tourne dans un bac à sable bien à lui (répertoire de données "
        "neuf, ports libres) à côté d'un second registre, celui du Territoire 1 : il ne change jamais le bac "
        "à sable que vous faites tourner avec `up`.",
    },
    "help.demo.death-notification": {
        "en": "Sasha's father's Verified Person works at the federal benefits service; vital statistics "
        "registers his death; every issuer revokes his credentials and the same presentation is refused with "
        "credential_revoked. Prints how long that took, stage by stage.\n\nRuns in a sandbox of its own "
        "(fresh data directory, free port) whose status lists carry a short ttl, so the story does not wait "
        "the default five minutes; the ttl is printed, and it bounds the last stage of the propagation.",
        "fr": "Le justificatif de personne vérifiée du père de Sasha est accepté par le service fédéral des "
        "prestations; l'état civil enregistre son décès; chaque émetteur révoque ses justificatifs et la "
        "même présentation est refusée avec credential_revoked. Affiche le délai de chaque étape.\n\nLe "
        "récit tourne dans un bac à sable bien à lui (répertoire de données neuf, port libre) dont les "
        "listes de statuts ont un ttl court, pour ne pas attendre les cinq minutes par défaut; le ttl est "
        "affiché, et il borne la dernière étape de la propagation.",
    },
    "help.demo.death-notification.json": {
        "en": "Print only the outcome and the propagation figures, as JSON.",
        "fr": "N'afficher que le dénouement et les mesures de propagation, en JSON.",
    },
    "help.demo.onboarding.data_dir.metavar": {"en": "PATH", "fr": "CHEMIN"},
    "help.default": {"en": "(default: {value})", "fr": "(par défaut : {value})"},
    "wallet.title": {"en": "{wallet}'s wallet", "fr": "Portefeuille de {wallet}"},
    "wallet.empty": {
        "en": "{wallet}'s wallet holds no credential",
        "fr": "Le portefeuille de {wallet} ne contient aucun justificatif",
    },
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
    "help.demo.newborn": {
        "en": "Register a birth once: two Province 1 parents, each with a Verified Person, have their baby's "
        "birth registered by vital statistics, which in the same answer offers each of them the birth "
        "certificate and a parent–child relationship. With no new paperwork one parent applies for the Canada "
        "Child Benefit and the other for the baby's Social Insurance Number; someone not on the birth "
        "registration is refused a relationship to the baby (not_on_birth_registration).\n\nRuns in a sandbox "
        "of its own (fresh data directory, free port), so it never changes the sandbox you run with `up`.",
        "fr": "Enregistrer une naissance une seule fois : deux parents de la Province 1, chacun titulaire d'un "
        "justificatif de personne vérifiée, font enregistrer la naissance de leur bébé par l'état civil, qui "
        "offre dans la même réponse à chacun le certificat de naissance et une relation parent-enfant. Sans "
        "nouvelle paperasse, un parent demande l'Allocation canadienne pour enfants et l'autre le numéro "
        "d'assurance sociale du bébé; une personne absente de l'enregistrement de la naissance se voit refuser "
        "une relation avec le bébé (not_on_birth_registration).\n\nLe récit tourne dans un bac à sable bien à "
        "lui (répertoire de données neuf, port libre) : il ne change jamais celui que vous lancez avec `up`.",
    },
    "help.demo.newborn.interactive": {
        "en": "Ask before each parent's wallet shares anything (for live demos).",
        "fr": "Demander avant que le portefeuille de chaque parent communique quoi que ce soit (démonstrations "
        "en direct).",
    },
    "credential.status_set": {
        "en": "Credential {issuance} issued by {issuer} is now {status}",
        "fr": "Le justificatif {issuance} émis par {issuer} est maintenant {status}",
    },
}

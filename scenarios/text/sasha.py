"""Sasha's story, and the steps every presentation shares (request, consent, verdict)."""

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
        "en": "{holder}'s wallet received a {type} credential {from_issuer} over OpenID4VCI",
        "fr": "Le portefeuille {from_holder} a reçu un justificatif {type} {from_issuer} par OpenID4VCI",
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
        "en": "{rp} asks {holder}, by DCQL, for exactly these claims:",
        "fr": "{rp} demande {to_holder}, par DCQL, exactement ces attributs :",
    },
    "step.consent": {
        "en": "{holder}'s wallet shows what will be disclosed {to_rp}:",
        "fr": "Le portefeuille {from_holder} montre ce qui sera communiqué {to_rp} :",
    },
    "step.consented": {
        "en": "{holder} consents; the wallet sends the presentation {to_rp} (direct_post)",
        "fr": "{holder} consent; le portefeuille envoie la présentation {to_rp} (direct_post)",
    },
    "step.declined": {
        "en": "{holder} declines; the wallet shares nothing and says so {to_rp}",
        "fr": "{holder} refuse; le portefeuille ne communique rien et le signale {to_rp}",
    },
    "step.verdict": {
        "en": "{rp} verified the presentation. Every check it made:",
        "fr": "{rp} a vérifié la présentation. Chaque contrôle effectué :",
    },
    "result.accepted": {
        "en": "Account opened: {legal_name} now banks with {the_rp}, no branch visit needed",
        "fr": "Compte ouvert : {legal_name} fait affaire avec {the_rp}, sans visite en succursale",
    },
    "result.rejected": {"en": "Application refused: {reasons}", "fr": "Demande refusée : {reasons}"},
}

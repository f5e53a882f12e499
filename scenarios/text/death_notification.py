"""Death notification (``pctf-sandbox demo death-notification``)."""

MESSAGES: dict[str, dict[str, str]] = {
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
        "en": "{person}'s wallet received a {type} credential {from_issuer} over OpenID4VCI",
        "fr": "Le portefeuille de {person} a reçu un justificatif {type} {from_issuer} par OpenID4VCI",
    },
    "death.presented": {
        "en": "{person} presents his Verified Person {to_rp}: {outcome}",
        "fr": "{person} présente son justificatif de personne vérifiée {to_rp} : {outcome}",
    },
    "death.accepted": {"en": "accepted", "fr": "accepté"},
    "death.refused": {"en": "refused ({reasons})", "fr": "refusé ({reasons})"},
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
        "en": "The same Verified Person is presented {to_rp} again: {outcome} "
        "(accepted {cached} time(s) before, from a status list cached for at most {ttl} s)",
        "fr": "Le même justificatif de personne vérifiée est présenté de nouveau {to_rp} : "
        "{outcome} (accepté {cached} fois auparavant, d'après une liste de statuts mise "
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
}

"""Onboarding an issuer, and recognition between trust frameworks (``pctf-sandbox demo onboarding``,
``cross-jurisdiction``)."""

MESSAGES: dict[str, dict[str, str]] = {
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
        "fr": "Le Territoire 2 demande à émettre des justificatifs de personne vérifiée au niveau "
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
        "en": "{person} presents a Territory 2 Verified Person {to_rp}, which was never reconfigured: {outcome}",
        "fr": "{person} présente un justificatif de personne vérifiée du Territoire 2 {to_rp}, "
        "qui n'a jamais été reconfigurée : {outcome}",
    },
    "onboarding.bank_again": {
        "en": "{person} presents her credential again; Territory 2 issued it while accredited, "
        "and the registry answers for the time of issuance: {outcome}",
        "fr": "{person} présente de nouveau son justificatif; le Territoire 2 l'a émis pendant "
        "son accréditation, et le registre répond pour le moment de l'émission : {outcome}",
    },
    "onboarding.accepted": {"en": "accepted", "fr": "accepté"},
    "onboarding.refused": {"en": "refused ({reasons})", "fr": "refusé ({reasons})"},
    "onboarding.suspended": {
        "en": "Governance suspends Territory 2 from now on (audit finding); for credentials "
        "issued from now the registry answers: {status}",
        "fr": "La gouvernance suspend le Territoire 2 à compter de maintenant (constat "
        "d'audit); pour les justificatifs émis dès maintenant, le registre répond : "
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
        "en": "{person} presents her Territory 1 Verified Person {to_rp}: {outcome}",
        "fr": "{person} présente son justificatif de personne vérifiée du Territoire 1 {to_rp} : {outcome}",
    },
    "cross.recognized": {
        "en": "The pan-Canadian framework recognizes Territory 1's framework for Verified Person "
        "(TRQP recognition: {recognized})",
        "fr": "Le cadre pancanadien reconnaît le cadre du Territoire 1 pour la personne vérifiée "
        "(reconnaissance TRQP : {recognized})",
    },
    "cross.ok": {
        "en": "The portal, unchanged, now accepts Territory 1's credentials under the recognized framework",
        "fr": "Le portail, inchangé, accepte maintenant les justificatifs du Territoire 1 en vertu du cadre reconnu",
    },
    "cross.not_ok": {
        "en": "The cross-jurisdiction story did not go as expected",
        "fr": "Le scénario interterritorial ne s'est pas déroulé comme prévu",
    },
}

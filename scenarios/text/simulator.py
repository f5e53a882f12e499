"""The population simulator's words: its command's messages and ``--help``, and its report."""

MESSAGES: dict[str, dict[str, str]] = {
    # -- pctf-sandbox simulate --help
    "help.simulate": {
        "en": "Simulate a population opening business bank accounts, and report the share that could be "
        "opened online, by province and territory, with the reasons the others went to a branch.\n\n"
        "Every opening that goes online runs the real path in this process: identity proofing, the three "
        "credentials issued with real signatures, the presentation with key binding and the bank's full "
        "verification against the registry and the status lists. The partitions run on a local Dask "
        "cluster (one worker per core), or on the cluster --address names; the same --seed gives the "
        "same result whatever the number of workers.\n\n"
        "Examples:\n\n"
        "pctf-sandbox simulate --scenario today --population 2000\n\n"
        "pctf-sandbox simulate --scenario pilot --population 40000000 --sample --lang fr\n\n"
        "pctf-sandbox simulate --scenario today --vary wallet_adoption=0.1:0.9:0.2 "
        "--by issuing_jurisdictions='BC,AB;BC,AB,QC,ON'\n\n"
        "The report (summary.json, CSV tables, PNG plots, index.html) goes to --out, by default a new "
        "folder under PCTF_DATA_DIR/simulations; the dashboard shows the latest one.",
        "fr": "Simuler une population qui ouvre des comptes bancaires d'entreprise, et rendre compte de la "
        "part qui pourrait s'ouvrir en ligne, par province et territoire, avec les raisons pour lesquelles "
        "les autres sont allés en succursale.\n\n"
        "Chaque ouverture faite en ligne suit le vrai parcours dans ce processus : vérification "
        "d'identité, les trois justificatifs délivrés avec de vraies signatures, la présentation liée à la "
        "clé du détenteur et la vérification complète par la banque auprès du registre et des listes de "
        "statuts. Les partitions tournent sur une grappe Dask locale (un travailleur par cœur), ou sur la "
        "grappe que nomme --address; la même graine (--seed) donne le même résultat, quel que soit le "
        "nombre de travailleurs.\n\n"
        "Exemples :\n\n"
        "pctf-sandbox simulate --scenario today --population 2000\n\n"
        "pctf-sandbox simulate --scenario pilot --population 40000000 --sample --lang fr\n\n"
        "pctf-sandbox simulate --scenario today --vary wallet_adoption=0.1:0.9:0.2 "
        "--by issuing_jurisdictions='BC,AB;BC,AB,QC,ON'\n\n"
        "Le rapport (summary.json, tableaux CSV, graphiques PNG, index.html) va dans --out, par défaut un "
        "nouveau dossier sous PCTF_DATA_DIR/simulations; le tableau de bord montre le plus récent.",
    },
    "help.simulate.scenario": {
        "en": "today, pilot, or a scenario file (.toml, .yaml).",
        "fr": "today, pilot, ou un fichier de scénario (.toml, .yaml).",
    },
    "help.simulate.scenario.metavar": {"en": "SCENARIO", "fr": "SCÉNARIO"},
    "help.simulate.population": {
        "en": "How many people open a business account (default: the scenario's).",
        "fr": "Combien de personnes ouvrent un compte d'entreprise (par défaut : celui du scénario).",
    },
    "help.simulate.seed": {
        "en": "The seed every random choice flows from: the same seed, the same result.",
        "fr": "La graine dont découle chaque tirage au hasard : même graine, même résultat.",
    },
    "help.simulate.workers": {
        "en": "Worker processes on this machine (default: one per core).",
        "fr": "Processus de travail sur cette machine (par défaut : un par cœur).",
    },
    "help.simulate.address": {
        "en": "Run on the Dask cluster whose scheduler is at this address (tcp://host:8786) instead of a "
        "local one; its workers need this package installed.",
        "fr": "Tourner sur la grappe Dask dont l'ordonnanceur est à cette adresse (tcp://hôte:8786) plutôt "
        "que sur une grappe locale; ses travailleurs doivent avoir ce paquet installé.",
    },
    "help.simulate.sample": {
        "en": "Run real journeys for a stratified sample (province or territory, age band) and scale the "
        "counts to the population; the report gives the sampling error.",
        "fr": "Suivre les vrais parcours pour un échantillon stratifié (province ou territoire, tranche "
        "d'âge) et ramener les comptes à la population; le rapport donne l'erreur d'échantillonnage.",
    },
    "help.simulate.sample_size": {
        "en": "How many people the --sample simulates (about: every stratum gets a few at least).",
        "fr": "Combien de personnes l'échantillon (--sample) simule (environ : chaque strate en reçoit "
        "quelques-unes au moins).",
    },
    "help.simulate.out": {
        "en": "Write the report to this folder (default: a new folder under PCTF_DATA_DIR/simulations).",
        "fr": "Écrire le rapport dans ce dossier (par défaut : un nouveau dossier sous PCTF_DATA_DIR/simulations).",
    },
    "help.simulate.lang": {
        "en": "Language of the report and the messages.",
        "fr": "Langue du rapport et des messages.",
    },
    "help.simulate.json": {
        "en": "Print the summary as JSON (and no progress bar).",
        "fr": "Afficher le sommaire en JSON (et aucune barre de progression).",
    },
    "help.simulate.vary": {
        "en": "What-if: vary one lever over a range, one simulation per value: LEVER=FROM:TO:STEP or "
        "LEVER=V1;V2;… (wallet_adoption, issuing_jurisdictions, or any dotted lever of the scenario, "
        "e.g. jurisdictions.QC.person_issuer.status).",
        "fr": "Et si : faire varier un levier sur une plage, une simulation par valeur : "
        "LEVIER=DE:À:PAS ou LEVIER=V1;V2;… (wallet_adoption, issuing_jurisdictions, ou tout levier du "
        "scénario en notation pointée, p. ex. jurisdictions.QC.person_issuer.status).",
    },
    "help.simulate.vary.metavar": {"en": "LEVER=RANGE", "fr": "LEVIER=PLAGE"},
    "help.simulate.by": {
        "en": "What-if: a second lever, one curve per value (same forms as --vary).",
        "fr": "Et si : un second levier, une courbe par valeur (mêmes formes que --vary).",
    },
    "help.simulate.by.metavar": {"en": "LEVER=VALUES", "fr": "LEVIER=VALEURS"},
    # -- the command's messages
    "simulate.progress": {"en": "Simulating", "fr": "Simulation"},
    "simulate.point": {"en": "Point {n} of {total}", "fr": "Point {n} sur {total}"},
    "simulate.done": {
        "en": "{share} of {total} business account openings could be made online ({scenario}, seed {seed}).",
        "fr": "{share} des {total} ouvertures de compte d'entreprise pourraient se faire en ligne "
        "({scenario}, graine {seed}).",
    },
    "simulate.report": {"en": "Report: {path}", "fr": "Rapport : {path}"},
    # -- the report
    "report.title": {
        "en": "Business account openings online: simulation",
        "fr": "Ouvertures de compte d'entreprise en ligne : simulation",
    },
    "report.whatif_title": {
        "en": "Business account openings online: what if",
        "fr": "Ouvertures de compte d'entreprise en ligne : et si",
    },
    "report.scenario": {"en": "Scenario", "fr": "Scénario"},
    "report.seed": {"en": "Seed", "fr": "Graine"},
    "report.population": {"en": "Openings simulated", "fr": "Ouvertures simulées"},
    "report.as_of": {"en": "Day of the openings", "fr": "Jour des ouvertures"},
    "report.engine": {"en": "Engine", "fr": "Moteur"},
    "report.engine_line": {
        "en": "{kind}, {workers} worker(s), {partitions} partition(s), {seconds} s",
        "fr": "{kind}, {workers} travailleur(s), {partitions} partition(s), {seconds} s",
    },
    "report.engine.in-process": {"en": "in this process", "fr": "dans ce processus"},
    "report.engine.dask-local-cluster": {"en": "local Dask cluster", "fr": "grappe Dask locale"},
    "report.engine.dask-cluster": {"en": "Dask cluster at {address}", "fr": "grappe Dask à {address}"},
    "report.headline": {
        "en": "{share} of business account openings could be made online.",
        "fr": "{share} des ouvertures de compte d'entreprise pourraient se faire en ligne.",
    },
    "report.sampled": {
        "en": "Estimated from real journeys of a stratified sample of {sample} people standing for {population}; "
        "the margin is the 95% confidence interval's half-width (± {margin}).",
        "fr": "Estimation tirée des vrais parcours d'un échantillon stratifié de {sample} personnes représentant "
        "{population} personnes; la marge est la demi-largeur de l'intervalle de confiance à 95 % (± {margin}).",
    },
    "report.not_sampled": {
        "en": "Every opening was simulated with its real journey.",
        "fr": "Chaque ouverture a été simulée par son vrai parcours.",
    },
    "report.by_jurisdiction": {"en": "By province and territory", "fr": "Par province et territoire"},
    "report.reasons": {
        "en": "Why openings went to a branch",
        "fr": "Pourquoi des ouvertures ont eu lieu en succursale",
    },
    "report.figures": {"en": "What the simulation did", "fr": "Ce que la simulation a fait"},
    "report.whatif": {"en": "What if", "fr": "Et si"},
    "report.col.jurisdiction": {"en": "Province or territory", "fr": "Province ou territoire"},
    "report.col.openings": {"en": "Openings", "fr": "Ouvertures"},
    "report.col.online": {"en": "Online", "fr": "En ligne"},
    "report.col.share": {"en": "Share online", "fr": "Part en ligne"},
    "report.col.margin": {"en": "Margin (95%)", "fr": "Marge (95 %)"},
    "report.col.reason": {"en": "Reason", "fr": "Raison"},
    "report.col.code": {"en": "Reason code", "fr": "Code de raison"},
    "report.col.share_all": {"en": "Share of all openings", "fr": "Part de toutes les ouvertures"},
    "report.col.figure": {"en": "Figure", "fr": "Donnée"},
    "report.col.value": {"en": "Value", "fr": "Valeur"},
    "report.col.point": {"en": "Value", "fr": "Valeur"},
    "report.credentials_issued": {"en": "Credentials issued", "fr": "Justificatifs délivrés"},
    "report.verifications": {"en": "Verifications by the banks", "fr": "Vérifications par les banques"},
    "report.revocations": {"en": "Revocations", "fr": "Révocations"},
    "report.deaths": {"en": "Deaths registered", "fr": "Décès enregistrés"},
    "report.signatures_made": {"en": "Signatures made", "fr": "Signatures produites"},
    "report.signatures_verified": {"en": "Signatures verified", "fr": "Signatures vérifiées"},
    "report.minutes_digital": {
        "en": "Time to open an account online (modelled, minutes)",
        "fr": "Durée d'une ouverture en ligne (modélisée, minutes)",
    },
    "report.minutes_branch": {
        "en": "Time to open an account in a branch (modelled, minutes)",
        "fr": "Durée d'une ouverture en succursale (modélisée, minutes)",
    },
    "report.files": {"en": "Tables", "fr": "Tableaux"},
    "report.all": {"en": "All of Canada", "fr": "Ensemble du Canada"},
    "report.online": {"en": "Online", "fr": "En ligne"},
    "report.all_openings": {"en": "All openings", "fr": "Toutes les ouvertures"},
    "report.plot.by_jurisdiction": {
        "en": "Share of openings made online, by province and territory",
        "fr": "Part des ouvertures faites en ligne, par province et territoire",
    },
    "report.plot.funnel": {
        "en": "From every opening to those made online: what sent the others to a branch",
        "fr": "De toutes les ouvertures à celles faites en ligne : ce qui a envoyé les autres en succursale",
    },
    "report.plot.whatif": {
        "en": "Share of openings made online as {lever} varies",
        "fr": "Part des ouvertures faites en ligne selon {lever}",
    },
    "report.axis.share": {"en": "Share online (%)", "fr": "Part en ligne (%)"},
    "report.axis.openings": {"en": "Openings", "fr": "Ouvertures"},
    # The simulator's own reasons: what sends an opening to a branch before it reaches a bank.
    "simulate.reason.no_wallet": {
        "en": "The founder has no digital wallet",
        "fr": "La personne fondatrice n'a pas de portefeuille numérique",
    },
    "simulate.reason.prefers_branch": {
        "en": "The founder chose the branch",
        "fr": "La personne fondatrice a choisi la succursale",
    },
    "simulate.reason.no_person_credential": {
        "en": "No digital identity program where the founder lives",
        "fr": "Aucun programme d'identité numérique là où vit la personne fondatrice",
    },
    "simulate.reason.no_organization_credential": {
        "en": "The business registrar issues no credentials",
        "fr": "Le registraire des entreprises ne délivre aucun justificatif",
    },
}

"""The simulation page's words (the report's own sentences are the command line's: ``story:report.*``)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "nav.simulations": {"en": "Simulator", "fr": "Simulateur"},
    "simulations.title": {"en": "Population simulation", "fr": "Simulation de population"},
    "simulations.lead": {
        "en": "The latest run of pctf-sandbox simulate: how many business account openings could be made "
        "online, by province and territory, and what sent the others to a branch.",
        "fr": "La plus récente exécution de pctf-sandbox simulate : combien d'ouvertures de compte d'entreprise "
        "pourraient se faire en ligne, par province et territoire, et ce qui a envoyé les autres en succursale.",
    },
    "simulations.none": {
        "en": "No simulation report yet. Run one, and it shows here:",
        "fr": "Aucun rapport de simulation pour l'instant. Lancez-en une, elle s'affichera ici :",
    },
    "simulations.report": {
        "en": "Report {name}, with its tables: {path}",
        "fr": "Rapport {name}, avec ses tableaux : {path}",
    },
    "simulations.margin": {"en": "margin (95%): ± {margin}", "fr": "marge (95 %) : ± {margin}"},
}

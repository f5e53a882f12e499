"""``--lang fr`` is French all the way: every demo, told through the command line, leaves no
English word a person would read (narration, table cells, check details, statuses, the sandbox
note on stderr); the interactive consent prompt asks in French; a failure line is French; and
``PCTF_LANG=fr`` gives the demo commands' ``--help`` in French.

The detector tokenizes the output, drops what is not prose (URLs, numbers, identifiers with ``_``
or digits, reason codes, persona and organization data, protocol names and acronyms), and looks
the remaining words up in a list of English words that are not also French: a few hundred
common ones, and every word of the English catalogue (stories, check details, reason
descriptions, credential and claim labels, relying parties) that its French side never uses, so
the list grows with the catalogue.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import scenarios.personas
from pctf.reasons import Reason
from pctf.vocab import CREDENTIAL_TYPES
from scenarios.i18n import MESSAGES
from verifier.relying_parties import RELYING_PARTIES

EXE = str(Path(sys.executable).with_name("pctf-sandbox"))
DEMOS = (
    "sasha",
    "onboarding",
    "cross-jurisdiction",
    "death-notification",
    "newborn",
    "delegation",
    "immunization",
    "federal-sign-in",
)

URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+|\b\S+@\S+|(?<![\w/])/[\w./-]+")  # and file paths
TOKEN = re.compile(r"[\w’'+-]+")
# Names of protocols, formats and acronyms: the same in both languages.
TECHNICAL = {
    "openid4vci",
    "openid4vp",
    "dcql",
    "sd-jwt",
    "sd",
    "jwt",
    "kb-jwt",
    "vc",
    "dc+sd-jwt",
    "trqp",
    "pctf",
    "ccp",
    "ttl",
    "ms",
    "s",
    "ca",
    "es256",
    "json",
    "ctrl+c",
}
# Common English words that are not French words (nor used as such in French sentences).
COMMON_ENGLISH = set(
    [
        "the",
        "and",
        "of",
        "to",
        "is",
        "are",
        "was",
        "were",
        "with",
        "from",
        "by",
        "for",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "her",
        "his",
        "she",
        "he",
        "they",
        "their",
        "them",
        "has",
        "have",
        "had",
        "not",
        "yes",
        "all",
        "every",
        "each",
        "one",
        "two",
        "three",
        "four",
        "five",
        "be",
        "been",
        "being",
        "will",
        "would",
        "can",
        "could",
        "may",
        "might",
        "must",
        "should",
        "shall",
        "do",
        "does",
        "did",
        "done",
        "or",
        "but",
        "if",
        "then",
        "than",
        "so",
        "at",
        "in",
        "into",
        "onto",
        "upon",
        "out",
        "up",
        "down",
        "over",
        "under",
        "about",
        "after",
        "before",
        "again",
        "once",
        "only",
        "also",
        "just",
        "very",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "how",
        "where",
        "when",
        "while",
        "because",
        "although",
        "though",
        "until",
        "unless",
        "any",
        "some",
        "many",
        "much",
        "more",
        "most",
        "less",
        "least",
        "few",
        "other",
        "another",
        "such",
        "same",
        "own",
        "both",
        "either",
        "neither",
        "here",
        "there",
        "now",
        "today",
        "tomorrow",
        "yesterday",
        "always",
        "never",
        "sometimes",
        "often",
        "ever",
        "still",
        "yet",
        "already",
        "new",
        "old",
        "good",
        "bad",
        "great",
        "small",
        "big",
        "large",
        "long",
        "short",
        "high",
        "low",
        "first",
        "last",
        "next",
        "early",
        "late",
        "right",
        "wrong",
        "true",
        "false",
        "open",
        "opened",
        "close",
        "closed",
        "start",
        "started",
        "stop",
        "stopped",
        "end",
        "ended",
        "run",
        "runs",
        "running",
        "ran",
        "use",
        "used",
        "using",
        "uses",
        "make",
        "made",
        "get",
        "got",
        "give",
        "given",
        "take",
        "taken",
        "took",
        "show",
        "shows",
        "shown",
        "see",
        "seen",
        "saw",
        "look",
        "looked",
        "find",
        "found",
        "know",
        "known",
        "think",
        "say",
        "says",
        "said",
        "tell",
        "told",
        "ask",
        "asks",
        "asked",
        "answer",
        "answers",
        "answered",
        "want",
        "need",
        "needs",
        "needed",
        "keep",
        "kept",
        "let",
        "lets",
        "go",
        "goes",
        "went",
        "gone",
        "come",
        "comes",
        "came",
        "become",
        "became",
        "leave",
        "left",
        "send",
        "sends",
        "sent",
        "receive",
        "received",
        "receives",
        "hold",
        "holds",
        "held",
        "bring",
        "brought",
        "buy",
        "pay",
        "paid",
        "sign",
        "signed",
        "signs",
        "check",
        "checks",
        "checked",
        "verify",
        "verified",
        "verifies",
        "accept",
        "accepted",
        "accepts",
        "refuse",
        "refused",
        "refuses",
        "issue",
        "issued",
        "issues",
        "issuer",
        "issuers",
        "holder",
        "holders",
        "wallet",
        "wallets",
        "credential",
        "credentials",
        "relying",
        "party",
        "parties",
        "trust",
        "registry",
        "registered",
        "register",
        "key",
        "keys",
        "binding",
        "bound",
        "claim",
        "claims",
        "level",
        "assurance",
        "policy",
        "requires",
        "required",
        "require",
        "disclosure",
        "disclosures",
        "disclosed",
        "match",
        "matches",
        "matched",
        "digest",
        "digests",
        "expires",
        "expired",
        "expiry",
        "valid",
        "invalid",
        "status",
        "list",
        "lists",
        "revoked",
        "suspended",
        "submitted",
        "accredited",
        "unknown",
        "entity",
        "entities",
        "pending",
        "active",
        "inactive",
        "person",
        "people",
        "organization",
        "organizations",
        "relationship",
        "relationships",
        "business",
        "bank",
        "banks",
        "account",
        "accounts",
        "branch",
        "visit",
        "visiting",
        "application",
        "applications",
        "applies",
        "applied",
        "assessor",
        "assessment",
        "governance",
        "criteria",
        "criterion",
        "met",
        "passed",
        "pass",
        "fail",
        "failed",
        "failure",
        "error",
        "errors",
        "internal",
        "story",
        "stories",
        "step",
        "steps",
        "done",
        "outcome",
        "verdict",
        "presented",
        "presentation",
        "presentations",
        "request",
        "requests",
        "requested",
        "consent",
        "consents",
        "declines",
        "declined",
        "shares",
        "shared",
        "share",
        "nothing",
        "something",
        "everything",
        "anything",
        "someone",
        "everyone",
        "anyone",
        "audience",
        "nonce",
        "signature",
        "signatures",
        "found",
        "missing",
        "present",
        "absent",
        "already",
        "without",
        "within",
        "during",
        "since",
        "through",
        "across",
        "between",
        "among",
        "against",
        "toward",
        "towards",
        "behind",
        "beyond",
        "said",
        "well",
        "back",
        "even",
        "way",
        "because",
        "down",
        "off",
        "above",
        "below",
        "near",
        "far",
        "yet",
        "both",
        "health",
        "portal",
        "service",
        "services",
        "benefits",
        "federal",
        "provincial",
        "territory",
        "province",
        "father",
        "mother",
        "child",
        "children",
        "parent",
        "parents",
        "birth",
        "death",
        "dies",
        "died",
        "died",
        "registers",
        "event",
        "events",
        "delivered",
        "delivery",
        "arrived",
        "propagation",
        "measured",
        "stage",
        "elapsed",
        "cached",
        "cache",
        "bounded",
        "takes",
        "minutes",
        "seconds",
        "second",
        "minute",
        "hour",
        "hours",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "time",
        "times",
        "date",
        "dates",
    ]
)


# What is no word of a language: {placeholders}, `quoted commands`, a pctf-sandbox command line,
# an option (--data-dir), a dotted event name (person.died).
NOT_PROSE = re.compile(r"\{[^}]*\}|`[^`]*`|pctf-sandbox(?: [a-z-]+)*|(?<![\w-])--?[\w-]+|\b\w+\.\w+\b")


def _words(text: str) -> set[str]:
    """The words of ``text``, lowercased, an elided article cut off (l'émetteur: émetteur)."""
    return {re.split(r"[’']", w)[-1].lower() for w in TOKEN.findall(URL.sub(" ", text))}


def _catalogue_words(sentences) -> set[str]:
    return _words(" ".join(NOT_PROSE.sub(" ", s) for s in sentences))


def _data_words() -> set[str]:
    """Every word of the personas' data (names, addresses, organizations): data, not prose."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.update(_words(value))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for v in value:
                walk(v)

    for name, value in vars(scenarios.personas).items():
        if not name.startswith("_"):
            walk(value)
    return found


def _french_words() -> set[str]:
    """Every word the French catalogue uses: a word French sentences use is no English leak."""
    words = _catalogue_words(e["fr"] for e in MESSAGES.values())
    for ctype in CREDENTIAL_TYPES.values():
        words |= _words(ctype.label_fr) | _words(" ".join(c.label_fr for c in ctype.claims))
    return words | _words(" ".join(rp.name_fr for rp in RELYING_PARTIES.values()))


def english_words() -> set[str]:
    """English words that are not French: the common ones, and every word of the English
    catalogue (check details and reason descriptions included) its French side never uses."""
    english = _catalogue_words(e["en"] for e in MESSAGES.values())
    for ctype in CREDENTIAL_TYPES.values():
        english |= _words(ctype.label_en) | _words(" ".join(c.label_en for c in ctype.claims))
    english |= _words(" ".join(rp.name_en for rp in RELYING_PARTIES.values()))
    return (english | COMMON_ENGLISH) - _french_words()


def _prose(token: str) -> str | None:
    """The word a token is, or None when it is not prose (a number, an identifier, a code)."""
    word = re.split(r"[’']", token)[-1].strip("-+").lower()  # l'émetteur -> émetteur
    if not word or any(ch.isdigit() for ch in word) or "_" in word:
        return None
    if word in TECHNICAL or word in REASON_CODES:
        return None
    return word


REASON_CODES = {r.value for r in Reason}


def english_left(text: str) -> list[str]:
    """The English words a person would read in ``text``."""
    english = english_words()
    data = _data_words()
    left = []
    for token in TOKEN.findall(NOT_PROSE.sub(" ", URL.sub(" ", text))):
        word = _prose(token)
        if word is None or token.lower() in data or word in data:
            continue
        for part in word.split("-"):  # "SD-JWT" was dropped whole; "pre-authorized" is two words
            if part in english and part not in left:
                left.append(part)
    return left


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCTF_")}
    env.update(PCTF_DATA_DIR=str(tmp_path / "data"), PCTF_PORT=str(_free_port()), TMPDIR=str(tmp_path), COLUMNS="200")
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def told_in_french(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """Each demo told with ``--lang fr``, the four at once (each in a sandbox of its own)."""
    running = {}
    for demo in DEMOS:
        tmp = tmp_path_factory.mktemp(demo)
        running[demo] = subprocess.Popen(
            [EXE, "demo", demo, "--lang", "fr"],
            env=_env(tmp),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    told = {}
    for demo, proc in running.items():
        out, err = proc.communicate(timeout=180)
        told[demo] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return told


# What the command line printed with --lang fr before every word went through the catalogue.
BEFORE = (
    "│ Signature de l'émetteur │ person │ réussi │ issuer signature verified with key K7sCH0x… │\n"
    "│ Divulgations conformes │ organization │ réussi │ 4 disclosure(s) match digests signed by the issuer │\n"
    "Le Territoire 2 demande à émettre (demande ac319b6006c77ab3, submitted)\n"
    "pour les attestations émises dès maintenant, le registre répond : suspended\n"
    "started the sandbox services in process at http://127.0.0.1:59161 (data in /tmp/fr/data)\n"
)


def test_the_detector_finds_the_english_french_output_used_to_carry():
    left = english_left(BEFORE)
    for word in ("issuer", "verified", "key", "disclosure", "match", "digests", "person", "organization"):
        assert word in left, (word, left)
    for word in ("submitted", "suspended", "started", "process"):
        assert word in left, (word, left)
    assert "signature" not in left and "services" not in left  # French words as well


def test_the_detector_leaves_french_identifiers_and_data_alone():
    text = (
        "Le portefeuille de Sasha a reçu un justificatif Personne vérifiée de Prov1 par OpenID4VCI\n"
        "Adresse 42 Birch Street, Riverton, Prov1, A1B 2C3, CA ; Maple Leaf Designs Inc.\n"
        "refusé (issuer_suspended) ; SD-JWT VC (dc+sd-jwt, algorithme ES256) ; clé K7sCH0xGSMZbbbVv5n1tltM\n"
        "http://127.0.0.1:4000/issuers/prov1 ; TRQP, DCQL, direct_post, KB-JWT ; conflict : Introuvable"
    )
    assert english_left(text) == []


def test_the_english_list_comes_from_the_catalogue():
    english = english_words()
    assert {"disclosure", "digests", "submitted", "holder", "issuer"} <= english
    assert not english & {"justificatif", "émetteur", "nonce", "audience", "active", "date", "service"}
    assert len(english) > 300


@pytest.mark.parametrize("demo", DEMOS)
def test_every_demo_is_french_all_the_way(told_in_french, demo):
    told = told_in_french[demo]
    assert told.returncode == 0, told.stderr[-2000:]
    text = told.stdout + told.stderr
    assert len(text.splitlines()) > 5
    assert english_left(text) == [], text


def test_the_verification_table_names_credential_types_and_details_in_french(told_in_french):
    text = told_in_french["sasha"].stdout
    for shown in (
        "Personne vérifiée",
        "Organisation vérifiée",
        "divulgation(s) conforme(s) aux empreintes signées par l'émetteur",
        "signature de l'émetteur vérifiée avec la clé",
        "La Banque Aurores boréales a vérifié la présentation",
        "communiqué à la Banque Aurores boréales",
    ):
        assert shown in text, shown
    assert not re.search(r"│ (person|organization|relationship) ", text)


def test_statuses_and_articles_are_french(told_in_french):
    onboarding = told_in_french["onboarding"].stdout
    assert "déposée" in onboarding and "suspendu" in onboarding and "entité inconnue" in onboarding
    assert "à la Banque Aurores boréales" in onboarding
    death = told_in_french["death-notification"].stdout
    assert "du Bureau de l'état civil" in death and "de Bureau" not in death
    assert "au Service fédéral des prestations" in death


def test_no_french_sentence_says_attestation():
    for key, entry in MESSAGES.items():
        assert "attestation" not in entry["fr"].lower(), key
    from dashboard.i18n import MESSAGES as DASHBOARD

    for key, entry in DASHBOARD.items():
        assert "attestation" not in entry["fr"].lower(), key


def test_a_failure_line_in_french_keeps_its_reason_code_and_exit_code(tmp_path):
    with socket.socket() as taken:  # another program on the port: the sandbox refuses to share it
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = _env(tmp_path, PCTF_PORT=str(taken.getsockname()[1]))
        french = subprocess.run([EXE, "demo", "sasha", "--lang", "fr"], env=env, capture_output=True, text=True)
        english = subprocess.run([EXE, "demo", "sasha"], env=env, capture_output=True, text=True)
    assert french.returncode == english.returncode == 2
    assert french.stderr.startswith("erreur : conflict : "), french.stderr
    assert english_left(french.stderr) == [], french.stderr
    assert english.stderr.startswith("error: conflict: port "), english.stderr


def test_pctf_lang_gives_the_demo_help_in_french(tmp_path):
    env = _env(tmp_path, PCTF_LANG="fr")
    listing = subprocess.run([EXE, "demo", "--help"], env=env, capture_output=True, text=True)
    assert listing.returncode == 0
    assert "Utilisation" in listing.stdout and "Commandes" in listing.stdout
    assert "Raconter un récit de bout en bout." in listing.stdout
    for demo in DEMOS:
        told = subprocess.run([EXE, "demo", demo, "--help"], env=env, capture_output=True, text=True)
        assert told.returncode == 0, told.stderr
        help_text = told.stdout.split("Options", 1)
        assert MESSAGES[f"help.demo.{demo}"]["fr"].split("\n")[0][:40] in " ".join(told.stdout.split())
        # typer's own words in angle brackets (<bool>, <en|fr>) are types, not sentences
        assert english_left(re.sub(r"<[^>]*>", " ", "".join(help_text))) == [], told.stdout
    english = subprocess.run([EXE, "demo", "sasha", "--help"], env=_env(tmp_path), capture_output=True, text=True)
    assert "Usage" in english.stdout and "Tell the story in English or French" in english.stdout


def test_pctf_lang_is_the_default_language_of_a_demo(tmp_path):
    env = _env(tmp_path, PCTF_LANG="fr")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env["PCTF_PORT"] = str(taken.getsockname()[1])
        told = subprocess.run([EXE, "demo", "sasha"], env=env, capture_output=True, text=True)
        overridden = subprocess.run([EXE, "demo", "sasha", "--lang", "en"], env=env, capture_output=True, text=True)
    assert told.stderr.startswith("erreur : conflict : ")
    assert overridden.stderr.startswith("error: conflict: ")


def _ask(monkeypatch, lang: str, answers: str) -> tuple[bool, str]:
    """The holder's decision at the ``-i`` prompt given ``answers``, and what the prompt showed."""
    import io

    from rich.console import Console

    import cli.support as support

    console = Console(file=io.StringIO(), width=200)
    monkeypatch.setattr(support, "out", console)
    monkeypatch.setattr("sys.stdin", io.StringIO(answers))
    decided = support.consent_prompt(lang, RELYING_PARTIES["bank"].name(lang))({})
    return decided, console.file.getvalue()


def test_the_consent_prompt_asks_in_french_and_asks_again(monkeypatch):
    decided, shown = _ask(monkeypatch, "fr", "x\no\n")
    assert decided is True
    assert shown.count("Communiquer ces attributs à la Banque Aurores boréales? [O/n]") == 2
    assert "Répondez par o (oui) ou n (non)." in shown
    assert english_left(shown) == []
    assert _ask(monkeypatch, "fr", "non\n")[0] is False
    assert _ask(monkeypatch, "fr", "oui\n")[0] is True
    assert _ask(monkeypatch, "fr", "y\n\n")[0] is True  # "y" is no French answer: asked again, Enter accepts
    assert _ask(monkeypatch, "fr", "")[0] is False  # the end of input shares nothing


def test_the_consent_prompt_in_english(monkeypatch):
    decided, shown = _ask(monkeypatch, "en", "o\nn\n")
    assert decided is False
    assert shown.count("Disclose these claims to Northern Lights Bank? [Y/n]") == 2
    assert "Please answer y or n." in shown

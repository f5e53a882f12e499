"""The stories as step-throughs a presenter drives from the keyboard.

A run calls the story's own function (:mod:`scenarios.sasha`) against the live services, with the
operator's keyring, on a thread of its own (:mod:`dashboard.runs`); each step waits for the
presenter. The stories that change a registry for good (onboarding, cross-jurisdiction) run the
same way in a sandbox of their own, which the deployment starts when the run starts and stops
when it ends, so the sandbox these pages show never changes.

A step's page says in plain words what happened (the command line's sentence), who talked to
whom, and shows on demand what crossed the wire, decoded: the credential offer and its QR code,
the credential's claims, the DCQL query, the presentation request's QR code, the wallet's
consent screen, the registry's conformance checks, and the relying party's verdict with every
check and its reason.
Nothing on these pages is made up: every value came back from a service in this run.
"""

from __future__ import annotations

import re
import ssl
import threading
from dataclasses import dataclass, replace
from typing import Any

import httpx
from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse

from pctf.access import Role
from pctf.ca import trust_context
from pctf.observability import outbound_hooks
from pctf.reasons import Reason, SandboxError
from pctf.vocab import credential_type, type_for_vct
from pctf.web import StrictRoute
from scenarios import i18n as story_text
from scenarios.deployment import Deployment
from scenarios.keyring import Keyring
from scenarios.narration import (
    ISSUER_NAMES,
    claim_value,
    issuer_forms,
    issuer_label,
    presentation_sentence,
    reason_phrase,
    rp_forms,
    status_words,
    type_label,
    verdict_rows,
)
from verifier.relying_parties import RELYING_PARTIES

from . import i18n
from .i18n import lang_of
from .pages import SEE_OTHER, dashboard, page_route, redirect, render
from .runs import CONSENT, Run, Runs, SandboxProvider, Step

router = APIRouter(route_class=StrictRoute)
RUN_ID = r"^[A-Za-z0-9_-]{1,32}$"
_OFFER_ROUTE = re.compile(r"^/issuers/[a-z0-9_-]{1,64}/(proofing|incorporations|issuances|relationships)$")
_runs_lock = threading.Lock()


@dataclass(frozen=True)
class Story:
    """A story the page offers: its title (a command-line sentence), its summary, and either how
    to run it here or why it runs only from the command line."""

    id: str
    title: str  # a key of scenarios.i18n
    lead: str  # a key of the dashboard's catalogue
    runnable: bool
    why_not: str | None = None
    command: str | None = None
    note: str | None = None  # what a presenter should know before starting it here
    sandbox: bool = False  # runs in a sandbox of its own, where the deployment can start one


STORIES: dict[str, Story] = {
    s.id: s
    for s in (
        Story("sasha", "demo.title", "run.sasha_lead", True, command="pctf-sandbox demo sasha"),
        Story(
            "onboarding",
            "onboarding.title",
            "run.onboarding_lead",
            False,
            "run.onboarding_why",
            "pctf-sandbox demo onboarding",
            sandbox=True,
        ),
        Story(
            "cross",
            "cross.title",
            "run.cross_lead",
            False,
            "run.cross_why",
            "pctf-sandbox demo cross-jurisdiction",
            sandbox=True,
        ),
        Story(
            "death",
            "death.title",
            "run.death_lead",
            True,
            command="pctf-sandbox demo death-notification",
            note="run.death_once",
        ),
    )
}
HOLDERS = {"sasha": "Sasha", "death": "Gilles", "onboarding": "Maya", "cross": "Nora"}
# A death story run asks the benefits service again every this many seconds until it refuses:
# gentle on the services while the status list's ttl runs out.
DEATH_RETRY_SECONDS = 1.0


def runs(request: Request) -> Runs:
    """The app's live runs, made on first use."""
    state = request.app.state
    with _runs_lock:
        found = getattr(state, "runs", None)
        if found is None:
            found = state.runs = Runs()
    return found


def _story(story: str) -> Story:
    found = STORIES.get(story)
    if found is None:
        raise SandboxError(Reason.NOT_FOUND, f"no story {story!r}", status_code=404)
    return found


def _provider(request: Request) -> SandboxProvider | None:
    """What starts a sandbox of its own for a story, when the deployment gave the dashboard one."""
    found: SandboxProvider | None = getattr(request.app.state, "story_sandbox", None)
    return found


def offered(request: Request, story: Story) -> Story:
    """The story as this deployment offers it: one that needs a sandbox of its own runs here only
    when the deployment can start one, and then its page says so before it starts."""
    if story.sandbox and _provider(request) is not None:
        return replace(story, runnable=True, why_not=None, note=f"run.{story.id}_own")
    return story


# -- running a story -----------------------------------------------------------------------------
def _run_client(request: Request, run: Run) -> httpx.Client:
    """A client acting with the operator's keyring, like :attr:`Dashboard.operator`, that also
    keeps each credential offer an issuer answers with, so the page can show the very offer
    the wallet redeemed (the story itself passes on only its code)."""
    board = dashboard(request)
    return _client(board.operator.auth, board.operator.timeout, run, verify=trust_context(board.settings.data_dir))


def _client(
    auth: httpx.Auth | None, timeout: httpx.Timeout, run: Run, *, verify: ssl.SSLContext | bool = True
) -> httpx.Client:
    """A client acting with ``auth`` that keeps each credential offer an issuer answers with;
    ``verify``: the TLS trust (the sandbox's root beside the system's, pctf.ca)."""

    def keep_offer(response: httpx.Response) -> None:
        if response.request.method != "POST" or not _OFFER_ROUTE.match(response.request.url.path):
            return
        if response.status_code >= 300:
            return
        response.read()
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict) and "credential_offer" in body:
            run.keep("offers", {k: body.get(k) for k in ("credential_offer", "credential_offer_uri", "tx_code")})

    return httpx.Client(
        auth=auth,
        timeout=timeout,
        follow_redirects=False,
        event_hooks=outbound_hooks({"response": [keep_offer]}),
        verify=verify,
    )


def _sasha(request: Request):
    board = dashboard(request)
    where = Deployment.from_settings(board.settings)

    def call(run: Run) -> dict:
        from scenarios import sasha

        with _run_client(request, run) as http:
            return sasha.run(where, http, run.narrate, approve=run.approve)

    return call


def _death(request: Request):
    board = dashboard(request)
    where = Deployment.from_settings(board.settings)
    ttl = board.settings.status_list_ttl_seconds

    def call(run: Run) -> dict:
        from scenarios import death_notification

        with _run_client(request, run) as http:
            return death_notification.run(
                where,
                http,
                run.narrate,
                ttl_seconds=ttl,
                retry_every=DEATH_RETRY_SECONDS,
                max_attempts=int(ttl / DEATH_RETRY_SECONDS) + 25,
            )

    return call


def _in_own_sandbox(story: str):
    """A starter for a story that runs in a sandbox of its own: the run's thread starts that
    sandbox, tells the story there with the sandbox's own keyring, and stops it when the story
    ends, fails or is cancelled (leaving the ``with`` blocks), so no run leaves a server behind."""

    def starter(request: Request):
        provide = _provider(request)
        if provide is None:
            raise SandboxError(Reason.CONFLICT, f"the {story} story runs from the command line only", status_code=409)
        timeout = dashboard(request).operator.timeout

        def call(run: Run) -> dict:
            from scenarios import cross_jurisdiction, onboarding

            tell = onboarding.run if story == "onboarding" else cross_jurisdiction.run
            with provide(story) as box:
                with _client(Keyring(box.settings), timeout, run) as http:
                    return tell(box.settings.base_url, http, run.narrate, **box.kwargs)

        return call

    return starter


STARTERS = {
    "sasha": _sasha,
    "death": _death,
    "onboarding": _in_own_sandbox("onboarding"),
    "cross": _in_own_sandbox("cross"),
}


# -- what a step shows ---------------------------------------------------------------------------
def _claim_label(type_name: str, path: list, lang: str) -> str:
    try:
        return credential_type(type_name).label(path, lang)
    except SandboxError:
        return ".".join(str(p) for p in path)


def _issuer_of(url: str, lang: str) -> str:
    return issuer_label(url.rstrip("/").rsplit("/", 1)[-1], lang)


def _rp_name(rp: str | None, lang: str) -> str:
    found = RELYING_PARTIES.get(rp or "bank")
    return found.name(lang) if found else str(rp)


def _word(prefix: str, value: Any, lang: str) -> str | None:
    """``value`` in the page's words when the catalogue has it under ``prefix``, else as it came."""
    if value is None:
        return None
    entry = i18n.MESSAGES.get(f"{prefix}{value}")
    return entry[lang] if entry else str(value)


def _story_t(key: str, lang: str, **values: Any) -> str:
    return story_text.t(key, lang, **values)


def sentence(event: str, data: dict[str, Any], lang: str, person: str) -> str:
    """The step in plain words: the sentence the command line's narrator tells it with."""
    if event == "wallet":
        return _story_t("step.wallet", lang, kid=str(data["kid"])[:12] + "…")
    if event == "proofing":
        docs = [_story_t(f"evidence.{e}", lang) for e in data["evidence"]]
        return _story_t(
            "step.proofing",
            lang,
            issuer=ISSUER_NAMES.get(data["issuer"], data["issuer"]),
            evidence=f" {_story_t('and', lang)} ".join(docs),
        )
    if event == "proofed":
        return _story_t("step.proofed", lang, loa=data["loa"], tx=data["tx_code"])
    if event == "incorporate":
        return _story_t("step.incorporate", lang, legal_name=data["legal_name"])
    if event == "incorporated":
        return _story_t("step.incorporated", lang, bn=data["business_number"])
    if event == "verdict" and not (data.get("verdict") or {}).get("checks"):
        return i18n.t("run.declined_verdict", lang, **rp_forms(data.get("rp") or "bank", lang))
    told = presentation_sentence(event, data, lang, holder=person)
    if told is not None:
        return told
    if event.startswith("death."):
        return _death_sentence(event, data, lang)
    if event.startswith(("onboarding.", "cross.")):
        return _onboarding_sentence(event, data, lang)
    try:
        return _story_t(event, lang, **data)
    except (KeyError, IndexError, ValueError):
        return event


def _number(value: float, lang: str) -> str:
    """``1,145.6`` in English, ``1 145,6`` in French, as the command line writes them."""
    text = f"{value:,.1f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "fr" else text


def _outcome_words(verdict: dict | None, lang: str) -> str:
    verdict = verdict or {"accepted": False, "reasons": []}
    if verdict.get("accepted"):
        return _story_t("death.accepted", lang)
    return _story_t("death.refused", lang, reasons=", ".join(verdict.get("reasons", [])))


def _death_sentence(event: str, data: dict[str, Any], lang: str) -> str:
    """The death notification story's steps, in the command line's words."""
    if event == "death.received":
        cred = data["credential"]
        return _story_t(
            event,
            lang,
            person=data["person"],
            type=type_label(cred["type"], lang),
            **issuer_forms(cred["issuer"], lang),
        )
    if event in ("death.presented", "death.presented_after"):
        return _story_t(
            event,
            lang,
            person=data["person"],
            **rp_forms("fed-benefits", lang),
            outcome=_outcome_words(data.get("verdict"), lang),
            cached=data.get("cached", 0),
            ttl=data.get("ttl", ""),
        )
    if event == "death.delivered":
        issuer = issuer_label(data["issuer"], lang)
        if data["delivered"]:
            return _story_t(event, lang, issuer=issuer, ms=_number(data["ms"], lang), revoked=data["revoked"])
        return _story_t("death.not_delivered", lang, issuer=issuer)
    if event == "death.wallet_view":
        colon = " : " if lang == "fr" else ": "  # French puts a space before the colon
        shown = ", ".join(
            f"{type_label(k, lang)}{colon}{_story_t('status.' + v, lang)}" for k, v in data["statuses"].items()
        )
        return _story_t(event, lang, person=data["person"], statuses=shown)
    if event == "death.propagation":
        return _story_t(event, lang)
    try:
        return _story_t(event, lang, **data)
    except (KeyError, IndexError, ValueError):
        return event


def _verdict_words(verdict: dict, lang: str) -> str:
    if verdict.get("accepted"):
        return _story_t("onboarding.accepted", lang)
    return _story_t("onboarding.refused", lang, reasons=", ".join(verdict.get("reasons", [])))


def _onboarding_sentence(event: str, data: dict[str, Any], lang: str) -> str:
    """The onboarding and cross-jurisdiction stories' steps, in the command line's words."""
    try:
        if event == "onboarding.conformance":
            checks = data["checks"]
            return _story_t(event, lang, passed=sum(bool(c.get("passed")) for c in checks), total=len(checks))
        if event in ("onboarding.bank", "onboarding.bank_again", "cross.portal"):
            return _story_t(
                event,
                lang,
                person=data["person"],
                **rp_forms("prov2-health" if event == "cross.portal" else "bank-personal", lang),
                outcome=_verdict_words(data.get("verdict") or {}, lang),
            )
        if event == "cross.recognized":
            return _story_t(event, lang, recognized=_story_t("word.yes" if data["recognized"] else "word.no", lang))
        if event == "onboarding.audit":
            valid = _story_t("onboarding.intact" if data["valid"] else "onboarding.broken", lang)
            return _story_t(event, lang, entries=data["entries"], valid=valid)
        return _story_t(event, lang, **status_words(data, lang))
    except (KeyError, IndexError, ValueError, TypeError):
        return event


# event -> (from, to, how): "holder", "wallet", "issuer", "rp", "registry", "issuers" name parties;
# in the onboarding and cross-jurisdiction stories also "terr1", "terr2", "bank", "portal",
# "anyone", "assessor", "governance", "framework" (Territory 1's registry) and "framework_gov".
PARTIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "wallet": (("holder", "wallet", "run.proto.wallet_api"),),
    "proofing": (("holder", "issuer", "run.proto.proofing"),),
    "proofed": (("issuer", "holder", "run.proto.offer"),),
    "received": (("wallet", "issuer", "run.proto.oid4vci"),),
    "incorporate": (("holder", "issuer", "run.proto.registration"),),
    "incorporated": (("issuer", "holder", "run.proto.offer"),),
    "request": (("rp", "wallet", "run.proto.oid4vp_request"),),
    "consent": (("wallet", "holder", "run.proto.consent"),),
    "consented": (("wallet", "rp", "run.proto.direct_post"),),
    "declined": (("wallet", "rp", "run.proto.direct_post_error"),),
    "verdict": (("rp", "registry", "run.proto.trqp"), ("rp", "issuers", "run.proto.status_list")),
    "death.wallet": (("holder", "wallet", "run.proto.wallet_api"),),
    "death.received": (("wallet", "issuer", "run.proto.oid4vci"),),
    "death.presented": (
        ("wallet", "rp", "run.proto.presentation"),
        ("rp", "registry", "run.proto.trqp"),
        ("rp", "issuers", "run.proto.status_list"),
    ),
    "death.registered": (("vitalstats", "issuers", "run.proto.death_event"),),
    "death.delivered": (("vitalstats", "issuer", "run.proto.death_event"),),
    "death.presented_after": (("wallet", "rp", "run.proto.presentation"), ("rp", "issuers", "run.proto.status_list")),
    "death.wallet_view": (("wallet", "issuers", "run.proto.status_list"),),
    "onboarding.unknown": (("anyone", "registry", "run.proto.trqp"),),
    "onboarding.applied": (("terr2", "registry", "run.proto.application"),),
    "onboarding.conformance": (
        ("terr2", "registry", "run.proto.conformance_ask"),
        ("registry", "terr2", "run.proto.conformance"),
    ),
    "onboarding.assessed": (("assessor", "registry", "run.proto.assessment"),),
    "onboarding.accredited": (
        ("governance", "registry", "run.proto.accreditation"),
        ("anyone", "registry", "run.proto.trqp"),
    ),
    "onboarding.bank": (
        ("holder", "terr2", "run.proto.proofing"),
        ("wallet", "terr2", "run.proto.oid4vci"),
        ("wallet", "bank", "run.proto.presentation"),
        ("bank", "registry", "run.proto.trqp"),
        ("bank", "terr2", "run.proto.status_list"),
    ),
    "onboarding.suspended": (
        ("governance", "registry", "run.proto.suspension"),
        ("anyone", "registry", "run.proto.trqp"),
    ),
    "onboarding.bank_again": (
        ("wallet", "bank", "run.proto.presentation"),
        ("bank", "registry", "run.proto.trqp"),
        ("bank", "terr2", "run.proto.status_list"),
    ),
    "onboarding.audit": (("anyone", "registry", "run.proto.audit"),),
    "cross.framework": (
        ("framework_gov", "terr1", "run.proto.issuer_keys"),
        ("framework_gov", "framework", "run.proto.framework_accredit"),
    ),
    "cross.unknown": (("anyone", "registry", "run.proto.trqp"),),
    "cross.recognized": (
        ("governance", "registry", "run.proto.recognition_record"),
        ("anyone", "registry", "run.proto.trqp_recognition"),
    ),
}
# Nora's first visit to the portal, before the recognition: she gets her credential first, and
# the portal's verifier finds the issuer unknown to the pan-Canadian registry.
CROSS_BEFORE = (
    ("holder", "terr1", "run.proto.proofing"),
    ("wallet", "terr1", "run.proto.oid4vci"),
    ("wallet", "portal", "run.proto.presentation"),
    ("portal", "registry", "run.proto.trqp"),
)
# Her second, once the registry recognizes Territory 1's framework: the verifier asks the
# registry whether it recognizes the framework, then the framework's registry about the issuer.
CROSS_AFTER = (
    ("wallet", "portal", "run.proto.presentation"),
    ("portal", "registry", "run.proto.trqp"),
    ("portal", "registry", "run.proto.trqp_recognition"),
    ("portal", "framework", "run.proto.trqp_framework"),
    ("portal", "terr1", "run.proto.status_list"),
)


def parties(steps: list[Step], index: int, lang: str, person: str) -> list[dict[str, str]]:
    """Who talks to whom in step ``index``: the issuer is the one the step (or the one before it) names."""
    step = steps[index]
    rows = PARTIES.get(step.event, ())
    if step.event == "verdict" and not (step.data.get("verdict") or {}).get("checks"):
        rows = ()
    if step.event == "cross.portal":
        rows = CROSS_AFTER if any(s.event == "cross.recognized" for s in steps[:index]) else CROSS_BEFORE
    if isinstance(step.data.get("person"), str):
        person = step.data["person"]
    issuer = "?"
    for earlier in reversed(steps[: index + 1]):
        if "issuer" in earlier.data:
            issuer = issuer_label(earlier.data["issuer"], lang)
            break
        if "credential" in earlier.data:
            issuer = _issuer_of(earlier.data["credential"]["issuer"], lang)
            break
        if earlier.event in ("incorporate", "incorporated"):
            issuer = ISSUER_NAMES["fed"]
            break
    rp = "fed-benefits" if step.event.startswith("death.") else None
    for earlier in reversed(steps[: index + 1]):
        if "rp" in earlier.data:
            rp = earlier.data["rp"]
            break
    names = {
        "holder": person,
        "wallet": i18n.t("run.party.wallet", lang, person=person),
        "issuer": issuer,
        "rp": _rp_name(rp, lang),
        "registry": i18n.t("run.party.registry", lang),
        "issuers": i18n.t("run.party.issuers", lang),
        "vitalstats": issuer_label("vitalstats", lang),
        "terr1": issuer_label("terr1", lang),
        "terr2": issuer_label("terr2", lang),
        "bank": _rp_name("bank-personal", lang),
        "portal": _rp_name("prov2-health", lang),
        "anyone": i18n.t("run.party.anyone", lang),
        "assessor": i18n.t("run.party.assessor", lang),
        "governance": i18n.t("run.party.governance", lang),
        "framework": i18n.t("run.party.framework", lang),
        "framework_gov": i18n.t("run.party.framework_governance", lang),
    }
    return [{"from": names[a], "to": names[b], "how": i18n.t(how, lang)} for a, b, how in rows]


def _asked(request: dict, lang: str) -> list[dict[str, str]]:
    """The DCQL query in words: each credential type asked for, and its claims."""
    rows = []
    for cq in (request.get("request") or {}).get("dcql_query", {}).get("credentials", []):
        vct = (cq.get("meta") or {}).get("vct_values", ["?"])[0]
        ct = type_for_vct(vct)
        name = ct.name if ct else vct
        rows.append(
            {
                "type": type_label(name, lang) if ct else vct,
                "claims": ", ".join(_claim_label(name, c["path"], lang) for c in cq.get("claims", [])),
            }
        )
    return rows


def _review_rows(review: dict, lang: str) -> list[dict[str, str]]:
    rows = []
    for item in review.get("credentials", []):
        for d in item.get("disclose", []):
            rows.append(
                {
                    "type": type_label(item["type"], lang),
                    "issuer": _issuer_of(item.get("issuer", ""), lang),
                    "claim": _claim_label(item["type"], d["path"], lang),
                    "value": claim_value(d["value"], lang),
                }
            )
    return rows


def _conformance(checks: list, lang: str) -> list[dict[str, Any]]:
    """The registry's conformance checks as a table: each check's words, its mark, why it failed
    and what the registry looked at."""
    rows = []
    for c in checks:
        if not isinstance(c, dict):
            continue
        label = story_text.MESSAGES.get(f"conformance.{c.get('id')}")
        reason = c.get("reason")
        rows.append(
            {
                "id": c.get("id"),
                "label": label[lang] if label else str(c.get("id")),
                "passed": bool(c.get("passed")),
                "reason": reason,
                "phrase": reason_phrase(reason, lang) if reason else "",
                "evidence": [str(e) for e in (c.get("evidence") or [])],
            }
        )
    return rows


# What a step may show beyond its sentence; absent parts are None, so a template can test each.
STEP_PARTS = [
    "claims",
    "credential",
    "request",
    "asked",
    "review",
    "review_rows",
    "verifier",
    "to_verifier",
    "client_id",
    "purpose",
    "decision",
    "verdict",
    "accepted",
    "checks",
    "reasons",
    "status",
    "evidence",
    "legs",
    "note",
    "propagation",
    "conformance",
    "conformance_report",
]


def view(steps: list[Step], index: int, lang: str, person: str) -> dict[str, Any]:
    """Everything a step's part of the page shows, in ``lang``."""
    step = steps[index]
    data = step.data
    shown: dict[str, Any] = {
        "number": step.number,
        "event": step.event,
        "sentence": sentence(step.event, data, lang, person),
        "parties": parties(steps, index, lang, person),
        "offers": step.artefacts.get("offers", []),
        **{name: None for name in STEP_PARTS},
    }
    if step.event in ("received", "death.received"):
        cred = data["credential"]
        shown["claims"] = [
            {"claim": _claim_label(cred["type"], [name], lang), "value": claim_value(value, lang)}
            for name, value in cred.get("claims", {}).items()
        ]
        shown["credential"] = cred
    elif step.event == "request":
        shown["request"] = data["request"]
        shown["asked"] = _asked(data["request"], lang)
    elif step.event == "consent":
        review = data["review"]
        rp = RELYING_PARTIES.get(data.get("rp") or "bank")
        shown["review"] = review
        shown["review_rows"] = _review_rows(review, lang)
        shown["verifier"] = _rp_name(data.get("rp"), lang)
        shown["to_verifier"] = rp_forms(data.get("rp") or "bank", lang)["to_rp"]
        shown["client_id"] = review.get("verifier", "")
        shown["purpose"] = review.get("purpose") or (
            (rp.policy.purpose_fr if lang == "fr" else rp.policy.purpose_en) if rp else ""
        )
    elif step.event in ("consented", "declined"):
        shown["decision"] = data.get("decision")
    elif step.event == "death.propagation":
        p = data["propagation"]
        shown["legs"] = [
            {
                "label": _story_t(label, lang),
                "elapsed": "—" if p.get(key) is None else f"{_number(p[key], lang)} ms",
            }
            for key, label in (
                ("delivery_ms", "death.leg.delivered"),
                ("revocation_ms", "death.leg.revoked"),
                ("rejection_ms", "death.leg.rejected"),
            )
        ]
        shown["note"] = _story_t(
            "death.ttl_note", lang, ttl=p["status_list_ttl_seconds"], cached=p["accepted_from_cached_status_list"]
        )
        shown["propagation"] = p
    elif step.event == "onboarding.conformance":
        shown["conformance"] = _conformance(data.get("checks") or [], lang)
        shown["conformance_report"] = {"passed": data.get("passed"), "checks": data.get("checks")}
    with_verdict = step.event.startswith("death.presented") or step.event in (
        "onboarding.bank",
        "onboarding.bank_again",
        "cross.portal",
    )
    if step.event == "verdict" or (with_verdict and isinstance(data.get("verdict"), dict)):
        verdict = data.get("verdict") or {}
        shown["verdict"] = verdict
        shown["accepted"] = bool(verdict.get("accepted"))
        shown["checks"] = verdict_rows(verdict, lang)
        shown["reasons"] = [{"code": r, "phrase": reason_phrase(r, lang)} for r in verdict.get("reasons", [])]
        shown["status"] = _word("run.request_status.", data.get("status"), lang)
        shown["evidence"] = [
            {
                "kind": _word("run.evidence.", e.get("kind"), lang),
                "credential": e.get("credential"),
                "source": _word("run.source.", e.get("source"), lang),
                "request": e.get("request"),
                "answer": e.get("answer"),
            }
            for e in (data.get("evidence") or [])
            if isinstance(e, dict)
        ]
    return shown


def outcome(run: Run, lang: str) -> dict[str, Any] | None:
    """The story's end in one sentence (the command line's), once it is over."""
    result = run.result
    if result and "ok" in result:  # the stories that tell whether everything went as expected
        return {
            "accepted": bool(result["ok"]),
            "text": _story_t(f"{run.story}.{'ok' if result['ok'] else 'not_ok'}", lang),
        }
    if not result or "verdict" not in result:
        return None
    verdict = result["verdict"] or {}
    if verdict.get("accepted"):
        text = _story_t("result.accepted", lang, legal_name=result.get("legal_name", ""), **rp_forms("bank", lang))
    else:
        reasons = ", ".join(reason_phrase(r, lang) for r in verdict.get("reasons", []))
        text = _story_t("result.rejected", lang, reasons=reasons)
    return {"accepted": bool(verdict.get("accepted")), "text": text}


# -- pages ---------------------------------------------------------------------------------------
@router.get("/ui/stories", response_class=HTMLResponse, **page_route(Role.PUBLIC))
def stories_page(request: Request) -> Any:
    """Every story, the ones a presenter can run here first; the others say why they run only
    from the command line."""
    return render(request, "stories.html", stories=[offered(request, s) for s in STORIES.values()], single=False)


@router.get("/ui/stories/{story}", response_class=HTMLResponse, **page_route(Role.PRESENTER))
def story_page(request: Request, story: str = PathParam(..., max_length=32)) -> Any:
    """A story's introduction, with the button that starts a run."""
    return render(request, "stories.html", stories=[offered(request, _story(story))], single=True)


@router.post(
    "/ui/stories/{story}/runs", response_class=RedirectResponse, **page_route(Role.PRESENTER, responses=SEE_OTHER)
)
def start_run(request: Request, story: str = PathParam(..., max_length=32)) -> Any:
    """Start a run of the story against the live services; its page shows the first step."""
    found = offered(request, _story(story))
    if not found.runnable or found.id not in STARTERS:
        raise SandboxError(Reason.CONFLICT, f"the {story} story runs from the command line only", status_code=409)
    run = runs(request).start(found.id, STARTERS[found.id](request))
    return redirect(f"/ui/runs/{run.id}#step-{len(run.steps)}")


@router.get("/ui/runs/{run_id}", response_class=HTMLResponse, **page_route(Role.PRESENTER))
def run_page(request: Request, run_id: str = PathParam(..., pattern=RUN_ID)) -> Any:
    """A run: every step so far, the newest open, and what the presenter can do next."""
    run = runs(request).get(run_id)
    run.look()
    steps, state = run.snapshot()
    lang = lang_of(request)
    person = HOLDERS.get(run.story, run.story)
    shown = [view(steps, i, lang, person) for i in range(len(steps))]
    return render(
        request,
        "run.html",
        run=run,
        story=offered(request, _story(run.story)),
        steps=shown,
        state=state,
        consent=state == CONSENT,
        error=run.error,
        error_phrase=reason_phrase(run.error[0], lang) if run.error else None,
        outcome=outcome(run, lang) if state == "done" else None,
    )


@router.post(
    "/ui/runs/{run_id}/next", response_class=RedirectResponse, **page_route(Role.PRESENTER, responses=SEE_OTHER)
)
def next_step(request: Request, run_id: str = PathParam(..., pattern=RUN_ID)) -> Any:
    """Let the story go on to its next step; back to the run page, at that step."""
    run = runs(request).get(run_id)
    run.next()
    return redirect(f"/ui/runs/{run.id}#step-{len(run.steps)}")


@router.post(
    "/ui/runs/{run_id}/consent", response_class=RedirectResponse, **page_route(Role.PRESENTER, responses=SEE_OTHER)
)
def consent(
    request: Request,
    run_id: str = PathParam(..., pattern=RUN_ID),
    decision: str = Form(..., max_length=16),
) -> Any:
    """The holder's answer on the wallet's consent screen: ``accept`` or ``decline``. The story
    posts it to the wallet with the holder's token, as a wallet app would."""
    if decision not in ("accept", "decline"):
        raise SandboxError(Reason.BAD_REQUEST, "decision must be accept or decline")
    run = runs(request).get(run_id)
    run.decide(decision == "accept")
    return redirect(f"/ui/runs/{run.id}#step-{len(run.steps)}")

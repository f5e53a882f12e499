"""Terminal narration of a journey, in English or French, with rich."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from pctf.reasons import SandboxError
from pctf.vocab import credential_type, type_for_vct
from scenarios.i18n import MESSAGES, first_name, named, t
from verifier.relying_parties import RELYING_PARTIES, relying_party

ISSUER_NAMES = {"prov1": "Prov1", "prov2": "Prov2", "terr1": "Terr1", "terr2": "Terr2", "fed": "Fed"}


def issuer_label(short_id: str, lang: str) -> str:
    """A sandbox issuer's short name (Prov1, Fed, ...), else its full name in ``lang``."""
    from issuers.jurisdictions import SANDBOX_ISSUERS

    if short_id in ISSUER_NAMES:
        return ISSUER_NAMES[short_id]
    found = SANDBOX_ISSUERS.get(short_id)
    return found.name(lang) if found else short_id


def type_label(name: str, lang: str) -> str:
    try:
        ct = credential_type(name)
    except SandboxError:
        return name
    return ct.label_fr if lang == "fr" else ct.label_en


def _claim_label(type_name: str, path: list, lang: str) -> str:
    try:
        return credential_type(type_name).label(path, lang)
    except SandboxError:
        return ".".join(str(p) for p in path)


def _show(value) -> str:
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values())
    return str(value)


def _number(value: float, lang: str) -> str:
    """``1,145.6`` in English, ``1 145,6`` in French."""
    text = f"{value:,.1f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "fr" else text


def _milliseconds(value: float, lang: str) -> str:
    return f"{_number(value, lang)} ms"


def holder_name(wallet_id: str | None) -> str:
    """The first name of the persona whose wallet ``wallet_id`` is, as a sentence names them."""
    from scenarios.personas import WALLETS

    if not wallet_id:
        return ""
    return first_name(WALLETS.get(wallet_id, wallet_id))


def rp_forms(rp: str | None, lang: str) -> dict[str, str]:
    """A relying party's name in the forms a sentence needs (``{rp}``, ``{to_rp}``...)."""
    found = RELYING_PARTIES.get(rp or "")
    return named("rp", found.name(lang) if found else str(rp), lang)


def issuer_forms(issuer_url: str, lang: str) -> dict[str, str]:
    """An issuer named from its URL (``…/issuers/prov1``), in the forms a sentence needs
    (``{issuer}``, ``{from_issuer}``...)."""
    return named("issuer", issuer_label(issuer_url.rstrip("/").rsplit("/", 1)[-1], lang), lang)


def status_words(data: dict, lang: str) -> dict:
    """``data`` with a TRQP ``status`` and an application ``state`` in words of ``lang``."""
    shown = dict(data)
    for field, prefix in (("status", "trqp."), ("state", "application.")):
        value = shown.get(field)
        if isinstance(value, str) and f"{prefix}{value}" in MESSAGES:
            shown[field] = t(f"{prefix}{value}", lang)
    return shown


def claim_value(value: object, lang: str) -> str:
    """A claim's value as a person reads it: a code the catalogue knows (``director``) in words."""
    if isinstance(value, dict):
        return ", ".join(claim_value(v, lang) for v in value.values())
    if isinstance(value, list):
        return ", ".join(claim_value(v, lang) for v in value)
    if isinstance(value, str) and f"value.{value}" in MESSAGES:
        return t(f"value.{value}", lang)
    return str(value)


def reason_phrase(code: str | None, lang: str) -> str:
    """A reason code's description in ``lang`` (the code itself is shown beside it)."""
    return t(f"reason.{code}" if f"reason.{code}" in MESSAGES else "reason.other", lang)


def credential_types(verdict: dict) -> dict[str, str]:
    """The credential type of each DCQL query id a verdict speaks of, from what its checks say."""
    found = {q: c["type"] for q, c in (verdict.get("credentials") or {}).items() if c.get("type")}
    for c in verdict.get("checks") or []:
        params = c.get("params") or {}
        if c.get("credential") and params.get("type") and c["credential"] not in found:
            found[c["credential"]] = str(params["type"])
    return found


def _path_label(types: dict[str, str], query_id: str, path: list, lang: str) -> str:
    """``relationship.person.given_name`` as "Verified Relationship › Person › Given name": a
    nested claim's last name is labelled as the credential type that defines it labels it."""
    from pctf.vocab import CREDENTIAL_TYPES

    type_name = types.get(query_id, query_id)
    parts = [type_label(type_name, lang), _claim_label(type_name, list(path[:1]), lang)]
    if len(path) > 1:
        leaf = str(path[-1])
        defining = next((ct for ct in CREDENTIAL_TYPES.values() if any(c.name == leaf for c in ct.claims)), None)
        parts.append(defining.label([leaf], lang) if defining else leaf)
    return " › ".join(parts)


def _passed_detail(check: dict, lang: str, types: dict[str, str]) -> str:
    """A passed check's detail in ``lang``, formed from its ``params``."""
    name, p = check.get("check"), check.get("params") or {}
    try:
        if name == "credential_type":
            return t("detail.credential_type", lang, type=type_label(str(p.get("type") or p["vct"]), lang))
        if name == "validity":
            key = "detail.validity" if p.get("expires") else "detail.validity_open"
            return t(key, lang, issued=p["issued"], expires=p.get("expires"))
        if name == "holder_binding":
            if p.get("key_binding"):
                return t("detail.holder_binding", lang)
            return t("detail.holder_bound", lang, thumbprint=p["thumbprint"])
        if name == "issuer_authorized":
            source = t(f"detail.source.{p['source']}", lang, authority=p.get("authority"))
            return t("detail.issuer_authorized", lang, source=source, type=type_label(p["type"], lang), loa=p["loa"])
        if name == "credential_status":
            return t("detail.credential_status" if p.get("status") == "valid" else "detail.no_status_list", lang)
        if name in ("organization_active", "role_accepted") or ("accepted" in p and "path" in p):
            type_name = types.get(check.get("credential") or "", "")
            value = p.get("value")
            return t(
                "detail.rule",
                lang,
                claim=_claim_label(type_name, p["path"], lang),
                value=t("detail.absent", lang) if value is None else claim_value(value, lang),
                accepted=", ".join(claim_value(v, lang) for v in p["accepted"]),
            )
        if name == "linked":
            return t(
                "detail.linked" if p["equal"] else "detail.not_linked",
                lang,
                left=_path_label(types, p["left"], p["left_path"], lang),
                right=_path_label(types, p["right"], p["right_path"], lang),
            )
        if name == "same_holder":
            return t("detail.same_holder", lang)
        if f"detail.{name}" in MESSAGES and p:
            return t(f"detail.{name}", lang, **p)
    except (KeyError, IndexError, ValueError):
        pass
    return str(check.get("detail") or "")  # a check this catalogue has no words for: as it came


def check_view(check: dict, lang: str, types: dict[str, str] | None = None) -> dict:
    """One check of a verdict as people are shown it, in ``lang``: what was checked, of which
    credential (its type, not the query id), whether it passed, and why: the detail of a passed
    check in words, or the reason a failed one gives (its code kept beside it, for people to quote).
    ``types`` maps the verdict's query ids to credential types (:func:`credential_types`)."""
    types = types or {}
    query_id = check.get("credential")
    reason = check.get("reason")
    return {
        "label": t(f"check.{check.get('check')}", lang),
        "credential": type_label(types[query_id], lang) if query_id in types else (query_id or "—"),
        "passed": bool(check.get("passed")),
        "reason": reason,
        "phrase": reason_phrase(reason, lang) if reason and not check.get("passed") else "",
        "detail": _passed_detail(check, lang, types) if check.get("passed") else "",
    }


def verdict_rows(verdict: dict, lang: str) -> list[dict]:
    """Every check of ``verdict``, as :func:`check_view` shows it."""
    types = credential_types(verdict)
    return [check_view(c, lang, types) for c in verdict.get("checks") or []]


def presentation_sentence(event: str, data: dict, lang: str, holder: str = "") -> str | None:
    """The generic steps of a presentation (:func:`scenarios.steps.present`: ``request``,
    ``consent``, ``consented``, ``declined``, ``verdict``) and of a credential's receipt
    (``received``) in a sentence naming the holder and the relying party; None for another event.
    ``holder`` names the holder when the event does not (``holder=`` a wallet id)."""
    who = named("holder", holder_name(data.get("holder")) or holder, lang)
    rp = rp_forms(data.get("rp") or "bank", lang)
    if event == "received":
        cred = data["credential"]
        forms = issuer_forms(cred["issuer"], lang)
        return t("step.received", lang, **who, type=type_label(cred["type"], lang), **forms)
    if event in ("request", "consent", "consented", "declined", "verdict"):
        return t(f"step.{event}", lang, **who, **rp)
    return None


class Narrator:
    """Callable as ``narrate(event, **data)``; silent when ``quiet`` (the ``--json`` mode)."""

    def __init__(self, console: Console, lang: str = "en", *, quiet: bool = False) -> None:
        self.console = console
        self.lang = lang
        self.quiet = quiet
        self.step = 0

    def note(self, text: str) -> None:
        if not self.quiet:
            self.console.print(f"[dim]{text}[/]", highlight=False)

    def title(self, text: str) -> None:
        if not self.quiet:
            self.console.print(Panel.fit(f"[bold]{text}[/]"))

    def _say(self, text: str) -> None:
        self.step += 1
        self.console.print(f"[bold cyan]{self.step:>2}.[/] {text}", highlight=False)

    def __call__(self, event: str, **data) -> None:
        if self.quiet:
            return
        lang = self.lang
        if event == "wallet":
            self._say(t("step.wallet", lang, kid=data["kid"][:12] + "…"))
        elif event == "proofing":
            docs = [t(f"evidence.{e}", lang) for e in data["evidence"]]
            self._say(
                t(
                    "step.proofing",
                    lang,
                    issuer=ISSUER_NAMES.get(data["issuer"], data["issuer"]),
                    evidence=f" {t('and', lang)} ".join(docs),
                )
            )
        elif event == "proofed":
            self._say(t("step.proofed", lang, loa=data["loa"], tx=data["tx_code"]))
        elif event == "received":
            cred = data["credential"]
            self._say(presentation_sentence(event, data, lang, holder="Sasha") or "")
            table = Table(t("col.claim", lang), t("col.value", lang), box=None, padding=(0, 2))
            for name, value in cred["claims"].items():
                table.add_row(_claim_label(cred["type"], [name], lang), claim_value(value, lang))
            self.console.print(table)
        elif event == "incorporate":
            self._say(t("step.incorporate", lang, legal_name=data["legal_name"]))
        elif event == "incorporated":
            self._say(t("step.incorporated", lang, bn=data["business_number"]))
        elif event == "request":
            self._say(presentation_sentence(event, data, lang) or "")
            colon = " : " if lang == "fr" else ": "  # French puts a space before the colon
            for cq in data["request"]["request"]["dcql_query"]["credentials"]:
                vct = cq["meta"]["vct_values"][0]
                ct = type_for_vct(vct)
                paths = ", ".join(_claim_label(ct.name if ct else vct, c["path"], lang) for c in cq.get("claims", []))
                kind = type_label(ct.name, lang) if ct else vct
                self.console.print(f"     • {kind}{colon}{paths}", highlight=False)
        elif event == "consent":
            self._say(presentation_sentence(event, data, lang) or "")
            table = Table(
                t("col.credential", lang), t("col.claim", lang), t("col.value", lang), box=None, padding=(0, 2)
            )
            for item in data["review"]["credentials"]:
                for d in item["disclose"]:
                    table.add_row(
                        type_label(item["type"], lang),
                        _claim_label(item["type"], d["path"], lang),
                        claim_value(d["value"], lang),
                    )
            self.console.print(table)
        elif event in ("consented", "declined"):
            self._say(presentation_sentence(event, data, lang) or "")
        elif event.startswith("death."):
            self._death(event, data)
        elif event.startswith("immunization."):
            self._immunization(event, data)
        elif event.startswith("newborn."):
            self._newborn(event, data)
        elif event.startswith("signin."):
            self._signin(event, data)
        elif event.startswith(("onboarding.", "cross.")):
            self._onboarding(event, data)
        elif event.startswith("delegation."):
            self._delegation(event, data)
        elif event == "verdict" and data["verdict"].get("checks"):
            self._say(presentation_sentence(event, data, lang) or "")
            table = Table(t("col.check", lang), t("col.credential", lang), t("col.result", lang), t("col.detail", lang))
            for c in verdict_rows(data["verdict"], lang):
                result = f"[green]{t('pass', lang)}[/]" if c["passed"] else f"[red]{t('fail', lang)} {c['reason']}[/]"
                table.add_row(c["label"], c["credential"], result, c["detail"] or c["phrase"])
            self.console.print(table)

    def _onboarding(self, event: str, data: dict) -> None:
        lang = self.lang
        if event == "onboarding.conformance":
            checks = data["checks"]
            self._say(t(event, lang, passed=sum(c["passed"] for c in checks), total=len(checks)))
            table = Table(t("col.check", lang), t("col.result", lang), box=None, padding=(0, 2))
            for c in checks:
                table.add_row(
                    t(f"conformance.{c['id']}", lang),
                    f"[green]{t('pass', lang)}[/]" if c["passed"] else f"[red]{t('fail', lang)} {c['reason']}[/]",
                )
            self.console.print(table)
        elif event in ("onboarding.bank", "onboarding.bank_again", "cross.portal"):
            verdict = data["verdict"]
            outcome = (
                f"[green]{t('onboarding.accepted', lang)}[/]"
                if verdict["accepted"]
                else f"[red]{t('onboarding.refused', lang, reasons=', '.join(verdict['reasons']))}[/]"
            )
            self._say(
                t(
                    event,
                    lang,
                    person=data["person"],
                    outcome=outcome,
                    **rp_forms("prov2-health" if event == "cross.portal" else "bank-personal", lang),
                )
            )
        elif event == "cross.recognized":
            self._say(t(event, lang, recognized=t("word.yes" if data["recognized"] else "word.no", lang)))
        elif event == "onboarding.audit":
            self._say(
                t(
                    event,
                    lang,
                    entries=data["entries"],
                    valid=t("onboarding.intact" if data["valid"] else "onboarding.broken", lang),
                )
            )
        else:
            self._say(t(event, lang, **status_words(data, lang)))

    def _death(self, event: str, data: dict) -> None:
        lang = self.lang
        if event == "death.received":
            cred = data["credential"]
            self._say(
                t(
                    event,
                    lang,
                    person=data["person"],
                    type=type_label(cred["type"], lang),
                    **issuer_forms(cred["issuer"], lang),
                )
            )
        elif event in ("death.presented", "death.presented_after"):
            verdict = data["verdict"] or {"accepted": False, "reasons": []}
            outcome = (
                f"[green]{t('death.accepted', lang)}[/]"
                if verdict["accepted"]
                else f"[red]{t('death.refused', lang, reasons=', '.join(verdict['reasons']))}[/]"
            )
            self._say(
                t(
                    event,
                    lang,
                    person=data["person"],
                    outcome=outcome,
                    **rp_forms("fed-benefits", lang),
                    cached=data.get("cached", 0),
                    ttl=data.get("ttl", ""),
                )
            )
        elif event == "death.delivered":
            issuer = issuer_label(data["issuer"], lang)
            if data["delivered"]:
                self.console.print(
                    "     • " + t(event, lang, issuer=issuer, ms=_number(data["ms"], lang), revoked=data["revoked"]),
                    highlight=False,
                )
            else:
                self.console.print(f"     • [red]{t('death.not_delivered', lang, issuer=issuer)}[/]", highlight=False)
        elif event == "death.wallet_view":
            colon = " : " if lang == "fr" else ": "  # French puts a space before the colon
            shown = ", ".join(
                f"{type_label(k, lang)}{colon}{t('status.' + v, lang)}" for k, v in data["statuses"].items()
            )
            self._say(t(event, lang, person=data["person"], statuses=shown))
        elif event == "death.propagation":
            p = data["propagation"]
            self._say(t(event, lang))
            table = Table(t("col.leg", lang), t("col.elapsed", lang), box=None, padding=(0, 2))
            for key, label in (
                ("delivery_ms", "death.leg.delivered"),
                ("revocation_ms", "death.leg.revoked"),
                ("rejection_ms", "death.leg.rejected"),
            ):
                value = p[key]
                table.add_row(t(label, lang), "—" if value is None else _milliseconds(value, lang))
            self.console.print(table)
            self.console.print(
                "     "
                + t(
                    "death.ttl_note",
                    lang,
                    ttl=p["status_list_ttl_seconds"],
                    cached=p["accepted_from_cached_status_list"],
                ),
                highlight=False,
            )
        else:
            self._say(t(event, lang, **data))

    def outcome(self, verdict: dict, legal_name: str) -> None:
        if verdict.get("accepted"):
            opened = t("result.accepted", self.lang, legal_name=legal_name, **rp_forms("bank", self.lang))
            self.console.print(Panel.fit(f"[bold green]{opened}[/]"))
        else:
            reasons = ", ".join(verdict.get("reasons", []))
            self.console.print(Panel.fit(f"[bold red]{t('result.rejected', self.lang, reasons=reasons)}[/]"))

    def _newborn(self, event: str, data: dict) -> None:
        lang = self.lang
        if event == "newborn.received":
            cred = data["credential"]
            issuer = cred["issuer"].rstrip("/").rsplit("/", 1)[-1]
            self._say(
                t(
                    event,
                    lang,
                    person=data["person"],
                    type=type_label(cred["type"], lang),
                    issuer=issuer_label(issuer, lang),
                )
            )
        elif event == "newborn.apply":
            service = relying_party(data["service"]).name(lang)
            self._say(t(event, lang, person=data["person"], child=data["child"], service=service))
        elif event == "newborn.verdict":
            verdict = data["verdict"]
            outcome = (
                f"[green]{t('newborn.accepted', lang)}[/]"
                if verdict["accepted"]
                else f"[red]{t('newborn.rejected', lang, reasons=', '.join(verdict['reasons']))}[/]"
            )
            self._say(t(event, lang, service=relying_party(data["service"]).name(lang), outcome=outcome))
        elif event == "newborn.refused":
            if data["reason"] is None:
                self._say(f"[red]{t('newborn.granted', lang, person=data['person'], child=data['child'])}[/]")
            else:
                self._say(t(event, lang, person=data["person"], child=data["child"], reason=data["reason"]))
        else:
            self._say(t(event, lang, **data))

    def _immunization(self, event: str, data: dict) -> None:
        lang = self.lang
        school = relying_party("school").name(lang)
        if event == "immunization.received":
            cred = data["credential"]
            issuer = cred["issuer"].rstrip("/").rsplit("/", 1)[-1]
            kind, source = type_label(cred["type"], lang), issuer_label(issuer, lang)
            self._say(t(event, lang, person=data["person"], type=kind, issuer=source))
            if cred["type"] == "Immunization":  # what the wallet holds, before the school sees any of it
                table = Table(t("col.claim", lang), t("col.value", lang), box=None, padding=(0, 2))
                for name, value in cred["claims"].items():
                    table.add_row(_claim_label(cred["type"], [name], lang), _show(value))
                self.console.print(table)
        elif event in ("immunization.presented_flu", "immunization.presented_revoked"):
            verdict = data["verdict"] or {"accepted": False, "reasons": []}
            outcome = (
                f"[green]{t('immunization.accepted', lang)}[/]"
                if verdict["accepted"]
                else f"[red]{t('immunization.refused', lang, reasons=', '.join(verdict['reasons']))}[/]"
            )
            self._say(t(event, lang, person=data["person"], school=school, outcome=outcome, ttl=data.get("ttl", "")))
        elif event == "immunization.disclosure":
            self._say(t(event, lang, person=data["person"], school=school))
            table = Table(t("immunization.disclosed", lang), t("immunization.withheld", lang), box=None, padding=(0, 2))
            shown = [_claim_label("Immunization", [n], lang) for n in data["disclosed"]]
            kept = [_claim_label("Immunization", [n], lang) for n in data["withheld"]]
            for i in range(max(len(shown), len(kept))):
                table.add_row(
                    f"[green]{shown[i]}[/]" if i < len(shown) else "", f"[dim]{kept[i]}[/]" if i < len(kept) else ""
                )
            self.console.print(table)
        elif event == "immunization.revoked":
            health = issuer_label("prov1health", lang)
            self._say(t(event, lang, person=data["person"], issuer=health, issuance=data["issuance"]))
        else:
            self._say(t(event, lang, **data))

    def _signin(self, event: str, data: dict) -> None:
        lang = self.lang
        service = relying_party("fed-my-account")
        if event == "signin.policy":
            claims = ", ".join(_claim_label("VerifiedPerson", p, lang) for p in data["claims"])
            loa = min(r.min_loa or 1 for r in service.policy.requirements)
            self._say(t(event, lang, service=service.name(lang), loa=loa, claims=claims))
        elif event == "signin.proofed":
            self._say(t(event, lang, person=data["person"], issuer=issuer_label(data["issuer"], lang), loa=data["loa"]))
        elif event == "signin.presented":
            verdict = data["verdict"] or {"accepted": False, "reasons": []}
            outcome = (
                f"[green]{t('signin.accepted', lang)}[/]"
                if verdict["accepted"]
                else f"[red]{t('signin.refused', lang, reasons=', '.join(verdict['reasons']))}[/]"
            )
            issuer = issuer_label(data["issuer"], lang)
            self._say(t(event, lang, person=data["person"], issuer=issuer, service=service.name(lang), outcome=outcome))
        elif event == "signin.session":
            opened = data["session"]
            if opened is None:
                shown = t("signin.no_session", lang, person=data["person"])
                self.console.print(f"     [dim]{shown}[/]", highlight=False)
                return
            issuer = issuer_label(opened["issuer"].rstrip("/").rsplit("/", 1)[-1], lang)
            expires = datetime.fromisoformat(opened["expires_at"]).astimezone(UTC)
            at = expires.strftime("%Y-%m-%d %H h %M UTC" if lang == "fr" else "%Y-%m-%d %H:%M UTC")
            self._say(
                t(
                    event,
                    lang,
                    person=data["person"],
                    session=opened["session_id"][:8] + "…",
                    subject=opened["subject"],
                    issuer=issuer,
                    loa=opened["assurance_level"],
                    expires=at,
                )
            )
        elif event == "signin.recognized":
            self._say(t(event, lang, recognized=t("word.yes" if data["recognized"] else "word.no", lang)))
        else:
            self._say(t(event, lang, **status_words(data, lang)))

    def _delegation(self, event: str, data: dict) -> None:
        lang = self.lang
        authority = named("issuer", issuer_label("prov1health", lang), lang)
        portal = named("portal", relying_party("prov1-health").name(lang), lang)
        if event == "delegation.received":
            cred = data["credential"]
            source = named("issuer", issuer_label(cred["issuer"].rstrip("/").rsplit("/", 1)[-1], lang), lang)
            self._say(t(event, lang, person=data["person"], type=type_label(cred["type"], lang), **source))
            if cred["type"] == "VerifiedRelationship":  # the delegation as her wallet holds it
                table = Table(t("col.claim", lang), t("col.value", lang), box=None, padding=(0, 2))
                for name, value in cred["claims"].items():
                    table.add_row(_claim_label(cred["type"], [name], lang), claim_value(value, lang))
                self.console.print(table)
        elif event == "delegation.granted":
            consent = data["consent"]
            self._say(
                t(
                    event,
                    lang,
                    person=data["person"],
                    delegate=data["delegate"],
                    reference=consent["reference"],
                    scope=t(f"delegation.scope.{consent['scope']}", lang),
                    valid_from=consent["valid_from"],
                    valid_until=consent["valid_until"],
                    **authority,
                )
            )
        elif event == "delegation.revoked":
            self._say(t(event, lang, person=data["person"], issuance=data["issuance"], **authority))
        elif event == "delegation.cached":
            self._say(t(event, lang, person=data["person"], ttl=data["ttl"], **portal))
        elif event == "delegation.presented":
            verdict = data["verdict"]
            outcome = (
                f"[green]{t('delegation.accepted', lang)}[/]"
                if verdict["accepted"]
                else f"[red]{t('delegation.refused', lang, reasons=', '.join(verdict['reasons']))}[/]"
            )
            self._say(
                t(
                    f"{event}.{data['case']}",
                    lang,
                    person=data["person"],
                    parent=data["parent"],
                    outcome=outcome,
                    cached=data.get("cached", 0),
                    ttl=data.get("ttl", ""),
                    **portal,
                )
            )
        else:
            self._say(t(event, lang, **data))

"""Terminal narration of a journey, in English or French, with rich."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from pctf.reasons import SandboxError
from pctf.vocab import credential_type, type_for_vct
from scenarios.i18n import t
from verifier.relying_parties import relying_party

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
        bank = relying_party("bank").name(lang)
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
            issuer = cred["issuer"].rstrip("/").rsplit("/", 1)[-1]
            self._say(
                t(
                    "step.received",
                    lang,
                    type=type_label(cred["type"], lang),
                    issuer=ISSUER_NAMES.get(issuer, cred["issuer"]),
                )
            )
            table = Table(t("col.claim", lang), t("col.value", lang), box=None, padding=(0, 2))
            for name, value in cred["claims"].items():
                table.add_row(_claim_label(cred["type"], [name], lang), _show(value))
            self.console.print(table)
        elif event == "incorporate":
            self._say(t("step.incorporate", lang, legal_name=data["legal_name"]))
        elif event == "incorporated":
            self._say(t("step.incorporated", lang, bn=data["business_number"]))
        elif event == "request":
            self._say(t("step.request", lang, bank=bank))
            for cq in data["request"]["request"]["dcql_query"]["credentials"]:
                vct = cq["meta"]["vct_values"][0]
                ct = type_for_vct(vct)
                paths = ", ".join(_claim_label(ct.name if ct else vct, c["path"], lang) for c in cq["claims"])
                self.console.print(f"     • {type_label(ct.name, lang) if ct else vct}: {paths}", highlight=False)
        elif event == "consent":
            self._say(t("step.consent", lang, verifier=bank))
            table = Table(
                t("col.credential", lang), t("col.claim", lang), t("col.value", lang), box=None, padding=(0, 2)
            )
            for item in data["review"]["credentials"]:
                for d in item["disclose"]:
                    table.add_row(
                        type_label(item["type"], lang), _claim_label(item["type"], d["path"], lang), _show(d["value"])
                    )
            self.console.print(table)
        elif event in ("consented", "declined"):
            self._say(t(f"step.{event}", lang))
        elif event.startswith("death."):
            self._death(event, data)
        elif event.startswith(("onboarding.", "cross.")):
            self._onboarding(event, data)
        elif event == "verdict" and data["verdict"].get("checks"):
            self._say(t("step.verdict", lang, bank=bank))
            table = Table(t("col.check", lang), t("col.credential", lang), t("col.result", lang), t("col.detail", lang))
            for c in data["verdict"].get("checks", []):
                result = f"[green]{t('pass', lang)}[/]" if c["passed"] else f"[red]{t('fail', lang)} {c['reason']}[/]"
                table.add_row(t(f"check.{c['check']}", lang), c.get("credential") or "—", result, c.get("detail", ""))
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
                    bank=relying_party("bank-personal").name(lang),
                    portal=relying_party("prov2-health").name(lang),
                    outcome=outcome,
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
            self._say(t(event, lang, **data))

    def _death(self, event: str, data: dict) -> None:
        lang = self.lang
        service = relying_party("fed-benefits").name(lang)
        if event == "death.received":
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
                    service=service,
                    outcome=outcome,
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
        bank = relying_party("bank").name(self.lang)
        if verdict.get("accepted"):
            self.console.print(
                Panel.fit(f"[bold green]{t('result.accepted', self.lang, legal_name=legal_name, bank=bank)}[/]")
            )
        else:
            reasons = ", ".join(verdict.get("reasons", []))
            self.console.print(Panel.fit(f"[bold red]{t('result.rejected', self.lang, reasons=reasons)}[/]"))

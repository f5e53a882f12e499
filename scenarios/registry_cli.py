"""``pctf-sandbox registry ...``: read the trust registry and act in its roles (governance,
assessor, applicant) on the store under ``PCTF_DATA_DIR``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from pctf.clock import SystemClock
from pctf.i18n import t

from .cli_support import Lang, entity_ref, guarded, out, read_json_file, settings

registry_app = typer.Typer(help="Read and govern the trust registry.", no_args_is_help=True)


@registry_app.command("entity")
def registry_entity(entity_id: str = typer.Argument(..., help="Entity id (URL) or a sandbox issuer's short id."),
                    as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """An entity's record: jurisdiction, role, status, keys and authorizations."""
    from registry.service import RegistryService

    from .stack import bootstrap

    s = settings()
    clock = SystemClock()

    def run() -> dict:
        bootstrap(s, clock)
        return RegistryService(s, clock).entity(entity_ref(s, entity_id))

    record = guarded(run)
    if as_json:
        print(json.dumps(record, indent=2, ensure_ascii=False))
        return
    out.print(f"[bold]{record['name']}[/] ({record['entity_id']})")
    out.print(f"jurisdiction {record['jurisdiction']}, role {record['role']}, status {record['status']}, "
              f"{len(record['jwks']['keys'])} key(s)")
    table = Table("action", "resource", "LoA", "valid from", "valid until", "status")
    for a in record["authorizations"]:
        table.add_row(a["action"], a["resource"], str(a["assurance_level"]), a["valid_from"] or "",
                      a["valid_until"] or "", a["status"])
    out.print(table)


@registry_app.command("onboard")
def registry_onboard(entity_id: str = typer.Option(..., "--entity-id", help="The issuer's identifier (its iss URL)."),
                     jwks: Path = typer.Option(..., "--jwks", help="File with the issuer's public JWKS (or one JWK)."),
                     type_: str = typer.Option(..., "--type", help="Credential type it may issue, e.g. VerifiedPerson."),
                     loa: int = typer.Option(..., "--loa", min=1, max=4, help="Highest level of assurance (1-4)."),
                     name: Optional[str] = typer.Option(None, help="Display name (default: the entity id)."),
                     jurisdiction: str = typer.Option("external", help="Jurisdiction code, e.g. CA-BC."),
                     lang: Lang = typer.Option(Lang.en, help="Language of the messages.")) -> None:
    """Register an issuer nobody here wrote and authorize it, as the governance role."""
    from registry.service import RegistryService

    s = settings()
    keys = read_json_file(jwks, "JWKS")
    if isinstance(keys, dict) and "keys" not in keys:
        keys = {"keys": [keys]}
    clock = SystemClock()

    def run() -> dict:
        service = RegistryService(s, clock)
        service.upsert_entity(entity_id, name=name or entity_id, jurisdiction=jurisdiction, role="issuer", jwks=keys)
        return service.authorize(entity_id, action="issue", resource=type_, assurance_level=loa)

    granted = guarded(run)
    out.print(t("onboard.done", lang.value, entity=entity_id, type=type_, loa=granted["assurance_level"]))

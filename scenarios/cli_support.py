"""What every ``pctf-sandbox`` command shares: the consoles, the language option, settings,
and the one way bad input ends a command (one line on stderr, exit code 2)."""
from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable

import typer
from rich.console import Console

from pctf.reasons import SandboxError
from pctf.settings import Settings

out = Console()
err = Console(stderr=True)


class Lang(str, Enum):
    en = "en"
    fr = "fr"


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def guarded(fn: Callable[[], Any]) -> Any:
    """Turn a SandboxError (or unreadable input) into one clear line and exit code 2."""
    try:
        return fn()
    except SandboxError as exc:
        fail(f"{exc.reason.value}: {exc.message}")
    except OSError as exc:
        fail(f"{exc.filename or ''}: {exc.strerror or exc}")


def settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic validation of PCTF_* variables
        fail(f"invalid PCTF_* setting: {str(exc).splitlines()[0]}")
        raise


def read_json_file(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        fail(f"{what} file {path} does not exist")
    except ValueError as exc:
        fail(f"{what} file {path} is not valid JSON ({exc})")


def read_text_arg(source: str, what: str) -> str:
    """The stripped text of a file, or of standard input for ``-``; exit 2 when unusable."""
    if source == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(source).read_text()
        except OSError as exc:
            fail(f"cannot read {source}: {exc.strerror}")
    text = text.strip()
    if not text:
        fail(f"bad_request: the {what} is empty")
    return text


ISSUER_HELP = "Issuer short id: prov1, prov2, terr1, terr2, fed, vitalstats."


def entity_ref(s: Settings, ident: str) -> str:
    """An entity id from a URL or a sandbox issuer's short id (``prov1``)."""
    return ident if "://" in ident else s.issuer_id(ident)

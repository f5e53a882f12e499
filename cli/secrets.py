"""``pctf-sandbox init-secrets``: one random token per role, written to an env file that
``docker compose`` (``env_file: .env``) and the services' own settings read.

Outside local mode every role token must be configured and must not be a well-known default
(see ``pctf.settings``); this command is how an operator gets a complete, private set. With
``--public-host`` the file also holds what docker-compose.yml interpolates: the host every
identifier is built from, and PostgreSQL's password with the database URL that carries it, so
the compose file itself holds no secret.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
from pathlib import Path

import typer

from .support import fail, guarded, out, settings

HEADER = (
    "# The sandbox's role tokens (and, with --public-host, its database password), from\n"
    "# pctf-sandbox init-secrets. Keep this file private (mode 0600) and out of version control:\n"
    "# each line lets its holder act in that role or read that store.\n"
)


def role_tokens(relying_parties: tuple[str, ...]) -> dict[str, str]:
    """A fresh random token for every role, as the ``PCTF_*`` variables that carry them; one for
    each of ``relying_parties`` (the built-in ones and those ``PCTF_RELYING_PARTIES`` declares)."""
    from issuers.jurisdictions import SANDBOX_ISSUERS

    def fresh() -> str:
        return secrets.token_urlsafe(32)

    def each(ids) -> str:
        return json.dumps({i: fresh() for i in ids}, separators=(",", ":"))

    return {
        "PCTF_LOCAL_MODE": "false",
        "PCTF_GOVERNANCE_TOKEN": fresh(),
        "PCTF_ASSESSOR_TOKEN": fresh(),
        "PCTF_PRESENTER_TOKEN": fresh(),
        "PCTF_METRICS_TOKEN": fresh(),
        "PCTF_ISSUER_STAFF_TOKENS": each(SANDBOX_ISSUERS),
        "PCTF_RELYING_PARTY_TOKENS": each(relying_parties),
    }


# What docker-compose.yml reaches PostgreSQL as; each service's database is <this URL>_<service>.
POSTGRES_USER = "pctf"
POSTGRES_SERVER = "postgres:5432"
POSTGRES_DATABASE = "pctf"
_HOST_NAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def public_host_problem(host: str) -> str | None:
    """Why ``host`` cannot be the compose deployment's ``PCTF_PUBLIC_HOST``, or None. Identifiers
    must resolve from outside and from inside the containers alike: a loopback or unspecified
    address (inside a container, itself) or a bare IPv6 address (not usable in a URL as is) fails."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _HOST_NAME.fullmatch(host):
            return f"{host!r} is not a host name or an IPv4 address"
        if host.lower() == "localhost" or host.lower().endswith(".localhost"):
            return f"{host} is this container inside each container; use a name or address of the machine"
        return None
    if address.version == 6:
        return f"{host} is an IPv6 address; give the machine's name instead"
    if address.is_loopback or address.is_unspecified:
        return f"{host} is not reachable from the containers; use a name or address of the machine"
    return None


def compose_values(public_host: str) -> dict[str, str]:
    """The compose deployment's own variables: the public host, a fresh PostgreSQL password and
    the database URL that carries it (URL-safe characters: it needs no escaping in the URL)."""
    password = secrets.token_urlsafe(32)
    return {
        "PCTF_PUBLIC_HOST": public_host,
        "POSTGRES_PASSWORD": password,
        "PCTF_DATABASE_URL_PREFIX": (
            f"postgresql+psycopg://{POSTGRES_USER}:{password}@{POSTGRES_SERVER}/{POSTGRES_DATABASE}"
        ),
    }


def env_file_text(values: dict[str, str]) -> str:
    """``KEY=value`` lines. A JSON value is single-quoted: docker compose's env_file parser and
    dotenv both take single-quoted text literally (no ``$`` interpolation, no escapes), and the
    JSON holds no single quote or backslash to end or alter it."""
    lines = []
    for key, value in values.items():
        if value.startswith("{"):
            if "'" in value or "\\" in value:
                raise ValueError(f"{key} cannot be single-quoted")
            value = f"'{value}'"
        lines.append(f"{key}={value}")
    return HEADER + "\n".join(lines) + "\n"


def write_private(path: Path, text: str, *, replace: bool) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), all at once: it is written
    to a temporary file beside it first, so nobody ever reads half a file. Without ``replace``
    an existing file is kept (the link fails rather than overwrite it)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            os.fchmod(fh.fileno(), 0o600)  # whatever the umask
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def init_secrets(
    out_path: Path = typer.Option(Path(".env"), "--out", help="The env file to write (mode 0600)."),
    force: bool = typer.Option(
        False, "--force", help="Replace the file if it exists (services then need restarting with it)."
    ),
    public_host: str | None = typer.Option(
        None,
        "--public-host",
        help="For docker-compose.yml: the machine's name or address every identifier is built from "
        "(http://HOST:<port of each service>); also writes PostgreSQL's password and database URL.",
    ),
) -> None:
    """Write a random token for every role to an env file (mode 0600) for docker compose.

    One token each for governance, the assessor, the presenter, monitoring (/metrics), every
    sandbox issuer's staff and every relying party (those PCTF_RELYING_PARTIES declares too),
    with PCTF_LOCAL_MODE=false; with --public-host, also PCTF_PUBLIC_HOST, POSTGRES_PASSWORD and
    PCTF_DATABASE_URL_PREFIX, which docker-compose.yml interpolates. Run it once before docker
    compose up; an existing file is never overwritten without --force.
    """
    if public_host is not None and (problem := public_host_problem(public_host)) is not None:
        fail(f"--public-host: {problem}")
    if out_path.exists() and not force:
        fail(f"{out_path} already exists; its tokens are kept (--force replaces them)")
    from verifier.directory import configured_ids

    values = role_tokens(guarded(lambda: configured_ids(settings())))
    if public_host is not None:
        values |= compose_values(public_host)
    try:
        write_private(out_path, env_file_text(values), replace=force)
    except FileExistsError:
        fail(f"{out_path} already exists; its tokens are kept (--force replaces them)")
    except OSError as exc:
        fail(f"cannot write {out_path}: {exc.strerror or exc}")
    out.print(
        f"wrote the role tokens to {out_path.resolve()} (mode 0600)", markup=False, highlight=False, soft_wrap=True
    )
    out.print(
        "keep it private and out of version control: anyone who reads it can act as governance, "
        "the assessor, the presenter, monitoring, every issuer's staff and every relying party"
        + (", and open the databases" if public_host is not None else ""),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )

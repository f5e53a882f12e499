"""``pctf-sandbox ca ...``: the sandbox certificate authority of PCTF_DATA_DIR (:mod:`pctf.ca`).

A wallet, a phone or a browser reaches ``pctf-sandbox up --tls`` only once it trusts the
sandbox's root; ``ca show`` tells which root that is (compare the fingerprint on the device),
``ca export`` writes it for importing. Both create the root when the data directory has none
yet, so it can be trusted before the sandbox first serves HTTPS.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from pctf.ca import SandboxCA

from .support import fail, guarded, out, settings

ca_app = typer.Typer(
    help="The sandbox certificate authority: the root a wallet trusts for up --tls.", no_args_is_help=True
)


def _ca() -> SandboxCA:
    s = settings()
    return guarded(lambda: SandboxCA.open(s.data_dir))


@ca_app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The root certificate: where it is, its SHA-256 fingerprint, subject and validity."""
    ca = _ca()
    described = {
        "path": str(ca.root_path),
        "fingerprint_sha256": ca.fingerprint,
        "subject": ca.root.subject.rfc4514_string(),
        "not_before": ca.root.not_valid_before_utc.isoformat(),
        "not_after": ca.root.not_valid_after_utc.isoformat(),
    }
    if as_json:
        print(json.dumps(described, indent=2))
        return
    for name, value in described.items():
        out.print(f"{name}: {value}", markup=False, highlight=False, soft_wrap=True)


@ca_app.command("export")
def export(
    out_path: Path | None = typer.Option(
        None, "--out", help="Write the root certificate (PEM) to this file; default: standard output."
    ),
) -> None:
    """The root certificate in PEM, to import into a wallet, phone or browser (or curl --cacert)."""
    pem = _ca().root_pem()
    if out_path is None:
        print(pem.decode("ascii"), end="")
        return
    try:
        out_path.write_bytes(pem)
    except OSError as exc:
        fail(f"cannot write {out_path}: {exc.strerror or exc}")

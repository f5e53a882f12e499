"""The import rules of the README's "Architecture" section hold.

They are written as import-linter contracts in pyproject.toml (``lint-imports`` checks them,
following indirect imports too); this test runs it, so a change that breaks a rule fails the
suite. A second test loads a verifier in a fresh interpreter and looks at what came with it,
which is what the rule is for: a relying party deployed alone carries no issuer, no wallet and
none of the registry's write side.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_every_import_contract_is_kept():
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if lint_imports is None:
        pytest.fail("lint-imports is not installed: pip install -e '.[test]'")
    run = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    kept = re.search(r"Contracts: (\d+) kept, (\d+) broken", run.stdout)
    assert kept is not None, run.stdout
    assert (int(kept[1]), int(kept[2])) == (len(_contracts()), 0)


def test_the_contracts_name_the_rules_of_the_architecture():
    """The rules the README states are the ones checked: kernel, registry, verifier, wallet."""
    forbidden = {
        tuple(c["source_modules"]): set(c["forbidden_modules"]) for c in _contracts() if c["type"] == "forbidden"
    }
    independent = [set(c["modules"]) for c in _contracts() if c["type"] == "independence"]
    assert {"issuers", "wallet", "verifier", "registry", "scenarios", "cli"} <= forbidden[("pctf",)]
    assert {"issuers", "wallet", "registry"} in independent  # the registry never imports a wallet; nor the reverse
    assert {"issuers", "wallet", "registry.service"} <= forbidden[("verifier",)]
    assert "verifier" in forbidden[("issuers", "wallet", "registry")]


def test_a_verifier_loads_alone():
    probe = (
        "import sys, verifier.app\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in ('issuers', 'wallet', 'registry',"
        " 'scenarios', 'cli'))))"
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    loaded = set(run.stdout.split())
    assert not {m for m in loaded if m.split(".")[0] in ("issuers", "wallet", "scenarios", "cli")}, loaded
    write_side = {
        "registry.app",
        "registry.service",
        "registry.models",
        "registry.store",
        "registry.governance",
        "registry.onboarding",
        "registry.audit",
        "registry.publisher",
        "registry.local_trust",
        "registry.governance_client",
        "registry.conformance",
    }
    assert not loaded & write_side, loaded

"""The ``pctf_sandbox`` pytest plugin: the whole sandbox as a fixture, for another project's tests.

Installing the package registers it (the ``pytest11`` entry point), so a test only names the
fixture::

    def test_my_relying_party(pctf_sandbox):
        holder = pctf_sandbox.holder_key()
        issued = pctf_sandbox.issue("prov1", "VerifiedPerson", person, holder)
        ...

``pctf_sandbox`` is one :class:`~pctf_testing.sandbox.Sandbox` for the whole session, on a free
loopback port with a data directory of its own; ``pctf_clock`` is its frozen clock. A project
changes the sandbox's settings by overriding ``pctf_sandbox_settings`` (a session fixture
returning ``Settings`` field overrides, e.g. ``{"status_list_ttl_seconds": 60}``).

pytest loads this module in every project where the package is installed: it imports nothing of
the sandbox until a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pctf.clock import FrozenClock

    from .sandbox import Sandbox


@pytest.fixture(scope="session")
def pctf_sandbox_settings() -> dict[str, Any]:
    """Overrides of the sandbox's ``Settings`` fields; override this fixture to change them."""
    return {}


@pytest.fixture(scope="session")
def pctf_sandbox(tmp_path_factory: pytest.TempPathFactory, pctf_sandbox_settings: dict[str, Any]) -> Iterator[Sandbox]:
    """Every sandbox service on a free loopback port for the session, with its own data directory
    and a frozen clock (:class:`pctf_testing.sandbox.Sandbox`)."""
    from .sandbox import Sandbox

    sandbox = Sandbox.start(tmp_path_factory.mktemp("pctf-sandbox"), **pctf_sandbox_settings)
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture(scope="session")
def pctf_clock(pctf_sandbox: Sandbox) -> FrozenClock:
    """The sandbox's clock: every service reads it, and it moves only when told (``advance``)."""
    return pctf_sandbox.clock

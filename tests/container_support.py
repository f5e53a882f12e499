"""A Docker engine, the local base image and the project's image, for the tests that build and run it.

:func:`docker_engine` uses the engine the ``docker`` client already reaches, else starts one
(``dockerd --storage-driver=vfs``, root only) with its own socket, data root and exec root, and
stops it again when done; images stay in its data root, so the next run finds them.
:func:`base_image` builds ``pctf-base:bookworm`` with deploy/base-image.sh (debootstrap) only when
the engine does not have it yet. :func:`build_image` builds the Dockerfile on it, with what pip
needs to reach its index from here (``PIP_INDEX_URL``, and the machine's own certificate
authorities for a TLS-inspecting proxy), and removes what earlier builds left untagged.

What cannot be had (no engine, no debootstrap, no Debian mirror) skips, naming why; a Dockerfile
that does not build fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE_IMAGE = "pctf-base:bookworm"
# The engine these tests start when none answers; its images outlive it in DATA_ROOT.
SOCKET = "/run/pctf-docker.sock"
DATA_ROOT = "/var/lib/pctf-docker"
EXEC_ROOT = "/run/pctf-docker"
ENGINE_LOG = Path("/tmp/pctf-docker/dockerd.log")
ENGINE_START_SECONDS = 90
# Certificate authorities this machine adds to Debian's (update-ca-certificates reads them here).
LOCAL_CA_DIR = Path("/usr/local/share/ca-certificates")


def docker(env: dict[str, str], *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["docker", *args], env=env, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args[:3])} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def _answers(env: dict[str, str]) -> bool:
    try:
        return docker(env, "info", "--format", "{{.ServerVersion}}", timeout=20, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        return False


@contextmanager
def docker_engine() -> Iterator[dict[str, str]]:
    """The environment a ``docker`` client needs to reach an engine (``DOCKER_HOST``): the one it
    reaches already, or one started here and stopped on exit."""
    if shutil.which("docker") is None:
        pytest.skip("no docker client on this machine")
    env = dict(os.environ)
    if _answers(env):
        yield env
        return
    env["DOCKER_HOST"] = f"unix://{SOCKET}"
    if _answers(env):  # started by an earlier run or by CI
        yield env
        return
    dockerd = shutil.which("dockerd") or ("/usr/sbin/dockerd" if Path("/usr/sbin/dockerd").exists() else None)
    if dockerd is None:
        pytest.skip("no Docker engine answers and dockerd is not installed (apt-get install -y docker.io)")
    if os.geteuid() != 0:
        pytest.skip("no Docker engine answers and starting dockerd needs root")
    ENGINE_LOG.parent.mkdir(parents=True, exist_ok=True)
    with ENGINE_LOG.open("ab") as log:
        engine = subprocess.Popen(
            [
                dockerd,
                "--storage-driver=vfs",
                f"--data-root={DATA_ROOT}",
                f"--exec-root={EXEC_ROOT}",
                f"--pidfile={EXEC_ROOT}.pid",
                f"--host=unix://{SOCKET}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + ENGINE_START_SECONDS
        while not _answers(env):
            if engine.poll() is not None or time.monotonic() > deadline:
                tail = ENGINE_LOG.read_text(errors="replace").strip().splitlines()[-5:]
                pytest.skip(f"the Docker engine did not start (dockerd --storage-driver=vfs): {' | '.join(tail)}")
            time.sleep(0.5)
        yield env
    finally:
        if engine.poll() is None:
            engine.terminate()
            try:
                engine.wait(timeout=60)
            except subprocess.TimeoutExpired:
                engine.kill()
                engine.wait()


def base_image(env: dict[str, str]) -> bool:
    """Make sure the engine has :data:`BASE_IMAGE`; True when it had to be built (debootstrap)."""
    if docker(env, "image", "inspect", BASE_IMAGE, check=False).returncode == 0:
        return False
    if shutil.which("debootstrap") is None:
        pytest.skip(f"{BASE_IMAGE} is missing and debootstrap is not installed (apt-get install -y debootstrap)")
    done = subprocess.run(
        ["sh", str(ROOT / "deploy" / "base-image.sh"), BASE_IMAGE],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        tail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-5:])
        pytest.skip(f"{BASE_IMAGE} could not be built (debootstrap from the Debian mirror): {tail}")
    return True


def local_certificate_authorities() -> str:
    """The PEM text of the authorities this machine trusts beyond Debian's own."""
    if not LOCAL_CA_DIR.is_dir():
        return ""
    return "\n".join(p.read_text().strip() for p in sorted(LOCAL_CA_DIR.rglob("*.crt")))


def build_image(env: dict[str, str], tag: str) -> None:
    """``docker build`` of the Dockerfile on :data:`BASE_IMAGE`, on the host's network (the build
    reaches the package index as this machine does)."""
    args = ["build", "--network", "host", "--build-arg", f"BASE_IMAGE={BASE_IMAGE}"]
    if cas := local_certificate_authorities():
        args += ["--build-arg", f"PIP_EXTRA_CA_CERTS={cas}"]
    if index := os.environ.get("PIP_INDEX_URL"):
        args += ["--build-arg", f"PIP_INDEX_URL={index}"]
    # The wheels stage tagged too, so that pruning what earlier builds left untagged keeps its
    # layers (build tools, the dependencies' wheels): the next build's cache.
    docker(env, *args, "--target", "wheels", "-t", f"{tag}-wheels", str(ROOT), timeout=3600)
    docker(env, *args, "-t", tag, str(ROOT), timeout=3600)
    docker(env, "image", "prune", "--force", timeout=600)

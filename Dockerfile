# The sandbox's one image: every service runs from it (docker-compose.yml picks the command).
#
#   docker build -t pctf-sandbox .                       # on python:3.12-slim-bookworm
#   docker build --build-arg BASE_IMAGE=pctf-base:bookworm -t pctf-sandbox .
#
# BASE_IMAGE is any Debian-like image with python3 (>= 3.11) and its venv module: where no image
# registry is reachable, deploy/base-image.sh builds one from Debian's packages.
#
# Three stages, so the final image holds no compiler and no wheel files: "wheels" has the build
# tools and builds a wheel of the project and of each dependency (pip wheel); "venv", without
# any compiler, installs them from those wheels only (--no-index); the final stage copies that
# environment and runs as a user of its own.
ARG BASE_IMAGE=python:3.12-slim-bookworm

FROM ${BASE_IMAGE} AS wheels
# Where pip finds packages, and extra certificate authorities (PEM text) to trust for it, for a
# network that reaches the index through a TLS-inspecting proxy. They exist in this stage only.
ARG PIP_INDEX_URL=https://pypi.org/simple
ARG PIP_EXTRA_CA_CERTS=""
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
# The dependencies first, from pyproject.toml alone: their wheels stay cached while only the
# project's own code changes. Then the project, offline, from those wheels.
COPY pyproject.toml /src/pyproject.toml
RUN python3 -c 'import tomllib; p = tomllib.load(open("/src/pyproject.toml", "rb")); \
print("\n".join(p["build-system"]["requires"] + p["project"]["dependencies"] \
+ p["project"]["optional-dependencies"]["postgres"]))' > /tmp/requirements.txt \
 && cp /etc/ssl/certs/ca-certificates.crt /tmp/pip-ca.pem \
 && printf '%s\n' "$PIP_EXTRA_CA_CERTS" >> /tmp/pip-ca.pem \
 && python3 -m venv /tmp/pip \
 && PIP_CERT=/tmp/pip-ca.pem PIP_DISABLE_PIP_VERSION_CHECK=1 \
    /tmp/pip/bin/pip wheel --no-cache-dir --wheel-dir /wheels -r /tmp/requirements.txt
COPY . /src
RUN PIP_DISABLE_PIP_VERSION_CHECK=1 /tmp/pip/bin/pip wheel --no-cache-dir --no-index --find-links /wheels \
    --wheel-dir /wheels "/src[postgres]"

FROM ${BASE_IMAGE} AS venv
COPY --from=wheels /wheels /wheels
RUN python3 -m venv /opt/venv \
 && PIP_DISABLE_PIP_VERSION_CHECK=1 /opt/venv/bin/pip install --no-cache-dir --no-index \
    --find-links /wheels "pctf-sandbox[postgres]"

FROM ${BASE_IMAGE}
# The embedded sandbox by default (pctf-sandbox up), reached at http://localhost:8600 from the
# machine that publishes the port and from inside the container alike (PCTF_PUBLIC_URL). Each
# compose service names its own command, URLs and PCTF_HEALTH_URL, the URL its health check
# reads (<prefix>/readyz: ready, its dependencies too). Everything but the environment itself
# comes first: those layers stay cached when only the project changes.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PCTF_DATA_DIR=/data \
    PCTF_PUBLIC_URL=http://localhost:8600 \
    PCTF_HEALTH_URL=http://127.0.0.1:8600/registry/readyz
RUN useradd --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin pctf \
 && mkdir /data && chown pctf:pctf /data && chmod 0700 /data
USER pctf
VOLUME /data
# urllib, not curl: nothing but Python in the image. Any answer but 2xx, or none, is unhealthy.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['PCTF_HEALTH_URL'], timeout=4)"]
CMD ["pctf-sandbox", "up", "--host", "0.0.0.0", "--port", "8600"]
COPY --from=venv /opt/venv /opt/venv

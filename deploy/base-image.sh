#!/bin/sh
# Build a local base image for the Dockerfile from Debian's own packages, for machines that
# reach a Debian mirror but no image registry:
#
#   deploy/base-image.sh [IMAGE]            (default IMAGE: pctf-base:bookworm; needs root)
#   docker build --build-arg BASE_IMAGE=pctf-base:bookworm -t pctf-sandbox .
#
# A minimal bookworm (debootstrap) with python3, python3-venv and ca-certificates, imported
# with `docker import`. An image already there is kept: the script returns at once, so CI runs
# debootstrap only once per Docker engine. The mirror is the one apt on this machine uses
# (PCTF_DEBIAN_MIRROR overrides it).
set -eu

IMAGE=${1:-pctf-base:bookworm}
SUITE=bookworm

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "$IMAGE is already there"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is missing (apt-get install -y debootstrap)" >&2; exit 1; }

mirror=${PCTF_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  # The first Debian mirror apt knows: deb822 sources (URIs:) or one-line sources (deb URL suite).
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }')
fi
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '$1 == "deb" && $2 !~ /security/ { print ($2 ~ /^\[/ ? $3 : $2); exit }')
fi
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d /var/tmp/pctf-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"  # it becomes the image's /, which every user must be able to enter
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,passwd \
  "$SUITE" "$root" "$mirror"
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
tar -C "$root" -c . | docker import \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python3"]' \
  - "$IMAGE"
echo "built $IMAGE from $mirror"

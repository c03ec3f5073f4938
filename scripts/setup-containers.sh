#!/usr/bin/env bash
# Installs what building and running DIMO Chain's container images needs on a Debian machine
# without a Docker engine or access to an image registry (the project's machines): podman and
# podman-compose, and a `debian:bookworm-slim` base image made from Debian's own packages.
# Idempotent; says what it does. Where Docker runs already, there is nothing to do: the
# Dockerfiles and docker/compose*.yaml are standard (`docker compose` works on them as is).
#
#   1. Debian packages: podman, podman-compose, runc, the dnsname CNI plugin (service names
#      resolve inside a compose network), debootstrap, uidmap;
#   2. /etc/containers/containers.conf: runtime runc (crun fails on these VMs' hybrid cgroup
#      layout) and explicit ulimits (the default ones are refused by their kernel);
#   3. the base image, built with `debootstrap --variant=minbase bookworm` from the mirror that
#      apt uses and tagged docker.io/library/debian:bookworm-slim, so that `FROM
#      debian:bookworm-slim` builds without pulling anything; apt-get inside builds works.
# The team's tested recipe for these machines (../shared/recipes/containers) is the source of
# these steps.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

pkgs=(podman podman-compose runc golang-github-containernetworking-plugin-dnsname debootstrap uidmap)
missing=()
for pkg in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
	say "installing Debian packages: ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	say "Debian packages: all there (${pkgs[*]})"
fi

conf=/etc/containers/containers.conf
want='[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"'
if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
	say "writing $conf (OCI runtime runc, explicit ulimits)"
	$SUDO mkdir -p /etc/containers
	printf '%s\n' "$want" | $SUDO tee "$conf" >/dev/null
fi

base=docker.io/library/debian:bookworm-slim
if ! $SUDO podman image exists "$base"; then
	mirror=${DEBIAN_MIRROR:-$(sed -n 's/^URIs: \(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)}
	mirror=${mirror:-$(awk '$1=="deb" && $2 ~ /debian$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)}
	[ -n "$mirror" ] || { say "no Debian mirror found in apt's sources: set DEBIAN_MIRROR" >&2; exit 1; }
	root=$(mktemp -d)
	say "building the base image $base with debootstrap from $mirror (about a minute)"
	$SUDO debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
	echo "deb $mirror bookworm main" | $SUDO tee "$root/etc/apt/sources.list" >/dev/null
	$SUDO rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
	$SUDO tar -C "$root" -c . | $SUDO podman import --change 'CMD ["bash"]' - "$base" >/dev/null
	$SUDO rm -rf "$root"
fi
say "containers: $(podman --version), $(podman-compose --version 2>/dev/null | sed -n 's/^podman-composer* version *//p' | head -1 | xargs -I{} echo podman-compose {}), base image $base"

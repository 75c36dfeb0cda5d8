#!/usr/bin/env bash
# setup.sh: install what sdgo needs on Debian 12 (bookworm), idempotently, as root.
#   - Mesa lavapipe (the CPU Vulkan driver) from bookworm-backports (Mesa 25: descriptor
#     indexing, 16-bit storage), the Vulkan loader and headers, vulkan-tools
#   - glslc and spirv-tools (only needed to regenerate shaders: `go generate ./kernels/...`)
# Safe to rerun: each step checks first and says what it did or skipped.
set -euo pipefail

say() { echo "setup: $*"; }

if [ "$(id -u)" != 0 ]; then
  echo "setup: must run as root (apt-get)" >&2
  exit 1
fi
if ! grep -q bookworm /etc/os-release; then
  say "warning: not Debian 12 (bookworm); package names may differ"
fi

# The backports source reuses the archive URI this machine already uses for Debian.
backports=/etc/apt/sources.list.d/sdgo-backports.sources
if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  say "bookworm-backports source already configured"
else
  uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $3 ~ /^bookworm/ {print $2; exit}' /etc/apt/sources.list)
  fi
  if [ -z "$uri" ]; then
    echo "setup: cannot find this machine's Debian archive URI in /etc/apt" >&2
    exit 1
  fi
  cat >"$backports" <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  say "added bookworm-backports source ($uri)"
fi

need=()
mesa_ok=0
if dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q 'bpo'; then
  mesa_ok=1
fi
for p in libvulkan1 libvulkan-dev glslc spirv-tools vulkan-tools; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done

if [ "$mesa_ok" = 1 ] && [ ${#need[@]} = 0 ]; then
  say "all packages already installed"
else
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if [ "$mesa_ok" = 0 ]; then
    apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
    say "installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) (lavapipe)"
  fi
  if [ ${#need[@]} -gt 0 ]; then
    apt-get install -y -qq "${need[@]}" >/dev/null
    say "installed ${need[*]}"
  fi
fi

if command -v vulkaninfo >/dev/null; then
  say "Vulkan devices:"
  vulkaninfo --summary 2>/dev/null | awk '/deviceName|driverInfo/ {print "setup:   " $0}'
fi
say "done"

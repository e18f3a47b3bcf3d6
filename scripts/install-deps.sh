#!/usr/bin/env bash
# Installs the Debian 12 packages llmlab needs, only those missing. Needs root (or sudo).
set -euo pipefail

packages=(
    g++ cmake make pkg-config ccache
    qt6-base-dev qt6-base-dev-tools qt6-svg-dev qt6-datavisualization-dev
    libqt6opengl6-dev qt6-declarative-dev
    libqcustomplot-dev libqcustomplot2.1-qt6
    libeigen3-dev nlohmann-json3-dev libpcre2-dev libicu-dev
    libvulkan-dev glslc mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
    libgl-dev xvfb xauth
    libopenmpi-dev openmpi-bin
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "llmlab: installing missing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "llmlab: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"

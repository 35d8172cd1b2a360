#!/usr/bin/env bash
# Installs what enrol-kiosk needs on Debian/Ubuntu, idempotently: the PC/SC service with
# vsmartcard's virtual reader driver (vpcd), the PC/SC headers, Chromium for the face-scan
# page, and a Rust toolchain.
set -euo pipefail

# mesa-vulkan-drivers + libvulkan1: the GUI snapshot tests render on lavapipe (CPU Vulkan).
packages=(pcscd vsmartcard-vpcd libpcsclite-dev pkg-config libopenjp2-tools mesa-vulkan-drivers libvulkan1)
# The photo page's MRZ is read with Tesseract through its library (libtesseract, Leptonica;
# libclang for the bindings' generator) and the English model; fonts-ocr-b is the OCR-B face
# the synthetic data pages of the tests are printed in.
packages+=(libtesseract-dev libleptonica-dev tesseract-ocr-eng libclang-dev fonts-ocr-b)

# chromium: the kiosk's face-scan browser (tests/kiosk_chromium.rs runs it headless). Debian
# (and its derivatives other than Ubuntu) package it as `chromium`; Ubuntu's
# `chromium-browser` only installs a snap, which containers and CI cannot run.
os_id=""; os_like=""
if [ -r /etc/os-release ]; then
  os_id=$(. /etc/os-release; echo "${ID:-}")
  os_like=$(. /etc/os-release; echo "${ID_LIKE:-}")
fi
if [ "$os_id" = debian ] || { [ "$os_id" != ubuntu ] && [[ " $os_like " == *" debian "* ]] && [[ " $os_like " != *" ubuntu "* ]]; }; then
  packages+=(chromium)
elif ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  echo "setup: Chromium is not installed and ${os_id:-this system} has no Debian 'chromium'" \
    "package (Ubuntu ships a snap): install Chromium so that 'chromium' is on PATH," \
    "or tests/kiosk_chromium.rs fails" >&2
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "setup: installing the Rust toolchain with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi

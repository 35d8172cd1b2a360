#!/usr/bin/env bash
# Sourced by demo.sh and test.sh: installs what is missing, puts cargo on PATH, chooses a
# build folder outside the clone (so repeat runs reuse builds) and starts pcscd with vpcd.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/enrol-kiosk-target}"
./scripts/start-pcscd.sh

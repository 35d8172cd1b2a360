#!/usr/bin/env bash
# Runs the demo: installs what is missing, starts pcscd + vpcd, builds, and runs
# `enrol-kiosk demo` (a simulated passport on the virtual reader, read through PC/SC).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/enrol-kiosk-target}"
./scripts/start-pcscd.sh
cargo build --release --locked --bin enrol-kiosk
exec "$CARGO_TARGET_DIR/release/enrol-kiosk" demo "$@"

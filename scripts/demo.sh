#!/usr/bin/env bash
# Runs the demo: installs what is missing, starts pcscd + vpcd, builds, and runs
# `enrol-kiosk demo` (a simulated passport on the virtual reader, read through PC/SC).
set -euo pipefail
source "$(dirname "$0")/prepare.sh"

cargo build --release --locked --bin enrol-kiosk
exec "$CARGO_TARGET_DIR/release/enrol-kiosk" demo "$@"

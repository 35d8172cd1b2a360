#!/usr/bin/env bash
# Runs the kiosk in demo mode: installs what is missing, builds (the same dev build the test
# suite uses, so a run after ./scripts/test.sh starts at once), and opens `enrol-kiosk demo`:
# a built-in simulated passport and a built-in fake iProov service, no hardware, no account.
set -euo pipefail
source "$(dirname "$0")/prepare.sh"

cargo build --locked --bin enrol-kiosk
exec "$CARGO_TARGET_DIR/debug/enrol-kiosk" demo "$@"

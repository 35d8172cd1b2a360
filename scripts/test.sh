#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, starts pcscd + vpcd, then
# formatting, lints and every test (unit, simulated chip in-process and through pcscd).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/enrol-kiosk-target}"
./scripts/start-pcscd.sh

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked

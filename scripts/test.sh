#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, starts pcscd + vpcd, then
# formatting, lints and every test (unit, simulated chip in-process and through pcscd).
set -euo pipefail
source "$(dirname "$0")/prepare.sh"

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked

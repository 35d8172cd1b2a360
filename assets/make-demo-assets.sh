#!/usr/bin/env bash
# Regenerates the synthetic demo face and the simulator profiles made from it.
# Needs: cjpeg (Debian libjpeg-turbo-progs), opj_compress (Debian libopenjp2-tools).
# The face is drawn procedurally by examples/demo_face.rs: it is not a real person.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" target-big-face.jpg' EXIT
cargo run -q --example demo_face -- "$tmp/face.ppm" 1
cargo run -q --example demo_face -- "$tmp/face-big.ppm" 2
cjpeg -quality 90 -optimize -outfile assets/demo-face.jpg "$tmp/face.ppm"
# -r 45: 420*540*3 / 45 ≈ 15 KB, the size of a typical passport JPEG 2000 face.
rm -f assets/demo-face.jp2
opj_compress -i "$tmp/face.ppm" -o assets/demo-face.jp2 -r 45 >/dev/null
cjpeg -quality 95 -optimize -outfile target-big-face.jpg "$tmp/face-big.ppm"
cargo run -q --example make_sim_profiles
ls -l assets/demo-face.jpg assets/demo-face.jp2 assets/demo-passport tests/data/profiles/*

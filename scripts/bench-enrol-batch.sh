#!/usr/bin/env bash
# Throughput of `enrol-kiosk enrol-batch` (rows/s) at concurrency 1, 4 and 8 against the local
# fake service: N distinct photos (the synthetic demo face, each with its own JPEG comment),
# a fresh records database per run. LATENCY_MS (default 0) delays every enrol-token and
# image call at the fake, to stand in for the network round trip of the real service.
# Usage: scripts/bench-enrol-batch.sh [ROWS] [BINARY]
set -euo pipefail
rows="${1:-200}"
bin="${2:-${CARGO_TARGET_DIR:-target}/debug/enrol-kiosk}"
latency="${LATENCY_MS:-0}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
fake_pid=""
cleanup() { [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

face="$here/assets/demo-face.jpg"
echo "image" > "$work/manifest.csv"
for i in $(seq 1 "$rows"); do
    # SOI, then a COM segment of 12 bytes (length field counts itself), then the rest.
    { head -c 2 "$face"; printf '\xff\xfe\x00\x0c'; printf '%-10s' "p$i"; tail -c +3 "$face"; } > "$work/p$i.jpg"
    echo "p$i.jpg" >> "$work/manifest.csv"
done

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18190)"
"$bin" fake-iproov --listen "127.0.0.1:$port" > "$work/fake.log" 2>&1 &
fake_pid=$!
for _ in $(seq 1 50); do grep -q listening "$work/fake.log" && break; sleep 0.1; done
if [ "$latency" -gt 0 ]; then
    for call in enrol_token enrol_image; do
        curl -s -XPOST "http://127.0.0.1:$port/control/fault" -H 'content-type: application/json' \
            -d "{\"call\":\"$call\",\"kind\":\"delay\",\"delay_ms\":$latency}" > /dev/null
    done
fi

export IPROOV_BASE_URL="http://127.0.0.1:$port/api/v2"
export IPROOV_API_KEY=fakeapikey000000000000000000000000000000
export IPROOV_SECRET=fakesecret000000000000000000000000000000
export ENROL_KIOSK_DOCUMENT_KEY="$work/document.key"
echo "rows=$rows latency_ms=$latency cores=$(nproc)"
for n in 1 4 8; do
    rm -rf "$work/db"; mkdir -m 700 "$work/db"
    summary="$("$bin" enrol-batch "$work/manifest.csv" --source selfie --concurrency "$n" \
        --db "$work/db/records.db" --out "$work/results-$n.csv" 2>&1 >/dev/null | grep '^enrol-batch:' || true)"
    echo "concurrency $n: ${summary#enrol-batch: }"
done

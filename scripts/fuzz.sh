#!/usr/bin/env bash
# Fuzzes every parser of outside bytes (the cargo-fuzz targets in fuzz/), one target at a time,
# and prints per target: seconds, executions, corpus size (files in the corpus folder, and the
# units libFuzzer keeps) and crashes.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default 60 s, all targets)
#
# Uses the stable toolchain with RUSTC_BOOTSTRAP=1 (cargo fuzz passes -Z flags for libFuzzer
# and AddressSanitizer). Each corpus fuzz/corpus/TARGET is seeded from tests/data and
# fuzz/seeds/TARGET at every run; crashing inputs land in fuzz/artifacts/TARGET. Corpora,
# artifacts and logs (fuzz/logs) are not committed. Exits 1 when any target crashed.
# FUZZ_BUILD=0 skips the build (targets already built, e.g. while another build runs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/enrol-kiosk-target}"

secs="${1:-60}"
[ $# -gt 0 ] && shift
# 16 codegen units: a much quicker build of the large dependency tree, slightly slower runs.
build_flags=(--codegen-units 16)

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz from crates.io" >&2
    cargo install cargo-fuzz --locked
fi

cd fuzz
if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

# Copies the files matching the find(1) expression under tests/data into the corpus.
seed_find() {
    local corpus=$1
    shift
    find "$root/tests/data" -type f \( "$@" \) -exec cp -f {} "$corpus/" \;
}

# Cuts the image out of every DG2 test file (from its JPEG 2000, JP2 or JPEG signature on).
seed_images_from_dg2() {
    local corpus=$1 f sig off i=0
    while IFS= read -r f; do
        for sig in '\x00\x00\x00\x0cjP  \r\n\x87\n' '\xff\x4f\xff\x51' '\xff\xd8\xff'; do
            off=$(LC_ALL=C grep -obUaP "$sig" "$f" | head -n 1 | cut -d: -f1 || true)
            if [ -n "$off" ]; then
                i=$((i + 1))
                tail -c +"$((off + 1))" "$f" >"$corpus/dg2-image-$i"
            fi
        done
    done < <(find "$root/tests/data" -type f \( -name 'EF.DG2.bin' -o -name 'DG2.bin' \
        -o -name 'ISO19794_*.bin' -o -name 'ICAO_39794_*.dat' \))
}

seed() {
    local t=$1 corpus="corpus/$1"
    mkdir -p "$corpus"
    case "$t" in
        tlv) seed_find "$corpus" -path '*/lds/*' -name '*.bin' -o -path '*/profiles/*' -name 'EF.*.bin' ;;
        ef_com) seed_find "$corpus" -name 'EF_COM*.bin' -o -name 'EF.COM.bin' ;;
        dg1) seed_find "$corpus" -name 'DG1*.bin' -o -name 'EF.DG1.bin' ;;
        card_access) seed_find "$corpus" -name 'EF_CardAccess*.bin' ;;
        dg2) seed_find "$corpus" -name 'DG2.bin' -o -name 'EF.DG2.bin' -o -name 'ISO19794_*.bin' \
            -o -name 'ICAO_39794_*.dat' ;;
        sod) seed_find "$corpus" -name 'EF_SOD*.bin' -o -name 'EF.SOD.bin' ;;
        cms) seed_find "$corpus" -name 'EF_SOD*.bin' -o -name 'EF.SOD.bin' -o -name 'EF_CardSecurity*.bin' ;;
        cert) seed_find "$corpus" -name '*.cer' -o -name '*.der' -o -name '*.pem' ;;
        master_list) seed_find "$corpus" -name '*.ml' ;;
        image_header)
            seed_find "$corpus" -path '*/faces/*' \( -name '*.jpg' -o -name '*.png' -o -name '*.jp2' -o -name '*.j2k' \) \
                -o -name '*_Face.jpg'
            seed_images_from_dg2 "$corpus"
            ;;
    esac
    if [ -d "seeds/$t" ]; then
        cp -f "seeds/$t"/* "$corpus/"
    fi
}

count_artifacts() {
    mkdir -p "artifacts/$1"
    find "artifacts/$1" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' \
        -o -name 'leak-*' \) 2>/dev/null | wc -l
}

if [ "${FUZZ_BUILD:-1}" != 0 ]; then
    echo "building the fuzz targets" >&2
    cargo fuzz build "${build_flags[@]}" >&2
fi
bin_dir="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release"

mkdir -p logs
results=()
crashed=0
for t in "${targets[@]}"; do
    seed "$t"
    before=$(count_artifacts "$t")
    start=$(date +%s)
    echo "fuzzing $t for ${secs}s (log: fuzz/logs/$t.log)" >&2
    rc=0
    # The binary cargo fuzz built, as `cargo fuzz run` would start it, in one process (no
    # -jobs/-workers); -timeout reports unbounded work on one input as a crash.
    "$bin_dir/$t" "corpus/$t" -artifact_prefix="artifacts/$t/" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"logs/$t.log" 2>&1 || rc=$?
    elapsed=$(($(date +%s) - start))
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "logs/$t.log" | tail -n 1 | grep -o '[0-9]*$' || true)
    corpus=$(find "corpus/$t" -type f | wc -l)
    # libFuzzer's own count: the inputs it keeps for new coverage (seeds it found redundant
    # stay in the folder).
    units=$(grep -o 'corp: [0-9]*' "logs/$t.log" | tail -n 1 | grep -o '[0-9]*$' || true)
    crashes=$(($(count_artifacts "$t") - before))
    if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
        crashes="? (exit $rc, see log)"
    fi
    [ "$rc" -ne 0 ] && crashed=1
    results+=("$(printf '%-16s %8s %12s %8s %8s  %s' "$t" "$elapsed" "${execs:-?}" "$corpus" \
        "${units:-?}" "$crashes")")
done

printf '%-16s %8s %12s %8s %8s  %s\n' target seconds executions files units crashes
printf '%s\n' "${results[@]}"
exit "$crashed"

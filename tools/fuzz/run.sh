#!/usr/bin/env bash
# Run the accessc fuzz targets with cargo-fuzz (libFuzzer; needs a nightly toolchain and
# `cargo install cargo-fuzz`).
#
#   tools/fuzz/run.sh [SECONDS] [TARGET…]     default: 1800 s, both targets, one after the other
#   JOBS=2 tools/fuzz/run.sh 1800             both targets at once (one process each)
#   FUZZ_FLAGS="-len_control=0 -max_len=16384" …  more libFuzzer flags (the last one wins;
#                                              default -max_len=4096: inputs up to 4 KB)
#   SANITIZER=address tools/fuzz/run.sh …      with AddressSanitizer (default: none; the code
#                                              fuzzed is safe Rust; ASan slows every run)
#   ACCESSC_FUZZ_PLAIN_NAMES=1 …               structured target with plain file names only
#   TRACE_COMPARES=1 tools/fuzz/run.sh …       with libFuzzer's comparison tracing (default: off;
#                                              3x the executions a second and more coverage in
#                                              the same time here, see docs/robustness.md)
#
# The fuzz crate builds against the working tree; when others edit it while you fuzz, fuzz a
# copy: `cp -a` the repository elsewhere (without target/) and run this script from there.
#
# Seeds the byte target's corpus from examples/ and tests/ (.access files), logs to
# fuzz/logs/TARGET.log, and leaves crashing inputs in fuzz/artifacts/TARGET/. Copy each crash
# into tests/fuzz_regressions/ (tests/robustness.rs compiles every file there).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
secs=${1:-1800}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(compile_bytes compile_structured)

san=${SANITIZER:-none}
build_flags=(-s "$san")
[ "${TRACE_COMPARES:-0}" = 1 ] || build_flags+=(--no-trace-compares)
cd fuzz
cargo +nightly fuzz build "${build_flags[@]}"
mkdir -p logs corpus/compile_bytes corpus/compile_structured
# Seeds: every .access file of the examples, the snapshot cases, the bad-input corpus.
n=0
while IFS= read -r -d '' f; do
    cp "$f" "corpus/compile_bytes/seed-$n.access"
    n=$((n + 1))
done < <(find ../examples ../tests/cases ../tests/bad_inputs ../tests/fuzz_regressions \
    -type f \( -name '*.access' -o -name 'crash-*' \) -print0 2>/dev/null)

run() {
    local t=$1
    local extra=()
    [ "$t" = compile_bytes ] && extra=(-dict=../tools/fuzz/dict.txt)
    local rc=0
    cargo +nightly fuzz run "${build_flags[@]}" "$t" -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
        -max_len=4096 -print_final_stats=1 "${extra[@]}" ${FUZZ_FLAGS:-} >"logs/$t.log" 2>&1 || rc=$?
    echo "$t: exit $rc; $(grep -E '^stat::number_of_executed_units' "logs/$t.log" || true)" \
        "(log: fuzz/logs/$t.log)"
}

if [ "${JOBS:-1}" -gt 1 ]; then
    for t in "${targets[@]}"; do run "$t" & done
    wait
else
    for t in "${targets[@]}"; do run "$t"; done
fi

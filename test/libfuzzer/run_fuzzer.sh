#!/bin/sh
# Runs one libFuzzer harness for a bounded time (ctest -L libfuzzer).
#   run_fuzzer.sh NAME FUZZER WORKDIR SEED_DIR...
# FUZZ_SEED picks the random seed (default 1) and FUZZ_TIME the seconds
# (default 20). The seed is printed first, so a failed run can be run
# again the same way; a crash, leak or hang is also saved as a file under
# WORKDIR/artifacts, which replays it exactly: FUZZER FILE. For runs
# longer than ctest's 120 s, call this script directly.
set -eu
name=$1 fuzzer=$2 work=$3
shift 3
seed=${FUZZ_SEED:-1}
time=${FUZZ_TIME:-20}
# New inputs go to WORKDIR/corpus, never into the source tree's seeds;
# it persists, so each run starts from what the earlier ones found.
mkdir -p "$work/corpus" "$work/artifacts"
echo "fuzz_$name: seed $seed, $time s (again: FUZZ_SEED=$seed FUZZ_TIME=$time ctest -R fuzz_$name)"
# -timeout: an input taking 10 s is a hang. -error_exitcode: any finding
# fails the test; libFuzzer prints the artifact's path and a replay line.
exec "$fuzzer" -seed="$seed" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus" "$@"

#!/usr/bin/env bash
# The self-test image's boot test: builds the image with tools/selftest.sh
# exactly as a user does (from the built files, --no-build), boots it in an
# emulator and asserts on the serial log like boot_test.sh.
# usage: selftest_check.sh --name NAME --build DIR --emulator bochs|qemu
#          [--timeout S] [--runner-status N] [--runner-arg ARG]...
#          [--expect REGEX]... [--reject REGEX]...
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=$(cd "$here/../../tools" && pwd)
name= build= emulator= timeout=400 want_status=0
expects=() rejects=() runner_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--name) name=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--emulator) emulator=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--runner-status) want_status=$2; shift 2 ;;
	--runner-arg) runner_args+=("$2"); shift 2 ;;
	--expect) expects+=("$2"); shift 2 ;;
	--reject) rejects+=("$2"); shift 2 ;;
	*) echo "selftest_check: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$name" ] && [ -n "$build" ] && [ -n "$emulator" ] || { echo "selftest_check: --name, --build and --emulator are required" >&2; exit 2; }
out="$build/test-out/$name"
rm -rf "$out"
mkdir -p "$out"
"$tools/selftest.sh" --no-build --build "$build" --out "$out/selftest.img" >"$out/selftest.log" 2>&1 ||
	{ cat "$out/selftest.log" >&2; echo "$name: 0 passed, 1 failed"; exit 1; }
cat "$out/selftest.log"

start=$SECONDS
"$tools/run-$emulator.sh" "$out/selftest.img" --log "$out/serial.log" --timeout "$timeout" --quiet "${runner_args[@]}" 2>"$out/runner.log"
status=$?
elapsed=$((SECONDS - start))
cat "$out/runner.log" >&2
sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\r//g' "$out/serial.log" >"$out/serial.txt"

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "PASS: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
if [ "$status" = "$want_status" ]; then
	ok "runner ended with status $status in ${elapsed}s (bound ${timeout}s)"
else
	bad "runner ended with status $status, wanted $want_status (124 = timed out after ${timeout}s)"
fi
line=0
for re in "${expects[@]}"; do
	hit=$(tail -n +$((line + 1)) "$out/serial.txt" | grep -naE -m1 -- "$re" | cut -d: -f1)
	if [ -n "$hit" ]; then
		line=$((line + hit))
		ok "line $line matches /$re/"
	else
		bad "no line matching /$re/ after line $line"
	fi
done
for re in "${rejects[@]}"; do
	hit=$(grep -naE -m1 -- "$re" "$out/serial.txt")
	if [ -n "$hit" ]; then
		bad "forbidden /$re/ at line ${hit%%:*}: ${hit#*:}"
	else
		ok "no line matches /$re/"
	fi
done
# The summary, as a user would paste it.
echo "---- the summary ----"
sed -n '/===== hv self-test summary/,/===== end of summary/p' "$out/serial.txt"
if [ $failed -gt 0 ]; then
	echo "---- serial log ($out/serial.txt), last 40 lines ----"
	grep -av '^\s*$' "$out/serial.txt" | tail -n 40
fi
echo "$name: $passed passed, $failed failed"
[ $failed = 0 ]

#!/usr/bin/env bash
# One integration test: build a USB image for it, boot it in an emulator,
# and assert on the serial log.
#
# usage: boot_test.sh --name NAME --build DIR --emulator bochs|qemu
#          [--config FILE] [--add SRC=\ESP\PATH]... [--efi FILE]
#          [--next-boot EFI]      second disk whose BOOTX64.EFI is EFI
#          [--expect REGEX]...    lines that must appear, in this order
#          [--reject REGEX]...    lines that must not appear
#          [--timeout S]          time bound for the whole boot
#          [--runner-status N]    status the runner must end with (default 0)
#          [--runner-expect REGEX]... lines the runner must report on its stderr
#          [--size MiB] [--runner-arg ARG]...
# Prints one line per assertion and "N passed, N failed"; exits 0 only when
# every assertion held.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=$(cd "$here/../../tools" && pwd)

name= build= emulator= config= efi= next= timeout=300 want_status=0 size=64
adds=() expects=() rejects=() runner_args=() runner_expects=()
while [ $# -gt 0 ]; do
	case "$1" in
	--name) name=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--emulator) emulator=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	--efi) efi=$2; shift 2 ;;
	--add) adds+=(--add "$2"); shift 2 ;;
	--next-boot) next=$2; shift 2 ;;
	--expect) expects+=("$2"); shift 2 ;;
	--reject) rejects+=("$2"); shift 2 ;;
	--runner-expect) runner_expects+=("$2"); shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--runner-status) want_status=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--runner-arg) runner_args+=("$2"); shift 2 ;;
	*) echo "boot_test: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$name" ] && [ -n "$build" ] && [ -n "$emulator" ] || { echo "boot_test: --name, --build and --emulator are required" >&2; exit 2; }
efi=${efi:-$build/hv.efi}
out="$build/test-out/$name"
rm -rf "$out"
mkdir -p "$out"

mk=(--out "$out/usb.img" --efi "$efi" --size "$size" "${adds[@]}")
[ -n "$config" ] && mk+=(--config "$config")
"$tools/mkimage.sh" "${mk[@]}" >"$out/mkimage.log" 2>&1 || { cat "$out/mkimage.log" >&2; echo "0 passed, 1 failed"; exit 1; }
run=("$tools/run-$emulator.sh" "$out/usb.img" --log "$out/serial.log" --timeout "$timeout" --quiet "${runner_args[@]}")
if [ -n "$next" ]; then
	"$tools/mkimage.sh" --out "$out/next.img" --efi "$next" >>"$out/mkimage.log" 2>&1 || { cat "$out/mkimage.log" >&2; exit 1; }
	run+=(--disk2 "$out/next.img")
fi

start=$SECONDS
"${run[@]}" 2>"$out/runner.log"
status=$?
elapsed=$((SECONDS - start))
cat "$out/runner.log" >&2
# Serial logs carry the firmware's terminal escapes and CRs: strip them once.
sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\r//g' "$out/serial.log" >"$out/serial.txt"

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "PASS: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

if [ "$status" = "$want_status" ]; then
	ok "runner ended with status $status in ${elapsed}s (bound ${timeout}s)"
else
	bad "runner ended with status $status, wanted $want_status (124 = timed out after ${timeout}s)"
fi
# What the runner itself reported (its stderr), e.g. an emulator event.
for re in "${runner_expects[@]}"; do
	hit=$(grep -aE -m1 -- "$re" "$out/runner.log")
	[ -n "$hit" ] && ok "runner reported /$re/" || bad "runner did not report /$re/"
done
# Expected lines must appear in the given order.
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
if [ $failed -gt 0 ]; then
	echo "---- serial log ($out/serial.txt), last 40 lines ----"
	grep -av '^\s*$' "$out/serial.txt" | tail -n 40
fi
echo "$name: $passed passed, $failed failed"
[ $failed = 0 ]

#!/usr/bin/env bash
# A boot test watched live by `hvstat --follow` on its growing serial log:
# runs boot_test.sh with ARGS, follows OUT/serial.log from the moment it
# appears, and checks that the view refreshed while the machine ran (at
# least two views, the periodic dumps of CPU 0 read, guest lines ignored).
# usage: hvstat_live.sh HVSTAT OUTDIR BOOT_TEST ARGS...
set -uo pipefail
hvstat=$1 out=$2 boot=$3
shift 3
rm -rf "$out"
(
	for _ in $(seq 600); do [ -f "$out/serial.log" ] && break; sleep 0.5; done
	exec "$hvstat" --follow "$out/serial.log" >"$out.follow" 2>&1
) &
watcher=$!
"$boot" "$@"
rc=$?
sleep 2 # the last lines, then end the view as ^C would
kill -TERM $watcher 2>/dev/null
wait $watcher 2>/dev/null
echo "---- hvstat --follow (last view) ----"
awk '/^hvstat --follow/ { n = NR; buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$out.follow" | tail -n 25
views=$(grep -c '^exits per second' "$out.follow")
fails=0
check() { if eval "$1"; then echo "ok: $2"; else echo "FAIL: $2"; fails=$((fails + 1)); fi; }
check '[ "$views" -ge 2 ]' "hvstat refreshed while the machine ran ($views views)"
check 'grep -qE "^EXTERNAL_INTERRUPT +[0-9.]+ +[0-9.]+ +vector" "$out.follow"' "external interrupts per second shown"
check 'grep -qE "^cpu 0: interval [0-9]+ ms" "$out.follow"' "CPU 0's intervals read"
check '! grep -qE "LINUX-|Linux version" "$out.follow"' "the guest's lines ignored"
[ $rc -eq 0 ] && [ $fails -eq 0 ]

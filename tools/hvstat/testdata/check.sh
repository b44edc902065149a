#!/bin/sh
# hvstat's end-to-end checks on the sample logs (run by ctest, label unit).
# usage: check.sh sample|svg|no-stats|compare|usage|follow|timeline HVSTAT TESTDATA WORKDIR
set -u
mode=$1 hvstat=$2 data=$3 work=$4
mkdir -p "$work"
fails=0 checks=0

ok() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*" >&2; }
# expect FILE REGEX: FILE has a line matching the extended regex
expect() { if grep -Eq -- "$2" "$1"; then ok; else fail "$1 lacks /$2/"; fi; }
expect_not() { if grep -Eq -- "$2" "$1"; then fail "$1 has /$2/"; else ok; fi; }
status() { if [ "$1" -eq "$2" ]; then ok; else fail "exit status $1, expected $2 ($3)"; fi; }

out=$work/$mode.out err=$work/$mode.err
case $mode in
sample)
	"$hvstat" "$data/sample.txt" >"$out" 2>"$err"; status $? 0 "hvstat sample.txt"
	expect "$out" '^cpu 0: final snapshot at tsc 773658861'
	expect "$out" '^IO_INSTRUCTION +2438 +87\.2% +198 +181 +218  port 0xcf8-out \(1152\),'
	expect "$out" '^CPUID +315 .*leaf 0x1 \(210\), leaf 0xd \(100\)'
	expect "$out" '^CR_ACCESS +40 .*cr cr0-write \(30\)'
	expect "$out" '^total: 2795 exits, 532628 cycles'
	# cpu 1's final snapshot was cut: its periodic one is used
	expect "$out" '^cpu 1: periodic snapshot at tsc 412000900'
	expect "$out" '^all 2 CPUs'
	expect "$out" '^CPUID +365 '
	expect "$out" '^total: 2855 exits'
	expect_not "$out" 'WRMSR'
	expect "$err" 'last snapshot of cpu 1 is incomplete'
	expect "$err" '^hvstat: 2 damaged lines skipped$'
	awk 'length > 100 { bad = 1 } END { exit bad }' "$out" && ok || fail "a line over 100 columns"
	# --machine output reads back to itself
	"$hvstat" --machine "$data/sample.txt" >"$work/m1" 2>/dev/null; status $? 0 "--machine"
	"$hvstat" --machine - <"$work/m1" >"$work/m2" 2>"$work/m2.err"; status $? 0 "--machine of --machine"
	if cmp -s "$work/m1" "$work/m2"; then ok; else fail "--machine does not round-trip"; fi
	if [ -s "$work/m2.err" ]; then fail "warnings reading --machine output"; else ok; fi
	expect "$work/m1" '^hv: exits cpu=0 reason=CPUID sub=leaf:0x0000000d count=100 cycles=12500 min=120 max=140$'
	"$hvstat" --all "$data/sample.txt" >"$work/all" 2>/dev/null; status $? 0 "--all"
	n=$(grep -c 'snapshot at tsc' "$work/all"); [ "$n" -eq 3 ] && ok || fail "--all printed $n snapshots, expected 3"
	;;
svg)
	"$hvstat" --svg "$work/chart.svg" "$data/sample.txt" >/dev/null 2>&1; status $? 0 "--svg"
	python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$work/chart.svg" && ok ||
		fail "chart.svg is not well-formed XML"
	expect "$work/chart.svg" '<svg xmlns="http://www.w3.org/2000/svg"'
	expect "$work/chart.svg" '>IO_INSTRUCTION</text>'
	expect "$work/chart.svg" '>2438 \(85\.4%\)<'
	expect_not "$work/chart.svg" 'href|<script|@import|url\('
	# a log name with XML's special characters lands escaped in the title
	cp "$data/old_format.txt" "$work/a&b<c>.txt"
	"$hvstat" --svg "$work/odd.svg" "$work/a&b<c>.txt" >/dev/null 2>&1; status $? 0 "--svg odd name"
	python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$work/odd.svg" && ok ||
		fail "odd.svg is not well-formed XML"
	expect "$work/odd.svg" 'a&amp;b&lt;c&gt;\.txt'
	;;
no-stats)
	"$hvstat" "$data/no_stats.txt" >"$out" 2>"$err"; status $? 1 "no_stats.txt"
	expect "$err" '^hvstat: no hypervisor statistics in .*no_stats\.txt$'
	"$hvstat" </dev/null >"$out" 2>"$err"; status $? 1 "empty stdin"
	expect "$err" '^hvstat: no hypervisor statistics in stdin$'
	;;
compare)
	"$hvstat" --compare "$data/old_format.txt" "$data/sample.txt" >"$out" 2>"$err"; status $? 0 "--compare"
	expect "$out" '^CPUID +15 +365 +\+350 +\+2333\.3% +- +'
	expect "$out" '^CR_ACCESS +0 +40 +\+40 +new '
	expect "$out" '^total +1747 +2855 +\+1108 '
	# the old format has no cycles: averages unknown, shown as -
	"$hvstat" "$data/old_format.txt" >"$work/old" 2>&1; status $? 0 "old format"
	expect "$work/old" '^IO_INSTRUCTION +1730 +99\.0% +- +- +-$'
	;;
usage)
	"$hvstat" --bogus >/dev/null 2>&1; status $? 2 "--bogus"
	"$hvstat" a b >/dev/null 2>&1; status $? 2 "two logs"
	"$hvstat" --compare "$data/sample.txt" >/dev/null 2>&1; status $? 2 "--compare with one log"
	"$hvstat" --svg >/dev/null 2>&1; status $? 2 "--svg without a file"
	"$hvstat" --help >"$out" 2>&1; status $? 0 "--help"
	expect "$out" '^usage: hvstat'
	;;
follow)
	# The live view on a recorded Linux log (periodic dumps every 5 s, the
	# guest's console lines among them): replayed into a pty at 57600 baud
	# (5760 bytes/s), then appended to a growing file, then --once.
	last='^EXTERNAL_INTERRUPT +1236 +1236 +vector 48 1236$'
	python3 "$data/replay.py" "$data/linux_periodic.txt" 5760 "$hvstat" --follow '{pty}' --baud 57600 \
		--idle-exit 5 >"$out" 2>"$err"; status $? 0 "--follow on a pty"
	n=$(grep -c '^exits per second' "$out"); [ "$n" -ge 2 ] && ok || fail "pty: $n views, expected a refresh"
	expect "$out" '^hvstat --follow /dev/'
	expect "$out" "$last"
	expect "$out" '^IO_INSTRUCTION +4818 +4818 +port 0xcf8-out 3174, port 0xcf8-in 1587$'
	expect "$out" '^cpu 0: interval 5065 ms ending at tsc 2254764522'
	expect_not "$out" 'ACPI|Linux version|LINUX-'
	: >"$work/grow.log"
	"$hvstat" --follow "$work/grow.log" --idle-exit 2 >"$work/grow.out" 2>&1 &
	pid=$!
	split -b 600 "$data/linux_periodic.txt" "$work/part."
	for p in "$work"/part.*; do sleep 0.3; cat "$p" >>"$work/grow.log"; done
	wait $pid; status $? 0 "--follow on a growing file"
	n=$(grep -c '^exits per second' "$work/grow.out"); [ "$n" -ge 2 ] && ok || fail "file: $n views"
	expect "$work/grow.out" "$last"
	"$hvstat" --once "$data/linux_periodic.txt" >"$work/once.out" 2>&1; status $? 0 "--once"
	n=$(grep -c '^exits per second' "$work/once.out"); [ "$n" -eq 1 ] && ok || fail "--once printed $n views"
	expect "$work/once.out" "$last"
	expect "$work/once.out" '^PREEMPTION_TIMER +0\.2 +0\.2 +$'
	"$hvstat" --once "$data/sample.txt" >/dev/null 2>"$err"; status $? 1 "--once without periodic dumps"
	expect "$err" '^hvstat: no periodic statistics read from '
	"$hvstat" --follow "$data/linux_periodic.txt" --baud 1234 --once >/dev/null 2>&1; status $? 0 "--baud on a file"
	"$hvstat" --follow /nonexistent --once >/dev/null 2>&1; status $? 2 "--follow a missing source"
	"$hvstat" --follow "$data/sample.txt" --svg x >/dev/null 2>&1; status $? 2 "--follow with --svg"
	;;
timeline)
	"$hvstat" --timeline "$work/timeline.svg" "$data/linux_periodic.txt" >"$out" 2>"$err"; status $? 0 "--timeline"
	python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$work/timeline.svg" && ok ||
		fail "timeline.svg is not well-formed XML"
	expect "$work/timeline.svg" '<title>hvstat: VM exits per second over time in .*linux_periodic\.txt \(6 periodic dumps\)</title>'
	expect "$work/timeline.svg" '>EXTERNAL_INTERRUPT</text>'
	expect "$work/timeline.svg" '>IO_INSTRUCTION</text>'
	n=$(grep -c '<polyline' "$work/timeline.svg"); [ "$n" -ge 4 ] && ok || fail "$n lines in the chart"
	# six points per line: one per dump
	expect "$work/timeline.svg" 'points="([0-9.]+,[0-9.]+ ){5}[0-9.]+,[0-9.]+"'
	"$hvstat" --timeline "$work/none.svg" "$data/sample.txt" >/dev/null 2>&1; status $? 1 "--timeline without dumps"
	;;
*)
	echo "check.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
echo "hvstat $mode: $((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]

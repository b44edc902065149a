#!/bin/sh
# hvstat's end-to-end checks on the sample logs (run by ctest, label unit).
# usage: check.sh sample|svg|no-stats|compare|usage HVSTAT TESTDATA WORKDIR
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
*)
	echo "check.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
echo "hvstat $mode: $((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]

#!/usr/bin/env bash
# Boots a disk image in Bochs 2.7 (Debian) + OVMF with VMX and EPT emulated,
# prints the serial console live, keeps it in a log, and ends with
#   0   passed: the run ended through Bochs's shutdown port ("Shutdown" to 0x8900)
#   1   failed: Bochs stopped any other way (panic, triple fault, ...)
#   124 timed out
# --until REGEX ends the run (status 0) as soon as a serial line matches;
# --until-bochs REGEX as soon as a line of Bochs's own log matches (info
# messages on: resets, device setup), and prints that line.
# Settings measured on Debian 12: ../shared/notes/emulation.md, README.md.
#
# usage: run-bochs.sh IMAGE [--log FILE] [--timeout S] [--until REGEX]
#                     [--cpus N] [--memory MiB] [--model NAME] [--disk2 IMAGE2] [--quiet]
# RUN_BOCHS_KEEP=1 in the environment keeps bochs.log and bochsrc for debugging;
# RUN_BOCHS_INFO=report logs Bochs's info messages too (resets, device setup).
# RUN_BOCHS_TIME0=SECONDS starts the emulated clock (CMOS) there instead of
# at the host's time: runs that must not differ by the date (bench.sh).
# --disk2 adds a second disk, booted by the firmware after the first returns.
# --type SCRIPT connects COM1 to a pty that tools/serial-typist.py holds: it
# keeps the log and types on the serial line what SCRIPT says.
# The CPU model is corei7_skylake_x: with Bochs 2.7's `tigerlake` model,
# Debian's 6.1 kernel hangs early in a page-fault loop even without the
# hypervisor (measured: no progress after 2 minutes); skylake_x reaches
# user space in about 2.33e9 ticks.
set -uo pipefail
. "$(dirname "$0")/run-watch.sh"

image= disk2= typist= log=serial.log timeout=600 until= until_bochs= cpus=1 memory=512 model=corei7_skylake_x quiet=0
while [ $# -gt 0 ]; do
	case "$1" in
	--log) log=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--until) until=$2; shift 2 ;;
	--until-bochs) until_bochs=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--memory) memory=$2; shift 2 ;;
	--model) model=$2; shift 2 ;;
	--disk2) disk2=$2; shift 2 ;;
	--type) typist=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	-*) echo "run-bochs: unknown option '$1'" >&2; exit 2 ;;
	*) image=$1; shift ;;
	esac
done
[ -f "$image" ] || { echo "usage: run-bochs.sh IMAGE [--log FILE] [--timeout S] [--until REGEX]" >&2; exit 2; }
for f in /usr/share/ovmf/OVMF.fd /usr/share/vgabios/vgabios.bin; do
	[ -f $f ] || { echo "run-bochs: $f missing: apt-get install ovmf vgabios" >&2; exit 2; }
done
command -v bochs >/dev/null && command -v xvfb-run >/dev/null ||
	{ echo "run-bochs: bochs or xvfb-run missing: apt-get install bochs bochsbios bochs-x xvfb" >&2; exit 2; }

info=${RUN_BOCHS_INFO:-ignore}
[ -n "$until_bochs" ] && info=report
work=$(mktemp -d /tmp/hv-bochs.XXXXXX)
log=$(realpath -m "$log")
: >"$log"
# Bochs may write to its disk: run on a private copy (no stale .lock either).
cp --sparse=always "$image" "$work/disk.img"
com1="mode=file, dev=$log"
if [ -n "$typist" ]; then
	python3 "$(dirname "$0")/serial-typist.py" "$log" "$typist" >"$work/pty" &
	typist_pid=$!
	for _ in $(seq 50); do [ -s "$work/pty" ] && break; sleep 0.1; done
	com1="mode=term, dev=$(head -n 1 "$work/pty")"
fi
cat >"$work/bochsrc" <<RC
romimage: file=/usr/share/ovmf/OVMF.fd, address=0xffe00000, options=none
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: count=$cpus, ips=50000000, model=$model, reset_on_triple_fault=0, ignore_bad_msrs=1
memory: host=$memory, guest=$memory
pci: enabled=1, chipset=i440fx
vga: extension=vbe
clock: sync=none, time0=${RUN_BOCHS_TIME0:-local}
ata0-master: type=disk, path=$work/disk.img, mode=flat
boot: disk
com1: enabled=true, $com1
display_library: x
log: $work/bochs.log
info: action=$info
error: action=report
panic: action=fatal
RC
if [ -n "$disk2" ]; then
	cp --sparse=always "$disk2" "$work/disk2.img"
	echo "ata0-slave: type=disk, path=$work/disk2.img, mode=flat" >>"$work/bochsrc"
fi
echo c >"$work/rc"

# The display goes to a private Xvfb: no window, and no TCP port opened
# (rfb would listen on 0.0.0.0:5900).
# Bochs runs in a session of its own, so that one kill ends it and its
# Xvfb; it must never outlive this script: if we are killed (a ctest time
# limit, ^C) the trap ends it, and `timeout` bounds it even when we are
# killed with SIGKILL, which no trap sees (orphaned Bochs runs once slowed a
# whole suite to a crawl); tools/run-watch.sh watches it.
setsid timeout -s KILL $((timeout + 30)) xvfb-run -a bochs -q -f "$work/bochsrc" -rc "$work/rc" \
	</dev/null >"$work/bochs.out" 2>&1 &
watch_emulator $! "$log" "$timeout" "$quiet" "$until" "$work/bochs.log" "$until_bochs"
status=$watch_status
[ -n "$typist" ] && kill "$typist_pid" 2>/dev/null

if [ "$status" = until ]; then
	rc=0
	why="serial line matched /$until/"
elif [ "$status" = until2 ]; then
	rc=0
	why="Bochs log line matched /$until_bochs/: $(grep -aE -m1 "$until_bochs" "$work/bochs.log")"
elif [ "$status" = timeout ]; then
	rc=124
	why="timed out after ${timeout}s"
elif grep -qa "Shutdown port: shutdown requested" "$work/bochs.log"; then
	rc=0
	why="shutdown requested through port 0x8900"
else
	rc=1
	why="Bochs stopped without a shutdown request"
	echo "---- last lines of the Bochs log ----" >&2
	grep -avE "^\s*$" "$work/bochs.log" | tail -n 15 >&2
	tail -n 5 "$work/bochs.out" >&2
fi
ticks=$(grep -aoE "^[0-9]+" "$work/bochs.log" | tail -n 1)
echo "run-bochs: $why after ${watch_seconds}s wall${ticks:+, about $((10#$ticks)) ticks}; serial log in $log" >&2
if [ -n "${RUN_BOCHS_KEEP:-}" ]; then
	echo "run-bochs: RUN_BOCHS_KEEP set: Bochs log and config kept in $work" >&2
else
	rm -rf "$work"
fi
exit $rc

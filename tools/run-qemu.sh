#!/usr/bin/env bash
# Boots a disk image in QEMU + OVMF: with KVM and nested VMX (-enable-kvm
# -cpu host) when /dev/kvm is usable and kvm_intel's nested parameter is on,
# otherwise TCG, which has no VMX at all. Prints the serial console live,
# keeps it in a log, and ends with
#   0   passed: the run ended through isa-debug-exit (port 0xf4) with value 0
#   1   failed: QEMU ended any other way (reset, crash, other exit value)
#   124 timed out
# --until REGEX ends the run (status 0) as soon as a serial line matches.
#
# usage: run-qemu.sh IMAGE [--log FILE] [--timeout S] [--until REGEX]
#                    [--cpus N] [--memory MiB] [--accel kvm|tcg] [--disk2 IMAGE2] [--quiet]
set -uo pipefail
. "$(dirname "$0")/run-watch.sh"

image= disk2= log=serial.log timeout=600 until= cpus=1 memory=512 accel= quiet=0
while [ $# -gt 0 ]; do
	case "$1" in
	--log) log=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--until) until=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--memory) memory=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--disk2) disk2=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	-*) echo "run-qemu: unknown option '$1'" >&2; exit 2 ;;
	*) image=$1; shift ;;
	esac
done
[ -f "$image" ] || { echo "usage: run-qemu.sh IMAGE [--log FILE] [--timeout S] [--until REGEX]" >&2; exit 2; }
code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
[ -f $code ] && [ -f $vars ] || { echo "run-qemu: OVMF missing: apt-get install ovmf" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "run-qemu: apt-get install qemu-system-x86" >&2; exit 2; }

nested_kvm() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	local n=/sys/module/kvm_intel/parameters/nested
	[ -r $n ] && grep -qiE '^(1|y)' $n
}
if [ -z "$accel" ]; then
	if nested_kvm; then accel=kvm; else accel=tcg; fi
fi
if [ "$accel" = kvm ]; then
	accel_args=(-enable-kvm -cpu host,+vmx)
else
	accel_args=(-accel tcg -cpu max)
fi

work=$(mktemp -d /tmp/hv-qemu.XXXXXX)
log=$(realpath -m "$log")
: >"$log"
cp $vars "$work/vars.fd"
cp --sparse=always "$image" "$work/disk.img"
disks=(-drive "format=raw,file=$work/disk.img")
if [ -n "$disk2" ]; then
	cp --sparse=always "$disk2" "$work/disk2.img"
	disks+=(-drive "format=raw,file=$work/disk2.img")
fi
echo "run-qemu: accel=$accel cpus=$cpus memory=${memory}M" >&2

setsid qemu-system-x86_64 -machine q35 "${accel_args[@]}" -smp "$cpus" -m "$memory" \
	-drive if=pflash,format=raw,readonly=on,file=$code -drive if=pflash,format=raw,file="$work/vars.fd" \
	"${disks[@]}" -device isa-debug-exit,iobase=0xf4,iosize=1 \
	-serial file:"$log" -display none -monitor none -net none -no-reboot \
	</dev/null >"$work/qemu.out" 2>&1 &
watch_emulator $! "$log" "$timeout" "$quiet" "$until"
status=$watch_status qrc=$watch_exit

if [ "$status" = until ]; then
	rc=0 why="serial line matched /$until/"
elif [ "$status" = timeout ]; then
	rc=124 why="timed out after ${timeout}s"
elif [ "$qrc" = 1 ]; then
	rc=0 why="isa-debug-exit with value 0"
else
	rc=1 why="QEMU exited with status $qrc (not through isa-debug-exit 0)"
	tail -n 5 "$work/qemu.out" >&2
fi
echo "run-qemu: $why after ${watch_seconds}s wall; serial log in $log" >&2
rm -rf "$work"
exit $rc

#!/usr/bin/env bash
# Quick start: install what is missing, build, make build/usb.img and boot
# it in the best machine here, showing the serial console live:
#   QEMU with KVM and nested VMX when /dev/kvm offers it, else Bochs (VMX and
#   EPT emulated, no KVM needed). A second disk's boot option ends the run
#   once the firmware goes on booting.
# usage: tools/run.sh [--bochs|--qemu] [--config FILE] [RUNNER OPTIONS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HV_BUILD_DIR:-$root/build}
"$root/tools/deps.sh"
"$root/tools/build.sh"

emulator= config="$root/test/configs/emulator.cfg"
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--bochs) emulator=bochs; shift ;;
	--qemu) emulator=qemu; shift ;;
	--config) config=$2; shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
if [ -z "$emulator" ]; then
	emulator=bochs
	if [ -w /dev/kvm ] && grep -qiE '^(1|y)' /sys/module/kvm_intel/parameters/nested 2>/dev/null; then
		emulator=qemu
	fi
fi
"$root/tools/mkimage.sh" --out "$build/usb.img" --efi "$build/hv.efi" --config "$config"
"$root/tools/mkimage.sh" --out "$build/next.img" --efi "$build/test/poweroff.efi" >/dev/null
echo "run: booting $build/usb.img in $emulator (serial log: $build/serial.log)" >&2
exec "$root/tools/run-$emulator.sh" "$build/usb.img" --disk2 "$build/next.img" --log "$build/serial.log" "${args[@]}"

#!/usr/bin/env bash
# Quick start: install what is missing, build, make build/usb.img and boot
# it in the best machine here, showing the serial console live:
#   QEMU with KVM and nested VMX when /dev/kvm offers it, else Bochs (VMX and
#   EPT emulated, no KVM needed). A second disk's boot option ends the run
#   once the firmware goes on booting.
#   --linux boots Debian's stock kernel (fetched by tools/fetch-linux.sh)
#   with a busybox initramfs as the guest instead.
# usage: tools/run.sh [--bochs|--qemu] [--linux] [--config FILE] [RUNNER OPTIONS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HV_BUILD_DIR:-$root/build}
"$root/tools/deps.sh"
"$root/tools/build.sh"

emulator= config="$root/test/configs/emulator.cfg" linux=0
args=() adds=()
while [ $# -gt 0 ]; do
	case "$1" in
	--bochs) emulator=bochs; shift ;;
	--qemu) emulator=qemu; shift ;;
	--config) config=$2; shift 2 ;;
	--linux) linux=1; config="$root/test/configs/linux.cfg"; shift ;;
	*) args+=("$1"); shift ;;
	esac
done
if [ -z "$emulator" ]; then
	emulator=bochs
	if [ -w /dev/kvm ] && grep -qiE '^(1|y)' /sys/module/kvm_intel/parameters/nested 2>/dev/null; then
		emulator=qemu
	fi
fi
if [ $linux = 1 ]; then
	"$root/tools/fetch-linux.sh" "$build/linux"
	adds=(--add "$build/linux/vmlinuz="'\EFI\linux\vmlinuz' --add "$build/linux/initrd.img="'\EFI\linux\initrd.img')
fi
"$root/tools/mkimage.sh" --out "$build/usb.img" --efi "$build/hv.efi" --config "$config" "${adds[@]}"
"$root/tools/mkimage.sh" --out "$build/next.img" --efi "$build/test/poweroff.efi" >/dev/null
echo "run: booting $build/usb.img in $emulator (serial log: $build/serial.log)" >&2
exec "$root/tools/run-$emulator.sh" "$build/usb.img" --disk2 "$build/next.img" --log "$build/serial.log" "${args[@]}"

#!/usr/bin/env bash
# Builds GRUB as one EFI application (grub-mkstandalone, Debian packages
# grub-efi-amd64-bin and grub-common) whose built-in grub.cfg finds the disk
# that holds KERNEL_PATH, then loads the kernel and the initrd from there and
# boots it, as an installed GRUB boots Debian.
#
# usage: mkgrub.sh --out GRUBX64.efi --kernel-path /EFI/linux/vmlinuz
#                  --initrd-path /EFI/linux/initrd.img --cmdline "ARGS"
set -euo pipefail

out= kernel= initrd= cmdline=
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--kernel-path) kernel=$2; shift 2 ;;
	--initrd-path) initrd=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	*) echo "mkgrub: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$out" ] && [ -n "$kernel" ] && [ -n "$initrd" ] ||
	{ echo "usage: mkgrub.sh --out GRUBX64.efi --kernel-path /PATH --initrd-path /PATH --cmdline \"ARGS\"" >&2; exit 2; }
command -v grub-mkstandalone >/dev/null ||
	{ echo "mkgrub: grub-mkstandalone missing: apt-get install grub-common grub-efi-amd64-bin" >&2; exit 1; }
[ -f /usr/lib/grub/x86_64-efi/linux.mod ] ||
	{ echo "mkgrub: GRUB's x86_64-efi modules missing (/usr/lib/grub/x86_64-efi): apt-get install grub-efi-amd64-bin" >&2; exit 1; }

tmp=$(mktemp -d /tmp/mkgrub.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# No menu, no wait: straight to the kernel. The echo lines go to the
# firmware's console, which OVMF mirrors to the serial port.
# If anything fails, it says so and powers off rather than wait at its prompt.
cat >"$tmp/grub.cfg" <<CFG
set timeout=0
insmod part_gpt
insmod fat
echo "hv-grub: disks:"
ls
if search --no-floppy --file --set=root $kernel; then
	echo "hv-grub: kernel $kernel on (\$root)"
	if linux $kernel $cmdline; then
		if initrd $initrd; then
			echo "hv-grub: booting"
			boot
		fi
	fi
fi
echo "hv-grub: FAILED to boot $kernel; powering off"
halt
CFG
# Every module, as an installed GRUB has them (search loads each file
# system's module to probe the disks); no fonts, themes or translations.
grub-mkstandalone -O x86_64-efi -o "$tmp/grub.efi" --locales= --fonts= --themes= \
	"boot/grub/grub.cfg=$tmp/grub.cfg"
mv "$tmp/grub.efi" "$out"
echo "mkgrub: $out ($(stat -c %s "$out") bytes): GRUB $(grub-mkstandalone --version | awk '{print $NF}'), loads $kernel and $initrd, cmdline '$cmdline'"

#!/usr/bin/env bash
# Builds a bootable USB disk image without root, loop devices or mounts:
# a GPT disk (sgdisk) holding one EFI System Partition, FAT32 (mtools), with
#   \EFI\BOOT\BOOTX64.EFI   the hypervisor
#   \EFI\BOOT\hv.cfg        its configuration
# and any extra files. Write it to a stick with dd (see README.md).
#
# usage: mkimage.sh --out IMG --efi hv.efi [--config hv.cfg] [--size MiB]
#                   [--add SRC=\ESP\PATH]... [--startup-nsh FILE]
set -euo pipefail

out= efi= config= size=64 startup=
adds=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--efi) efi=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--add) adds+=("$2"); shift 2 ;;
	--startup-nsh) startup=$2; shift 2 ;;
	*) echo "mkimage: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$out" ] && [ -n "$efi" ] || { echo "usage: mkimage.sh --out IMG --efi hv.efi [--config F] [--size MiB] [--add SRC=\\\\PATH]" >&2; exit 2; }
[ -f "$efi" ] || { echo "mkimage: $efi not found (build first)" >&2; exit 1; }
for tool in sgdisk mformat mcopy mmd; do
	command -v $tool >/dev/null || { echo "mkimage: $tool missing: apt-get install gdisk mtools" >&2; exit 1; }
done
# FAT32 needs at least 65525 clusters; 1 MiB alignment at the start and
# the backup GPT (33 sectors) at the end.
[ "$size" -ge 40 ] || { echo "mkimage: --size must be at least 40 MiB for FAT32" >&2; exit 2; }

tmp="$out.tmp.$$"
rm -f "$tmp"
truncate -s "${size}M" "$tmp"
sgdisk --clear --new=1:2048:-34 --typecode=1:ef00 --change-name=1:"EFI System" "$tmp" >/dev/null
start=2048
end=$(sgdisk -i 1 "$tmp" | awk '/^Last sector:/ {print $3}')
sectors=$((end - start + 1))
esp="$tmp@@$((start * 512))"
export MTOOLS_SKIP_CHECK=1
mformat -i "$esp" -F -T "$sectors" -v HV-ESP -N 48564553 ::
mmd -i "$esp" ::/EFI ::/EFI/BOOT
mcopy -i "$esp" "$efi" ::/EFI/BOOT/BOOTX64.EFI
if [ -n "$config" ]; then
	mcopy -i "$esp" "$config" ::/EFI/BOOT/hv.cfg
fi
if [ -n "$startup" ]; then
	mcopy -i "$esp" "$startup" ::/startup.nsh
fi
for a in "${adds[@]}"; do
	src=${a%%=*}
	dst=${a#*=}
	dst=${dst//\\//}
	[ -f "$src" ] || { echo "mkimage: $src not found" >&2; rm -f "$tmp"; exit 1; }
	dir=$(dirname "$dst")
	path=
	IFS=/ read -ra parts <<<"${dir#/}"
	for p in "${parts[@]}"; do
		[ -n "$p" ] || continue
		path="$path/$p"
		mmd -i "$esp" "::$path" 2>/dev/null || true
	done
	mcopy -o -i "$esp" "$src" "::$dst"
done
mv "$tmp" "$out"
echo "mkimage: $out (${size} MiB GPT, ESP FAT32): $(mdir -i "$out@@$((start * 512))" -/ -b ::/ | tr '\n' ' ')"

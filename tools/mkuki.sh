#!/usr/bin/env bash
# Builds a unified kernel image (UKI): one EFI application holding the
# kernel, its initrd and its command line, the way systemd-boot and
# firmware boot menus start Linux. It is systemd's EFI stub
# (linuxx64.efi.stub, Debian package systemd-boot-efi) with the kernel in
# .linux, the initrd in .initrd and the command line in .cmdline, added with
# objcopy (binutils) as systemd's documentation describes (Debian 12 has no
# `ukify`: systemd-ukify is newer than its systemd 252).
#
# usage: mkuki.sh --kernel VMLINUZ --initrd INITRD --cmdline "ARGS" --out UKI.efi
#                 [--stub linuxx64.efi.stub]
set -euo pipefail

kernel= initrd= cmdline= out= stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--stub) stub=$2; shift 2 ;;
	*) echo "mkuki: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$kernel" ] && [ -n "$initrd" ] && [ -n "$out" ] ||
	{ echo "usage: mkuki.sh --kernel VMLINUZ --initrd INITRD --cmdline \"ARGS\" --out UKI.efi [--stub STUB]" >&2; exit 2; }
for f in "$kernel" "$initrd"; do
	[ -s "$f" ] || { echo "mkuki: $f not found (tools/fetch-linux.sh makes the kernel and initrd)" >&2; exit 1; }
done
[ -f "$stub" ] || { echo "mkuki: systemd's EFI stub $stub missing: apt-get install systemd-boot-efi" >&2; exit 1; }
for tool in objcopy objdump; do
	command -v $tool >/dev/null || { echo "mkuki: $tool missing: apt-get install binutils" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/mkuki.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf '%s' "$cmdline" >"$tmp/cmdline"
printf 'ID=debian\nPRETTY_NAME="Debian kernel %s (hv boot-path test)"\n' \
	"$(cat "$(dirname "$kernel")/kernel-version" 2>/dev/null || echo unknown)" >"$tmp/osrel"

# The new sections go after the stub's last one, each at a page-aligned
# address; the kernel last, as it is the largest.
end=0
while read -r idx name size vma rest; do
	[[ $idx =~ ^[0-9]+$ ]] || continue
	e=$((16#$vma + 16#$size))
	[ $e -gt $end ] && end=$e
done < <(objdump -h "$stub")
[ "$end" -gt 0 ] || { echo "mkuki: cannot read the sections of $stub" >&2; exit 1; }
page=4096
next=$(((end + page - 1) / page * page))
args=()
for s in osrel:"$tmp/osrel" cmdline:"$tmp/cmdline" initrd:"$initrd" linux:"$kernel"; do
	name=.${s%%:*} file=${s#*:}
	args+=(--add-section "$name=$file" --change-section-vma "$name=$(printf 0x%x $next)")
	args+=(--set-section-flags "$name=data,readonly")
	size=$(stat -c %s "$file")
	next=$(((next + size + page - 1) / page * page))
done
objcopy "${args[@]}" "$stub" "$tmp/uki.efi"
mv "$tmp/uki.efi" "$out"
echo "mkuki: $out ($(stat -c %s "$out") bytes): stub $(basename "$stub"), kernel $(stat -c %s "$kernel") bytes," \
	"initrd $(stat -c %s "$initrd") bytes, cmdline '$cmdline'"

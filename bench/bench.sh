#!/usr/bin/env bash
# The path-length benchmark, in Bochs (clock sync=none: one TSC tick is one
# instruction, so every figure is a deterministic instruction count).
#   1. bench_guest.efi (bench/bench_guest.c) as the guest: N CPUIDs, N CR0 writes,
#      N VMCALLs, N PCI configuration reads (OUT 0xcf8, IN 0xcfc), N self-IPIs
#      with IF=1 (external interrupt) and with IF=0 (interrupt window); guest ticks per round trip, and from the hypervisor's
#      statistics the instructions from exit to VM entry and the VMREADs and
#      VMWRITEs per exit.
#   2. Debian's kernel to user space (LINUX-TSC from the initramfs) with the
#      hypervisor and without it (same image, hypervisor = off), as a ratio.
# Prints one line per figure, "BENCH <name> <value> <unit>", and one
# "BENCH-TARGET" line per target; with --check it fails when one is missed.
# usage: bench/bench.sh [--build DIR] [--check] [--no-linux]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HV_BUILD_DIR:-$root/build} check=0 linux=1
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--check) check=1; shift ;;
	--no-linux) linux=0; shift ;;
	*) echo "bench: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
out="$build/bench-out"
rm -rf "$out" && mkdir -p "$out"
tools="$root/tools"
strip_log() { sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\r//g' "$1"; }

boot() { # NAME CONFIG ADD... : boots an image in Bochs, log in $out/NAME.log
	local name=$1 config=$2
	shift 2
	local adds=()
	for a in "$@"; do adds+=(--add "$a"); done
	"$tools/mkimage.sh" --out "$out/$name.img" --efi "$build/hv.efi" --config "$config" "${adds[@]}" >/dev/null
	"$tools/run-bochs.sh" "$out/$name.img" --log "$out/$name.raw" --timeout 400 --quiet 2>"$out/$name.runner" ||
		{ echo "bench: the $name run failed:" >&2; cat "$out/$name.runner" >&2; return 1; }
	strip_log "$out/$name.raw" >"$out/$name.log"
}

pids=()
boot exits "$root/bench/bench.cfg" "$build/bench/bench_guest.efi="'\EFI\bench\bench.efi' &
pids+=($!)
if [ $linux = 1 ]; then
	"$tools/fetch-linux.sh" "$build/linux" >/dev/null
	sed 's/^hypervisor = on/hypervisor = off/' "$root/bench/linux-bench.cfg" >"$out/linux-nohv.cfg"
	kernel=("$build/linux/vmlinuz="'\EFI\linux\vmlinuz' "$build/linux/initrd.img="'\EFI\linux\initrd.img')
	# Two emulators at once (CI has two cores); instruction counts do not
	# depend on wall time.
	wait "${pids[@]}"
	pids=()
	boot linux-hv "$root/bench/linux-bench.cfg" "${kernel[@]}" &
	pids+=($!)
	boot linux-nohv "$out/linux-nohv.cfg" "${kernel[@]}" &
	pids+=($!)
fi
for p in "${pids[@]}"; do wait "$p"; done

missed=0
figure() { echo "BENCH $1 $2 $3"; }
target() { # NAME VALUE LIMIT
	if awk -v v="$2" -v l="$3" 'BEGIN { exit !(v <= l) }'; then
		echo "BENCH-TARGET $1 $2 <= $3: met"
	else
		echo "BENCH-TARGET $1 $2 <= $3: MISSED"
		missed=$((missed + 1))
	fi
}
# The hypervisor's machine line for REASON in the snapshot after KIND's marker.
host_line() { # KIND REASON
	awk -v kind="$1" -v reason="$2" '
		$0 ~ "^bench: hypervisor statistics for " kind " follow" { on = 1; next }
		on && index($0, "hv: exits cpu=0 reason=" reason " count=") == 1 { print; exit }
		on && /^bench: / { exit }' "$out/exits.log"
}
field() { sed -nE "s/.* $1=([0-9]+).*/\1/p"; }
per_exit() { awk -v a="$1" -v n="$2" 'BEGIN { printf "%.2f", a / n }'; }

for kind in cpuid:CPUID cr0:CR_ACCESS vmcall:VMCALL pci:IO_INSTRUCTION extint:EXTERNAL_INTERRUPT \
	window:INTERRUPT_WINDOW; do
	k=${kind%%:*} reason=${kind#*:}
	guest=$(sed -nE "s/^BENCH guest_${k}_roundtrip ([0-9]+) ticks$/\1/p" "$out/exits.log")
	line=$(host_line "$k" "$reason")
	[ -n "$guest" ] && [ -n "$line" ] || { echo "bench: no figures for $k in $out/exits.log" >&2; exit 1; }
	n=$(field count <<<"$line")
	figure "guest_${k}_roundtrip" "$guest" ticks
	figure "host_${k}_path" "$(per_exit "$(field cycles <<<"$line")" "$n")" instructions
	figure "host_${k}_vmreads" "$(per_exit "$(field vmreads <<<"$line")" "$n")" per-exit
	figure "host_${k}_vmwrites" "$(per_exit "$(field vmwrites <<<"$line")" "$n")" per-exit
done
cpuid_line=$(host_line cpuid CPUID)
n=$(field count <<<"$cpuid_line")
target host_cpuid_vmreads "$(per_exit "$(field vmreads <<<"$cpuid_line")" "$n")" 4
target host_cpuid_vmwrites "$(per_exit "$(field vmwrites <<<"$cpuid_line")" "$n")" 2
# Path lengths (host instructions from exit to entry), issue 16's targets.
for kind in cpuid:CPUID:100 extint:EXTERNAL_INTERRUPT:150 pci:IO_INSTRUCTION:120 window:INTERRUPT_WINDOW:120; do
	IFS=: read -r k reason limit <<<"$kind"
	line=$(host_line "$k" "$reason")
	target "host_${k}_path" "$(per_exit "$(field cycles <<<"$line")" "$(field count <<<"$line")")" "$limit"
done

if [ $linux = 1 ]; then
	hv=$(sed -nE 's/^LINUX-TSC: ([0-9]+) ticks.*/\1/p' "$out/linux-hv.log")
	nohv=$(sed -nE 's/^LINUX-TSC: ([0-9]+) ticks.*/\1/p' "$out/linux-nohv.log")
	[ -n "$hv" ] && [ -n "$nohv" ] || { echo "bench: no LINUX-TSC line in $out/linux-*.log" >&2; exit 1; }
	figure linux_ticks_hv "$hv" ticks
	figure linux_ticks_nohv "$nohv" ticks
	ratio=$(awk -v a="$hv" -v b="$nohv" 'BEGIN { printf "%.4f", a / b }')
	figure linux_ticks_ratio "$ratio" ratio
	target linux_ticks_ratio "$ratio" 1.02
fi
echo "bench: logs in $out"
[ $check = 0 ] || [ $missed = 0 ]

#!/usr/bin/env bash
# The path-length benchmark, in Bochs (clock sync=none: one TSC tick is one
# instruction, so every figure is a deterministic instruction count).
#   1. bench_guest.efi (bench/bench_guest.c) as the guest: N CPUIDs, N CR0 writes,
#      N VMCALLs; guest ticks per round trip, and from the hypervisor's
#      statistics the instructions from exit to VM entry and the VMREADs and
#      VMWRITEs per exit.
#   2. Debian's kernel to user space (LINUX-TSC from the initramfs) with the
#      hypervisor and without it (same image, hypervisor = off), as a ratio;
#      and with periodic statistics every second over the same without.
#   3. The periodic statistics (issue 14): bench_guest.efi again with a dump
#      every second of guest time (bench-stats.cfg); its window with
#      interrupts off loses more ticks than without dumps: that difference
#      over the dumps in the window is a dump's cost to the guest; and the
#      bytes a dump puts on the serial line.
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
boot dumps "$root/bench/bench-stats.cfg" "$build/bench/bench_guest.efi="'\EFI\bench\bench.efi' &
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
	for p in "${pids[@]}"; do wait "$p"; done
	pids=()
	boot linux-stats "$root/bench/linux-bench-stats.cfg" "${kernel[@]}" &
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

for kind in cpuid:CPUID cr0:CR_ACCESS vmcall:VMCALL; do
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
target host_cpuid_path "$(per_exit "$(field cycles <<<"$cpuid_line")" "$n")" 150
target host_cpuid_vmreads "$(per_exit "$(field vmreads <<<"$cpuid_line")" "$n")" 4
target host_cpuid_vmwrites "$(per_exit "$(field vmwrites <<<"$cpuid_line")" "$n")" 2

# A periodic dump's cost to the guest and its size on the line.
window() { sed -nE "s/^BENCH-WINDOW lost=([0-9]+) gaps=[0-9]+ start=([0-9]+) end=([0-9]+)$/\\$1/p" "$out/$2.log"; }
lost_without=$(window 1 exits) lost_with=$(window 1 dumps) w_start=$(window 2 dumps) w_end=$(window 3 dumps)
[ -n "$lost_without" ] && [ -n "$lost_with" ] || { echo "bench: no BENCH-WINDOW line in $out/exits.log or dumps.log" >&2; exit 1; }
dumps=$(awk -v s="$w_start" -v e="$w_end" 'match($0, /^hv: periodic statistics: cpu=0 tsc=[0-9]+/) {
		t = substr($0, 36, RLENGTH - 35) + 0; if (t >= s && t <= e) n++ } END { print n + 0 }' "$out/dumps.log")
[ "$dumps" -gt 0 ] || { echo "bench: no periodic dump inside the window in $out/dumps.log" >&2; exit 1; }
figure periodic_dumps_in_window "$dumps" dumps
per_dump=$(awk -v a="$lost_with" -v b="$lost_without" -v n="$dumps" 'BEGIN { printf "%.0f", (a - b) / n }')
figure guest_ticks_per_periodic_dump "$per_dump" ticks
# Bytes as sent: each line ends in CR LF.
bytes=$(awk '/^hv: periodic statistics: cpu=/ { on = 1; b = 0 } on { b += length($0) + 2 }
	on && /^hv: delta cpu=[0-9]+ total=/ { sum += b; n++; on = 0 } END { if (n) printf "%.0f", sum / n }' "$out/dumps.log")
[ -n "$bytes" ] || { echo "bench: no whole periodic dump in $out/dumps.log" >&2; exit 1; }
figure bytes_per_periodic_dump "$bytes" bytes
target guest_ticks_per_periodic_dump "$per_dump" 50000
target bytes_per_periodic_dump "$bytes" 1024

if [ $linux = 1 ]; then
	hv=$(sed -nE 's/^LINUX-TSC: ([0-9]+) ticks.*/\1/p' "$out/linux-hv.log")
	nohv=$(sed -nE 's/^LINUX-TSC: ([0-9]+) ticks.*/\1/p' "$out/linux-nohv.log")
	[ -n "$hv" ] && [ -n "$nohv" ] || { echo "bench: no LINUX-TSC line in $out/linux-*.log" >&2; exit 1; }
	figure linux_ticks_hv "$hv" ticks
	figure linux_ticks_nohv "$nohv" ticks
	ratio=$(awk -v a="$hv" -v b="$nohv" 'BEGIN { printf "%.4f", a / b }')
	figure linux_ticks_ratio "$ratio" ratio
	target linux_ticks_ratio "$ratio" 1.02
	stats=$(sed -nE 's/^LINUX-TSC: ([0-9]+) ticks.*/\1/p' "$out/linux-stats.log")
	[ -n "$stats" ] || { echo "bench: no LINUX-TSC line in $out/linux-stats.log" >&2; exit 1; }
	figure linux_ticks_stats "$stats" ticks
	ratio=$(awk -v a="$stats" -v b="$hv" 'BEGIN { printf "%.4f", a / b }')
	figure linux_ticks_stats_ratio "$ratio" ratio
	target linux_ticks_stats_ratio "$ratio" 1.01
fi
echo "bench: logs in $out"
[ $check = 0 ] || [ $missed = 0 ]

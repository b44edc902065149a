#!/usr/bin/env bash
# The path-length benchmark, in Bochs (clock sync=none: one TSC tick is one
# instruction, so every figure is a deterministic instruction count).
#   1. bench_guest.efi (bench/bench_guest.c) as the guest: N CPUIDs, N CR0 writes,
#      N VMCALLs, N PCI configuration reads (OUT 0xcf8, IN 0xcfc), N self-IPIs
#      with IF=1 (external interrupt) and with IF=0 (interrupt window); guest ticks per round trip, and from the hypervisor's
#      statistics the instructions from exit to VM entry and the VMREADs and
#      VMWRITEs per exit; first of all the exits of the hypervisor's start-up.
#   2. Debian's kernel to user space (LINUX-TSC from the initramfs) with the
#      hypervisor and without it (same image, hypervisor = off), as a ratio,
#      and where the extra ticks go: the hypervisor's start-up, each exit
#      reason (count x host path), the VM transitions, the guest's own
#      reaction to the hypervisor bit (a third boot with
#      cpuid_hypervisor_bit = off), and what is left unexplained.
#   3. The workload (test/linux/hv-workload.c: processes, pipes, page
#      faults, a loop) after the same boot, with and without the
#      hypervisor, per part, and the same split for the whole run.
#      --options adds two runs: cpuid_hypervisor_bit = off, and
#      external_interrupts = guest (not in the ctest: about 4 more minutes).
#   4. The periodic statistics (issue 14): bench_guest.efi again with a dump
#      every second of guest time (bench-stats.cfg); its window with
#      interrupts off loses more ticks than without dumps: that difference
#      over the dumps in the window is a dump's cost to the guest; and the
#      bytes a dump puts on the serial line. Linux to user space with
#      statistics every second over the same without.
# Prints one line per figure, "BENCH <name> <value> <unit>", one
# "BENCH-TARGET" line per target (with --check it fails when one is missed)
# and one "BENCH-GOAL" line per goal of issue 16 (reported, not checked).
# usage: bench/bench.sh [--build DIR] [--check] [--no-linux] [--options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HV_BUILD_DIR:-$root/build} check=0 linux=1 options=0
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--check) check=1; shift ;;
	--no-linux) linux=0; shift ;;
	--options) options=1; shift ;;
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
	"$tools/run-bochs.sh" "$out/$name.img" --log "$out/$name.raw" --timeout 900 --quiet 2>"$out/$name.runner" ||
		{ echo "bench: the $name run failed:" >&2; cat "$out/$name.runner" >&2; return 1; }
	strip_log "$out/$name.raw" >"$out/$name.log"
}

# Every run starts at the same date: the guest's clock, and what it
# derives from it, must not differ between the runs compared.
export RUN_BOCHS_TIME0=1735689600
# At most two emulators at once (CI has two cores); instruction counts do
# not depend on wall time. A failed run ends the script (set -e).
start() { # NAME CONFIG ADD...
	while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
	boot "$@" &
}
# A variant of linux-bench.cfg: NAME HYPERVISOR(on|off) KERNEL-SWITCH [hv.cfg LINE]
variant() {
	sed -e "s/^hypervisor = on/hypervisor = $2/" -e "s/^guest_args = .*/& $3/" "$root/bench/linux-bench.cfg" \
		>"$out/$1.cfg"
	[ -z "${4:-}" ] || echo "$4" >>"$out/$1.cfg"
}
start exits "$root/bench/bench.cfg" "$build/bench/bench_guest.efi="'\EFI\bench\bench.efi'
start dumps "$root/bench/bench-stats.cfg" "$build/bench/bench_guest.efi="'\EFI\bench\bench.efi'
if [ $linux = 1 ]; then
	"$tools/fetch-linux.sh" "$build/linux" >/dev/null
	kernel=("$build/linux/vmlinuz="'\EFI\linux\vmlinuz' "$build/linux/initrd.img="'\EFI\linux\initrd.img')
	# To user space (the run ends there: hv_bench_stop), then the
	# workload (hv_workload), each with and without the hypervisor.
	runs=(linux-hv linux-nohv linux-nobit linux-stats workload-hv workload-nohv)
	variant linux-hv on hv_bench_stop
	variant linux-nohv off hv_bench_stop
	variant linux-nobit on hv_bench_stop "cpuid_hypervisor_bit = off"
	variant linux-stats on hv_bench_stop "stats_interval_ms = 1000"
	variant workload-hv on hv_workload
	variant workload-nohv off hv_workload
	if [ $options = 1 ]; then
		runs+=(workload-nobit workload-intguest)
		variant workload-nobit on hv_workload "cpuid_hypervisor_bit = off"
		variant workload-intguest on hv_workload "external_interrupts = guest"
	fi
	for r in "${runs[@]}"; do start "$r" "$out/$r.cfg" "${kernel[@]}"; done
fi
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n; done

missed=0
figure() { echo "BENCH $1 $2 $3"; }
goal() { # NAME VALUE LIMIT
	awk -v n="$1" -v v="$2" -v l="$3" 'BEGIN { printf "BENCH-GOAL %s %s <= %s: %s\n", n, v, l, v <= l ? "met" : "not yet" }'
}
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

# Where the extra ticks of a Linux run go (NAME HV-LOG NOHV-LOG HV-TICKS
# NOHV-TICKS): the hypervisor's start-up (hv.efi's entry to the guest's
# start, both runs, less the exits in it, taken from the exits run's first
# dump), each exit reason's host path (count x instructions, from the final
# statistics), the VM transitions (count x the CPUID round trip's ticks
# beyond its host path and the instruction's own tick), and the rest.
decompose() {
	local name=$1 hvlog=$2 nohvlog=$3 hv=$4 nohv=$5
	local a_hv b_hv a_no b_no
	a_hv=$(sed -nE 's/^hv: hv [0-9.]+ starting at TSC ([0-9]+)$/\1/p' "$hvlog" | head -1)
	b_hv=$(sed -nE 's/^hv: starting guest .*, loaded from TSC ([0-9]+)$/\1/p' "$hvlog" | head -1)
	a_no=$(sed -nE 's/^hv: hv [0-9.]+ starting at TSC ([0-9]+)$/\1/p' "$nohvlog" | head -1)
	b_no=$(sed -nE 's/^hv: starting guest .*, loaded from TSC ([0-9]+)$/\1/p' "$nohvlog" | head -1)
	[ -n "$a_hv" ] && [ -n "$b_hv" ] && [ -n "$a_no" ] && [ -n "$b_no" ] ||
		{ echo "bench: no start-up TSC lines in $hvlog or $nohvlog" >&2; exit 1; }
	local final
	final=$(grep -aE '^hv: exits cpu=0 total=' "$hvlog" | tail -1)
	[ -n "$final" ] || { echo "bench: no final statistics in $hvlog" >&2; exit 1; }
	local n c
	n=$(field total <<<"$final") c=$(field cycles <<<"$final")
	# The rest, for the caller (split_rest): what the other parts leave.
	split_rest=$(((hv - nohv) - ((b_hv - a_hv) - (b_no - a_no) - startup_cycles - startup_exits * transition) -
		c - n * transition))
	awk -v name="$name" -v d=$((hv - nohv)) -v up=$(((b_hv - a_hv) - (b_no - a_no))) \
		-v su_n="$startup_exits" -v su_c="$startup_cycles" -v tr="$transition" \
		-v n="$(field total <<<"$final")" -v c="$(field cycles <<<"$final")" '
		function line(what, v) { printf "BENCH %s_extra_%s %d ticks (%.1f%%)\n", name, what, v, 100 * v / d }
		BEGIN {
			startup = up - su_c - su_n * tr; trans = n * tr
			rest = d - startup - c - trans
			printf "BENCH %s_extra_ticks %d ticks\n", name, d
			line("startup", startup); line("exits", c); line("transitions", trans); line("rest", rest)
			printf "BENCH %s_extra_exit_count %d exits\n", name, n
		}'
	# Each exit reason: count x host path.
	grep -aE '^hv: exits cpu=0 reason=[A-Z_]+ count=' "$hvlog" | awk -v name="$name" -v d=$((hv - nohv)) '
		{ r = $4; sub(/reason=/, "", r); n = $5; sub(/count=/, "", n); c = $6; sub(/cycles=/, "", c)
		  printf "BENCH %s_exit_%s %d ticks (%d exits x %.0f, %.1f%% of the extra)\n", name, r, c, n, c / n, 100 * c / d }'
}

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
# One VM exit and entry, as Bochs counts them, with the exit stub's
# instructions outside the host path: the CPUID round trip less its host
# path and the one tick the instruction takes without us.
transition=$(($(sed -nE 's/^BENCH guest_cpuid_roundtrip ([0-9]+) ticks$/\1/p' "$out/exits.log") - 1 -
	$(field cycles <<<"$cpuid_line") / n))
figure vm_transition "$transition" ticks
# The exits of the hypervisor's start-up after its VMLAUNCH: the first dump.
startup_line=$(tr -d '\000' <"$out/exits.log" | grep -E '^hv: exits cpu=0 total=' | head -1)
startup_exits=$(field total <<<"$startup_line") startup_cycles=$(field cycles <<<"$startup_line")
figure startup_exits "$startup_exits" exits
figure startup_exit_ticks "$startup_cycles" ticks
# Path lengths (host instructions from exit to entry), issue 16's targets.
for kind in cpuid:CPUID:100 extint:EXTERNAL_INTERRUPT:150 pci:IO_INSTRUCTION:120 window:INTERRUPT_WINDOW:120; do
	IFS=: read -r k reason limit <<<"$kind"
	line=$(host_line "$k" "$reason")
	target "host_${k}_path" "$(per_exit "$(field cycles <<<"$line")" "$(field count <<<"$line")")" "$limit"
done

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

tsc_of() { sed -nE "s/^$1: ([0-9]+) ticks.*/\\1/p" "$out/$2.log" | head -1; }
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }
if [ $linux = 1 ]; then
	hv=$(tsc_of LINUX-TSC linux-hv) nohv=$(tsc_of LINUX-TSC linux-nohv)
	[ -n "$hv" ] && [ -n "$nohv" ] || { echo "bench: no LINUX-TSC line in $out/linux-*.log" >&2; exit 1; }
	figure linux_ticks_hv "$hv" ticks
	figure linux_ticks_nohv "$nohv" ticks
	ratio=$(ratio_of "$hv" "$nohv")
	figure linux_ticks_ratio "$ratio" ratio
	target linux_ticks_ratio "$ratio" 1.02
	# The split, to the end of the run (LINUX-TSC-END, just after
	# LINUX-TSC), which the final statistics cover.
	decompose linux "$out/linux-hv.log" "$out/linux-nohv.log" "$(tsc_of LINUX-TSC-END linux-hv)" \
		"$(tsc_of LINUX-TSC-END linux-nohv)"
	rest_hv=$split_rest extra=$(($(tsc_of LINUX-TSC-END linux-hv) - $(tsc_of LINUX-TSC-END linux-nohv)))
	# The same boot with cpuid_hypervisor_bit = off: what differs in its
	# rest is the guest's own reaction to the bit (its mitigations); what
	# is left there is the unexplained part.
	decompose linux_nobit "$out/linux-nobit.log" "$out/linux-nohv.log" "$(tsc_of LINUX-TSC-END linux-nobit)" \
		"$(tsc_of LINUX-TSC-END linux-nohv)" >"$out/linux-nobit.split"
	awk -v r="$((rest_hv - split_rest))" -v u="$split_rest" -v d="$extra" 'BEGIN {
		printf "BENCH linux_extra_guest_reaction %d ticks (%.1f%%)\n", r, 100 * r / d
		printf "BENCH linux_extra_unexplained %d ticks (%.1f%%)\n", u, 100 * u / d }'
	goal linux_extra_unexplained_share "$(awk -v u="$split_rest" -v d="$extra" \
		'BEGIN { printf "%.4f", (u < 0 ? -u : u) / d }')" 0.01
	# The workload: each part with / without the hypervisor, and with
	# each option (--options) against the run without.
	variants=(hv)
	[ $options = 0 ] || variants+=(nobit intguest)
	for part in fork pipe fault compute total stos; do
		no=$(sed -nE "s/^WORKLOAD $part ([0-9]+) ticks$/\\1/p" "$out/workload-nohv.log")
		[ -n "$no" ] || { echo "bench: no WORKLOAD $part line in $out/workload-nohv.log" >&2; exit 1; }
		figure "workload_${part}_nohv" "$no" ticks
		for v in "${variants[@]}"; do
			t=$(sed -nE "s/^WORKLOAD $part ([0-9]+) ticks$/\\1/p" "$out/workload-$v.log")
			[ -n "$t" ] || { echo "bench: no WORKLOAD $part line in $out/workload-$v.log" >&2; exit 1; }
			figure "workload_${part}_$v" "$t" ticks
			figure "workload_${part}_ratio_$v" "$(ratio_of "$t" "$no")" ratio
		done
	done
	wl=$(ratio_of "$(sed -nE 's/^WORKLOAD total ([0-9]+) ticks$/\1/p' "$out/workload-hv.log")" \
		"$(sed -nE 's/^WORKLOAD total ([0-9]+) ticks$/\1/p' "$out/workload-nohv.log")")
	target workload_ratio "$wl" 1.03
	goal linux_ticks_ratio "$ratio" 1.005
	goal workload_ratio "$wl" 1.003
	if [ $options = 1 ]; then
		goal workload_ratio_intguest "$(ratio_of "$(sed -nE 's/^WORKLOAD total ([0-9]+) ticks$/\1/p' \
			"$out/workload-intguest.log")" "$(sed -nE 's/^WORKLOAD total ([0-9]+) ticks$/\1/p' \
			"$out/workload-nohv.log")")" 1.002
	fi
	for v in "${variants[@]}"; do
		figure "linux_ticks_ratio_workload_$v" "$(ratio_of "$(tsc_of LINUX-TSC "workload-$v")" \
			"$(tsc_of LINUX-TSC workload-nohv)")" ratio
		decompose "workload_$v" "$out/workload-$v.log" "$out/workload-nohv.log" \
			"$(tsc_of LINUX-TSC-END "workload-$v")" "$(tsc_of LINUX-TSC-END workload-nohv)"
	done
	stats=$(tsc_of LINUX-TSC linux-stats)
	[ -n "$stats" ] || { echo "bench: no LINUX-TSC line in $out/linux-stats.log" >&2; exit 1; }
	figure linux_ticks_stats "$stats" ticks
	ratio=$(ratio_of "$stats" "$hv")
	figure linux_ticks_stats_ratio "$ratio" ratio
	target linux_ticks_stats_ratio "$ratio" 1.01
fi
echo "bench: logs in $out"
[ $check = 0 ] || [ $missed = 0 ]

#!/usr/bin/env bash
# The hostile-guest test: boot_test.sh with the given arguments, then two
# cross-checks between what the hypervisor says and what the guest found:
#  - the memory the guest could not read is exactly the hypervisor's arena
#    (one hidden range, same bounds);
#  - the hypervisor counted one EPT violation per faulting access of the
#    guest (its probe reads of the hidden pages plus its attacks).
# usage: hostile_check.sh BOOT_TEST_ARGS... (--name and --build among them)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name= build=
args=("$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--name) name=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	*) shift ;;
	esac
done
"$here/boot_test.sh" "${args[@]}"
status=$?
log="$build/test-out/$name/serial.txt"
fail=0
arena=$(grep -aoE 'hypervisor arena 0x[0-9a-f]+-0x[0-9a-f]+' "$log" | head -n 1 | sed 's/hypervisor arena //')
hidden=$(grep -aoE '^hostile: hidden 0x[0-9a-f]+-0x[0-9a-f]+' "$log" | sed 's/hostile: hidden //')
if [ -n "$arena" ] && [ "$hidden" = "$arena" ]; then
	echo "PASS: the guest's hidden memory is exactly the hypervisor's arena ($arena)"
else
	echo "FAIL: hidden memory [$(echo $hidden)] is not the hypervisor's arena [$arena]"
	fail=1
fi
line=$(grep -aoE '^hostile: [0-9]+ attacks on [0-9]+ hidden pages' "$log" | head -n 1)
attacks=$(sed -E 's/hostile: ([0-9]+) attacks.*/\1/' <<<"$line")
pages=$(sed -E 's/.* on ([0-9]+) hidden.*/\1/' <<<"$line")
counted=$(awk '/^hv: exits begin cpu=0 why=request/{f=1} f && /^hv: exits cpu=0 total=/{print; exit}' "$log" |
	sed -E 's/.*ept_violations=([0-9]+).*/\1/')
if [ -n "$attacks" ] && [ -n "$counted" ] && [ "$counted" = $((attacks + pages)) ]; then
	echo "PASS: the hypervisor counted $counted EPT violations = $pages probe reads + $attacks attacks"
else
	echo "FAIL: the hypervisor counted '${counted}' EPT violations, the guest made ${pages:-?} probe reads + ${attacks:-?} attacks"
	fail=1
fi
[ $status = 0 ] && [ $fail = 0 ]

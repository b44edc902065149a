#!/usr/bin/env bash
# hvstat on a real serial log (the Linux guest's, from the linux_userspace
# test): the table it prints and the SVG it writes must agree with the
# hypervisor's own final machine lines in that log.
# usage: hvstat_log.sh HVSTAT SERIAL_LOG OUT_DIR
set -uo pipefail
hvstat=$1 log=$2 out=$3
mkdir -p "$out"
fail=0
ok() { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

[ -s "$log" ] || { echo "FAIL: no serial log at $log (run linux_userspace first)"; exit 1; }
"$hvstat" --svg "$out/exits.svg" "$log" >"$out/table.txt" 2>"$out/stderr.txt"
rc=$?
cat "$out/table.txt"
[ $rc = 0 ] && ok "hvstat exited 0" || bad "hvstat exited $rc: $(cat "$out/stderr.txt")"

# The hypervisor's last total line: hv: exits cpu=0 total=N ept_violations=E cycles=C
want=$(tr -d '\r' <"$log" | grep -aoE '^hv: exits cpu=0 total=[0-9]+ ept_violations=[0-9]+ cycles=[0-9]+$' | tail -n 1)
[ -n "$want" ] || bad "the log has no final total line"
total=$(sed -E 's/.*total=([0-9]+).*/\1/' <<<"$want")
cycles=$(sed -E 's/.*cycles=([0-9]+).*/\1/' <<<"$want")
if grep -qE "^total: $total exits, $cycles cycles" "$out/table.txt"; then
	ok "table total matches the log's final line ($total exits, $cycles cycles)"
else
	bad "table total differs from the log's final line ($total exits, $cycles cycles)"
fi
# Every reason of the final snapshot is a row, with the logged count.
final=$(tr -d '\r' <"$log" | awk '/^hv: exits begin cpu=0 why=final/{s=""} {s=s $0 "\n"} END{printf "%s", s}' |
	grep -aoE '^hv: exits cpu=0 reason=[A-Z_]+ count=[0-9]+ ' | sort -u)
rows=0
while read -r line; do
	[ -n "$line" ] || continue
	reason=$(sed -E 's/.*reason=([A-Z_]+).*/\1/' <<<"$line")
	count=$(sed -E 's/.*count=([0-9]+).*/\1/' <<<"$line")
	if grep -qE "^$reason +$count " "$out/table.txt"; then
		rows=$((rows + 1))
	else
		bad "no table row '$reason $count'"
	fi
done <<<"$final"
[ $rows -ge 3 ] && ok "$rows reasons of the final snapshot are table rows with their counts" ||
	bad "only $rows reasons matched"
# The SVG: well-formed XML with a bar per reason.
if python3 - "$out/exits.svg" "$rows" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = '{http://www.w3.org/2000/svg}'
assert root.tag == ns + 'svg', root.tag
text = ' '.join(t.text or '' for t in root.iter(ns + 'text'))
assert 'EXTERNAL_INTERRUPT' in text and 'CPUID' in text, text[:200]
bars = [r for r in root.iter(ns + 'rect') if r.get('width') not in (None, '100%')]
assert len(bars) >= int(sys.argv[2]), len(bars)
print('svg: %d bars, %d text nodes' % (len(bars), len(list(root.iter(ns + 'text')))))
PY
then ok "SVG is well-formed and charts the reasons ($out/exits.svg)"; else bad "SVG check failed"; fi
[ $fail = 0 ] && echo "hvstat_log: passed" || echo "hvstat_log: failed"
exit $fail

#!/usr/bin/env bash
# Builds the self-test USB image for a new machine (README "First boot on a
# new machine"): selftest.efi boots first, reads the processor's identity and
# VMX capabilities, starts hv.efi, then as its guest runs the guest-side
# checks (vmtest, a hostile-memory probe, a short fuzz) and prints one
# summary on COM1 (115200 8N1), also written to \EFI\selftest\summary.txt.
#
# usage: selftest.sh [--out IMG] [--build DIR] [--no-build] [--config hv.cfg]
#                    [--run bochs|qemu] [--runner-arg ARG]...
#   --out      the image (default: BUILD/selftest.img)
#   --build    the build directory (default: $HV_BUILD_DIR or ./build)
#   --no-build use what is built there already
#   --config   the hypervisor's hv.cfg (default test/configs/selftest.cfg)
#   --run      boot the image in an emulator afterwards (tools/run-*.sh),
#              with --runner-arg ARGs for it (e.g. --model NAME, --accel kvm)
# Then: sudo dd if=IMG of=/dev/sdX bs=4M conv=fsync status=progress
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HV_BUILD_DIR:-$root/build} out= nobuild=0 config=$root/test/configs/selftest.cfg run= runner_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--no-build) nobuild=1; shift ;;
	--config) config=$2; shift 2 ;;
	--run) run=$2; shift 2 ;;
	--runner-arg) runner_args+=("$2"); shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "selftest: unknown argument '$1' (see the usage in $0)" >&2; exit 2 ;;
	esac
done
out=${out:-$build/selftest.img}
if [ $nobuild = 0 ]; then
	HV_BUILD_DIR=$build "$root/tools/build.sh"
fi
for f in hv.efi test/selftest.efi test/vmtest.efi test/hostile.efi test/fuzz.efi; do
	[ -f "$build/$f" ] || { echo "selftest: $build/$f missing (build first: HV_BUILD_DIR=$build tools/build.sh)" >&2; exit 1; }
done
"$root/tools/mkimage.sh" --out "$out" --efi "$build/test/selftest.efi" \
	--add "$build/hv.efi=\\EFI\\hv\\hv.efi" --add "$config=\\EFI\\hv\\hv.cfg" \
	--add "$build/test/vmtest.efi=\\EFI\\selftest\\vmtest.efi" \
	--add "$build/test/hostile.efi=\\EFI\\selftest\\hostile.efi" \
	--add "$build/test/fuzz.efi=\\EFI\\selftest\\fuzz.efi" >/dev/null
echo "selftest: image $out"
echo "selftest: write it with: sudo dd if=$out of=/dev/sdX bs=4M conv=fsync status=progress"
echo "selftest: boot it with Secure Boot off; read COM1 at 115200 8N1 (README \"First boot on a new machine\")"
if [ -n "$run" ]; then
	exec "$root/tools/run-$run.sh" "$out" "${runner_args[@]}"
fi

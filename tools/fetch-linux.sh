#!/usr/bin/env bash
# Prepares the unmodified third-party Linux guest for the `linux` tests:
#   OUT/vmlinuz     Debian 12's stock cloud kernel (linux-image-cloud-amd64),
#                   an EFI application through its EFI stub
#   OUT/initrd.img  a busybox-static initramfs whose /init (test/linux/init)
#                   prints markers from user space and ends the run;
#                   hv-soak (test/linux/hv-soak.c) for the soak test
# The kernel package is fetched with `apt-get download` (no root, nothing
# installed) and kept in OUT, so a second run needs no network.
# usage: fetch-linux.sh OUT
set -euo pipefail
out=${1:?usage: fetch-linux.sh OUT}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
cd "$out"
if [ ! -s vmlinuz ]; then
	pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
	[ -n "$pkg" ] || { echo "fetch-linux: cannot resolve linux-image-cloud-amd64 (apt-get update?)" >&2; exit 1; }
	rm -rf deb && mkdir deb
	(cd deb && apt-get download "$pkg" >/dev/null)
	dpkg-deb -x deb/*.deb deb/root
	cp deb/root/boot/vmlinuz-* vmlinuz
	basename deb/root/boot/vmlinuz-* | sed 's/^vmlinuz-//' >kernel-version
	rm -rf deb
fi
busybox=/bin/busybox
[ -x $busybox ] && file -L $busybox 2>/dev/null | grep -q static || busybox=$(command -v busybox || true)
[ -x "$busybox" ] || { echo "fetch-linux: busybox-static missing: apt-get install busybox-static" >&2; exit 1; }
rm -rf initramfs && mkdir -p initramfs/bin
cp "$busybox" initramfs/bin/busybox
cp "$root/test/linux/init" initramfs/init
chmod +x initramfs/init
gcc -static -O2 -o initramfs/bin/hv-poweroff "$root/test/linux/hv-poweroff.c"
gcc -static -O2 -pthread -o initramfs/bin/hv-soak "$root/test/linux/hv-soak.c"
gcc -static -O2 -o initramfs/bin/hv-workload "$root/test/linux/hv-workload.c"
(cd initramfs && find . | cpio -o -H newc --quiet | gzip -9) >initrd.img
rm -rf initramfs
echo "fetch-linux: $out/vmlinuz ($(cat kernel-version), $(stat -c %s vmlinuz) bytes), initrd.img ($(stat -c %s initrd.img) bytes)"

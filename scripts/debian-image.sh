#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build/debian/bookworm-i386.ext4: a Debian bookworm i386 root file
# system made the usual way (debootstrap, systemd, ext4), for a guest
# booted with "--block=IMAGE root=/dev/lgba".  It has what the test runs
# inside (perl, gcc, stress-ng) and tests/debian/lgtest.service, which
# runs tests/debian/lgtest-debian at boot when the kernel command line
# says lgtest.debian=1, and then powers the guest off.  Without that the
# image boots to a login prompt like any other (root has no password).
#
# The packages come from the Debian mirror apt is configured with here;
# they are cached in build/debian/cache, and the image is made again only
# when this script or tests/debian/ change.  Needs root (debootstrap).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

D=$BUILD/debian
IMG=$D/bookworm-i386.ext4
SIZE=${DEBIAN_IMAGE_SIZE:-1536M}
PKGS=systemd-sysv,udev,dbus,procps,perl,gcc,libc6-dev,stress-ng,e2fsprogs

stamp=$(cat "$0" "$ROOT"/tests/debian/* | sha256sum | cut -c1-16)
if [ -f "$IMG" ] && [ "$(cat "$IMG.stamp" 2>/dev/null)" = "$stamp" ]; then
	note "${IMG#"$ROOT"/}: up to date"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "debootstrap needs root"
command -v debootstrap >/dev/null || die "debootstrap is not installed (make deps)"

# The mirror: the first "deb" source for bookworm, one-line or deb822.
mirror=$({ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
	awk '$1 == "deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++)
		if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }')
if [ -z "$mirror" ]; then
	mirror=$(awk 'tolower($1) == "uris:" { u = $2 } tolower($1) == "suites:" &&
		/(^| )bookworm( |$)/ && u !~ /security/ { print u; exit }' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null || true)
fi
[ -n "$mirror" ] || die "no Debian bookworm mirror in apt's sources"

root=$D/root
mkdir -p "$D/cache"
rm -rf "$root" "$IMG" "$IMG.stamp"
note "debootstrap bookworm i386 from $mirror (packages cached in ${D#"$ROOT"/}/cache)"
debootstrap --arch=i386 --variant=minbase --include="$PKGS" \
	--cache-dir="$D/cache" bookworm "$root" "$mirror" >"$D/debootstrap.log" 2>&1 ||
	{ tail -n 20 "$D/debootstrap.log" >&2; die "debootstrap failed (log: ${D#"$ROOT"/}/debootstrap.log)"; }

# What a user would set up: a name, the root file system, a root login
# without a password on the console.
echo lguest-debian > "$root/etc/hostname"
echo "/dev/lgba / ext4 defaults,errors=remount-ro 0 1" > "$root/etc/fstab"
chroot "$root" passwd -d root >/dev/null
install -m 0755 "$ROOT/tests/debian/lgtest-debian" "$root/usr/local/sbin/lgtest-debian"
install -m 0644 "$ROOT/tests/debian/lgtest.service" "$root/etc/systemd/system/lgtest.service"
install -m 0644 "$ROOT/tests/debian/threads.c" "$root/root/threads.c"
chroot "$root" systemctl enable lgtest.service >/dev/null 2>&1
rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*

note "making ${IMG#"$ROOT"/} (ext4, $SIZE)"
mkfs.ext4 -q -F -L debian -d "$root" "$IMG.tmp" "$SIZE"
mv "$IMG.tmp" "$IMG"
rm -rf "$root"
echo "$stamp" > "$IMG.stamp"
note "${IMG#"$ROOT"/}: $(du -h --apparent-size "$IMG" | cut -f1), $(du -h "$IMG" | cut -f1) used"

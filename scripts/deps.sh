#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make sure what the build and the tests need is installed.  As root on
# Debian 12 it installs the missing packages; otherwise it prints the
# command to run and fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Debian package, and the file or command that shows it is installed.
PKGS=(
	"linux-source-6.12:$KTARBALL"
	"build-essential:make"
	"gcc-multilib:/usr/lib/gcc/x86_64-linux-gnu/12/32/crtbegin.o"
	"libc6-dev-i386:/usr/lib32/libc.a"
	"flex:flex"
	"bison:bison"
	"bc:bc"
	"libelf-dev:/usr/include/libelf.h"
	"zlib1g-dev:/usr/include/zlib.h"
	"liblzma-dev:/usr/include/lzma.h"
	"libssl-dev:/usr/include/openssl/ssl.h"
	"cpio:cpio"
	"xz-utils:xz"
	"kmod:depmod"
	"rsync:rsync"
	"perl:perl"
	"quilt:quilt"
	"ccache:ccache"
	"sparse:sparse"
	"qemu-system-x86:qemu-system-i386"
	"e2fsprogs:mke2fs"
	"debootstrap:debootstrap"
	"busybox-static:i386:/bin/busybox"
)

have() {
	case "$1" in
	/*) [ -e "$1" ] ;;
	*) command -v "$1" >/dev/null 2>&1 || [ -x "/sbin/$1" ] || [ -x "/usr/sbin/$1" ] ;;
	esac
}

missing=()
for entry in "${PKGS[@]}"; do
	pkg=${entry%:*}
	probe=${entry##*:}
	have "$probe" || missing+=("$pkg")
done
have file || missing+=(file)

# /bin/busybox must be the static i386 build: the test initramfs runs it.
if [ -e /bin/busybox ] && have file &&
   ! file -b /bin/busybox | grep -q 'Intel 80386'; then
	missing+=("busybox-static:i386")
fi

[ ${#missing[@]} -eq 0 ] && exit 0

cmd="dpkg --add-architecture i386 && apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "Missing packages: ${missing[*]}" >&2
	echo "Install them as root with:" >&2
	echo "  $cmd" >&2
	exit 1
fi

note "installing: ${missing[*]}"
dpkg --add-architecture i386
# One index may fail while a mirror syncs; what matters is the install.
apt-get update || echo "warning: apt-get update reported errors; trying the install anyway" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"

for entry in "${PKGS[@]}"; do
	have "${entry##*:}" || die "package ${entry%:*} did not install (${entry##*:} missing)"
done
file -b /bin/busybox | grep -q 'Intel 80386' || die "/bin/busybox is not the i386 build"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the Launcher, out/lguest, from tools-lguest/lguest.c: a static
# i386 program, linked with zlib and liblzma to unpack bzImages.
#
# It is built against the uapi headers of the patched tree (make tree):
# lguest_launcher.h is the contract with the host module.  Those headers
# cannot be used straight from the source tree (linux/types.h there
# wants kernel-only headers), so the few we need are copied into a
# build-local include directory, next to the system's own.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$ROOT/tools-lguest/lguest.c
inc=$BUILD/launcher-inc
[ -f "$KSRC/include/uapi/linux/lguest_launcher.h" ] ||
	die "no lguest_launcher.h in $KSRC: make tree first"
mkdir -p "$inc/linux" "$inc/asm" "$OUT"
cp "$KSRC/include/uapi/linux/lguest_launcher.h" "$inc/linux/"
cp "$KSRC/arch/x86/include/uapi/asm/bootparam.h" \
   "$KSRC/arch/x86/include/uapi/asm/setup_data.h" "$inc/asm/"

# The static i386 zlib and liblzma.  Debian's zlib1g-dev:i386 and
# liblzma-dev:i386 (scripts/deps.sh) provide them, but multiarch wants
# each i386 library at exactly the version of its amd64 twin, and when
# the mirror's i386 security index lags behind (as it did when this was
# written) apt cannot install them.  Only the two .a files are needed,
# so then we take them from the packages themselves, unpacked under
# build/, without installing anything.  Sets libdir.
i386_libs() {
	local dir=$BUILD/i386-libs lib=usr/lib/i386-linux-gnu tmp
	libdir=$dir/$lib
	if [ ! -f "$dir/$lib/libz.a" ] || [ ! -f "$dir/$lib/liblzma.a" ]; then
		tmp=$(mktemp -d "$BUILD/i386-libs.XXXXXX")
		(cd "$tmp" && apt-get download zlib1g-dev:i386 liblzma-dev:i386) \
			>"$tmp.log" 2>&1 ||
			die "cannot fetch zlib1g-dev:i386 and liblzma-dev:i386 (see $tmp.log)"
		for deb in "$tmp"/*.deb; do
			dpkg-deb -x "$deb" "$tmp/root"
		done
		rm -rf "$dir" "$tmp.log"
		mv "$tmp/root" "$dir"
		rm -rf "$tmp"
		note "static i386 zlib and liblzma unpacked into ${dir#"$ROOT"/}"
	fi
}

libdir=/usr/lib/i386-linux-gnu
if [ ! -f "$libdir/libz.a" ] || [ ! -f "$libdir/liblzma.a" ]; then
	i386_libs
fi

# With tools/lguest/Makefile, the one place that says how, but built in
# a folder of ours: nothing is written into tools-lguest/.
obj=$BUILD/launcher-obj
mkdir -p "$obj"
rm -f "$obj/lguest"
# (vpath for sources only: a stray tools-lguest/lguest must not count.)
make -s -C "$obj" -f "$ROOT/tools-lguest/Makefile" --eval="vpath %.c ${src%/*}" \
	HDR="$inc" CFLAGS="-O2 -Werror" LDFLAGS="-L$libdir" lguest
cp "$obj/lguest" "$OUT/lguest.tmp"
mv "$OUT/lguest.tmp" "$OUT/lguest"
note "built out/lguest"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test initramfs, build/initramfs.cpio.gz: Debian's static i386
# busybox, tests/init as /init, our test programs in /tests and the
# 32-bit x86 kernel selftests of the patched tree in /selftests.
#
# Needs the "main" kernel built (for its uapi headers and gen_init_cpio).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

O=$BUILD/obj-main
[ -x "$O/usr/gen_init_cpio" ] || die "build the main kernel first (make)"

# The uapi headers the selftests compile against.
make -s -C "$KSRC" O="$O" ARCH=i386 headers

progs=$BUILD/progs
mkdir -p "$progs"
for src in "$ROOT"/tests/programs/*.c; do
	bin=$progs/$(basename "$src" .c)
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		gcc -m32 -static -O2 -Wall -Werror -o "$bin" "$src"
	fi
done

# The selftests' own Makefile picks the 32-bit programs (all_32); they are
# linked statically because the initramfs has no C library.
st=$BUILD/selftests-x86
mkdir -p "$st"
make -s -C "$KSRC/tools/testing/selftests/x86" OUTPUT="$st" \
	KHDR_INCLUDES="-isystem $O/usr/include" EXTRA_CFLAGS=-static \
	all_32 2>&1 | grep -v "statically linked applications requires at runtime" |
	grep -v "in function \`main':" || true
ls "$st"/*_32 >/dev/null 2>&1 || die "no selftests were built"

list=$BUILD/initramfs.list
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "dir /bin 0755 0 0"
	echo "file /bin/busybox /bin/busybox 0755 0 0"
	echo "file /init $ROOT/tests/init 0755 0 0"
	echo "dir /tests 0755 0 0"
	for bin in "$progs"/*; do
		echo "file /tests/${bin##*/} $bin 0755 0 0"
	done
	echo "dir /selftests 0755 0 0"
	for bin in "$st"/*_32; do
		echo "file /selftests/${bin##*/} $bin 0755 0 0"
	done
} > "$list"
"$O/usr/gen_init_cpio" "$list" | gzip -1 > "$BUILD/initramfs.cpio.gz.tmp"
mv "$BUILD/initramfs.cpio.gz.tmp" "$BUILD/initramfs.cpio.gz"
note "initramfs: $(du -h "$BUILD/initramfs.cpio.gz" | cut -f1), $(grep -c '^file' "$list") files"

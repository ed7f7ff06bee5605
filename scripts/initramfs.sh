#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test initramfs images:
#
#   build/initramfs.cpio.gz       Debian's static i386 busybox, tests/init
#                                 as /init, our test programs and the
#                                 guest test modules in /tests and
#                                 the 32-bit x86 kernel selftests of the
#                                 patched tree in /selftests.  QEMU boots it,
#                                 and lguest guests boot the very same image.
#   build/initramfs-host.cpio.gz  the same plus what an lguest host needs:
#                                 /boot/vmlinux and /boot/bzImage (out/),
#                                 /boot/guest.cpio.gz (the image above),
#                                 /boot/tiny.cpio.gz (a poweroff as /init),
#                                 /bin/lguest (out/lguest), lg.ko and its
#                                 modules.dep in /lib/modules (out/modules/),
#                                 tests/launcher-input.sh,
#                                 tests/hostile.cases and an ext2 root
#                                 image for a guest disk (build/root.ext2).  It is made
#                                 only when out/ has a kernel; what is
#                                 missing is said here and in its .list,
#                                 which scripts/check.sh reads.
#   build/initramfs-host-distro.cpio.gz  the same for the distro kernel
#                                 (build/out-distro/), if it is built.
#
# build/initramfs.cpio.gz must unpack inside a 64 MB guest, which also
# holds it compressed and the kernel: at 24.3 MB unpacked it does, at
# 25.0 MB (one more 750 KB static program) its last file did not fit
# ("Initramfs unpacking failed: write error" in every guest).  Add modes
# to an existing program rather than new programs.
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

# The guest test modules (tests/hostile: the hostile cases, and the exit
# timing of make bench), built against the main kernel in a copy of
# their folder so that nothing is written into tests/.
hk=$BUILD/hostile
mkdir -p "$hk"
cp "$ROOT"/tests/hostile/Makefile "$ROOT"/tests/hostile/*.c "$hk"/
make -s -C "$KSRC" O="$O" ARCH=i386 CC="$CC_WRAP" M="$hk" modules ||
	die "the modules of tests/hostile do not build"
# Its hcall-queued case needs the address of the kernel's lguest_data.
awk '$3 == "lguest_data" { print $1 }' "$O/System.map" >"$hk/lguest_data_addr"
[ -s "$hk/lguest_data_addr" ] || die "no lguest_data in $O/System.map"

# The selftests' own Makefile picks the 32-bit programs (all_32); they are
# linked statically because the initramfs has no C library.
st=$BUILD/selftests-x86
mkdir -p "$st"
make -s -C "$KSRC/tools/testing/selftests/x86" OUTPUT="$st" \
	KHDR_INCLUDES="-isystem $O/usr/include" EXTRA_CFLAGS=-static \
	all_32 2>&1 | grep -v "statically linked applications requires at runtime" |
	grep -v "in function \`main':" || true
ls "$st"/*_32 >/dev/null 2>&1 || die "no selftests were built"

# The entries every image has.
base_list() {
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "dir /bin 0755 0 0"
	echo "file /bin/busybox /bin/busybox 0755 0 0"
	echo "file /init $ROOT/tests/init 0755 0 0"
	echo "dir /tests 0755 0 0"
	for bin in "$progs"/*; do
		echo "file /tests/${bin##*/} $bin 0755 0 0"
	done
	echo "file /tests/lg_hostile.ko $hk/lg_hostile.ko 0644 0 0"
	echo "file /tests/lg_exittime.ko $hk/lg_exittime.ko 0644 0 0"
	echo "file /tests/lguest_data_addr $hk/lguest_data_addr 0644 0 0"
	echo "dir /selftests 0755 0 0"
	for bin in "$st"/*_32; do
		echo "file /selftests/${bin##*/} $bin 0755 0 0"
	done
}

# What the lguest host adds: the guest's kernels and initramfs, the
# launcher and the modules tree (without its build/source links).
# HOST_OUT: where that kernel comes from (out/, or build/out-distro/);
# GUEST_OUT: where the guests' kernels come from (the same by default).
host_list() {
	local mods=$HOST_OUT/modules/lib/modules d f g=${GUEST_OUT:-$HOST_OUT}
	echo "dir /boot 0755 0 0"
	echo "file /boot/vmlinux $g/vmlinux 0644 0 0"
	echo "file /boot/bzImage $g/bzImage 0644 0 0"
	echo "file /boot/guest.cpio.gz $BUILD/initramfs.cpio.gz 0644 0 0"
	echo "file /boot/tiny.cpio.gz $BUILD/initramfs-tiny.cpio.gz 0644 0 0"
	if [ -x "$OUT/lguest" ]; then
		echo "file /bin/lguest $OUT/lguest 0755 0 0"
	else
		echo "warning: no out/lguest, the host image has no launcher" >&2
	fi
	echo "file /tests/hostile.cases $ROOT/tests/hostile.cases 0644 0 0"
	echo "file /boot/root.ext2 $BUILD/root.ext2 0644 0 0"
	if [ -f "$ROOT/tests/launcher-input.sh" ]; then
		echo "file /tests/launcher-input.sh $ROOT/tests/launcher-input.sh 0755 0 0"
	else
		echo "warning: no tests/launcher-input.sh in the host image" >&2
	fi
	echo "dir /lib 0755 0 0"
	find "$mods" -type d | while read -r d; do
		echo "dir /lib/modules${d#"$mods"} 0755 0 0"
	done
	find "$mods" -type f | while read -r f; do
		echo "file /lib/modules${f#"$mods"} $f 0644 0 0"
	done
	# busybox modprobe finds lg.ko through modules.dep alone.
	grep -qs '/lg\.ko:' "$mods"/*/modules.dep ||
		echo "warning: no lg.ko in out/modules/lib/modules/*/modules.dep" >&2
}

# build/root.ext2: a 16 MB ext2 root file system for a guest's lgba, made
# with mke2fs -d from busybox, /init and the test programs (not the
# selftests).  The host initramfs carries it as /boot/root.ext2.
root_image() {
	local dir=$BUILD/root.d
	rm -rf "$dir"
	mkdir -p "$dir"/bin "$dir"/dev "$dir"/proc "$dir"/sys "$dir"/tmp "$dir"/tests
	cp /bin/busybox "$dir"/bin/
	install -m 0755 "$ROOT"/tests/init "$dir"/init
	chmod 1777 "$dir"/tmp
	cp "$progs"/* "$dir"/tests/
	rm -f "$BUILD/root.ext2"
	mke2fs -q -F -t ext2 -d "$dir" "$BUILD/root.ext2" 16M
}
root_image

# image NAME LIST-FUNCTION...: build/NAME.cpio.gz from those entries.
image() {
	local name=$1 list=$BUILD/$1.list f
	shift
	for f in "$@"; do "$f"; done > "$list"
	"$O/usr/gen_init_cpio" "$list" | gzip -1 > "$BUILD/$name.cpio.gz.tmp"
	mv "$BUILD/$name.cpio.gz.tmp" "$BUILD/$name.cpio.gz"
	note "$name: $(du -h "$BUILD/$name.cpio.gz" | cut -f1), $(grep -c '^file' "$list") files"
}

# build/initramfs-tiny.cpio.gz: tests/tiny/poweroff (no C library) as
# /init and nothing else, for make bench's launch time.
gcc -m32 -static -nostdlib -ffreestanding -fno-pie -no-pie -Os -Wall -Werror \
	-o "$BUILD/poweroff" "$ROOT/tests/tiny/poweroff.c"
tiny_list() {
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /init $BUILD/poweroff 0755 0 0"
}
image initramfs-tiny tiny_list
image initramfs base_list
HOST_OUT=$OUT
if [ -f "$OUT/vmlinux" ] && [ -f "$OUT/bzImage" ] && [ -d "$OUT/modules/lib/modules" ]; then
	image initramfs-host base_list host_list
else
	rm -f "$BUILD/initramfs-host.cpio.gz" "$BUILD/initramfs-host.list"
	note "initramfs-host: not made, out/ has no kernel and modules (make)"
fi
# The same for the distribution-style kernel, as host and guests, when
# it has been built and installed (scripts/check.sh, build/out-distro/).
HOST_OUT=$BUILD/out-distro
if [ -f "$HOST_OUT/vmlinux" ] && [ -d "$HOST_OUT/modules/lib/modules" ]; then
	image initramfs-host-distro base_list host_list
fi
# And the debug host (make check-debug): its own modules, the main
# kernel's guests.
HOST_OUT=$BUILD/out-debug GUEST_OUT=$OUT
if [ "${DEBUG_HOST:-0}" = 1 ] && [ -d "$HOST_OUT/modules/lib/modules" ]; then
	image initramfs-host-debug base_list host_list
fi

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Launcher's answers to bad input:
#
#	tests/launcher-input.sh [LAUNCHER]
#
# LAUNCHER defaults to $LGUEST (set by the host's /init, tests/init), then
# out/lguest.  Each case runs it with one kind of bad input and checks
# that it exits with the right status and says what is wrong in one line
# on stderr, naming the problem.  None of them gets as far as opening
# /dev/lguest, so this runs anywhere, with or without the lg module.
# One line per case, "PASS: ..." or "FAIL: ...", then "N passed, N failed";
# the exit status is non-zero if anything failed.  POSIX sh: the host
# runs it with busybox.

launcher=${1:-${LGUEST:-$(dirname "$0")/../out/lguest}}
npass=0
nfail=0

pass() {
	echo "PASS: $1"
	npass=$((npass + 1))
}

fail() {
	echo "FAIL: $1: $2"
	nfail=$((nfail + 1))
}

finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" = 0 ] && exit 0
	exit 1
}

if [ ! -x "$launcher" ]; then
	fail "launcher" "'$launcher' is not an executable file"
	finish
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/launcher-input.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# expect WHAT STATUS TEXT ARGS...: run the launcher with ARGS; it must exit
# with STATUS and print exactly one line on stderr, which contains TEXT,
# and nothing on stdout.
expect() {
	what=$1 want=$2 text=$3
	shift 3
	"$launcher" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	lines=$(wc -l <"$tmp/err")
	msg=$(head -n 1 "$tmp/err")
	if [ "$rc" != "$want" ]; then
		fail "$what" "exit status $rc, not $want (stderr: $msg)"
	elif [ "$lines" != 1 ]; then
		fail "$what" "$lines lines on stderr, not 1: $(tr '\n' '|' <"$tmp/err")"
	elif ! grep -qF -- "$text" "$tmp/err"; then
		fail "$what" "stderr '$msg' does not say '$text'"
	elif [ -s "$tmp/out" ]; then
		fail "$what" "unexpected output on stdout: $(head -n 1 "$tmp/out")"
	else
		pass "$what: exit $rc, '$msg'"
	fi
}

# Some files to feed it.
kernel=$tmp/kernel	# for cases that fail before the kernel is read
: >"$kernel"
head -c 65536 /dev/urandom >"$tmp/random"
: >"$tmp/empty"
mkdir "$tmp/dir"
# A well-formed i386 ELF executable whose one segment is at 1 GB.
{
	# ELF header: 32-bit, little-endian, ET_EXEC, EM_386, entry 1 GB
	printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000'
	printf '\002\000\003\000\001\000\000\000\000\000\000\100\064\000\000\000'
	printf '\000\000\000\000\000\000\000\000\064\000\040\000\001\000\000\000'
	printf '\000\000\000\000'
	# PT_LOAD: the file's 84 bytes at physical 1 GB
	printf '\001\000\000\000\000\000\000\000\000\000\000\100'
	printf '\000\000\000\100\124\000\000\000\124\000\000\000\005\000\000\000'
	printf '\000\020\000\000'
} >"$tmp/far.elf"
# The same kernel-like file, but loadable (its segment at 16 MB): it has
# no lguest ELF note, as a kernel built without CONFIG_LGUEST_GUEST.
{
	printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000'
	printf '\002\000\003\000\001\000\000\000\000\000\000\001\064\000\000\000'
	printf '\000\000\000\000\000\000\000\000\064\000\040\000\001\000\000\000'
	printf '\000\000\000\000'
	printf '\001\000\000\000\000\000\000\000\000\000\000\001'
	printf '\000\000\000\001\124\000\000\000\124\000\000\000\005\000\000\000'
	printf '\000\020\000\000'
} >"$tmp/noguest.elf"
# ELF headers of other machines: x86-64 (62), and 32-bit ARM (40).
{
	printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000'
	printf '\002\000\076\000\001\000\000\000'
	head -c 40 /dev/zero
} >"$tmp/x86_64.elf"
{
	printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000'
	printf '\002\000\050\000\001\000\000\000'
	head -c 28 /dev/zero
} >"$tmp/arm.elf"
# An initrd bigger than the guest (sparse: it takes no room).
dd if=/dev/zero of="$tmp/huge" bs=1048576 count=0 seek=100 2>/dev/null

# --help is the one that succeeds, on stdout.
"$launcher" --help >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" = 0 ] && grep -qi '^usage: lguest .*MEM KERNEL' "$tmp/out" &&
   [ ! -s "$tmp/err" ]; then
	pass "--help: exit 0, usage on stdout"
else
	fail "--help" "exit status $rc, $(grep -ci '^usage: lguest' "$tmp/out") usage lines on stdout, $(wc -l <"$tmp/err") lines on stderr"
fi

expect "no arguments" 1 "missing MEM and KERNEL"
expect "unknown option --foo" 1 "unknown option '--foo'" --foo 64m "$kernel"
expect "--initrd without a file" 1 "--initrd needs a file name" --initrd
expect "MEM only, no KERNEL" 1 "missing KERNEL" 64m
expect "MEM 0" 1 "out of range: must be 32m to 1024m" 0 "$kernel"
expect "MEM abc" 1 "bad memory size 'abc'" abc "$kernel"
expect "MEM 64mb" 1 "bad memory size '64mb'" 64mb "$kernel"
expect "MEM 4096m (too large)" 1 "out of range: must be 32m to 1024m" 4096m "$kernel"
expect "MEM 1m (too small)" 1 "out of range: must be 32m to 1024m" 1m "$kernel"
expect "kernel file missing" 1 "cannot open kernel '$tmp/nonexistent': No such file or directory" \
	64m "$tmp/nonexistent"
expect "kernel of random bytes" 1 "'$tmp/random': not an i386 vmlinux or bzImage" 64m "$tmp/random"
expect "empty kernel file" 1 "'$tmp/empty': not an i386 vmlinux or bzImage" 64m "$tmp/empty"
expect "directory as kernel" 1 "cannot read kernel '$tmp/dir': Is a directory" 64m "$tmp/dir"
expect "ELF segment outside guest memory" 1 "is outside guest memory (64 MB)" 64m "$tmp/far.elf"
expect "kernel without CONFIG_LGUEST_GUEST" 1 \
	"'$tmp/noguest.elf': not a guest kernel (built without CONFIG_LGUEST_GUEST)" \
	64m "$tmp/noguest.elf"
expect "x86-64 kernel" 1 "'$tmp/x86_64.elf': a 64-bit ELF file (machine 62): lguest runs 32-bit i386 kernels" \
	64m "$tmp/x86_64.elf"
expect "ARM kernel" 1 "'$tmp/arm.elf': an ELF file for machine 40, not i386 (3)" 64m "$tmp/arm.elf"
expect "initrd missing" 1 "cannot open initrd '$tmp/nonexistent': No such file or directory" \
	--initrd="$tmp/nonexistent" 64m "$tmp/random"
expect "initrd bigger than memory" 1 "initrd '$tmp/huge' (104857600 bytes) is too big for 64 MB" \
	--initrd "$tmp/huge" 64m "$tmp/random"
expect "unknown option after KERNEL" 1 "unknown option '--bogus'" \
	64m "$tmp/random" --bogus root=/dev/lgba
expect "initrd after KERNEL missing" 1 "cannot open initrd '$tmp/nonexistent': No such file or directory" \
	64m "$tmp/random" --initrd="$tmp/nonexistent" root=/dev/ram0
expect "block file missing" 1 "cannot open block file '$tmp/nonexistent': No such file or directory" \
	64m "$tmp/random" --block="$tmp/nonexistent"
expect "block file empty" 1 "block file '$tmp/empty' is too small for a disk (0 bytes)" \
	--block "$tmp/empty" 64m "$tmp/random"
expect "--block without a file" 1 "--block needs a file name" 64m "$tmp/random" --block
# A disk over 2 GB (sparse) opens like any other: we get as far as the
# kernel.  A 32-bit off_t would fail it with EOVERFLOW.
dd if=/dev/zero of="$tmp/big" bs=1048576 count=0 seek=3072 2>/dev/null
expect "block file of 3 GB" 1 "'$tmp/random': not an i386 vmlinux or bzImage" \
	--block="$tmp/big" 64m "$tmp/random"
# The networks.  Each fails before a tap device or /dev/lguest is
# touched: these checks look at names and files only.
expect "--tunnet without a value" 1 "--tunnet needs an IPv4 address or bridge:NAME" \
	64m "$tmp/random" --tunnet=
expect "--tunnet=not-an-ip" 1 "--tunnet=not-an-ip: not an IPv4 address or bridge:NAME" \
	64m "$tmp/random" --tunnet=not-an-ip
expect "--tunnet=300.1.2.3" 1 "--tunnet=300.1.2.3: not an IPv4 address" \
	--tunnet 300.1.2.3 64m "$tmp/random"
expect "--tunnet=bridge: with no name" 1 "--tunnet=bridge:: '' is not an interface name" \
	64m "$tmp/random" --tunnet=bridge:
expect "--tunnet=bridge:NAME that does not exist" 1 \
	"--tunnet=bridge:nosuchbr0: there is no bridge 'nosuchbr0'" \
	64m "$tmp/random" --tunnet=bridge:nosuchbr0
expect "--tunnet=bridge:lo, not a bridge" 1 "--tunnet=bridge:lo: 'lo' is not a bridge" \
	64m "$tmp/random" --tunnet=bridge:lo
expect "--sharenet without a file" 1 "--sharenet needs a file name" \
	64m "$tmp/random" --sharenet
expect "--sharenet in a missing directory" 1 \
	"cannot open --sharenet file '$tmp/nonexistent/net': No such file or directory" \
	64m "$tmp/random" --sharenet="$tmp/nonexistent/net"
expect "--sharenet on a directory" 1 "cannot open --sharenet file '$tmp/dir': Is a directory" \
	64m "$tmp/random" --sharenet="$tmp/dir"
# A --sharenet file must be on tmpfs; /proc is not, and a root Launcher
# can open this one (it only looks at it).
if [ "$(id -u)" = 0 ]; then
	expect "--sharenet file not on tmpfs" 1 \
		"--sharenet file '/proc/sys/kernel/hostname' must be on tmpfs" \
		64m "$tmp/random" --sharenet=/proc/sys/kernel/hostname
else
	echo "SKIP: --sharenet file not on tmpfs: needs root to open the /proc file"
fi
# Sixteen devices, with the console: one too many.  The file is made on
# /dev/shm, which is tmpfs.
shm=$(mktemp -d /dev/shm/launcher-input.XXXXXX) || exit 1
trap 'rm -rf "$tmp" "$shm"' EXIT
set --
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	set -- "$@" --sharenet="$shm/net"
done
expect "16 network devices" 1 "too many devices (at most 15 --block, --tunnet and --sharenet options)" \
	"$@" 64m "$tmp/random"
if [ -f "$shm/net" ] && [ "$(wc -c <"$shm/net")" = 4096 ]; then
	pass "--sharenet creates a missing file, one page long"
else
	fail "--sharenet creates a missing file" "$shm/net is not a 4096-byte file"
fi
expect "command line too long" 1 "kernel command line too long (at most 2047 bytes)" \
	64m "$tmp/random" "$(printf '%2048s' '' | tr ' ' x)"

finish

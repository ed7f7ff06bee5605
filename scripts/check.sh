#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every static check of the series, then the kernels built and
# booted under qemu-system-i386 with assertions on what they print.
#
# Each check prints PASS, FAIL or SKIP with its name; a failure shows the
# evidence (the tail of a console log, checkpatch's words, ...).  The last
# line is "N passed, N failed, N skipped", and the exit code is non-zero
# when anything failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# "check.sh guest" (make check-guest) runs only the lguest stage and what
# it needs, with its logs in build/logs/check-guest/; "check.sh debian"
# and "check.sh debug" run the Debian guest and the debug host, and
# "check.sh baseline" the kernels without PARAVIRT_XXL (see README);
# plain "check.sh" runs everything else.
ONLY=${1:-}
case "$ONLY" in
"" | guest | debian | debug | baseline) ;;
*) die "usage: check.sh [guest|debian|debug|baseline]" ;;
esac

LOGS=$BUILD/logs${ONLY:+/check-$ONLY}
rm -rf "$LOGS"
mkdir -p "$LOGS"
npass=0 nfail=0 nskip=0
start=$SECONDS

# TAG, when set, names the processor model a repeated stage runs on.
pass() { echo "PASS: ${TAG:+$TAG }$1"; npass=$((npass + 1)); }
skip() { echo "SKIP: ${TAG:+$TAG }$1 ($2)"; nskip=$((nskip + 1)); }
# fail NAME WHY [FILE]: FILE's last lines are shown as evidence.
fail() {
	echo "FAIL: ${TAG:+$TAG }$1: $2"
	if [ -n "${3:-}" ] && [ -f "$3" ]; then
		echo "    --- last lines of ${3#"$ROOT"/} ---"
		tail -n "${TAIL_LINES:-40}" "$3" | sed 's/^/    | /'
	fi
	nfail=$((nfail + 1))
}
finish() {
	echo
	echo "make check took $((SECONDS - start)) s; logs in ${LOGS#"$ROOT"/}/"
	echo "$npass passed, $nfail failed, $nskip skipped"
	[ $nfail = 0 ]
	exit
}

# ---------------------------------------------------------------------------
# What the boot tests use.

initramfs_step() {
	if ! "$ROOT/scripts/initramfs.sh" >"$LOGS/initramfs.log" 2>&1; then
		fail "initramfs: busybox, test programs and selftests" "see log" "$LOGS/initramfs.log"
		return 1
	fi
	pass "initramfs: busybox, test programs and $(ls "$BUILD"/selftests-x86/*_32 | wc -l) selftests"
	selftests=$(cd "$BUILD/selftests-x86" && ls -- *_32)
}

# tests/selftests.known: "NAME VARIANTS REASON" for a selftest that cannot
# pass on some of our kernels whatever we do.  It is reported as skipped
# with that reason, never as passed; make check-baseline shows that it
# fails the same way on the noxxl baseline.
known_reason() {	# NAME VARIANT
	awk -v n="$1" -v v="$2" '$1 == n && ("," $2 ",") ~ ("," v ",") {
		$1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' "$ROOT/tests/selftests.known"
}

# rc_of LOG STEP: the exit code /init reported for STEP, or "none".
rc_of() {
	sed -n "s/^LGTEST: end $2 rc=\([0-9]*\).*/\1/p" "$1" | tail -n 1 | grep . || echo none
}
# output_of LOG STEP: what STEP printed.
output_of() {
	sed -n "/^LGTEST: begin $2\$/,/^LGTEST: end $2 /p" "$1"
}
# outcome RC: a selftest's exit code as pass, skip, fail or none.
outcome() {
	case "$1" in
	0) echo pass ;; 4) echo skip ;; none) echo none ;; *) echo fail ;;
	esac
}
new_token() {
	od -An -N8 -tx8 /dev/urandom | tr -d ' '
}
# log_clean LABEL LOG: a kernel log without panic, BUG, WARNING or Oops.
log_clean() {
	if grep -E 'Kernel panic|BUG:|WARNING:|Oops|general protection fault, |Initramfs unpacking failed' "$2" >"$2.bad"; then
		fail "$1: kernel log free of panic, BUG, WARNING, Oops, initramfs errors" "found" "$2.bad"
	else
		pass "$1: kernel log free of panic, BUG, WARNING, Oops, initramfs errors"
	fi
}
# workload_ok LABEL LOG: the workload step ran and every check in it passed.
workload_ok() {
	local rc
	rc=$(rc_of "$2" workload)
	output_of "$2" workload > "$2.workload"
	if [ "$rc" = 0 ] && grep -q '^workload: 0 failed' "$2.workload"; then
		pass "$1: workload (fork/exec, pipes, signals, 32 MB of faults, COW)"
	else
		fail "$1: workload" "rc=$rc" "$2.workload"
	fi
}

boot_test() {	# VARIANT [KERNEL]
	local v=$1 log token rc qrc t name out reason
	local kernel=${2:-$BUILD/obj-$v/arch/x86/boot/bzImage}
	log=$LOGS/boot-$v.log
	token=$(new_token)
	# The PAE kernels have page table isolation (configs/pae.config); QEMU's
	# CPU does not report Meltdown, so turn it on by hand.
	local extra=""
	case "$v" in pae*) extra="pti=on" ;; esac
	"$ROOT/scripts/qemu-boot.sh" "$kernel" "$log" \
		"${BOOT_TIMEOUT:-900}" "lgtest.token=$token lgtest.run=workload,nx,selftests $extra"
	qrc=$?

	if grep -qx "LGTEST: userspace token=$token" "$log" &&
	   grep -qx "LGTEST: done token=$token" "$log" && [ $qrc = 0 ]; then
		pass "boot $v: reaches userspace, runs every step, reboots (token $token)"
	else
		fail "boot $v: reaches userspace, runs every step, reboots" \
			"token $token not echoed twice, or QEMU exit $qrc" "$log"
		return
	fi
	if [ -n "$extra" ]; then
		if grep -q 'page tables isolation: enabled' "$log"; then
			pass "boot $v: page table isolation enabled"
		else
			fail "boot $v: page table isolation enabled" "not reported" "$log"
		fi
	fi
	log_clean "boot $v" "$log"
	workload_ok "boot $v" "$log"

	# NX: a PAE kernel must enforce it; a 2-level kernel cannot use it.
	rc=$(rc_of "$log" nx)
	output_of "$log" nx > "$log.nx"
	case "$v:$rc" in
	pae:0|pae-noxxl:0) pass "boot $v: NX bit of 64-bit PTEs enforced" ;;
	main:4|noxxl:4|distro:4) skip "boot $v: NX" "a non-PAE kernel cannot use NX (the kernel says so at boot)" ;;
	*) fail "boot $v: NX" "unexpected rc=$rc" "$log.nx" ;;
	esac

	for t in $selftests; do
		name="selftest:$t"
		rc=$(rc_of "$log" "$name")
		# The baseline comparison is by outcome: a failing test's exit
		# code can vary from run to run (nx_stack_32 exits 1 or dies of
		# SIGSEGV, depending on where the randomized stack lands).
		echo "$t $(outcome "$rc")" >> "$LOGS/selftests-$v.txt"
		out=$log.$t
		output_of "$log" "$name" > "$out"
		case "$rc" in
		0)	pass "selftest $v: $t" ;;
		4)	reason=$(grep -m1 -o '\[SKIP\].*' "$out" || echo "the test skipped itself")
			skip "selftest $v: $t" "$reason" ;;
		none)	fail "selftest $v: $t" "did not run to the end" "$log" ;;
		*)	reason=$(known_reason "$t" "$v")
			if [ -n "$reason" ]; then
				skip "selftest $v: $t" "fails, as expected here: $reason"
			else
				fail "selftest $v: $t" "exit code $rc" "$out"
			fi ;;
		esac
	done
}

# ---------------------------------------------------------------------------
# The lguest stage: out/bzImage boots under QEMU as the host, with the host
# initramfs (scripts/initramfs.sh); its /init loads lg.ko, runs two guests
# one after the other (out/vmlinux, then out/bzImage: workload and
# selftests), four at once (workload), the hostile-guest suite
# (tests/hostile.cases) and the launcher's bad-input test
# (tests/launcher-input.sh).  Each guest's console comes back on the
# host's, prefixed "G1| " and so on, followed by "LGTEST: guest g1 rc=N".

# The whole host run, and what one guest (or the bad-input test) may take
# of it.  A hostile guest gets 60 s (tests/init).
HOST_TIMEOUT=${HOST_TIMEOUT:-900}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-$(((HOST_TIMEOUT - 120) / 4))}
HOST_MEM=${HOST_MEM:-512}
# HOST_INITRD=FILE boots the host with another image (to try the harness).
# HOST_QEMU_D: what QEMU logs (-d) into host.log.reset beside host.log; with
# "int,cpu_reset" it logs every exception, and a triple fault shows the
# ones that led to it.
HOST_QEMU_D=${HOST_QEMU_D:-cpu_reset}

# tests/guest-selftests.known: "NAME REASON" for a selftest whose result
# in a guest differs from the native main kernel's, for a reason.
guest_known() {	# NAME
	awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); print; exit }' \
		"$ROOT/tests/guest-selftests.known" 2>/dev/null
}

# guest_fact LOG NAME KEY: the value of the host's last line
# "LGTEST: guest NAME KEY=VALUE" (rc, timeout, boot_seconds).
guest_fact() {
	sed -n "s/^LGTEST: guest $2 $3=//p" "$1" | tail -n 1
}

# guest_output LOG NAME FILE: guest NAME's own lines, which the host
# prefixed with NAME in capitals and "| ", into FILE.
guest_output() {
	sed -n "s/^${2^^}| //p" "$1" > "$3"
}

# What a launcher's exit code says (lguest's own codes, then signals).
rc_meaning() {
	case "$1" in
	"") echo "no exit code: the host stopped before this guest ended" ;;
	none) echo "no exit code was recorded" ;;
	1) echo "exit 1: launcher or usage error" ;;
	2) echo "exit 2: the guest crashed (panic)" ;;
	3) echo "exit 3: the host stopped the guest for a forbidden action" ;;
	126 | 127) echo "exit $1: no runnable /bin/lguest in the host (out/lguest)" ;;
	*) if [ "$1" -gt 128 ]; then
		echo "exit $1: killed by signal $(($1 - 128))"
	   else
		echo "exit $1: not an exit code lguest has"
	   fi ;;
	esac
}

# lg.ko wants a TSC of known frequency.  Under TCG the emulated TSC
# counts at this machine's rate, but the tiny kernel has no HPET or PM
# timer to measure it against (and the PIT fails), so tell it the rate.
tsc_arg() {
	awk -F: '/^cpu MHz/ { printf "tsc_early_khz=%d", $2 * 1000; exit }' /proc/cpuinfo
}

# lguest_prepare [install]: with "install", out/ from the main kernel just
# built; then the launcher, if its build script exists.
lguest_prepare() {
	if [ "${1:-}" = install ]; then
		if "$ROOT/scripts/install-out.sh" >"$LOGS/install-out.log" 2>&1; then
			pass "lguest: out/ has the main kernel and its modules"
		else
			fail "lguest: out/ has the main kernel and its modules" \
				"scripts/install-out.sh failed" "$LOGS/install-out.log"
		fi
	fi
	if [ -x "$ROOT/scripts/launcher.sh" ]; then
		if "$ROOT/scripts/launcher.sh" >"$LOGS/launcher.log" 2>&1; then
			pass "launcher: scripts/launcher.sh builds it"
		else
			fail "launcher: scripts/launcher.sh builds it" "failed" "$LOGS/launcher.log"
		fi
	fi
}

# lguest_selftests NAME LABEL GLOG: each selftest in the guest against the
# native main kernel's result (from its boot test).
lguest_selftests() {
	local name=$1 label=$2 glog=$3 native=$LOGS/selftests-main.txt
	local t g n out reason unrun=""
	: > "$LOGS/selftests-$name.txt"
	for t in $selftests; do
		g=$(outcome "$(rc_of "$glog" "selftest:$t")")
		echo "$t $g" >> "$LOGS/selftests-$name.txt"
		n=$(awk -v t="$t" '$1 == t { print $2 }' "$native" 2>/dev/null)
		out=$glog.$t
		output_of "$glog" "selftest:$t" > "$out"
		reason=$(guest_known "$t")
		if [ -z "$n" ] || [ "$n" = none ]; then
			fail "$label: selftest $t" "no native result of the main kernel to compare with (guest: $g)"
		elif [ "$g" = "$n" ]; then
			case "$g" in
			pass) pass "$label: selftest $t passes, as natively${reason:+ (still in tests/guest-selftests.known: drop it)}" ;;
			skip) skip "$label: selftest $t" "skips itself, as natively: $(grep -m1 -o '\[SKIP\].*' "$out" || echo "no reason given")" ;;
			*) reason=$(known_reason "$t" main)
			   skip "$label: selftest $t" "fails natively too${reason:+: $reason}" ;;
			esac
		elif [ -n "$reason" ]; then
			skip "$label: selftest $t" "guest: $g, native: $n; tests/guest-selftests.known: $reason"
		elif [ "$g" = none ]; then
			unrun+=" $t"
		else
			fail "$label: selftest $t" "guest: $g, native: $n" "$out"
		fi
	done
	# Those that did not finish, usually all after one that stopped the
	# guest, make one failure rather than one each.
	if [ -n "$unrun" ]; then
		# shellcheck disable=SC2086
		set -- $unrun
		t=$1
		grep -qx "LGTEST: begin selftest:$t" "$glog" && t="$t (began, never ended)"
		fail "$label: selftests" "$# did not run to the end in the guest, first $t:$unrun"
	fi
}

# lguest_guest LOG TOKEN NAME WHAT [selftests]: the assertions on one guest,
# from its lines in the host's log.
lguest_guest() {
	local log=$1 gtoken=$2.$3 name=$3 what=$4 full=${5:-}
	local label="guest $3 ($4)" glog=$LOGS/guest-$3.log
	local rc to secs ev up=0
	if ! grep -q "^LGTEST: guest $name launch: " "$log"; then
		fail "$label" "never launched: the host did not get that far"
		return
	fi
	guest_output "$log" "$name" "$glog"
	rc=$(guest_fact "$log" "$name" rc)
	to=$(guest_fact "$log" "$name" timeout)
	secs=$(guest_fact "$log" "$name" boot_seconds)
	ev=$glog
	[ -s "$glog" ] || ev=$log
	grep -qx "LGTEST: userspace token=$gtoken" "$glog" && up=1

	if [ $up = 1 ] && grep -qx "LGTEST: done token=$gtoken" "$glog"; then
		pass "$label: boots to userspace and runs every step (token $gtoken, userspace after ${secs:-?} s)"
	elif [ $up = 1 ]; then
		fail "$label: boots to userspace and runs every step" \
			"userspace after ${secs:-?} s, but no 'LGTEST: done token=$gtoken'" "$ev"
	else
		fail "$label: boots to userspace and runs every step" \
			"no 'LGTEST: userspace token=$gtoken' in its output ($(wc -l < "$glog") lines)" "$ev"
	fi
	if [ -n "$to" ]; then
		fail "$label: launcher exits 0" \
			"stopped by the ${to} s timeout, then $(rc_meaning "$rc") (raise HOST_TIMEOUT, now $HOST_TIMEOUT, or GUEST_TIMEOUT)" "$ev"
	elif [ "$rc" = 0 ]; then
		pass "$label: launcher exits 0 (the guest powered off)"
	else
		fail "$label: launcher exits 0" "$(rc_meaning "$rc")" "$ev"
	fi
	if grep -Eq '^(\[ *[0-9.]+\] )?Linux version ' "$glog"; then
		log_clean "$label" "$glog"
	else
		fail "$label: kernel log free of panic, BUG, WARNING, Oops, initramfs errors" \
			"no kernel output from the guest (no 'Linux version' line)"
	fi
	if [ $up = 0 ]; then
		fail "$label: workload${full:+ and selftests}" "not run: the guest never reached userspace"
		return
	fi
	workload_ok "$label" "$glog"
	[ -n "$full" ] && lguest_selftests "$name" "$label" "$glog"
}

# lguest_hostile LOG TOKEN: each case of tests/hostile.cases ran in a
# guest of its own (hN, announced by "LGTEST: hostile CASE guest hN"); its
# launcher's exit code and its output must be what the case says.  Then a
# healthy guest, g7, on the same host.
lguest_hostile() {
	local log=$1 token=$2 c want text name glog rc
	while read -r c want text; do
		case "$c" in '' | '#'*) continue ;; esac
		name=$(sed -n "s/^LGTEST: hostile $c guest //p" "$log" | tail -n 1)
		if [ -z "$name" ]; then
			fail "hostile guest: $c" "never launched: the host did not get that far"
			continue
		fi
		glog=$LOGS/hostile-$c.log
		guest_output "$log" "$name" "$glog"
		rc=$(guest_fact "$log" "$name" rc)
		if [ "$rc" = "$want" ] && grep -qF -- "$text" "$glog"; then
			pass "hostile guest: $c: exit $rc, '$text'"
		else
			fail "hostile guest: $c" \
				"wanted exit $want and '$text'; got $(rc_meaning "$rc")" "$glog"
		fi
	done < "$ROOT/tests/hostile.cases"
	lguest_guest "$log" "$token" g7 "vmlinux, after the hostile guests"
}

# lguest_block LOG: g9 and g10 booted with root on lgba (a copy of
# build/root.ext2), wrote 1 MB of random data to /data.bin, synced and
# printed its md5; g9 then powered off, g10's launcher was killed with
# SIGKILL.  The host sent both images out (gzip, base64): each must hold
# the file with that md5, and g9's must pass e2fsck -fn.
lguest_block() {
	local log=$1 d name want got img fsck rc what
	for d in 9 10; do
		name=g$d
		case $d in
		9) what="root on lgba, write, sync, power off" ;;
		*) what="root on lgba, write, sync, launcher killed (SIGKILL)" ;;
		esac
		if ! grep -q "^LGTEST: guest $name launch: " "$log"; then
			fail "disk: $what" "never launched: the host did not get that far"
			continue
		fi
		guest_output "$log" "$name" "$LOGS/guest-$name.log"
		rc=$(guest_fact "$log" "$name" rc)
		want=$(sed -n 's/^LGTEST: block synced md5 //p' "$LOGS/guest-$name.log" | tail -n 1)
		img=$LOGS/disk$d.ext2
		sed -n "/^LGTEST: image disk$d begin\$/,/^LGTEST: image disk$d end\$/p" "$log" |
			sed '1d;$d' | base64 -d 2>/dev/null | gunzip > "$img" 2>/dev/null
		got=$(debugfs -R 'cat /data.bin' "$img" 2>/dev/null | md5sum | cut -d' ' -f1)
		if [ -z "$want" ]; then
			fail "disk: $what" "the guest never said it had synced ($(rc_meaning "$rc"))" "$LOGS/guest-$name.log"
		elif [ "$got" != "$want" ]; then
			fail "disk: $what" "md5 of /data.bin in the image is $got, the guest wrote $want" "$LOGS/guest-$name.log"
		else
			pass "disk: $what: /data.bin in the image has the guest's md5 $want"
		fi
		if [ $d = 9 ]; then
			fsck=$LOGS/disk9.e2fsck
			if e2fsck -fn "$img" >"$fsck" 2>&1 && [ "$rc" = 0 ]; then
				pass "disk: e2fsck -fn finds the image clean after the guest's poweroff (launcher exit 0)"
			else
				fail "disk: e2fsck -fn finds the image clean after the guest's poweroff" \
					"$(rc_meaning "$rc")" "$fsck"
			fi
		elif [ "$rc" = 137 ]; then
			pass "disk: g10's launcher was killed by SIGKILL (exit 137)"
		else
			fail "disk: g10's launcher was killed by SIGKILL" "$(rc_meaning "$rc")" "$LOGS/guest-$name.log"
		fi
	done
}

# lguest_console LOG TOKEN: g8's launcher had "typed-TOKEN" on its
# standard input; the guest must have read that line from its console.
lguest_console() {
	local log=$1 token=$2 glog=$LOGS/guest-g8.log rc
	if ! grep -q "^LGTEST: guest g8 launch: " "$log"; then
		fail "console input" "never launched: the host did not get that far"
		return
	fi
	guest_output "$log" g8 "$glog"
	rc=$(guest_fact "$log" g8 rc)
	if grep -qx "LGTEST: console input: typed-$token" "$glog" && [ "$rc" = 0 ]; then
		pass "console input: a line on the launcher's stdin reaches the guest, which exits 0"
	else
		fail "console input: a line on the launcher's stdin reaches the guest" \
			"$(grep -m1 '^LGTEST: console input' "$glog" || echo "no 'LGTEST: console input' line"); $(rc_meaning "$rc")" "$glog"
	fi
}

# Networks (the steps sharenet and tunnet of tests/init).  Guests say
# "LGTEST: net eth0 mac=M ip=A", "LGTEST: net ping A yes|no" and "LGTEST:
# net arp A dev eth0 lladdr M ...", and each end of a TCP transfer
# (tests/programs/nettest.c) "LGTEST: net recv|send bytes=N fnv=H ...
# mbps=R"; the host's own ends say "net host recv", "net host send" and
# so on.

# net_field FILE WHAT KEY: KEY's value on the last "LGTEST: net WHAT ..." line.
net_field() {
	sed -n "s/^LGTEST: net $2 .*$3=\([^ ]*\).*/\1/p" "$1" | tail -n 1
}

# net_guest_log LOG NAME: the guest's lines into a file; says the file.
net_guest_log() {
	guest_output "$1" "$2" "$LOGS/guest-$2.log"
	echo "$LOGS/guest-$2.log"
}

# net_transfer WHAT FROM-FILE FROM-KIND TO-FILE TO-KIND: both ends of a
# 16 MB transfer saw the same bytes.
net_transfer() {
	local what=$1 ff=$2 fk=$3 tf=$4 tk=$5 sb sh rb rh mbps
	sb=$(net_field "$ff" "$fk" bytes) sh=$(net_field "$ff" "$fk" fnv)
	rb=$(net_field "$tf" "$tk" bytes) rh=$(net_field "$tf" "$tk" fnv)
	mbps=$(net_field "$tf" "$tk" mbps)
	if [ -n "$sb" ] && [ "$sb" = 16777216 ] && [ "$sb" = "$rb" ] && [ "$sh" = "$rh" ]; then
		pass "net: $what: 16 MB over TCP, same FNV-1a hash at both ends ($sh, $mbps MB/s)"
	else
		fail "net: $what: 16 MB over TCP" \
			"sent ${sb:-nothing} bytes hash ${sh:-none}, received ${rb:-nothing} bytes hash ${rh:-none}" "$tf"
	fi
}

# net_pings WHAT FILE PEER-FILES...: the guest of FILE pinged each peer,
# whose MAC its ARP table then had.
net_pings() {
	local what=$1 f=$2 pf ip mac bad=""
	shift 2
	for pf in "$@"; do
		ip=$(net_field "$pf" eth0 ip) mac=$(net_field "$pf" eth0 mac)
		grep -qx "LGTEST: net ping $ip yes" "$f" || bad+=" no answer from ${ip:-?};"
		grep -q "^LGTEST: net arp $ip .*lladdr $mac" "$f" || bad+=" no ARP entry $ip -> ${mac:-?};"
	done
	if [ -z "$bad" ]; then
		pass "net: $what"
	else
		fail "net: $what" "${bad% ;}" "$f"
	fi
}

# net_rc WHAT LOG TOKEN NAMES...: each guest got to the end of its steps
# (its "done" line), powered off (launcher exit 0), and its kernel log has
# no panic, BUG, WARNING or Oops.
net_rc() {
	local what=$1 log=$2 token=$3 g rc f bad=""
	shift 3
	for g in "$@"; do
		f=$LOGS/guest-$g.log
		rc=$(guest_fact "$log" "$g" rc)
		[ "$rc" = 0 ] || bad+=" $g: $(rc_meaning "$rc");"
		grep -qx "LGTEST: done token=$token.$g" "$f" ||
			bad+=" $g: never got to the end of its steps;"
		if grep -E 'Kernel panic|BUG:|WARNING:|Oops|general protection fault, ' "$f" >"$f.bad"; then
			bad+=" $g: its kernel log has '$(head -n 1 "$f.bad")';"
		fi
	done
	if [ -z "$bad" ]; then
		pass "net: $what: every guest ran all its steps, its kernel log clean, and powered off (exit 0)"
	else
		fail "net: $what: every guest ran all its steps, its kernel log clean, and powered off" "${bad% ;}"
	fi
}

# net_mtu LABEL LOG MTU: the guest's interface came up with that MTU (16
# KB frames where every station is a guest's, Ethernet's on a bridge).
net_mtu() {
	if grep -q "lguest network, slot .* mtu $3)" "$2"; then
		pass "net: $1: the guest's MTU is $3"
	else
		fail "net: $1: the guest's MTU is $3" \
			"$(grep -h 'lguest network, slot' "$2" | tr '\n' ';')" "$2"
	fi
}

lguest_net() {
	local log=$1 token=$2 f1 f2 i j n peers host=$LOGS/host-net.log
	local -a f
	if ! grep -q "^LGTEST: guest n1 launch: " "$log"; then
		fail "net: --sharenet, --tunnet and bridge tests" "never launched: the host did not get that far"
		return
	fi
	grep -v '^[A-Z][0-9]*| ' "$log" > "$host"

	f1=$(net_guest_log "$log" n1) f2=$(net_guest_log "$log" n2)
	net_rc "--sharenet, two guests" "$log" "$token" n1 n2
	net_mtu "--sharenet" "$f1" 65518
	net_pings "--sharenet, two guests: each pings the other; ARP (a broadcast) finds its MAC" "$f1" "$f2"
	net_pings "--sharenet, two guests: and the other way" "$f2" "$f1"
	net_transfer "--sharenet, guest n2 to guest n1" "$f2" send "$f1" recv

	for i in 3 4 5 6; do
		f[i]=$(net_guest_log "$log" "n$i")
	done
	net_rc "--sharenet, four guests" "$log" "$token" n3 n4 n5 n6
	for i in 3 4 5 6; do
		peers=()
		for j in 3 4 5 6; do
			[ $j = $i ] || peers+=("${f[j]}")
		done
		net_pings "--sharenet, four guests: n$i pings the other three and has their MACs" "${f[i]}" "${peers[@]}"
		n=$(( (i - 3 + 1) % 4 + 3 ))
		net_transfer "--sharenet, four guests at once: n$i to n$n" "${f[i]}" send "${f[n]}" recv
	done

	f1=$(net_guest_log "$log" t1)
	net_rc "--tunnet=192.168.19.1" "$log" "$token" t1
	net_mtu "--tunnet=192.168.19.1" "$f1" 65518
	if grep -qx "LGTEST: net ping 192.168.19.1 yes" "$f1" &&
	   grep -qx "LGTEST: net host ping 192.168.19.2 yes" "$host"; then
		pass "net: --tunnet: the guest pings the host's tap address, and the host pings the guest"
	else
		fail "net: --tunnet: the guest and the host ping each other" \
			"$(grep -h '^LGTEST: net .*ping' "$f1" "$host" | tr '\n' ';')" "$f1"
	fi
	net_transfer "--tunnet, guest to host" "$f1" send "$host" "host recv"
	net_transfer "--tunnet, host to guest" "$host" "host send" "$f1" recv

	f1=$(net_guest_log "$log" b1)
	net_rc "--tunnet=bridge:lgbr0" "$log" "$token" b1
	net_mtu "--tunnet=bridge:lgbr0" "$f1" 1500
	if grep -qx "LGTEST: net ping 192.168.20.1 yes" "$f1" &&
	   grep -q "^LGTEST: net bridge ports .*lgtap" "$host"; then
		pass "net: --tunnet=bridge:lgbr0: the tap is a port of lgbr0 and the guest pings the bridge's address"
	else
		fail "net: --tunnet=bridge:lgbr0: the tap is a port of lgbr0 and the guest pings the bridge's address" \
			"$(grep -h '^LGTEST: net .*\(ping\|bridge ports\)' "$f1" "$host" | tr '\n' ';')" "$f1"
	fi
	net_transfer "--tunnet=bridge:lgbr0, guest to host" "$f1" send "$host" "bridge recv"
	net_transfer "host loopback (for comparison)" "$host" "loopback send" "$host" "loopback recv"
}

# The bad-input test of the launcher (tests/launcher-input.sh, written by
# the launcher's author): each of its PASS, FAIL and SKIP lines counts here,
# and its summary must agree with them and with its exit code.
lguest_badlauncher() {
	local log=$1 blog=$LOGS/badlauncher.log rc to res what np=0 nf=0 sum sp sf
	sed -n 's/^B| //p' "$log" > "$blog"
	if ! grep -qx 'LGTEST: begin badlauncher' "$log"; then
		fail "badlauncher: tests/launcher-input.sh" "never ran: the host did not get that far"
		return
	elif grep -q '^FAIL: /tests/launcher-input.sh is not in the host initramfs' "$blog"; then
		fail "badlauncher: tests/launcher-input.sh" "not in the host initramfs: not written yet?"
		return
	fi
	while read -r res what; do
		case "$res" in
		PASS*) pass "badlauncher: $what"; np=$((np + 1)) ;;
		FAIL*) fail "badlauncher: $what" "reported by tests/launcher-input.sh"; nf=$((nf + 1)) ;;
		SKIP*) skip "badlauncher: $what" "skipped by tests/launcher-input.sh" ;;
		esac
	done < <(grep -E '^(PASS|FAIL|SKIP)\b' "$blog")
	rc=$(rc_of "$log" badlauncher)
	sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$blog" | tail -n 1)
	sp=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' <<<"$sum")
	sf=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p' <<<"$sum")
	to=$(sed -n 's/^LGTEST: badlauncher timeout=//p' "$log")
	if [ -n "$to" ]; then
		fail "badlauncher: tests/launcher-input.sh runs to its summary" \
			"stopped after the $to s timeout (rc=$rc)" "$blog"
	elif [ -z "$sum" ]; then
		fail "badlauncher: tests/launcher-input.sh runs to its summary" \
			"no 'N passed, N failed' line (rc=$rc)" "$blog"
	elif [ "$sp" != $np ] || [ "$sf" != $nf ] || [ $((sp + sf)) = 0 ] ||
	     { [ "$sf" = 0 ] && [ "$rc" != 0 ]; } || { [ "$sf" != 0 ] && [ "$rc" = 0 ]; }; then
		fail "badlauncher: tests/launcher-input.sh runs to its summary" \
			"'$sum' and rc=$rc disagree with its $np PASS and $nf FAIL lines" "$blog"
	else
		pass "badlauncher: tests/launcher-input.sh runs to its summary ($sum, rc=$rc)"
	fi
}

# lguest_host_died LOG TOKEN QEMU-RC SECONDS: the host did not finish;
# say how it ended, where it was, and show its last lines.
lguest_host_died() {
	local log=$1 token=$2 qrc=$3 secs=$4 how where ev=$1.evidence
	where=$(grep -E '^LGTEST: (begin|guest [a-z0-9]+ launch)' "$log" | tail -n 1)
	if ! grep -qx "LGTEST: userspace token=$token" "$log"; then
		how="never reached /init"
	elif [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		how="killed by the ${HOST_TIMEOUT} s timeout (HOST_TIMEOUT)"
	elif [ "$qrc" != 0 ]; then
		how="QEMU exit $qrc"
	elif grep -q 'Triple fault' "$log.reset" 2>/dev/null; then
		how="the host triple-faulted (QEMU reset it)"
	elif grep -q 'Kernel panic' "$log"; then
		how="the host panicked"
	else
		how="the host reset or powered off before /init finished"
	fi
	{
		tail -n 30 "$log"
		if grep -q 'Triple fault' "$log.reset" 2>/dev/null; then
			if [[ ",$HOST_QEMU_D," == *,int,* ]]; then
				echo "--- the exceptions before the triple fault (${log#"$ROOT"/}.reset) ---"
				grep -B 30 -m 1 'Triple fault' "$log.reset"
			else
				echo "--- for the exceptions that led to it: HOST_QEMU_D=int,cpu_reset (some 10 MB a second) ---"
			fi
		fi
	} > "$ev"
	TAIL_LINES=62 fail "host: boots, runs the guest steps, reboots" \
		"$how after $secs s; last step: ${where:-none}" "$ev"
}

# host_ran LOG TOKEN QEMU-RC T0 WHAT: the host echoed TOKEN at the start
# and the end of its /init, and QEMU exited 0 (the host rebooted).
host_ran() {
	local kicked

	# Whether qemu-boot.sh had to nudge QEMU (README, "Known problem").
	kicked=$(sed -n 's/^qemu: \(paused and resumed .*\)/; \1/p' "$1")
	if grep -qx "LGTEST: userspace token=$2" "$1" &&
	   grep -qx "LGTEST: done token=$2" "$1" && [ "$3" = 0 ]; then
		pass "host: $5 ($((SECONDS - $4)) s$kicked)"
	else
		lguest_host_died "$1" "$2" "$3" "$((SECONDS - $4))"
	fi
}

# host_own_lines LOG: the host's own lines, not its guests' (which come
# prefixed "G1| " and so on) nor a disk image it sends out.
host_own_lines() {
	grep -Ev '^([A-Z][0-9]+|B)\| ' "$1" |
		sed '/^LGTEST: image disk[0-9]* begin$/,/^LGTEST: image disk[0-9]* end$/d'
}

# The headers of the known tun lockdep report (see lguest_debug_reports).
TUN_LOCKDEP='possible irq lock inversion dependency detected|inconsistent lock state'

# host_log_clean LOG: the host's own lines are free of kernel errors.
host_log_clean() {
	if host_own_lines "$1" |
	   grep -E 'Oops|BUG|WARNING|general protection|Kernel panic' |
	   { [ "${TAG:-}" = "[debug]" ] && grep -Ev "WARNING: ($TUN_LOCKDEP)" || cat; } >"$1.bad" &&
	   [ -s "$1.bad" ]; then
		fail "host: kernel log free of Oops, BUG, WARNING, general protection, panic" "found" "$1.bad"
	else
		pass "host: kernel log free of Oops, BUG, WARNING, general protection, panic"
	fi
}

# lguest_debug_reports LOG: the debug host's own lines hold no report of
# its checkers, and after every guest and rmmod lg kmemleak found nothing.
#
# One report is known and not ours: 6.12's tun driver updates its 32-bit
# u64 statistics from tun_get_user() with bottom halves on, while the same
# statistics are updated from softirq on transmit (the --tunnet tests' tap
# device).  Depending on which use lockdep sees first, it calls that an
# irq lock inversion or an inconsistent lock state.  Lockdep reports once
# and then turns itself off, so when its one report names tun_get_user()
# and dev_sw_netstats_rx_add() it is that one; it is reported as a skip,
# by name, never as a pass.
lguest_debug_reports() {
	local n
	if host_own_lines "$1" |
	   grep -E 'UBSAN|KFENCE|lockdep|possible circular|inconsistent lock|sleeping function called|DEBUG_LOCKS_WARN|list_(add|del) corruption|ODEBUG|BUG: |WARNING' >"$1.debug"; then
		if ! grep -qvE "WARNING: ($TUN_LOCKDEP)|lockdep_sock_is_held" "$1.debug" &&
		   grep -A 80 -E "WARNING: ($TUN_LOCKDEP)" "$1" | grep -q 'dev_sw_netstats_rx_add' &&
		   grep -A 80 -E "WARNING: ($TUN_LOCKDEP)" "$1" | grep -q 'tun_get_user'; then
			skip "host: no lockdep, UBSAN, KFENCE, debugobjects, list or atomic-sleep report" \
				"only the known lockdep report of the tun driver's u64 stats, tun_get_user(), not lguest's: $1.debug"
		else
			fail "host: no lockdep, UBSAN, KFENCE, debugobjects, list or atomic-sleep report" "found" "$1.debug"
		fi
	else
		pass "host: no lockdep, UBSAN, KFENCE, debugobjects, list or atomic-sleep report"
	fi
	if [ "$(rc_of "$1" rmmod-lg)" = 0 ]; then
		pass "host: rmmod lg after every guest"
	else
		fail "host: rmmod lg after every guest" "rc=$(rc_of "$1" rmmod-lg)" "$1"
	fi
	n=$(sed -n 's/^LGTEST: kmemleak unreferenced=//p' "$1" | tail -n 1)
	if [ "$n" = 0 ]; then
		pass "host: kmemleak finds nothing after the lguest steps and rmmod lg"
	else
		fail "host: kmemleak finds nothing after the lguest steps and rmmod lg" \
			"${n:-no scan}: unreferenced objects" "$1"
	fi
}

lguest_stage() {
	local log=$LOGS/host.log list=$BUILD/initramfs-host.list token qrc rc
	local append missing="" e t0 g
	if [ -x "$OUT/lguest" ]; then
		pass "launcher: out/lguest is built"
	else
		fail "launcher: out/lguest is built" "missing (tools-lguest/, scripts/launcher.sh): no guest can start"
	fi
	if [ ! -s "$BUILD/initramfs-host.cpio.gz" ] || [ ! -s "$list" ]; then
		fail "lguest: host initramfs" "not made: out/ needs bzImage, vmlinux and modules/ (make)" \
			"$LOGS/initramfs.log"
		return
	fi
	for e in /boot/vmlinux /boot/bzImage /boot/guest.cpio.gz \
		 '/lib/modules/[^ ]*/lg\.ko' '/lib/modules/[^/ ]*/modules\.dep'; do
		grep -q "^file $e " "$list" || missing+=" ${e//\\/}"
	done
	grep -qs '/lg\.ko:' "$OUT"/modules/lib/modules/*/modules.dep || missing+=" lg.ko-in-modules.dep"
	if [ -z "$missing" ]; then
		pass "lguest: host initramfs has both kernels, the guest initramfs, lg.ko and modules.dep"
	else
		fail "lguest: host initramfs has both kernels, the guest initramfs, lg.ko and modules.dep" \
			"missing:$missing" "$LOGS/initramfs.log"
	fi

	token=$(new_token)
	append="lgtest.token=$token lgtest.run=${STAGE_PRE:+$STAGE_PRE,}kunit,guest,guests4,hostile,block,console,badlauncher,sharenet,tunnet,nmi${STAGE_POST:+,$STAGE_POST}"
	append+=" lgtest.guest_timeout=$GUEST_TIMEOUT $(tsc_arg)"
	t0=$SECONDS
	# QEMU logs each reset, and so a triple fault of the host.
	rm -f "$log.reset"
	NMI_AT="G8| LGTEST: busy for" NMI_COUNT=10 \
	CPU=${STAGE_CPU:-max} MEM=$HOST_MEM INITRD=${HOST_INITRD:-$BUILD/initramfs-host.cpio.gz} \
	QEMU_EXTRA="-d $HOST_QEMU_D -D $log.reset" \
		"$ROOT/scripts/qemu-boot.sh" "${HOST_KERNEL:-$OUT/bzImage}" "$log" "$HOST_TIMEOUT" "$append"
	qrc=$?
	host_ran "$log" "$token" "$qrc" "$t0" "boots, runs the guest steps, reboots (token $token)"
	for e in modprobe-lg:"modprobe lg" dev-lguest:"/dev/lguest exists"; do
		rc=$(rc_of "$log" "${e%%:*}")
		output_of "$log" "${e%%:*}" > "$log.${e%%:*}"
		if [ "$rc" = 0 ]; then
			pass "host: ${e#*:}"
		else
			fail "host: ${e#*:}" "rc=$rc" "$log.${e%%:*}"
		fi
	done
	host_log_clean "$log"

	lguest_guest "$log" "$token" g1 "vmlinux" selftests
	lguest_guest "$log" "$token" g2 "bzImage" selftests
	for g in g3 g4 g5 g6; do
		lguest_guest "$log" "$token" "$g" "vmlinux, one of four at once"
	done
	lguest_hostile "$log" "$token"
	lguest_block "$log"
	lguest_console "$log" "$token"
	lguest_badlauncher "$log"
	lguest_net "$log" "$token"
	lguest_nmi "$log"
	lguest_kunit "$log"
}

# lguest_kunit LOG: the KUnit suite lguest (drivers/lguest/lguest_kunit.c)
# ran in the host, every case passed, and there were as many as the suite
# has.
lguest_kunit() {
	local want summary t
	want=$(grep -c '^	KUNIT_CASE(' "$ROOT/drivers-lguest/lguest_kunit.c")
	summary=$(sed -n 's/^LGTEST: kunit # lguest: //p' "$1" | tail -n 1)
	sed -n 's/^LGTEST: kunit not ok [0-9]* //p' "$1" | while read -r t; do
		echo "  kunit case failed: $t"
	done
	if [[ "$summary" == "pass:$want fail:0 "* ]]; then
		pass "host: KUnit suite lguest, $want cases ($summary)"
	else
		fail "host: KUnit suite lguest, $want cases" "${summary:-no results}" "$1"
	fi
}

# lguest_nmi LOG: while guest g8 kept the host's CPU busy, QEMU's monitor
# sent the host 10 NMIs; the host's NMI count must have grown by 10.
lguest_nmi() {
	local before after
	before=$(sed -n 's/^LGTEST: nmi host count before=\([0-9]*\) .*/\1/p' "$1" | tail -n 1)
	after=$(sed -n 's/^LGTEST: nmi host count .*after=\([0-9]*\)/\1/p' "$1" | tail -n 1)
	if [ -n "$before" ] && [ -n "$after" ] && [ $((after - before)) -ge 10 ]; then
		pass "host: 10 NMIs sent during a busy guest all reached the host ($before before, $after after)"
	else
		fail "host: 10 NMIs sent during a busy guest all reached the host" \
			"NMI count ${before:-?} before, ${after:-?} after" "$1"
	fi
}

# lguest_stage_on MODEL: the whole stage again with the host on another
# processor model (an Intel one: the first run's max is an AMD), its logs
# in LOGS/MODEL/ and its checks named "[MODEL] ...".
lguest_stage_on() {
	local top=$LOGS
	LOGS=$top/$1
	mkdir -p "$LOGS"
	cp "$top/selftests-main.txt" "$LOGS/" 2>/dev/null
	TAG="[$1]" STAGE_CPU=$1 lguest_stage
	LOGS=$top
}

# The processor matrix: the host boots on each of these QEMU models and
# runs one guest, which reports the processor it sees and runs the
# workload.  Each vendor and family takes its own path through the guest
# kernel's CPU setup (Intel's reads the microcode revision with raw MSR
# instructions, for one).  ",-hypervisor" clears CPUID's hypervisor bit,
# as bare metal has it: the guest sees the host's CPUID, and without the
# bit the guest kernel takes the bare-metal paths (the microcode loader).
CPU_MATRIX=${CPU_MATRIX:-qemu32 pentium3 core2duo Nehalem Skylake-Client athlon phenom EPYC max qemu32,-hypervisor Skylake-Client,-hypervisor EPYC,-hypervisor}

# cpu_vendor MODEL: the CPUID vendor QEMU gives that model.
cpu_vendor() {
	case ${1%%,*} in
	athlon | phenom | EPYC* | Opteron* | max) echo AuthenticAMD ;;
	*) echo GenuineIntel ;;
	esac
}

# cpu_fact LOG KEY: from the last "LGTEST: cpu ..." line of LOG.
cpu_fact() {
	sed -n "s/^LGTEST: cpu .*\<$2=\([^ ]*\).*/\1/p" "$1" | tail -n 1
}

lguest_cpu_matrix() {
	local cpu log token qrc t0 top=$LOGS hv want glog
	for cpu in $CPU_MATRIX; do
		LOGS=$top/cpu-${cpu//,/}
		mkdir -p "$LOGS"
		log=$LOGS/host.log
		token=$(new_token)
		t0=$SECONDS
		CPU=$cpu MEM=$HOST_MEM INITRD=$BUILD/initramfs-host.cpio.gz \
			"$ROOT/scripts/qemu-boot.sh" "$OUT/bzImage" "$log" 300 \
			"lgtest.token=$token lgtest.run=cpuinfo,cpuguest lgtest.guest_timeout=240 $(tsc_arg)"
		qrc=$?
		TAG="[cpu $cpu]"
		host_ran "$log" "$token" "$qrc" "$t0" "boots, runs one guest, reboots"
		# The model must be what we asked for, or the matrix tests nothing.
		want=$(cpu_vendor "$cpu") hv=1
		[[ $cpu == *,-hypervisor ]] && hv=0
		# The host's own lines, not its guest's.
		grep -Ev '^[A-Z][0-9]+\| ' "$log" > "$log.own"
		if [ "$(cpu_fact "$log.own" vendor)" = "$want" ] &&
		   [ "$(cpu_fact "$log.own" hypervisor)" = $hv ]; then
			pass "host: the processor is $want family $(cpu_fact "$log.own" family) model $(cpu_fact "$log.own" model), hypervisor bit $hv"
		else
			fail "host: the processor is $want with hypervisor bit $hv" \
				"host says: $(grep '^LGTEST: cpu ' "$log.own" 2>/dev/null | tail -n 1)" "$log"
		fi
		lguest_guest "$log" "$token" g1 "vmlinux on $cpu"
		glog=$LOGS/guest-g1.log
		if [ "$(cpu_fact "$glog" vendor)" = "$want" ] &&
		   [ "$(cpu_fact "$glog" family)/$(cpu_fact "$glog" model)" = \
		     "$(cpu_fact "$log.own" family)/$(cpu_fact "$log.own" model)" ] &&
		   [ "$(cpu_fact "$glog" hypervisor)" = 1 ]; then
			pass "guest g1 sees the host's processor, with the hypervisor bit"
		else
			fail "guest g1 sees the host's processor, with the hypervisor bit" \
				"guest says: $(grep '^LGTEST: cpu ' "$glog" 2>/dev/null | tail -n 1)" "$glog"
		fi
		host_log_clean "$log"
		TAG=
	done
	LOGS=$top
}

# The distribution-style kernel (i386_defconfig plus lguest: SMP, local
# APIC, ACPI, HIGHMEM4G) as host and guest: it boots with two CPUs (ACPI
# finds the second; SeaBIOS's MP table lists only one) and 1.5 GB, more
# than the 896 MB a 32-bit kernel maps, and runs two guests of the very
# same image at once, one pinned to each CPU, with 256 MB each (highmem
# of the host's), each running the workload and the selftests, compared
# with the same kernel's native results.
DEBIAN_TIMEOUT=${DEBIAN_TIMEOUT:-1800}
DISTRO_TIMEOUT=${DISTRO_TIMEOUT:-$([ "$ONLY" = debian ] && echo $((DEBIAN_TIMEOUT + 300)) || echo 600)}
# distro_prepare: build/out-distro/ from the distro kernel, and the Debian
# image (debootstrap, cached in build/debian/).
distro_prepare() {
	if "$ROOT/scripts/install-out.sh" distro "$BUILD/out-distro" >"$LOGS/install-distro.log" 2>&1; then
		pass "distro: kernel and modules installed in build/out-distro"
	else
		fail "distro: kernel and modules installed in build/out-distro" "failed" "$LOGS/install-distro.log"
	fi
	[ "$ONLY" = debian ] || return 0
	if "$ROOT/scripts/debian-image.sh" >"$LOGS/debian-image.log" 2>&1; then
		pass "debian image: bookworm i386 by debootstrap, ext4 ($(tail -n 1 "$LOGS/debian-image.log" | sed 's/^>>> //'))"
	else
		fail "debian image: bookworm i386 by debootstrap, ext4" "failed" "$LOGS/debian-image.log"
	fi
}

lguest_distro_stage() {
	local top=$LOGS log token qrc t0 facts hi
	LOGS=$top/distro
	mkdir -p "$LOGS"
	cp "$top/selftests-distro.txt" "$LOGS/selftests-main.txt" 2>/dev/null
	log=$LOGS/host.log
	token=$(new_token)
	t0=$SECONDS
	TAG="[distro]"
	local img=$BUILD/debian/bookworm-i386.ext4 steps=cpuinfo,smpguests drive=
	if [ "$ONLY" = debian ]; then
		steps=cpuinfo,debian
		# snapshot=on: the guest's writes go to a temporary file, and
		# the cached image stays as debootstrap made it.
		drive="-drive file=$img,format=raw,if=ide,snapshot=on"
	fi
	# Nehalem: an Intel machine whose SMP boot of this kernel is clean
	# (QEMU's max, an Athlon, is "not suitable for SMP", and newer models
	# draw speculation warnings from a kernel of this configuration).
	CPU=Nehalem SMP=2 MEM=1536 INITRD=$BUILD/initramfs-host-distro.cpio.gz QEMU_EXTRA="$drive" \
		"$ROOT/scripts/qemu-boot.sh" "$BUILD/out-distro/bzImage" "$log" "$DISTRO_TIMEOUT" \
		"lgtest.token=$token lgtest.run=$steps lgtest.guest_mem=256m lgtest.guest_timeout=$GUEST_TIMEOUT lgtest.debian_timeout=$DEBIAN_TIMEOUT $(tsc_arg)"
	qrc=$?
	host_ran "$log" "$token" "$qrc" "$t0" "boots with 2 CPUs and 1.5 GB, runs its guest steps ($steps), reboots"
	facts=$(sed -n 's/^LGTEST: host cpus //p' "$log" | tail -n 1)
	hi=$(echo "$facts" | sed -n 's/.* highmem \([0-9]*\) kB/\1/p')
	if [ "$ONLY" = debian ]; then
		:
	elif [ "${facts%% *}" = 2 ] && [ "${hi:-0}" -gt 0 ]; then
		pass "host: 2 CPUs and highmem ($facts)"
	else
		fail "host: 2 CPUs and highmem" "host says: ${facts:-nothing}" "$log"
	fi
	if [ "$(rc_of "$log" modprobe-lg)" = 0 ]; then
		pass "host: modprobe lg"
	else
		fail "host: modprobe lg" "rc=$(rc_of "$log" modprobe-lg)" "$log"
	fi
	if [ "$ONLY" = debian ]; then
		lguest_debian "$log"
	else
		lguest_guest "$log" "$token" s0 "distro vmlinux pinned to CPU 0" selftests
		lguest_guest "$log" "$token" s1 "distro vmlinux pinned to CPU 1" selftests
	fi
	host_log_clean "$log"
	TAG=
	LOGS=$top
}

# lguest_debian LOG: guest d1 booted the Debian image (ext4, systemd) from
# the host's disk to the login prompt; inside, tests/debian/lgtest-debian
# ran dpkg-query, perl, gcc on a threaded program and stress-ng, then
# "systemctl poweroff" ended the launcher with exit 0.
debian_fact() {	# FILE KEY: the rest of its "LGTEST: debian KEY ..." line
	sed -n "s/^LGTEST: debian $2 *//p" "$1" | tail -n 1
}
lguest_debian() {
	local log=$1 g=$LOGS/guest-d1.log rc
	guest_output "$log" d1 "$g"
	rc=$(guest_fact "$log" d1 rc)
	if grep -q 'EXT4-fs (lgba): mounted filesystem' "$g" &&
	   [ "$(debian_fact "$g" init)" = /usr/lib/systemd/systemd ]; then
		pass "debian guest: ext4 root on lgba, systemd is init"
	else
		fail "debian guest: ext4 root on lgba, systemd is init" \
			"init: $(debian_fact "$g" init)" "$g"
	fi
	if grep -q 'lguest-debian login:' "$g" &&
	   [ "$(debian_fact "$g" getty)" = active ] &&
	   [ "$(debian_fact "$g" system)" = running ]; then
		pass "debian guest: multi-user.target with a login prompt on hvc0 ($(debian_fact "$g" boot))"
	else
		fail "debian guest: multi-user.target with a login prompt on hvc0" \
			"system $(debian_fact "$g" system), getty $(debian_fact "$g" getty), failed units: $(debian_fact "$g" 'failed units:')" "$g"
	fi
	if [ "$(debian_fact "$g" cgroup)" = cgroup2fs ]; then
		pass "debian guest: cgroup2 mounted"
	else
		fail "debian guest: cgroup2 mounted" "$(debian_fact "$g" cgroup)" "$g"
	fi
	if [ -n "$(debian_fact "$g" dpkg-query)" ] &&
	   [ "$(debian_fact "$g" perl | sed 's/.* squares //')" = 1,4,9,16,25 ]; then
		pass "debian guest: dpkg-query ($(debian_fact "$g" dpkg-query)), perl ($(debian_fact "$g" perl))"
	else
		fail "debian guest: dpkg-query and perl" "dpkg-query: $(debian_fact "$g" dpkg-query); perl: $(debian_fact "$g" perl)" "$g"
	fi
	if [ "$(debian_fact "$g" threads)" = "rc=0" ] && grep -q '^LGTEST: debian threads sum=800000020000000 ok' "$g"; then
		pass "debian guest: gcc compiles a threaded C program, which gets the right sum"
	else
		fail "debian guest: gcc compiles a threaded C program" "threads: $(debian_fact "$g" threads)" "$g"
	fi
	if [ "$(debian_fact "$g" stress-ng)" = "rc=0" ]; then
		pass "debian guest: stress-ng --verify (cpu, vm) passes"
	else
		fail "debian guest: stress-ng --verify passes" "$(debian_fact "$g" stress-ng)" "$g"
	fi
	if [ -n "$(guest_fact "$log" d1 timeout)" ]; then
		fail "debian guest: systemctl poweroff ends the launcher with exit 0" \
			"stopped by the $DEBIAN_TIMEOUT s timeout (DEBIAN_TIMEOUT)" "$g"
	elif [ "$rc" = 0 ] && grep -qx 'LGTEST: debian done' "$g"; then
		pass "debian guest: systemctl poweroff ends the launcher with exit 0"
	else
		fail "debian guest: systemctl poweroff ends the launcher with exit 0" "$(rc_meaning "$rc")" "$g"
	fi
	log_clean "debian guest" "$g"
}

# The Intel model the whole stage runs on a second time.
INTEL_CPU=${INTEL_CPU:-Skylake-Client}

# "check.sh debian" (make check-debian): the Debian guest alone, on a
# distro host built before (make check builds it).  Not part of make check:
# see README.
if [ "$ONLY" = debian ]; then
	[ -f "$BUILD/obj-distro/vmlinux" ] ||
		"$ROOT/scripts/kbuild.sh" distro all >"$LOGS/build-distro.log" 2>&1 ||
		{ fail "build: distro kernel" "build failed" "$LOGS/build-distro.log"; finish; }
	lguest_prepare
	distro_prepare
	initramfs_step || finish
	lguest_distro_stage
	finish
fi

# "check.sh debug" (make check-debug): the lguest stage with a debug kernel
# as host (configs/debug.config: lockdep, atomic-sleep checks, UBSAN,
# KFENCE, slab poisoning, debugobjects, list checks, kmemleak) and the main
# kernel's guests; then lg unloaded, and kmemleak asked.
if [ "$ONLY" = debug ]; then
	lguest_prepare
	if "$ROOT/scripts/kbuild.sh" debug all >"$LOGS/build-debug.log" 2>&1 &&
	   "$ROOT/scripts/install-out.sh" debug "$BUILD/out-debug" >>"$LOGS/build-debug.log" 2>&1; then
		pass "build: debug kernel (configs/debug.config) in build/out-debug"
	else
		fail "build: debug kernel" "build failed" "$LOGS/build-debug.log"
		finish
	fi
	DEBUG_HOST=1 initramfs_step || finish
	# The native results the guests' selftests are compared with.
	rm -f "$LOGS/selftests-main.txt"
	boot_test main "$OUT/bzImage"
	TAG="[debug]" HOST_KERNEL=$BUILD/out-debug/bzImage \
	HOST_INITRD=$BUILD/initramfs-host-debug.cpio.gz \
	STAGE_PRE=leakbase STAGE_POST=leakcheck HOST_TIMEOUT=${DEBUG_TIMEOUT:-3000} \
		lguest_stage
	TAG="[debug]" lguest_debug_reports "$LOGS/host.log"
	finish
fi

if [ "$ONLY" = guest ]; then
	lguest_prepare
	initramfs_step || finish
	# The native results the guests' selftests are compared with.
	rm -f "$LOGS/selftests-main.txt"
	boot_test main "$OUT/bzImage"
	lguest_stage
	lguest_stage_on "$INTEL_CPU"
	lguest_cpu_matrix
	# The distro kernel's part, if it has been built (make check does).
	if [ -f "$BUILD/obj-distro/vmlinux" ]; then
		distro_prepare
		initramfs_step || finish
		rm -f "$LOGS/selftests-distro.txt"
		boot_test distro
		lguest_distro_stage
	else
		skip "distro kernel as host and guest" "not built here (make check builds it)"
	fi
	finish
fi

# build_variants V...: build each kernel variant, adding it to built[].
built=()
build_variants() {
	local v
	for v in "$@"; do
		if "$ROOT/scripts/kbuild.sh" "$v" all >"$LOGS/build-$v.log" 2>&1; then
			pass "build: $v kernel"
			built+=("$v")
		else
			TAIL_LINES=60 fail "build: $v kernel" "build failed" "$LOGS/build-$v.log"
		fi
	done
}
is_built() { [[ " ${built[*]} " == *" $1 "* ]]; }

# boot_variants V...: the boot test of each variant that built.
boot_variants() {
	local v
	for v in "$@"; do
		if is_built "$v"; then
			rm -f "$LOGS/selftests-$v.txt"
			boot_test "$v"
		else
			skip "boot $v" "the $v kernel did not build"
		fi
	done
}

# The XXL kernels must behave like the ones without it, natively: same
# selftest results, test for test (a known failure must also fail on the
# baseline).
compare_baselines() {
	local pair x base
	for pair in main:noxxl pae:pae-noxxl; do
		x=${pair%:*} base=${pair#*:}
		if [ -s "$LOGS/selftests-$x.txt" ] && [ -s "$LOGS/selftests-$base.txt" ]; then
			if diff "$LOGS/selftests-$base.txt" "$LOGS/selftests-$x.txt" >"$LOGS/selftests-$x-diff.txt"; then
				pass "selftests: $x (PARAVIRT_XXL) gives the same result as $base in all $(wc -l < "$LOGS/selftests-$x.txt")"
			else
				fail "selftests: $x (PARAVIRT_XXL) gives the same result as $base" \
					"differences ($base < > $x)" "$LOGS/selftests-$x-diff.txt"
			fi
		else
			skip "selftests: $x against $base" "a boot did not produce results"
		fi
	done
}

# "check.sh baseline" (make check-baseline): main and pae against their
# baselines without PARAVIRT_XXL.  Two more kernel builds, about 11
# minutes cold, which did not fit make check's hour (see README).
if [ "$ONLY" = baseline ]; then
	build_variants main noxxl pae pae-noxxl
	initramfs_step || finish
	boot_variants main noxxl pae pae-noxxl
	compare_baselines
	finish
fi

# ---------------------------------------------------------------------------
# Static checks of the series itself.

if "$ROOT/scripts/gen-patches.sh" --check >"$LOGS/sync.log" 2>&1; then
	pass "series: add-file patches in sync with the source folders"
else
	fail "series: add-file patches in sync with the source folders" \
		"regenerate with 'make patches' and commit" "$LOGS/sync.log"
fi

# Apply the series with plain patch(1), no fuzz, to pristine copies of the
# files it touches, taken straight from the tarball.  The result is also
# the reference for "lines this series adds" used by sparse and W=1 below.
PRISTINE=$BUILD/check/a PATCHED=$BUILD/check/b
rm -rf "$BUILD/check"
mkdir -p "$PRISTINE" "$PATCHED"
existing=$(for p in $(series_patches); do
	sed -n 's|^--- a/\([^\t ]*\).*|\1|p' "$ROOT/patches/$p"
done | sort -u)
if [ -n "$existing" ]; then
	# shellcheck disable=SC2086
	tar -C "$PRISTINE" --strip-components=1 -xf "$KTARBALL" \
		$(sed 's|^|linux-source-6.12/|' <<<"$existing")
fi
cp -a "$PRISTINE/." "$PATCHED/"
apply_ok=1
for p in $(series_patches); do
	if ! (cd "$PATCHED" && patch -p1 --fuzz=0 --no-backup-if-mismatch \
			< "$ROOT/patches/$p") >"$LOGS/apply.log" 2>&1 ||
	   grep -Eq "$INEXACT_HUNK|FAILED|malformed" "$LOGS/apply.log"; then
		fail "series: $p applies exactly" "patch reported a problem" "$LOGS/apply.log"
		apply_ok=0
		break
	fi
done
[ $apply_ok = 1 ] && pass "series: all $(series_patches | wc -l) patches apply to 6.12 with no offset or fuzz"

# The tree: unpack and apply the series with quilt (also no fuzz).
if "$ROOT/scripts/tree.sh" >"$LOGS/tree.log" 2>&1; then
	pass "tree: build/linux has the whole series applied"
else
	fail "tree: build/linux has the whole series applied" "see log" "$LOGS/tree.log"
	finish
fi

for p in $(series_patches); do
	if (cd "$KSRC" && perl scripts/checkpatch.pl --strict --quiet \
		--show-types "$ROOT/patches/$p") >"$LOGS/checkpatch-$p.log" 2>&1 &&
	   [ ! -s "$LOGS/checkpatch-$p.log" ]; then
		pass "checkpatch --strict: $p"
	else
		fail "checkpatch --strict: $p" "not clean" "$LOGS/checkpatch-$p.log"
	fi
done

# ---------------------------------------------------------------------------
# The kernels: main (2-level, PARAVIRT_XXL), pae (PAE, PARAVIRT_XXL) and
# distro.  Their baselines without PARAVIRT_XXL are make check-baseline's.

VARIANTS="main pae distro"
build_variants $VARIANTS

# ---------------------------------------------------------------------------
# sparse and W=1 on what the series adds.  Files the series creates count
# whole; in files it changes, only the lines it adds count, since 6.12
# itself is not free of such warnings.  Headers are covered through the
# objects that include them: PROBES lists a few that exercise them.

PROBES="arch/x86/kernel/paravirt.o arch/x86/mm/pgtable.o mm/memory.o
	arch/x86/kernel/process_32.o arch/x86/kernel/cpu/common.o"

added_lines() {	# FILE: line numbers this series adds to FILE
	local f=$1
	if [ -f "$PRISTINE/$f" ]; then
		diff --unchanged-line-format= --old-line-format= \
			--new-line-format='%dn
' "$PRISTINE/$f" "$PATCHED/$f"
	elif [ -f "$PATCHED/$f" ]; then
		seq 1 "$(wc -l < "$PATCHED/$f")"
	fi
}

touched=$(for p in $(series_patches); do
	sed -n 's|^+++ b/\([^\t ]*\).*|\1|p' "$ROOT/patches/$p"
done | sort -u)
# Kernel objects only: tools/ is user space (the launcher is built with
# -Wall -Wextra -Werror instead).
objs=$(echo "$PROBES"; grep '\.c$' <<<"$touched" | grep -v '^tools/' | sed 's/\.c$/.o/')

# Keep the warnings that point at a line the series adds.
ours() {
	local log=$1 f line
	grep -E '^[^ :]+:[0-9]+:[0-9]+: (warning|error)' "$log" |
	while IFS=: read -r f line _; do
		f=${f#"$KSRC"/}
		grep -qx "$f" <<<"$touched" || continue
		added_lines "$f" | grep -qx "$line" && grep -F "$f:$line:" "$log" | head -n 1
	done | sort -u
}

for v in main pae; do
	is_built "$v" || { skip "sparse and W=1 on $v" "the $v kernel did not build"; continue; }
	for kind in sparse W=1; do
		log=$LOGS/$kind-$v.log
		log=${log/=/}
		: > "$log"
		nobj=0
		for o in $objs; do
			# What this configuration builds (lguest is not in pae).
			[ -f "$BUILD/obj-$v/$o" ] || continue
			nobj=$((nobj + 1))
			if [ "$kind" = sparse ]; then
				flags="C=2"
			else
				flags="W=1"
			fi
			make -s -C "$KSRC" O="$BUILD/obj-$v" ARCH=i386 CC="$CC_WRAP" \
				$flags "$o" >>"$log" 2>&1 || echo "make $o failed" >>"$log"
		done
		found=$(ours "$log")
		if grep -q "failed$" "$log"; then
			fail "$kind on the series ($v)" "an object did not build" "$log"
		elif [ -n "$found" ]; then
			echo "$found" > "$log.ours"
			fail "$kind on the series ($v)" "warnings on added lines" "$log.ours"
		else
			pass "$kind on the series ($v): no warning on an added line ($nobj objects)"
		fi
	done
	# W=1 left objects built with other flags; put them back.
	"$ROOT/scripts/kbuild.sh" "$v" all >/dev/null 2>&1
done

# ---------------------------------------------------------------------------
# Boot tests.  Each kernel boots the test initramfs under QEMU with a fresh
# random token on its command line; /init echoes it, runs the workload,
# the NX test and the 32-bit x86 selftests, then reboots (which ends QEMU).
# Then the main kernel boots as an lguest host and runs guests (below).

if is_built main; then
	lguest_prepare install
fi
is_built distro && distro_prepare
initramfs_step || finish

boot_variants $VARIANTS

if is_built main; then
	lguest_stage
	lguest_stage_on "$INTEL_CPU"
	lguest_cpu_matrix
	if is_built distro; then
		lguest_distro_stage
	else
		fail "distro kernel as host and guest" "the distro kernel did not build"
	fi
else
	fail "lguest: host and guests" "the main kernel did not build"
fi

finish

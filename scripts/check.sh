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

LOGS=$BUILD/logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
npass=0 nfail=0 nskip=0
start=$SECONDS

pass() { echo "PASS: $1"; npass=$((npass + 1)); }
skip() { echo "SKIP: $1 ($2)"; nskip=$((nskip + 1)); }
# fail NAME WHY [FILE]: FILE's last lines are shown as evidence.
fail() {
	echo "FAIL: $1: $2"
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
	   grep -Eq 'offset|fuzz|FAILED|malformed' "$LOGS/apply.log"; then
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
# The kernels: main (2-level, PARAVIRT_XXL), pae (PAE, PARAVIRT_XXL), and
# their baselines without PARAVIRT_XXL, noxxl and pae-noxxl.

VARIANTS="main pae noxxl pae-noxxl"
built=()
for v in $VARIANTS; do
	if "$ROOT/scripts/kbuild.sh" "$v" all >"$LOGS/build-$v.log" 2>&1; then
		pass "build: $v kernel"
		built+=("$v")
	else
		TAIL_LINES=60 fail "build: $v kernel" "build failed" "$LOGS/build-$v.log"
	fi
done
is_built() { [[ " ${built[*]} " == *" $1 "* ]]; }

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
objs=$(echo "$PROBES"; grep '\.c$' <<<"$touched" | sed 's/\.c$/.o/')

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
		for o in $objs; do
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
			pass "$kind on the series ($v): no warning on an added line ($(wc -w <<<"$objs") objects)"
		fi
	done
	# W=1 left objects built with other flags; put them back.
	"$ROOT/scripts/kbuild.sh" "$v" all >/dev/null 2>&1
done

# ---------------------------------------------------------------------------
# Boot tests.  Each kernel boots the test initramfs under QEMU with a fresh
# random token on its command line; /init echoes it, runs the workload,
# the NX test and the 32-bit x86 selftests, then reboots (which ends QEMU).

if ! "$ROOT/scripts/initramfs.sh" >"$LOGS/initramfs.log" 2>&1; then
	fail "initramfs: busybox, test programs and selftests" "see log" "$LOGS/initramfs.log"
	finish
fi
pass "initramfs: busybox, test programs and $(ls "$BUILD"/selftests-x86/*_32 | wc -l) selftests"
selftests=$(cd "$BUILD/selftests-x86" && ls -- *_32)

# tests/selftests.known: "NAME VARIANTS REASON" for a selftest that cannot
# pass on some of our kernels whatever we do.  It is reported as skipped
# with that reason, never as passed, and only if it fails the same way on
# the noxxl baseline.
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

boot_test() {	# VARIANT
	local v=$1 log token rc qrc t name out reason
	log=$LOGS/boot-$v.log
	token=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
	# The PAE kernels have page table isolation (configs/pae.config); QEMU's
	# CPU does not report Meltdown, so turn it on by hand.
	local extra=""
	case "$v" in pae*) extra="pti=on" ;; esac
	"$ROOT/scripts/qemu-boot.sh" "$BUILD/obj-$v/arch/x86/boot/bzImage" "$log" \
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
	if grep -E 'Kernel panic|BUG:|WARNING:|Oops|general protection fault, ' "$log" >"$log.bad"; then
		fail "boot $v: kernel log free of panic, BUG, WARNING, Oops" "found" "$log.bad"
	else
		pass "boot $v: kernel log free of panic, BUG, WARNING, Oops"
	fi

	rc=$(rc_of "$log" workload)
	output_of "$log" workload > "$log.workload"
	if [ "$rc" = 0 ] && grep -q '^workload: 0 failed' "$log.workload"; then
		pass "boot $v: workload (fork/exec, pipes, signals, 32 MB of faults, COW)"
	else
		fail "boot $v: workload" "rc=$rc" "$log.workload"
	fi

	# NX: a PAE kernel must enforce it; a 2-level kernel cannot use it.
	rc=$(rc_of "$log" nx)
	output_of "$log" nx > "$log.nx"
	case "$v:$rc" in
	pae:0|pae-noxxl:0) pass "boot $v: NX bit of 64-bit PTEs enforced" ;;
	main:4|noxxl:4) skip "boot $v: NX" "a non-PAE kernel cannot use NX (the kernel says so at boot)" ;;
	*) fail "boot $v: NX" "unexpected rc=$rc" "$log.nx" ;;
	esac

	for t in $selftests; do
		name="selftest:$t"
		rc=$(rc_of "$log" "$name")
		# The baseline comparison is by outcome: a failing test's exit
		# code can vary from run to run (nx_stack_32 exits 1 or dies of
		# SIGSEGV, depending on where the randomized stack lands).
		case "$rc" in
		0) echo "$t pass" ;; 4) echo "$t skip" ;; none) echo "$t none" ;; *) echo "$t fail" ;;
		esac >> "$LOGS/selftests-$v.txt"
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

for v in $VARIANTS; do
	if is_built "$v"; then
		rm -f "$LOGS/selftests-$v.txt"
		boot_test "$v"
	else
		skip "boot $v" "the $v kernel did not build"
	fi
done

# The XXL kernels must behave like the ones without it: same selftest
# results, test for test (a known failure must also fail on the baseline).
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

finish

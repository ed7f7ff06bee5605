#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-bisect: the series must build after every patch, in order,
# for the 2-level and the PAE configuration.  It uses its own tree,
# build/bisect/linux, so build/linux is left alone.
#
# The configurations are those of make check (scripts/kbuild.sh), but not
# verified: options that a later patch introduces (the PARAVIRT_XXL prompt,
# say) are simply absent early in the series, as for any bisecting user.
#
# BISECT_FROM=PATCH applies the series up to PATCH without building and
# starts there: for checking again the end of a series whose beginning
# has not changed.  A run with it says so in its last line.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

B=$BUILD/bisect
T=$B/linux
rm -rf "$T"
mkdir -p "$T"
note "unpacking a pristine tree into ${T#"$ROOT"/}"
tar -C "$T" --strip-components=1 -xf "$KTARBALL" || die "cannot unpack $KTARBALL"
ln -s "$ROOT/patches" "$T/patches"
ln -s "$ROOT/series" "$T/series"

status=0
step=0
start=$SECONDS
total=$(series_patches | wc -l)
if [ -n "${BISECT_FROM:-}" ]; then
	step=$(series_patches | grep -nx -- "$BISECT_FROM" | cut -d: -f1)
	[ -n "$step" ] || die "BISECT_FROM=$BISECT_FROM is not in the series"
	(cd "$T" && quilt_cmd push -q "$BISECT_FROM" >/dev/null) ||
		die "the series does not apply up to $BISECT_FROM"
	note "applied without building: patches 1 to $((step - 1))"
fi
first=$step
while :; do
	for v in main pae; do
		# Configure afresh at every step: a patch may add options.
		if KSRC=$T OBJ_ROOT=$B RECONFIGURE=1 NO_VERIFY=1 \
			"$ROOT/scripts/kbuild.sh" $v all >"$B/build-$v.log" 2>&1; then
			echo "PASS: step $step/$total ($v): $(cd "$T" && quilt_cmd top 2>/dev/null || echo 'pristine 6.12')"
		else
			echo "FAIL: step $step/$total ($v): $(cd "$T" && quilt_cmd top 2>/dev/null)"
			tail -n 30 "$B/build-$v.log" | sed 's/^/    | /'
			status=1
		fi
	done
	[ $step = "$total" ] && break
	(cd "$T" && quilt_cmd push >/dev/null) || { echo "FAIL: patch $((step + 1)) does not apply"; status=1; break; }
	step=$((step + 1))
done
echo "check-bisect took $((SECONDS - start)) s for $((total + 1 - first)) steps${BISECT_FROM:+ (from $BISECT_FROM, step $first of $total)}"
exit $status

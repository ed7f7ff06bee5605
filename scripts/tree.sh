#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bring build/linux, the patched kernel tree, up to date with the series:
# unpack Debian's linux-source-6.12 once, then apply the series with
# quilt.  When patches change, only the ones from the first changed
# patch on are popped and pushed again, so that unchanged files keep
# their timestamps and the kernel build stays incremental.
#
# A patch that applies only with an offset or fuzz is an error: the
# series must apply exactly.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The add-file patches are generated from the source folders.
"$ROOT/scripts/gen-patches.sh"

if [ ! -d "$KSRC" ]; then
	[ -f "$KTARBALL" ] || die "$KTARBALL not found (package linux-source-6.12)"
	note "unpacking $KTARBALL"
	rm -rf "$KSRC.tmp"
	mkdir -p "$KSRC.tmp"
	tar -C "$KSRC.tmp" --strip-components=1 -xf "$KTARBALL"
	mv "$KSRC.tmp" "$KSRC"
fi
ln -sfn "$ROOT/patches" "$KSRC/patches"
ln -sfn "$ROOT/series" "$KSRC/series"
cd "$KSRC"

# "name hash" for every patch in the series, in order.
want=$(series_patches | while read -r p; do
	[ -f "$ROOT/patches/$p" ] || die "series names $p, which is not in patches/"
	echo "$p $(sha256sum < "$ROOT/patches/$p" | cut -c1-16)"
done)
stamp=.pc/lguest-applied
have=$(cat "$stamp" 2>/dev/null || true)
[ "$want" = "$have" ] && exit 0

# Keep the longest prefix of applied patches that is unchanged, and pop
# everything above it.
mapfile -t W <<<"$want"
mapfile -t H <<<"$have"
n=0
while [ $n -lt ${#H[@]} ] && [ $n -lt ${#W[@]} ] && [ -n "${H[$n]}" ] &&
      [ "${H[$n]}" = "${W[$n]}" ]; do
	n=$((n + 1))
done

if [ -n "$(quilt_cmd applied 2>/dev/null || true)" ]; then
	if [ -n "$(quilt_cmd diff -z 2>/dev/null || true)" ]; then
		die "build/linux has changes not refreshed into the top patch; run 'quilt refresh' there first"
	fi
	if [ $n -gt 0 ]; then
		quilt_cmd pop -f "${W[$((n - 1))]%% *}" >/dev/null
	else
		quilt_cmd pop -a -f >/dev/null
	fi
fi

log=$(mktemp)
if ! quilt_cmd push -a >"$log" 2>&1; then
	if ! grep -q 'File series fully applied' "$log"; then
		cat "$log" >&2
		rm -f "$log"
		die "the series does not apply"
	fi
fi
if grep -E "$INEXACT_HUNK" "$log" >&2; then
	rm -f "$log"
	die "a patch applies only with offset or fuzz: refresh it"
fi
rm -f "$log"
mkdir -p .pc
echo "$want" > "$stamp"
note "series applied: $(quilt_cmd applied | wc -l) patches"

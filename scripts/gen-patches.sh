#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Generate the patches that add our new files to the kernel tree, from
# the folders that hold them (see scripts/new-files.map).
#
#   gen-patches.sh           rewrite patches/ where they differ
#   gen-patches.sh --check   only compare; fail if any would change
#
# Each generated patch keeps its hand-written header (everything before
# the first "--- " line); only the diff below it is generated.  A patch
# that does not exist yet gets a header to fill in.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

check=0
[ "${1:-}" = "--check" ] && check=1

map=$ROOT/scripts/new-files.map
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# The diff that creates every file below $1 at kernel path $2.
new_file_diff() {
	local folder=$1 kdir=$2 f rel
	(cd "$ROOT/$folder" && find . -type f ! -name '.*' | sed 's|^\./||' | LC_ALL=C sort) |
	while read -r rel; do
		f=$ROOT/$folder/$rel
		diff -u --label /dev/null --label "b/$kdir/$rel" /dev/null "$f" || [ $? -eq 1 ]
	done
}

while read -r folder kdir patch; do
	case "$folder" in ''|'#'*) continue ;; esac
	[ -d "$ROOT/$folder" ] || die "$map: folder $folder does not exist"
	body=$(new_file_diff "$folder" "$kdir")
	dest=$ROOT/patches/$patch
	if [ -z "$body" ]; then
		# An empty folder adds nothing, and there must be no patch for it.
		if [ -e "$dest" ]; then
			echo "$patch: $folder is empty but the patch exists" >&2
			status=1
		fi
		continue
	fi
	if [ -f "$dest" ]; then
		sed -n '/^--- /q;p' "$dest" > "$tmp/$patch"
	else
		cat > "$tmp/$patch" <<-EOF
		From: lguest developers <lguest@lists.linux.dev>
		Subject: [PATCH] FIXME: describe what adding $kdir/ does

		FIXME: why this change is needed.

		Signed-off-by: lguest developers <lguest@lists.linux.dev>
		EOF
	fi
	printf '%s\n' "$body" >> "$tmp/$patch"
	if ! grep -qx "$patch" "$ROOT/series"; then
		echo "$patch: generated from $folder but not listed in series" >&2
		status=1
	fi
	if cmp -s "$tmp/$patch" "$dest"; then
		continue
	fi
	if [ $check = 1 ]; then
		echo "$patch is out of sync with $folder/ (run 'make patches')" >&2
		diff -u "$dest" "$tmp/$patch" 2>/dev/null | head -n 20 >&2 || true
		status=1
	else
		cp "$tmp/$patch" "$dest"
		note "regenerated patches/$patch"
	fi
done < "$map"
exit $status

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build one kernel variant out of tree, in build/obj-VARIANT.
#
#   kbuild.sh VARIANT [make targets...]
#
# The configuration is tinyconfig (i386_defconfig for "distro") plus the
# fragments listed for the variant below.  Every line of those fragments must hold in the final
# .config: an option that Kconfig silently dropped (a missing dependency)
# is an error, not a surprise at boot.
#
# For check-bisect: KSRC and OBJ_ROOT choose another tree and object
# folder, RECONFIGURE=1 configures afresh even if the fragments did not
# change, and NO_VERIFY=1 accepts options the tree does not have (yet).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: kbuild.sh VARIANT [targets...]}
shift

case "$variant" in
main)	frags="base.config lguest.config" ;;	# 2-level, PARAVIRT_XXL, lguest host+guest
pae)	frags="base.config pae.config" ;;	# 3-level (PAE) paging, PARAVIRT_XXL
noxxl)	frags="base.config noxxl.config" ;;	# the baseline: no PARAVIRT_XXL
pae-noxxl) frags="base.config pae.config noxxl.config" ;; # PAE baseline
distro)	frags="distro.config" start=i386_defconfig ;; # as distributions build it
debug)	frags="base.config lguest.config debug.config" ;; # main, with lockdep, UBSAN, KFENCE, kmemleak
*)	die "unknown kernel variant '$variant' (main, pae, noxxl, pae-noxxl, distro, debug)" ;;
esac
start=${start:-tinyconfig}

O=${OBJ_ROOT:-$BUILD}/obj-$variant
mkdir -p "$O"
kmake() {
	make -C "$KSRC" O="$O" ARCH=i386 CC="$CC_WRAP" HOSTCC="$CC_WRAP" \
		-j"$JOBS" "$@"
}

files=()
for f in $frags; do
	files+=("$ROOT/configs/$f")
done
sum=$(cat "${files[@]}" | sha256sum | cut -c1-16)
if [ ! -f "$O/.config" ] || [ "${RECONFIGURE:-0}" = 1 ] ||
   [ "$(cat "$O/.lguest-config" 2>/dev/null)" != "$sum" ]; then
	note "configuring $variant: $start + $frags"
	kmake -s "$start" >/dev/null
	KCONFIG_CONFIG=$O/.config "$KSRC/scripts/kconfig/merge_config.sh" \
		-m -O "$O" "$O/.config" "${files[@]}" >/dev/null
	kmake -s olddefconfig
	echo "$sum" > "$O/.lguest-config"
fi

# Every fragment line must have survived olddefconfig.  Later fragments
# override earlier ones, as in merge_config.sh.
bad=0
[ "${NO_VERIFY:-0}" = 1 ] && files=()
declare -A wanted=()
for f in "${files[@]}"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) wanted[${line%%=*}]=${line#*=} ;;
		esac
	done < "$f"
done
for opt in "${!wanted[@]}"; do
	want=${wanted[$opt]}
	if [ "$want" = n ]; then
		if grep -q "^$opt=" "$O/.config"; then
			echo "config $variant: $opt should be off but is $(grep "^$opt=" "$O/.config")" >&2
			bad=1
		fi
	elif ! grep -qx "$opt=$want" "$O/.config"; then
		echo "config $variant: $opt=$want did not take (got: $(grep "^$opt=\|^# $opt is" "$O/.config" || echo absent))" >&2
		bad=1
	fi
done
[ $bad = 0 ] || die "configuration of $variant does not match configs/ (missing dependency?)"

if [ $# -eq 0 ]; then
	set -- all
fi
note "building $variant: $*"
kmake "$@"

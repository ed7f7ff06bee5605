#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the Launcher, out/lguest, a static i386 program, from
# tools-lguest/lguest.c against the uapi header of the patched tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

inc=$BUILD/launcher-inc
mkdir -p "$inc/linux" "$OUT"
cp "$KSRC/include/uapi/linux/lguest_launcher.h" "$inc/linux/"
gcc -m32 -static -O2 -Wall -Wextra -Werror -I"$inc" \
	-o "$OUT/lguest" "$ROOT/tools-lguest/lguest.c"
note "built out/lguest"

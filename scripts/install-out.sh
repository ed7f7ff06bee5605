#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Copy the main kernel's products into out/: bzImage, vmlinux, its
# .config, and a modules_install tree in out/modules/.
#
#   install-out.sh [VARIANT DIR]   another variant's, into DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

O=$BUILD/obj-${1:-main}
OUT=$(realpath -m "${2:-$OUT}")
mkdir -p "$OUT"
cp "$O/arch/x86/boot/bzImage" "$OUT/bzImage"
cp "$O/vmlinux" "$OUT/vmlinux"
cp "$O/.config" "$OUT/config"
rm -rf "$OUT/modules"
make -s -C "$KSRC" O="$O" ARCH=i386 INSTALL_MOD_PATH="$OUT/modules" \
	DEPMOD=/sbin/depmod modules_install
note "${OUT#"$ROOT"/}/: bzImage vmlinux config modules/ ($(cat "$O/include/config/kernel.release"))"

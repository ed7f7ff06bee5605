#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the freshly built kernel under QEMU with the test
# initramfs and give you a shell on its console.  (Until lguest guests
# can boot, the demo boots the host kernel itself.)
#
# On a terminal you get an interactive busybox shell: leave it with
# "reboot -f", or Ctrl-a x.  Without a terminal the demo runs the
# workload instead and prints the console.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/initramfs.sh"
kernel=$OUT/bzImage
if [ -t 0 ]; then
	echo "Booting $kernel; leave with 'reboot -f' or Ctrl-a x."
	LGTEST_INTERACTIVE=1 exec "$ROOT/scripts/qemu-boot.sh" "$kernel" - 0 \
		"lgtest.run=shell"
fi
log=$BUILD/demo.log
"$ROOT/scripts/qemu-boot.sh" "$kernel" "$log" 300 "lgtest.run=workload" || true
cat "$log"
grep -q '^workload: 0 failed' "$log"

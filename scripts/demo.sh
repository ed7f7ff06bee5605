#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the freshly built kernel under QEMU as an lguest host
# (the host initramfs of scripts/initramfs.sh), load lg and start a guest
# of the same kernel, whose console comes back prefixed "G1| ": it boots
# to its /init, runs the workload and powers off.
#
# On a terminal a second guest then starts with an interactive shell on
# the console (the Launcher passes keys through); "reboot -f" there ends
# that guest and leaves you in a shell on the host, where "reboot -f"
# ends the demo (or Ctrl-a x at any time).  Without a terminal the demo
# stops after the first guest and prints the console.
#
# CPU=MODEL picks QEMU's processor model (default max, an AMD under TCG;
# "make demo CPU=Skylake-Client" for an Intel one, "qemu-system-i386 -cpu
# help" for the list; add ",-hypervisor" for a host that looks like bare
# metal).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/initramfs.sh"
[ -s "$BUILD/initramfs-host.cpio.gz" ] || die "no host initramfs (see above)"
kernel=$OUT/bzImage
# Under TCG the small kernel cannot measure its TSC: tell it the rate.
khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
append="lgtest.token=demo${khz:+ tsc_early_khz=$khz}"
export INITRD=$BUILD/initramfs-host.cpio.gz MEM=512
if [ -t 0 ]; then
	echo "Booting $kernel as an lguest host on a ${CPU:-max} CPU; leave with 'reboot -f' or Ctrl-a x."
	LGTEST_INTERACTIVE=1 exec "$ROOT/scripts/qemu-boot.sh" "$kernel" - 0 \
		"$append lgtest.run=demo,demoshell,shell"
fi
log=$BUILD/demo.log
"$ROOT/scripts/qemu-boot.sh" "$kernel" "$log" 300 "$append lgtest.run=demo" || true
cat "$log"
grep -q '^G1| workload: 0 failed' "$log" && grep -q '^LGTEST: guest g1 rc=0$' "$log"

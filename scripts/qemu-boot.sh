#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under qemu-system-i386 (TCG) with the test initramfs and
# log its serial console.
#
#   qemu-boot.sh KERNEL LOG TIMEOUT "KERNEL ARGS"
#
# The machine never has a network card (-nic none), so nothing a test
# does can reach this machine's network.  -no-reboot turns the reboot at
# the end of /init (or a panic, with panic=-1) into QEMU exiting.  A run
# longer than TIMEOUT seconds is killed and reported.
#
# SMP=N gives the machine N CPUs (default 1), MEM=N megabytes (default 512).
# INITRD=FILE boots another initramfs (the lguest host image, say), and
# QEMU_EXTRA="-d cpu_reset -D FILE" adds options to QEMU's command line.
# LGTEST_INTERACTIVE=1 connects the console to the terminal instead.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kernel=$1 log=$2 timeout=$3 append=$4
initrd=${INITRD:-$BUILD/initramfs.cpio.gz}

qemu=(qemu-system-i386 -M pc -cpu max -m "${MEM:-512}" -smp "${SMP:-1}"
      -nic none -no-reboot -display none -monitor none
      -kernel "$kernel" -initrd "$initrd"
      -append "console=ttyS0 panic=-1 $append")
# shellcheck disable=SC2206
qemu+=(${QEMU_EXTRA:-})

if [ "${LGTEST_INTERACTIVE:-0}" = 1 ]; then
	exec "${qemu[@]}" -serial mon:stdio
fi

timeout -k 10 "$timeout" "${qemu[@]}" -serial "file:$log" </dev/null >"$log.qemu" 2>&1
rc=$?
# The serial console ends lines with CR LF; keep plain LF for grep -x.
sed -i 's/\r$//' "$log"
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "qemu: killed after ${timeout}s" >> "$log"
fi
exit $rc

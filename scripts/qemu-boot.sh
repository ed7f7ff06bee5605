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
# longer than TIMEOUT seconds is killed and reported, with where its CPU
# was at that moment (from QEMU's monitor, in LOG.hang: registers twice,
# a second apart, the PIC and local APIC, then once more after a pause
# and resume and again after an NMI; the instruction
# pointer, with its symbol in the kernel's vmlinux, at the end of LOG).
#
# SMP=N gives the machine N CPUs (default 1), MEM=N megabytes (default 512),
# CPU=MODEL its processor (QEMU's -cpu; default max, which under TCG is an
# AMD; "qemu-system-i386 -cpu help" lists them, e.g. Skylake-Client).
# INITRD=FILE boots another initramfs (the lguest host image, say), and
# QEMU_EXTRA="-d cpu_reset -D FILE" adds options to QEMU's command line.
# LGTEST_INTERACTIVE=1 connects the console to the terminal instead.
# NMI_AT=TEXT sends the machine NMI_COUNT NMIs (default 10) through the
# monitor, one a second, as soon as TEXT is in the log.  KICK_AFTER=S
# pauses and resumes a machine whose console has been silent for S
# seconds (default 60; 0 never), for a QEMU problem (see below).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kernel=$1 log=$2 timeout=$3 append=$4
initrd=${INITRD:-$BUILD/initramfs.cpio.gz}

qemu=(qemu-system-i386 -M pc -cpu "${CPU:-max}" -m "${MEM:-512}" -smp "${SMP:-1}"
      -nic none -no-reboot -display none
      -kernel "$kernel" -initrd "$initrd"
      -append "console=ttyS0 panic=-1 $append")
# shellcheck disable=SC2206
qemu+=(${QEMU_EXTRA:-})

if [ "${LGTEST_INTERACTIVE:-0}" = 1 ]; then
	exec "${qemu[@]}" -monitor none -serial mon:stdio
fi

# The monitor is a pair of named pipes, LOG.mon.in and LOG.mon.out.
mon=$log.mon
rm -f "$mon.in" "$mon.out" "$log.hang"
mkfifo "$mon.in" "$mon.out" || die "cannot make the monitor's pipes $mon.*"
# Our own read-write end of the input pipe: writing to it never waits for
# a reader, even if QEMU has just gone.
exec 3<>"$mon.in"

# hang_report: where the CPU is, from the monitor, before we kill QEMU.
hang_report() {
	local eip sym vmlinux
	# Two samples a second apart, and the interrupt controllers: whether
	# the CPU still moves, and whether an interrupt is stuck in service
	# or pending but never taken.  Then a pause and resume, after which
	# QEMU looks at its pending interrupts again (see KICK_AFTER below),
	# and an NMI, which the CPU takes whatever its interrupt flag (the
	# kernel says so on the console), each followed by the counters:
	# whether the machine moves again, and whether it takes interrupts
	# at all.
	{
		printf 'info registers\nx/8i $eip\ninfo pic\ninfo lapic\ninfo irq\n' >&3
		sleep 1
		printf 'info registers\nx/8i $eip\n' >&3
		sleep 1
		printf 'stop\ncont\n' >&3
		sleep 3
		printf 'info registers\ninfo pic\ninfo irq\n' >&3
		sleep 1
		printf 'nmi\n' >&3
		sleep 2
		printf 'info registers\ninfo pic\ninfo irq\n' >&3
	} &
	timeout 12 cat "$mon.out" 2>/dev/null | sed 's/\x1b\[[0-9]*[A-Za-z]//g' >"$log.hang"
	# The second sample, the last before the pause and the NMI.
	eip=$(sed -n 's/^EIP=\([0-9a-f]*\).*/\1/p' "$log.hang" | sed -n 2p)
	vmlinux=$(dirname "$kernel")/vmlinux
	if [ -n "$eip" ] && [ -f "$vmlinux" ]; then
		# nm prints 8 hex digits, as QEMU does: compare them as strings.
		sym=$(nm -n "$vmlinux" 2>/dev/null |
			awk -v e="$eip" '$1 <= e { s = $3; b = $1 } END { if (s) print s, b }')
		[ -n "$sym" ] && sym="${sym% *}+$(printf '%#x' $((16#$eip - 16#${sym#* })))"
	fi
	echo "qemu: at ${timeout}s the CPU was at EIP=${eip:-?} ${sym:-} ($(sed -n 's/^CS =\([0-9a-f]*\).*/CS=\1/p' "$log.hang" | sed -n 2p); all registers in ${log##*/}.hang)"
}

"${qemu[@]}" -monitor "pipe:$mon" -serial "file:$log" </dev/null >"$log.qemu" 2>&1 &
pid=$!
# However we end (a signal from whoever runs us included), QEMU ends too.
trap 'kill -9 $pid 2>/dev/null; rm -f "$mon.in" "$mon.out"' EXIT
trap 'exit 130' INT TERM HUP
end=$((SECONDS + timeout))
nmis=0
# QEMU 7.2's TCG can, we think, leave an interrupt pending and never
# look at it again while the CPU spins in a loop that jumps to itself
# (README, "Known problem"); the machine then stops for good.  Pausing and
# resuming it makes QEMU look at its pending interrupts, and changes
# nothing the machine can see (its clocks stop meanwhile).  So a console
# silent for KICK_AFTER seconds (default 60; 0: never) gets that, and
# the log says so at the end.
kick_after=${KICK_AFTER:-60}
kicks=0 size=0 since=$SECONDS
while kill -0 $pid 2>/dev/null && [ $SECONDS -lt $end ]; do
	if [ -n "${NMI_AT:-}" ] && [ $nmis -lt "${NMI_COUNT:-10}" ] &&
	   grep -qF -- "$NMI_AT" "$log" 2>/dev/null; then
		printf 'nmi\n' >&3
		nmis=$((nmis + 1))
	fi
	now=$(stat -c %s "$log" 2>/dev/null || echo 0)
	if [ "$now" != "$size" ]; then
		size=$now since=$SECONDS
	elif [ "$kick_after" -gt 0 ] && [ $((SECONDS - since)) -ge "$kick_after" ]; then
		printf 'stop\ncont\n' >&3
		kicks=$((kicks + 1)) since=$SECONDS
	fi
	sleep 1
done
report=
if kill -0 $pid 2>/dev/null; then
	report=$(hang_report)
	kill $pid 2>/dev/null
	sleep 2
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	rc=124
else
	wait $pid
	rc=$?
fi
rm -f "$mon.in" "$mon.out"
# The serial console ends lines with CR LF; keep plain LF for grep -x.
sed -i 's/\r$//' "$log"
if [ $kicks -gt 0 ]; then
	echo "qemu: paused and resumed $kicks times after $kick_after s of silence" >> "$log"
fi
if [ $rc = 124 ]; then
	echo "qemu: killed after ${timeout}s" >> "$log"
	echo "$report" >> "$log"
fi
exit $rc

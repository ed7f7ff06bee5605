#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: numbers, not tests.  The main kernel boots under QEMU as an
# lguest host; its /init times 128 MB written to and read from a file in
# its /tmp, then a guest times the same with that file as its /dev/lgba
# (O_DIRECT, 64 KB requests).  We also take, from one native boot and
# from that guest, the kernel's uptime when it starts /init.  Printed as
# MB/s and seconds, with the guest's as a ratio of the host's.  Then TCP
# (16 MB, tests/programs/nettest) between two guests on a --sharenet and
# from a guest to the host over --tunnet, against the host's loopback.  Under
# TCG the absolute numbers mean little; the ratios are what to compare.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/initramfs.sh" >/dev/null
log=$BUILD/logs/bench.log
nlog=$BUILD/logs/bench-native.log
mkdir -p "$BUILD/logs"
khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
INITRD=$BUILD/initramfs-host.cpio.gz MEM=512 "$ROOT/scripts/qemu-boot.sh" \
	"$OUT/bzImage" "$log" 600 \
	"lgtest.token=bench lgtest.run=bench,netbench${khz:+ tsc_early_khz=$khz}" || true
"$ROOT/scripts/qemu-boot.sh" "$OUT/bzImage" "$nlog" 300 \
	"lgtest.token=bench lgtest.run=" || true

secs() {	# WHAT: the seconds the log says WHAT took
	sed -n "s/^\(G11| \)\{0,1\}LGTEST: bench $1 seconds=//p" "$log" | tail -n 1
}
mbps() {	# SECONDS: 128 MB in that time
	awk -v s="$1" 'BEGIN { if (s > 0) printf "%.1f", 128 / s; else print "?" }'
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "?" }'
}

hw=$(secs "host file write") hr=$(secs "host file read")
gw=$(secs "guest lgba write") gr=$(secs "guest lgba read")
[ -n "$hw" ] && [ -n "$gw" ] || die "no numbers: see $log"
nb=$(sed -n 's/^LGTEST: uptime at init \([0-9.]*\) s$/\1/p' "$nlog" | head -n 1)
gb=$(sed -n 's/^G11| LGTEST: uptime at init \([0-9.]*\) s$/\1/p' "$log" | head -n 1)

printf '%-34s %10s %10s %8s\n' "" "host" "guest" "ratio"
printf '%-34s %10s %10s %8s\n' "disk write, MB/s (128 MB, fsync)" \
	"$(mbps "$hw")" "$(mbps "$gw")" "$(ratio "$(mbps "$gw")" "$(mbps "$hw")")"
printf '%-34s %10s %10s %8s\n' "disk read, MB/s (128 MB)" \
	"$(mbps "$hr")" "$(mbps "$gr")" "$(ratio "$(mbps "$gr")" "$(mbps "$hr")")"
printf '%-34s %10s %10s %8s\n' "kernel boot to /init, s (native)" \
	"${nb:-?}" "${gb:-?}" "$(ratio "${gb:-0}" "${nb:-0}")"
echo "(host: the main kernel under QEMU TCG, a file in its tmpfs; guest: an"
echo " lguest guest in that host, the file as /dev/lgba, O_DIRECT, 64 KB)"

# The networks, against TCP over the host's loopback.
net() {	# PREFIX WHAT: MB/s on the last "PREFIXLGTEST: net WHAT ... mbps=" line
	sed -n "s/^$1LGTEST: net $2 .*mbps=\([0-9.]*\).*/\1/p" "$log" | tail -n 1
}
lo=$(net "" "loopback recv")
echo
printf '%-34s %10s %8s\n' "TCP, 16 MB, MB/s" "" "ratio"
printf '%-34s %10s %8s\n' "host loopback" "${lo:-?}" "1.00"
printf '%-34s %10s %8s\n' "guest to guest (--sharenet)" "$(net 'N1| ' recv)" \
	"$(ratio "$(net 'N1| ' recv)" "${lo:-0}")"
printf '%-34s %10s %8s\n' "guest to host (--tunnet)" "$(net "" "host recv")" \
	"$(ratio "$(net "" "host recv")" "${lo:-0}")"
echo "(the same QEMU host; the ratio is against its loopback)"

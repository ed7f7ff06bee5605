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
# from a guest to the host over --tunnet, against the host's loopback.
# The launch time: a guest whose /init (tests/tiny/poweroff) only powers
# off, from the Launcher's start to its exit.  Then tests/programs/microbench (system calls, pipes, faults, fork, exec
# and two controls) and a build-like shell job, natively and in a guest,
# with the host's exit counters per operation (and for the whole shell
# build) and the time of one exit
# (a null hypercall, timed in the guest), and out/bench.svg.  Under
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
	"lgtest.token=bench lgtest.run=micro,shellbuild,microguest,microstats,bench,launchbench,netbench${khz:+ tsc_early_khz=$khz}" || true
"$ROOT/scripts/qemu-boot.sh" "$OUT/bzImage" "$nlog" 300 \
	"lgtest.token=bench lgtest.run=" || true

median() {	# the median of the numbers on standard input, one a line
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
secs() {	# WHAT [PREFIX]: the seconds WHAT took, the median of its runs
	sed -n "s/^${2:-}LGTEST: bench $1 seconds=\([0-9][0-9.]*\)$/\1/p" "$log" | median
}
mbps() {	# SECONDS: 128 MB in that time
	awk -v s="$1" 'BEGIN { if (s > 0) printf "%.1f", 128 / s; else print "?" }'
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "?" }'
}

hw=$(secs "host file write") hr=$(secs "host file read")
gw=$(secs "guest lgba write" 'G11| ') gr=$(secs "guest lgba read" 'G11| ')
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
fmt() {		# FORMAT VALUE: VALUE so formatted, or ? if there is none
	if [ -n "$2" ]; then printf "$1" "$2"; else echo '?'; fi
}
launch=$(secs "guest launch to poweroff")
printf '%-34s %10s %10s %8s\n' "launch to poweroff, s (median of 3)" "" "$(fmt %.3f "$launch")" ""
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

# The microbenchmarks (tests/programs/microbench), natively on the host
# and in a guest, and the host's exit counters per operation: from one
# guest per benchmark (the step microstats), less a guest that ran none.
micro() {	# PREFIX NAME: nanoseconds per operation
	sed -n "s/^$1LGTEST: bench micro $2 ns=\([0-9]*\).*/\1/p" "$log" | tail -n 1
}
ops() {
	sed -n "s/^LGTEST: bench micro $1 ns=[0-9]* ops=\([0-9]*\).*/\1/p" "$log" | tail -n 1
}
counter() {	# GUEST NAME
	sed -n "s/^$1| lguest: stats $2 \([0-9]*\).*/\1/p" "$log" | tail -n 1
}
# One exit's round trip, timed in the guest kernel (tests/hostile/
# lg_exittime.c): the median of its rounds.  Times the exits per
# operation, it is the part of each operation's guest time that exits
# take, at least ("in exits").
exit_ns=$(sed -n 's/^B1| lg_exittime: round [0-9]*: [0-9]* exits, \([0-9]*\) ns each.*/\1/p' \
	"$log" | median)
echo
printf '%-16s %12s %12s %8s %10s %10s %10s %9s\n' "per operation" "native ns" "guest ns" "ratio" \
	"exits/op" "faults/op" "switches/op" "in exits"
chart=$BUILD/logs/bench-ratios
: > "$chart"
per() {	# COUNTER: per operation of benchmark $b ($o of them), less the idle guest
	local t z
	t=$(counter "M_$(echo "$b" | tr a-z A-Z)" "$1") z=$(counter M_NONE "$1")
	awk -v t="${t:-}" -v z="${z:-0}" -v o="${o:-0}" \
		'BEGIN { if (t != "" && o > 0) printf "%.2f", (t - z) / o; else print "-" }'
}
for b in syscall int80 pipe fault cow mprotect fork exec compute memcpy; do
	n=$(micro "" "$b") g=$(micro 'B1| ' "$b") o=$(ops "$b")
	r=$(ratio "${g:-0}" "${n:-0}")
	e=$(per exits)
	share=$(awk -v e="$e" -v x="${exit_ns:-0}" -v g="${g:-0}" \
		'BEGIN { if (e != "-" && e >= 0.05 && x > 0 && g > 0) printf "%.0f%%", 100 * e * x / g; else print "-" }')
	printf '%-16s %12s %12s %8s %10s %10s %10s %9s\n' "$b" "${n:-?}" "${g:-?}" "$r" \
		"$e" "$(per page_faults_fixed)" "$(per hcall_new_pgtable)" "$share"
	echo "$b $r" >> "$chart"
done
ns=$(secs shellbuild) gs=$(secs shellbuild 'B1| ')
printf '%-16s %12s %12s %8s\n' "shell build, s" "$(fmt %.2f "$ns")" "$(fmt %.2f "$gs")" \
	"$(ratio "${gs:-0}" "${ns:-0}")"
echo "shellbuild $(ratio "${gs:-0}" "${ns:-0}")" >> "$chart"
echo "diskread $(ratio "$(mbps "$hr")" "$(mbps "$gr")")" >> "$chart"
echo "diskwrite $(ratio "$(mbps "$hw")" "$(mbps "$gw")")" >> "$chart"
echo "(guest/native in one QEMU boot; exits, fixed faults and page-table"
echo " switches per operation from the host's counters: lguest --stats;"
echo " \"in exits\": exits/op times one exit's round trip, over the guest's time;"
echo " under 0.05 exits/op is within the noise of subtracting the idle guest)"
printf '%-34s %10s\n' "one exit and back, ns (median)" "${exit_ns:-?}"
sb() {	# COUNTER: the shell build guest's count, less the idle guest's
	local t z
	t=$(counter M_SHELLBUILD "$1") z=$(counter M_NONE "$1")
	if [ -n "$t" ]; then echo $((t - ${z:-0})); else echo '?'; fi
}
echo "shell build, one guest with --stats: $(sb exits) exits, of them page faults"
echo " $(sb page_faults_fixed) fixed by the host and $(sb page_faults_reflected) passed to the guest, and $(sb hypercall_traps) hypercalls"

# The ratios as a bar chart, out/bench.svg: how many times slower than
# native (for disks, host MB/s over guest MB/s), 1 being native speed.
mkdir -p "$OUT"
awk 'BEGIN { w = 640; bar = 22; left = 110; scale = 40 }
	$2 != "?" { name[n] = $1; val[n] = $2; n++ }
	END {
		h = 40 + n * (bar + 6)
		printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", w, h
		printf "<text x=\"%d\" y=\"16\">lguest guest / native (log scale, 1 = native)</text>\n", left
		for (i = 0; i < n; i++) {
			y = 28 + i * (bar + 6)
			len = (val[i] > 1 ? log(val[i]) / log(2) : 0) * scale + 2
			if (len > w - left - 60) len = w - left - 60
			printf "<text x=\"4\" y=\"%d\">%s</text>\n", y + 15, name[i]
			printf "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%d\" fill=\"#4a7ab5\"/>\n", left, y, len, bar
			printf "<text x=\"%.0f\" y=\"%d\">%sx</text>\n", left + len + 4, y + 15, val[i]
		}
		print "</svg>"
	}' "$chart" > "$OUT/bench.svg"
echo "chart: out/bench.svg"

# SPDX-License-Identifier: GPL-2.0
# Common settings for the scripts in this folder; sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
OUT=$ROOT/out
KSRC=${KSRC:-$BUILD/linux}
KTARBALL=${KTARBALL:-/usr/src/linux-source-6.12.tar.xz}
JOBS=${JOBS:-$(($(nproc) + 1))}

# One quilt invocation, always with our settings (no fuzz, a/ b/ paths).
quilt_cmd() {
	quilt --quiltrc "$ROOT/scripts/quiltrc" "$@"
}

# ccache keyed on paths relative to the checkout, so that a fresh clone
# elsewhere (CI) still hits the cache a previous build filled.
export CCACHE_BASEDIR=$ROOT
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
CC_WRAP="ccache gcc"
command -v ccache >/dev/null 2>&1 || CC_WRAP=gcc

die() {
	echo "error: $*" >&2
	exit 1
}

note() {
	echo ">>> $*"
}

# What patch(1) says of a hunk that applied only away from where its
# header puts it ("(offset 3 lines)") or with fuzz ("with fuzz 1").  It
# must not match a file name such as asm-offsets.c.
INEXACT_HUNK='\(offset -?[0-9]+ lines?\)|with fuzz [0-9]'

# The patches of the series, in order (comments and blank lines skipped).
series_patches() {
	grep -v '^\s*\(#\|$\)' "$ROOT/series" | awk '{print $1}'
}

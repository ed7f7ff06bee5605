# SPDX-License-Identifier: GPL-2.0
#
# lguest for Linux 6.12: the top-level driver.
#
#   make              build the patched i386 kernel into out/
#   make demo         build, then boot it under QEMU with a shell
#   make check        static checks and boot tests; ends "N passed, N failed"
#   make check-guest  only the lguest stage of make check: host and guests
#   make check-debian a Debian (systemd, ext4) guest of the distro kernel;
#                     slow, not part of make check (see README)
#   make check-debug  the lguest stage on a debug kernel as host; slow,
#                     not part of make check (see README)
#   make check-baseline main and pae against the same kernels without
#                     PARAVIRT_XXL; not part of make check (see README)
#   make check-bisect build the kernel after every patch of the series
#   make bench        numbers: guest disk and boot against the host's
#   make patches      regenerate the add-file patches from the folders
#   make deps         install (as root) or list what the build needs
#   make clean        remove build products, keep the unpacked kernel
#   make distclean    remove build/ and out/ entirely
#
# The real work is in scripts/; see README.

SHELL := /bin/bash
S := scripts

.PHONY: all deps tree patches kernel launcher demo check check-guest check-debian check-debug check-baseline check-bisect bench clean distclean

all: kernel

deps:
	@$(S)/deps.sh

patches:
	@$(S)/gen-patches.sh

tree: deps
	@$(S)/tree.sh

# The main kernel: 2-level paging, PARAVIRT_XXL, modules.
kernel: tree
	@$(S)/kbuild.sh main all
	@$(S)/install-out.sh
	@$(S)/launcher.sh

# The Launcher alone (out/lguest).
launcher: tree
	@$(S)/launcher.sh

demo: kernel
	@$(S)/demo.sh

check: deps
	@$(S)/check.sh

# The main kernel and the launcher into out/, then check.sh makes the
# initramfs images and boots the kernel natively (for reference) and as
# an lguest host that runs guests.
check-guest: kernel
	@$(S)/check.sh guest

check-debian: kernel
	@$(S)/check.sh debian

# The lguest stage on a debug host (lockdep, UBSAN, KFENCE, kmemleak...).
check-debug: kernel
	@$(S)/check.sh debug

# Four kernel builds and their boot tests; the selftests compared.
check-baseline: deps
	@$(S)/check.sh baseline

bench: kernel
	@$(S)/bench.sh

check-bisect: deps
	@$(S)/check-bisect.sh

clean:
	rm -rf build/obj-* build/progs build/selftests-x86 build/initramfs* build/logs out

distclean:
	rm -rf build out

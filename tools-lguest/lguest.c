// SPDX-License-Identifier: GPL-2.0
/*
 * The lguest Launcher: one process per guest.
 *
 *	lguest [--verbose] [--initrd=FILE] MEM KERNEL [KERNEL ARGS...]
 *
 * The guest's "physical" memory is simply a block of our own memory:
 * guest-physical address P is at mem + P here.  We load the kernel and
 * initrd into it, write the boot_params a bootloader would, and a page
 * table that maps the memory at virtual == physical (the guest kernel
 * starts with paging on, in ring 1, and soon replaces it with its own).
 * Then we hand it all to the host through /dev/lguest, and keep reading
 * from there: each read() runs the guest until it has something for us,
 * such as console output or the news that it is gone.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/lguest_launcher.h>

#define PAGE		4096UL
#define MIN_MEM		(32UL << 20)
#define MAX_MEM		(1024UL << 20)
#define BOOT_PARAMS	0x1000UL	/* where the guest finds boot_params */
#define CMDLINE		0x2000UL	/* and its command line */
#define CMDLINE_MAX	2048

/* Offsets in struct boot_params (Documentation/arch/x86/boot.rst). */
#define BP_E820_ENTRIES	0x1e8
#define BP_SETUP_SECTS	0x1f1
#define BP_BOOT_FLAG	0x1fe
#define BP_HEADER	0x202
#define BP_VERSION	0x206
#define BP_LOADER	0x210
#define BP_LOADFLAGS	0x211
#define BP_RAMDISK	0x218
#define BP_RAMDISK_SIZE	0x21c
#define BP_CMDLINE	0x228
#define BP_SUBARCH	0x23c
#define BP_PAYLOAD	0x248
#define BP_PAYLOAD_LEN	0x24c
#define BP_E820_TABLE	0x2d0
#define X86_SUBARCH_LGUEST 1

static bool verbose;
static char *mem;		/* guest-physical 0 */
static unsigned long mem_size;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lguest: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((format(printf, 1, 2))) verb(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	fprintf(stderr, "lguest: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lguest [--verbose] [--initrd=FILE] MEM KERNEL [KERNEL ARGS...]\n"
		"  MEM     guest memory, 32m to 1024m (k, m, g suffixes; default m)\n"
		"  KERNEL  an i386 vmlinux or bzImage built with CONFIG_LGUEST_GUEST\n"
		"  Run as root with the lg module loaded.  The guest's console is\n"
		"  this program's output; it exits 0 when the guest powers off.\n");
}

static unsigned long parse_mem(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		die("bad memory size '%s' (try 64m)", s);
	switch (*end) {
	case 'k': case 'K':
		v <<= 10;
		end++;
		break;
	case 'g': case 'G':
		v <<= 30;
		end++;
		break;
	case 'm': case 'M':
		end++;
		/* fall through */
	case '\0':
		v <<= 20;
		break;
	}
	if (*end)
		die("bad memory size '%s' (try 64m)", s);
	if (v < MIN_MEM || v > MAX_MEM)
		die("memory size '%s' out of range (32m to 1024m)", s);
	return v & ~(PAGE - 1);
}

/* Read a whole file into malloc'd memory. */
static unsigned char *slurp(const char *name, const char *what, size_t *len)
{
	unsigned char *buf;
	struct stat st;
	ssize_t r;
	int fd;

	fd = open(name, O_RDONLY);
	if (fd < 0)
		die("cannot open %s '%s': %s", what, name, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die("%s '%s' is not a regular file", what, name);
	buf = malloc(st.st_size + 1);
	if (!buf)
		die("out of memory reading '%s'", name);
	r = read(fd, buf, st.st_size);
	if (r != st.st_size)
		die("cannot read %s '%s'", what, name);
	close(fd);
	*len = st.st_size;
	return buf;
}

/* The guest-physical range [addr, addr + len) must be inside memory. */
static void *guest(unsigned long addr, unsigned long len, const char *what)
{
	if (addr > mem_size || len > mem_size - addr)
		die("%s at %#lx+%#lx does not fit in guest memory", what, addr,
		    len);
	return mem + addr;
}

/*
 * An ELF vmlinux: copy each loadable segment to its physical address.
 * The entry point is physical too (the kernel links it that way).
 */
static unsigned long load_elf(const unsigned char *img, size_t len,
			      const char *name)
{
	const Elf32_Ehdr *eh = (const void *)img;
	unsigned int i;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386 ||
	    eh->e_type != ET_EXEC || eh->e_phentsize != sizeof(Elf32_Phdr) ||
	    eh->e_phoff > len ||
	    (size_t)eh->e_phnum * sizeof(Elf32_Phdr) > len - eh->e_phoff)
		die("'%s': not an i386 vmlinux or bzImage", name);

	for (i = 0; i < eh->e_phnum; i++) {
		const Elf32_Phdr *ph = (const Elf32_Phdr *)(img + eh->e_phoff) + i;
		void *dst;

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset ||
		    ph->p_filesz > ph->p_memsz)
			die("'%s': corrupt ELF segment %u", name, i);
		dst = guest(ph->p_paddr, ph->p_memsz, "kernel segment");
		memcpy(dst, img + ph->p_offset, ph->p_filesz);
		memset((char *)dst + ph->p_filesz, 0,
		       ph->p_memsz - ph->p_filesz);
		verb("segment %u: %#x-%#x\n", i, ph->p_paddr,
		     ph->p_paddr + ph->p_memsz);
	}
	verb("entry %#x\n", eh->e_entry);
	return eh->e_entry;
}

/*
 * Decompress a bzImage payload (gzip or xz) into a malloc'd buffer.  We
 * let the system's zcat or xzcat do it (busybox has both): one child
 * feeds it the payload, and we read what comes out.
 */
static unsigned char *inflate_payload(const unsigned char *p, size_t len,
				      size_t *outlen, const char *name)
{
	size_t cap = 1 << 20, n = 0;
	unsigned char *out = malloc(cap);
	const char *tool;
	int in[2], res[2];
	ssize_t r;

	if (len > 2 && p[0] == 0x1f && p[1] == 0x8b)
		tool = "zcat";
	else if (len > 10 && !memcmp(p, "\xfd" "7zXZ", 6))
		tool = "xzcat", len -= 4;	/* the kernel appends the size */
	else
		die("'%s': bzImage payload is neither gzip nor xz", name);
	if (!out || pipe(in) < 0 || pipe(res) < 0)
		die("cannot set up decompression: %s", strerror(errno));

	if (fork() == 0) {
		close(res[0]);
		close(res[1]);
		close(in[0]);
		while (len) {
			r = write(in[1], p, len);
			if (r <= 0)
				_exit(1);
			p += r;
			len -= r;
		}
		_exit(0);
	}
	if (fork() == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(res[1], STDOUT_FILENO);
		close(in[0]);
		close(in[1]);
		close(res[0]);
		close(res[1]);
		execlp(tool, tool, (char *)NULL);
		fprintf(stderr, "lguest: cannot run %s: %s\n", tool,
			strerror(errno));
		_exit(1);
	}
	close(in[0]);
	close(in[1]);
	close(res[1]);
	while ((r = read(res[0], out + n, cap - n)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			out = realloc(out, cap);
			if (!out)
				die("out of memory");
		}
	}
	close(res[0]);
	while (wait(NULL) > 0)
		;
	if (r < 0 || !n)
		die("'%s': could not decompress the bzImage payload with %s",
		    name, tool);
	*outlen = n;
	return out;
}

/*
 * A bzImage: its setup code would switch to protected mode and its
 * decompressor would run cli and lgdt, which a ring-1 guest cannot.  So
 * we do their work: the payload is the compressed vmlinux.
 */
static unsigned long load_bzimage(const unsigned char *img, size_t len,
				  unsigned char *bp, const char *name)
{
	unsigned int setup_sects = img[BP_SETUP_SECTS] ? img[BP_SETUP_SECTS] : 4;
	size_t pm = (setup_sects + 1) * 512, hdr_end, elflen;
	uint32_t off, plen;
	uint16_t version;
	unsigned char *elf;
	unsigned long entry;

	memcpy(&version, img + BP_VERSION, 2);
	if (version < 0x208)
		die("'%s': boot protocol %#x too old (need 2.08)", name, version);
	memcpy(&off, img + BP_PAYLOAD, 4);
	memcpy(&plen, img + BP_PAYLOAD_LEN, 4);
	if (pm > len || off > len - pm || plen > len - pm - off)
		die("'%s': corrupt bzImage", name);
	/* The setup header goes into boot_params as it is. */
	hdr_end = 0x202 + img[0x201];
	memcpy(bp + BP_SETUP_SECTS, img + BP_SETUP_SECTS,
	       hdr_end - BP_SETUP_SECTS);

	elf = inflate_payload(img + pm + off, plen, &elflen, name);
	verb("bzImage payload: %u bytes, %zu decompressed\n", plen, elflen);
	entry = load_elf(elf, elflen, name);
	free(elf);
	return entry;
}

/* A page table mapping all of guest memory at virtual == physical. */
static unsigned long map_memory(unsigned long top)
{
	unsigned long npte = mem_size / PAGE, npt = (npte + 1023) / 1024;
	unsigned long pgdir = (top - (npt + 1) * PAGE) & ~(PAGE - 1);
	uint32_t *pd = guest(pgdir, (npt + 1) * PAGE, "page tables");
	uint32_t *pt = pd + 1024;
	unsigned long i;

	memset(pd, 0, (npt + 1) * PAGE);
	for (i = 0; i < npt; i++)
		pd[i] = (pgdir + (i + 1) * PAGE) | 7;
	for (i = 0; i < npte; i++)
		pt[i] = (i * PAGE) | 7;
	verb("page tables at %#lx\n", pgdir);
	return pgdir;
}

static void put32(unsigned char *bp, unsigned int off, uint32_t v)
{
	memcpy(bp + off, &v, 4);
}

static void put_e820(unsigned char *bp, unsigned int i, uint64_t addr,
		     uint64_t size)
{
	unsigned char *e = bp + BP_E820_TABLE + 20 * i;
	uint32_t ram = 1;

	memcpy(e, &addr, 8);
	memcpy(e + 8, &size, 8);
	memcpy(e + 16, &ram, 4);
}

int main(int argc, char *argv[])
{
	const char *initrd = NULL, *kname;
	unsigned long entry, pgdir, top;
	unsigned char *img, *bp;
	struct lguest_exit ex;
	char *cmdline;
	size_t len, clen = 0;
	int i, fd;

	/* Options first; everything after KERNEL is the guest's command line. */
	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else if (!strncmp(argv[i], "--initrd=", 9)) {
			initrd = argv[i] + 9;
		} else if (!strcmp(argv[i], "--initrd") && i + 1 < argc) {
			initrd = argv[++i];
		} else {
			die("unknown option '%s' (see --help)", argv[i]);
		}
	}
	if (argc - i < 2) {
		usage(stderr);
		return 1;
	}
	mem_size = parse_mem(argv[i]);
	kname = argv[i + 1];

	cmdline = calloc(1, CMDLINE_MAX);
	if (!cmdline)
		die("out of memory");
	for (i += 2; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (clen + l + 2 > CMDLINE_MAX)
			die("kernel command line too long (max %d bytes)",
			    CMDLINE_MAX - 1);
		if (clen)
			cmdline[clen++] = ' ';
		memcpy(cmdline + clen, argv[i], l);
		clen += l;
	}

	/* Guest memory: anonymous, zeroed, ours. */
	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("cannot allocate %lu MB of guest memory", mem_size >> 20);
	bp = guest(BOOT_PARAMS, PAGE, "boot_params");

	img = slurp(kname, "kernel", &len);
	if (len > 0x202 + 4 && !memcmp(img + BP_HEADER, "HdrS", 4))
		entry = load_bzimage(img, len, bp, kname);
	else
		entry = load_elf(img, len, kname);
	free(img);

	/* The initrd goes at the top, the page tables just below it. */
	top = mem_size;
	if (initrd) {
		unsigned long at;

		img = slurp(initrd, "initrd", &len);
		if (len > mem_size / 2)
			die("initrd '%s' too big for %lu MB of memory", initrd,
			    mem_size >> 20);
		at = (mem_size - len) & ~(PAGE - 1);
		memcpy(guest(at, len, "initrd"), img, len);
		free(img);
		put32(bp, BP_RAMDISK, at);
		put32(bp, BP_RAMDISK_SIZE, len);
		verb("initrd at %#lx, %zu bytes\n", at, len);
		top = at;
	}
	pgdir = map_memory(top);

	/*
	 * What a bootloader tells the kernel: that we are a bootloader, that
	 * this is an lguest guest, where the command line is, and the memory
	 * map: two RAM ranges around the legacy hole at 640k (the kernel
	 * ignores a map of only one entry).
	 */
	put32(bp, BP_BOOT_FLAG - 2, 0);
	bp[BP_BOOT_FLAG] = 0x55;
	bp[BP_BOOT_FLAG + 1] = 0xAA;
	memcpy(bp + BP_HEADER, "HdrS", 4);
	bp[BP_VERSION] = 0x0f;
	bp[BP_VERSION + 1] = 0x02;
	bp[BP_LOADER] = 0xFF;
	bp[BP_LOADFLAGS] |= 1;
	put32(bp, BP_SUBARCH, X86_SUBARCH_LGUEST);
	memcpy(guest(CMDLINE, CMDLINE_MAX, "command line"), cmdline, clen + 1);
	put32(bp, BP_CMDLINE, CMDLINE);
	bp[BP_E820_ENTRIES] = 2;
	put_e820(bp, 0, 0, 0xA0000);
	put_e820(bp, 1, 0x100000, mem_size - 0x100000);
	verb("command line: %s\n", cmdline);

	fd = open("/dev/lguest", O_RDWR);
	if (fd < 0)
		die("cannot open /dev/lguest: %s (is the lg module loaded?)",
		    strerror(errno));
	{
		uint32_t req[6] = { LHREQ_INITIALIZE, (uintptr_t)mem,
				    mem_size / PAGE, entry, pgdir, BOOT_PARAMS };

		if (write(fd, req, sizeof(req)) < 0)
			die("cannot create the guest: %s", strerror(errno));
	}

	/* Run it, and do what it asks until it is gone. */
	for (;;) {
		if (read(fd, &ex, sizeof(ex)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("running the guest: %s", strerror(errno));
		}
		ex.msg[sizeof(ex.msg) - 1] = '\0';
		switch (ex.reason) {
		case LGUEST_EXIT_CONSOLE:
			if (write(STDOUT_FILENO,
				  guest(ex.arg[0], ex.arg[1], "console output"),
				  ex.arg[1]) < 0)
				die("writing console output: %s",
				    strerror(errno));
			break;
		case LGUEST_EXIT_POWEROFF:
			verb("guest powered off\n");
			return 0;
		case LGUEST_EXIT_RESTART:
			fprintf(stderr, "lguest: guest asked to restart\n");
			return 0;
		case LGUEST_EXIT_CRASH:
			fprintf(stderr, "lguest: guest crashed: %s\n", ex.msg);
			return 2;
		case LGUEST_EXIT_KILLED:
			fprintf(stderr, "lguest: guest stopped by the host: %s\n",
				ex.msg);
			return 3;
		default:
			die("unknown exit reason %u from the host", ex.reason);
		}
	}
}

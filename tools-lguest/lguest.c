// SPDX-License-Identifier: GPL-2.0
/*
 * The lguest Launcher: the user-space half of a guest.
 *
 *	lguest [OPTIONS] MEM KERNEL [OPTIONS] [--] [KERNEL ARGS...]
 *
 * with the options --verbose, --stats, --initrd=FILE, --block=FILE,
 * --tunnet=IP, --tunnet=bridge:BR and --sharenet=FILE, before MEM or after
 * KERNEL, as in "lguest 64m vmlinux --tunnet=192.168.19.1 --block=rootfs
 * root=/dev/lgba".
 *
 * A guest needs three things from us.  Memory: we take an ordinary
 * anonymous mapping of MEM bytes, and that *is* the guest's "physical"
 * memory, so guest-physical address P lives at guest_base + P in this
 * process.  A kernel in that memory, set up the way a bootloader would
 * leave it.  And someone to talk to: the host module (lg) does the hard
 * part of running the guest, but whenever the guest wants something the
 * host does not handle itself, such as printing to its console or
 * powering off, the host returns to us.
 *
 * So the Launcher is a loader followed by a loop.  We check everything
 * we were given, load the kernel (and the initrd, if any) into guest
 * memory, fill in the boot parameters and a first page table, hand it
 * all to the host through /dev/lguest, and then read() from it: each
 * read() runs the guest until it has something for us.
 *
 * Exit status: 0 when the guest powers off or asks to restart (we do not
 * restart it), 1 for bad input or a Launcher error, 2 when the guest
 * crashed, and 3 when the host stopped it.
 */
#define _GNU_SOURCE		/* F_OFD_SETLK */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <lzma.h>
#include <zlib.h>
#include <asm/bootparam.h>
#include <asm/ldt.h>
#include <linux/elf.h>
#include <linux/if_tun.h>
#include <linux/lguest_launcher.h>
#include <linux/magic.h>
#include <linux/sockios.h>

/*
 * The guest kernel is linked to run at physical 16 MB and needs room
 * above that to live in.  And all of guest memory must fit in this
 * 32-bit process, beside the kernel file and our own memory: 1 GB is
 * as much as we try.
 */
#define MIN_MEM		(32UL << 20)
#define MAX_MEM		(1024UL << 20)

#define PAGE_SIZE	4096UL
#define PAGE_ALIGN_DOWN(x) ((x) & ~(PAGE_SIZE - 1))
#define PAGE_ALIGN_UP(x) PAGE_ALIGN_DOWN((x) + PAGE_SIZE - 1)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Where we put the boot parameters and the command line for the guest. */
#define BOOT_PARAMS_ADDR 0x1000UL
#define CMDLINE_ADDR	0x2000UL
#define CMDLINE_MAX	2048		/* the guest copies this much */
#define RNG_SEED_ADDR	(CMDLINE_ADDR + CMDLINE_MAX)
#define RNG_SEED_LEN	32
#define BOOT_DATA_END	(RNG_SEED_ADDR + sizeof(struct setup_data) + RNG_SEED_LEN)

/* Page table entry flags: present, writable, user. */
#define PTE_FLAGS	0x7

/* A physical memory map needs two entries, or Linux ignores it. */
#define LOW_RAM_END	0xA0000UL	/* the PC's 640 KB */
#define HIGH_RAM_START	0x100000UL	/* and memory from 1 MB up */
#define E820_RAM	1

/* The values we must write into the boot header (boot.rst). */
#define BOOT_FLAG	0xAA55
#define HDRS_MAGIC	0x53726448	/* "HdrS" */
#define BOOT_VERSION	0x020f
#define LOADER_UNKNOWN	0xFF
#define SUBARCH_LGUEST	1

/* Offsets of the bzImage setup header in the file (boot.rst). */
#define SETUP_HDR_START	0x1f1
#define SETUP_HDR_JUMP	0x201
#define SETUP_HDR_AFTER_JUMP 0x202
#define SETUP_HDR_MIN_END 0x250	/* through payload_length */

static bool verbose;
static bool stats;

/*
 * The guest's memory: guest-physical 0 is at guest_base here.  guest_size
 * bytes of RAM, then device_pages pages for the devices (see
 * setup_devices()).
 */
static unsigned char *guest_base;
static unsigned long guest_size;
static unsigned long device_pages;

/* The disks of --block=FILE, opened as the options are read. */
#define MAX_BLOCKS	8
static struct block {
	const char *name;
	int fd;
	unsigned long long sectors;
} blocks[MAX_BLOCKS];
static unsigned int nblocks;

/*
 * The networks of --tunnet and --sharenet, also set up as the options are
 * read (see "Networks" below).
 */
static struct net {
	const char *arg;		/* the option, for messages */
	int tapfd;			/* --tunnet: our tap device */
	int filefd;			/* --sharenet: the shared file */
	char tapname[IFNAMSIZ];
	unsigned int slot;		/* the guest's slot on the network */
	bool big;			/* LGUEST_NET_FEAT_BIG frames */
	struct lguest_net_slot peer;	/* --tunnet: the tap's slot 0 */
} nets[LGUEST_MAX_DEVICES];
static unsigned int nnets;

/*
 * Bad input or trouble in the Launcher: one line on stderr, and exit
 * status 1.  And with --verbose, what we are doing, also on stderr, so
 * that stdout is the guest's console alone.  (Macros, so that the
 * compiler checks each format against its arguments.)
 */
#define die(fmt, ...) do {						\
	fflush(stdout);							\
	fprintf(stderr, "lguest: " fmt "\n", ##__VA_ARGS__);		\
	exit(1);							\
} while (0)

/*
 * A guest that asks us for something impossible (DMA from outside its
 * memory, say) is stopped as the host stops one, with exit status 3.
 */
#define bad_guest(fmt, ...) do {					\
	fflush(stdout);							\
	fprintf(stderr, "lguest: guest stopped by the Launcher: " fmt "\n", \
		##__VA_ARGS__);						\
	exit(3);							\
} while (0)

#define say(fmt, ...) do {						\
	if (verbose)							\
		fprintf(stderr, "lguest: " fmt "\n", ##__VA_ARGS__);	\
} while (0)

static void print_help(void)
{
	puts("usage: lguest [OPTIONS] MEM KERNEL [OPTIONS] [--] [KERNEL ARGS...]");
	puts("");
	puts("Run KERNEL as an lguest guest; its console is our output.");
	puts("  MEM          guest memory, 32m to 1024m (suffix k, m or g;");
	puts("               a bare number means megabytes)");
	puts("  KERNEL       an i386 vmlinux or bzImage with CONFIG_LGUEST_GUEST");
	puts("  KERNEL ARGS  the guest's command line: everything after the");
	puts("               options that follow KERNEL, or after \"--\"");
	puts("  --initrd=FILE  load FILE as the guest's initial ramdisk");
	puts("  --block=FILE   give the guest a disk (lgba, lgbb, ...) that is");
	puts("                 FILE, a file or block device (up to 8 times)");
	puts("  --tunnet=IP    give the guest a network interface to this host:");
	puts("                 a tap device with address IP/24 (the guest then");
	puts("                 takes another address of that network, e.g. IP+1)");
	puts("  --tunnet=bridge:BR  the same, with the tap added to bridge BR");
	puts("  --sharenet=FILE  a network interface to every guest given the");
	puts("                 same FILE (created if missing, on tmpfs)");
	puts("  --verbose      say what is loaded where, and each guest exit");
	puts("  --stats        at the end, print the host's counters of why the");
	puts("                 guest left (needs debugfs; see tools/lguest/lgstat)");
	puts("Needs the lg module (/dev/lguest).  Exit status: 0 the guest");
	puts("powered off or restarted, 1 error, 2 the guest crashed, 3 the");
	puts("host (or the Launcher) stopped it for doing something forbidden.");
}

/*
 * "64m", "64M", "1g", "65536k", or a bare number of megabytes.  We check
 * the range before shifting, so that no number can overflow into it.
 */
static unsigned long parse_mem(const char *arg)
{
	unsigned long long n;
	unsigned int shift;
	char *end;

	if (*arg < '0' || *arg > '9')
		die("bad memory size '%s' (a number with k, m or g, e.g. 64m)",
		    arg);
	errno = 0;
	n = strtoull(arg, &end, 10);
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	default:
		shift = 20;
		break;
	}
	if (*end)
		die("bad memory size '%s' (a number with k, m or g, e.g. 64m)",
		    arg);
	if (errno == ERANGE || n > (MAX_MEM >> shift) ||
	    (n << shift) < MIN_MEM)
		die("memory size '%s' out of range: must be 32m to 1024m", arg);
	n <<= shift;
	if (n % PAGE_SIZE)
		die("memory size '%s' is not a whole number of 4k pages", arg);
	return n;
}

/*
 * Guest-physical [addr, addr + len) as a pointer for us, or NULL if any
 * of it lies outside guest memory.  Every address that comes from a file
 * or from the guest goes through here before we touch it.
 */
static void *guest_range(unsigned long long addr, unsigned long long len)
{
	if (addr > guest_size || len > guest_size - addr)
		return NULL;
	return guest_base + addr;
}

/* A file we read from: the kernel is mapped whole, the initrd streamed. */
static int open_file(const char *what, const char *name, struct stat *st)
{
	int fd = open(name, O_RDONLY);

	if (fd < 0)
		die("cannot open %s '%s': %s", what, name, strerror(errno));
	if (fstat(fd, st) < 0)
		die("cannot read %s '%s': %s", what, name, strerror(errno));
	if (S_ISDIR(st->st_mode))
		die("cannot read %s '%s': %s", what, name, strerror(EISDIR));
	if (!S_ISREG(st->st_mode))
		die("%s '%s' is not a regular file", what, name);
	return fd;
}

/*
 * Loading an ELF vmlinux.
 *
 * The kernel's program headers say which parts of the file go where in
 * physical memory (p_paddr), and how much zeroed memory (the BSS) follows
 * each.  That is all a loader has to do: the kernel's first instructions
 * are written to run at physical addresses, and its entry point is one.
 * The range the kernel occupies is remembered, so that nothing else is
 * put on top of it.
 */
static unsigned long kernel_start = ~0UL, kernel_end;

static bool is_i386_elf(const unsigned char *img, size_t len)
{
	const struct elf32_hdr *eh = (const struct elf32_hdr *)img;

	return len >= sizeof(*eh) && !memcmp(eh->e_ident, ELFMAG, SELFMAG) &&
	       eh->e_ident[EI_CLASS] == ELFCLASS32 &&
	       eh->e_ident[EI_DATA] == ELFDATA2LSB &&
	       eh->e_machine == EM_386 && eh->e_type == ET_EXEC;
}

/*
 * An ELF file that is not for us: say what it is for, in one line.  The
 * classic mistake is an x86-64 vmlinux.
 */
static void not_i386_elf(const unsigned char *img, size_t len,
			 const char *name)
{
	const struct elf32_hdr *eh = (const struct elf32_hdr *)img;

	if (len < EI_NIDENT || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return;
	if (len < sizeof(*eh) || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		die("'%s': an ELF file, but not a little-endian one: not an i386 kernel", name);
	if (eh->e_ident[EI_CLASS] == ELFCLASS64)
		die("'%s': a 64-bit ELF file (machine %u): lguest runs 32-bit i386 kernels",
		    name, eh->e_machine);
	if (eh->e_machine != EM_386)
		die("'%s': an ELF file for machine %u, not i386 (%u)", name,
		    eh->e_machine, EM_386);
	die("'%s': an i386 ELF file, but not an executable (type %u)", name,
	    eh->e_type);
}

/*
 * The description of the note NAME of TYPE in a PT_NOTE segment, if it is
 * there and DESCSZ bytes long.
 */
static const void *find_note(const unsigned char *img, size_t len,
			     const struct elf32_hdr *eh, const char *name,
			     uint32_t type, uint32_t descsz)
{
	size_t namelen = strlen(name) + 1, off, end, nsz, dsz;
	struct elf32_phdr ph;
	struct elf32_note nh;
	unsigned int i;

	for (i = 0; i < eh->e_phnum; i++) {
		memcpy(&ph, img + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE || ph.p_offset > len ||
		    ph.p_filesz > len - ph.p_offset)
			continue;
		end = ph.p_offset + ph.p_filesz;
		for (off = ph.p_offset; end - off >= sizeof(nh); ) {
			memcpy(&nh, img + off, sizeof(nh));
			off += sizeof(nh);
			nsz = (nh.n_namesz + 3UL) & ~3UL;
			dsz = (nh.n_descsz + 3UL) & ~3UL;
			if (nsz > end - off || dsz > end - off - nsz)
				break;
			if (nh.n_namesz == namelen && nh.n_type == type &&
			    nh.n_descsz == descsz && !memcmp(img + off, name, namelen))
				return img + off + nsz;
			off += nsz + dsz;
		}
	}
	return NULL;
}

/*
 * A kernel that can be a guest carries the note LGUEST_NOTE_NAME
 * (arch/x86/lguest/boot.c); one built without CONFIG_LGUEST_GUEST would
 * die on its first privileged instruction in ring 1.
 */
static void check_guest_note(const unsigned char *img, size_t len,
			     const struct elf32_hdr *eh, const char *name)
{
	const void *desc;
	uint32_t version;

	desc = find_note(img, len, eh, LGUEST_NOTE_NAME, LGUEST_NOTE_GUEST,
			 sizeof(version));
	if (!desc)
		die("'%s': not a guest kernel (built without CONFIG_LGUEST_GUEST)",
		    name);
	memcpy(&version, desc, sizeof(version));
	if (version != LGUEST_NOTE_VERSION)
		die("'%s': a guest of lguest interface %u, not %u", name,
		    version, LGUEST_NOTE_VERSION);
}

static unsigned long load_elf(const unsigned char *img, size_t len,
			      const char *name)
{
	struct elf32_hdr eh;
	struct elf32_phdr ph;
	bool entry_loaded = false;
	unsigned int i, loaded = 0;
	unsigned char *dst;

	memcpy(&eh, img, sizeof(eh));
	if (eh.e_phentsize != sizeof(ph) || eh.e_phoff > len ||
	    (size_t)eh.e_phnum * sizeof(ph) > len - eh.e_phoff)
		die("'%s': ELF program headers are outside the file", name);

	for (i = 0; i < eh.e_phnum; i++) {
		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset ||
		    ph.p_filesz > ph.p_memsz)
			die("'%s': ELF segment %u is outside the file", name, i);
		dst = guest_range(ph.p_paddr, ph.p_memsz);
		if (!dst)
			die("'%s': ELF segment %u (%#x-%#llx) is outside guest memory (%lu MB)",
			    name, i, ph.p_paddr,
			    (unsigned long long)ph.p_paddr + ph.p_memsz,
			    guest_size >> 20);
		/* Boot parameters, command line and seed: 4 KB to ~10 KB. */
		if (ph.p_paddr < BOOT_DATA_END &&
		    ph.p_paddr + ph.p_memsz > BOOT_PARAMS_ADDR)
			die("'%s': ELF segment %u at %#x overlaps the boot parameters",
			    name, i, ph.p_paddr);

		memcpy(dst, img + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		say("segment %u: %#x bytes of file at %#x -> %#x-%#x",
		    i, ph.p_filesz, ph.p_offset, ph.p_paddr,
		    ph.p_paddr + ph.p_memsz);

		if (ph.p_paddr < kernel_start)
			kernel_start = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > kernel_end)
			kernel_end = ph.p_paddr + ph.p_memsz;
		if (eh.e_entry >= ph.p_paddr &&
		    eh.e_entry < ph.p_paddr + ph.p_memsz)
			entry_loaded = true;
		loaded++;
	}
	if (!loaded)
		die("'%s': no loadable ELF segments", name);
	if (!entry_loaded)
		die("'%s': entry point %#x is not in a loaded segment", name,
		    eh.e_entry);
	check_guest_note(img, len, &eh, name);

	/*
	 * The same kernel must load the same way from vmlinux and bzImage;
	 * a checksum of what we loaded shows it at a glance.
	 */
	say("kernel at %#lx-%#lx, crc32 %#010lx, entry %#x", kernel_start,
	    kernel_end, crc32(0, guest_base + kernel_start,
			      kernel_end - kernel_start), eh.e_entry);
	return eh.e_entry;
}

/*
 * Loading a bzImage.
 *
 * A bzImage is made for a bootloader that starts it in 16-bit real mode
 * (its setup code) or in 32-bit protected mode, where a decompressor
 * unpacks the real kernel.  Neither can run as an lguest guest: the
 * guest starts in ring 1 and the setup code and decompressor would load
 * their own segments, which only ring 0 may do.  But since boot protocol
 * 2.08 the header says where the compressed kernel is (payload_offset
 * and payload_length, counted from the start of the protected-mode code)
 * and that payload is simply the ELF vmlinux, compressed.  So we do the
 * decompressor's job here, and load that ELF.
 *
 * The kernel can be compressed in many ways; we take gzip and xz, which
 * we recognize by their magic numbers.  Both end with the uncompressed
 * size in four bytes (gzip's own trailer, or appended by the kernel's
 * build after the xz stream), which is a good first guess for the size
 * of our buffer.  We decode one stream and stop, so the xz decoder never
 * sees those four bytes, nor zlib what follows the payload in the file.
 */
struct outbuf {
	unsigned char *buf;
	size_t len, cap;
};

/* Room for at least one more byte; the output may not outgrow memory. */
static void outbuf_grow(struct outbuf *out, const char *name)
{
	size_t cap = out->cap * 2;

	if (out->cap >= guest_size)
		die("'%s': the decompressed kernel is bigger than guest memory",
		    name);
	if (cap > guest_size)
		cap = guest_size;
	out->buf = realloc(out->buf, cap);
	if (!out->buf)
		die("out of memory decompressing '%s'", name);
	out->cap = cap;
}

/*
 * zlib reads the gzip stream straight from the kernel file, starting at
 * the payload: its gzread() checks the stream's CRC and length for us.
 */
static void gunzip(int fd, off_t offset, struct outbuf *out, const char *name)
{
	void *gz;		/* zlib's opaque gzFile */
	const char *msg;
	int r, err;

	if (lseek(fd, offset, SEEK_SET) < 0)
		die("cannot read kernel '%s': %s", name, strerror(errno));
	gz = gzdopen(dup(fd), "rb");
	if (!gz)
		die("cannot start zlib: %s", strerror(errno));
	do {
		if (out->len == out->cap)
			outbuf_grow(out, name);
		r = gzread(gz, out->buf + out->len, out->cap - out->len);
		if (r > 0)
			out->len += r;
	} while (r > 0);
	/* A stream cut short only shows in the error state, not in r. */
	msg = gzerror(gz, &err);
	if (!strncmp(msg, "<fd:", 4) && strstr(msg, ": "))
		msg = strstr(msg, ": ") + 2;	/* zlib names the file */
	if (r < 0 || err != Z_OK)
		die("'%s': bad gzip payload: %s", name, msg);
	gzclose(gz);
}

static const char *lzma_strerror(lzma_ret ret)
{
	switch (ret) {
	case LZMA_MEM_ERROR:
		return "out of memory";
	case LZMA_FORMAT_ERROR:
		return "not xz";
	case LZMA_OPTIONS_ERROR:
		return "unsupported options";
	case LZMA_DATA_ERROR:
		return "corrupt data";
	case LZMA_BUF_ERROR:
		return "truncated";
	default:
		return "liblzma error";
	}
}

static void unxz(const unsigned char *in, size_t len, struct outbuf *out,
		 const char *name)
{
	lzma_stream xs = LZMA_STREAM_INIT;
	lzma_ret ret;

	ret = lzma_stream_decoder(&xs, UINT64_MAX, 0);
	if (ret != LZMA_OK)
		die("cannot start liblzma: %s", lzma_strerror(ret));
	xs.next_in = in;
	xs.avail_in = len;
	do {
		if (out->len == out->cap)
			outbuf_grow(out, name);
		xs.next_out = out->buf + out->len;
		xs.avail_out = out->cap - out->len;
		/* LZMA_FINISH: all the input is there, so a short one is bad. */
		ret = lzma_code(&xs, LZMA_FINISH);
		out->len = out->cap - xs.avail_out;
	} while (ret == LZMA_OK);
	if (ret != LZMA_STREAM_END)
		die("'%s': bad xz payload: %s", name, lzma_strerror(ret));
	lzma_end(&xs);
}

/* The other ways a kernel can be compressed, to say which one we got. */
static const char *compression_name(const unsigned char *p, size_t len)
{
	static const struct {
		const char *magic, *name;
		size_t len;
	} methods[] = {
		{ "BZh", "bzip2", 3 },
		{ "\x5d\x00", "lzma", 2 },
		{ "\x89LZO", "lzo", 4 },
		{ "\x02\x21\x4c\x18", "lz4", 4 },
		{ "\x28\xb5\x2f\xfd", "zstd", 4 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(methods); i++)
		if (len >= methods[i].len &&
		    !memcmp(p, methods[i].magic, methods[i].len))
			return methods[i].name;
	return "an unknown method";
}

static bool is_bzimage(const unsigned char *img, size_t len)
{
	const struct setup_header *hdr;

	if (len < SETUP_HDR_MIN_END)
		return false;
	hdr = (const struct setup_header *)(img + SETUP_HDR_START);
	return hdr->boot_flag == BOOT_FLAG && hdr->header == HDRS_MAGIC;
}

static unsigned long load_bzimage(int fd, const unsigned char *img,
				  size_t len, struct boot_params *bp,
				  const char *name)
{
	static const unsigned char xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	const struct setup_header *hdr;
	const unsigned char *payload;
	struct outbuf out = { NULL, 0, 0 };
	unsigned long entry;
	size_t pm_start, hdr_end;
	__u32 hint;

	hdr = (const struct setup_header *)(img + SETUP_HDR_START);
	if (hdr->version < 0x0208)
		die("'%s': bzImage boot protocol %u.%02u is too old (need 2.08)",
		    name, hdr->version >> 8, hdr->version & 0xff);

	/* The protected-mode code follows the boot sector and setup code. */
	pm_start = ((hdr->setup_sects ? hdr->setup_sects : 4) + 1) * 512;
	if (pm_start > len || hdr->payload_offset > len - pm_start ||
	    hdr->payload_length > len - pm_start - hdr->payload_offset ||
	    hdr->payload_length < 8)
		die("'%s': bzImage payload is outside the file", name);
	payload = img + pm_start + hdr->payload_offset;
	say("bzImage, protocol %u.%02u, payload of %u bytes at file offset %#zx",
	    hdr->version >> 8, hdr->version & 0xff, hdr->payload_length,
	    (size_t)(payload - img));

	/*
	 * The setup header goes into the boot parameters as it is, as
	 * boot.rst asks; it ends where the jump at 0x200 lands.
	 */
	hdr_end = SETUP_HDR_AFTER_JUMP + img[SETUP_HDR_JUMP];
	if (hdr_end > len || hdr_end > sizeof(*bp))
		die("'%s': bzImage setup header is outside the file", name);
	memcpy((unsigned char *)bp + SETUP_HDR_START, img + SETUP_HDR_START,
	       hdr_end - SETUP_HDR_START);

	memcpy(&hint, payload + hdr->payload_length - 4, sizeof(hint));
	out.cap = hint && hint <= guest_size ? hint : 16 << 20;
	out.buf = malloc(out.cap);
	if (!out.buf)
		die("out of memory decompressing '%s'", name);

	if (payload[0] == 0x1f && payload[1] == 0x8b) {
		gunzip(fd, payload - img, &out, name);
		say("payload: gzip, %zu bytes decompressed", out.len);
	} else if (!memcmp(payload, xz_magic, sizeof(xz_magic))) {
		unxz(payload, hdr->payload_length, &out, name);
		say("payload: xz, %zu bytes decompressed", out.len);
	} else {
		die("'%s': bzImage payload is compressed with %s (we take gzip and xz)",
		    name, compression_name(payload, hdr->payload_length));
	}

	if (!is_i386_elf(out.buf, out.len)) {
		not_i386_elf(out.buf, out.len, name);
		die("'%s': bzImage payload is not an i386 vmlinux", name);
	}
	entry = load_elf(out.buf, out.len, name);
	free(out.buf);
	return entry;
}

/* Either kind of kernel file; returns its entry point. */
static unsigned long load_kernel(const char *name, struct boot_params *bp)
{
	unsigned long entry;
	unsigned char *img;
	struct stat st;
	int fd;

	fd = open_file("kernel", name, &st);
	if (st.st_size < (off_t)sizeof(struct elf32_hdr))
		die("'%s': not an i386 vmlinux or bzImage", name);
	img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		die("cannot read kernel '%s': %s", name, strerror(errno));

	if (is_i386_elf(img, st.st_size)) {
		say("kernel '%s': ELF vmlinux", name);
		entry = load_elf(img, st.st_size, name);
	} else if (is_bzimage(img, st.st_size)) {
		say("kernel '%s': bzImage", name);
		entry = load_bzimage(fd, img, st.st_size, bp, name);
	} else {
		not_i386_elf(img, st.st_size, name);
		die("'%s': not an i386 vmlinux or bzImage", name);
	}
	munmap(img, st.st_size);
	close(fd);
	return entry;
}

/*
 * The initrd goes at the top of guest memory, page aligned, where the
 * kernel finds it through the boot parameters.  We open it before we
 * load the kernel, so that a wrong --initrd is reported first, as it
 * comes first; and read it once we know where the kernel ends, so that
 * the two cannot overlap.
 */
static const char *initrd_name;
static int initrd_fd = -1;
static unsigned long initrd_size;

static void open_initrd(const char *name)
{
	struct stat st;

	initrd_name = name;
	initrd_fd = open_file("initrd", name, &st);
	if ((unsigned long long)st.st_size >= guest_size)
		die("initrd '%s' (%llu bytes) is too big for %lu MB of guest memory",
		    name, (unsigned long long)st.st_size, guest_size >> 20);
	initrd_size = st.st_size;
}

/* Returns where the initrd starts: the new top of free memory. */
static unsigned long load_initrd(struct boot_params *bp)
{
	unsigned long start = PAGE_ALIGN_DOWN(guest_size - initrd_size);
	unsigned char *dst = guest_range(start, initrd_size);
	size_t done;
	ssize_t r;

	if (start < PAGE_ALIGN_UP(kernel_end))
		die("initrd '%s' (%lu bytes) is too big for %lu MB of guest memory",
		    initrd_name, initrd_size, guest_size >> 20);
	for (done = 0; done < initrd_size; done += r) {
		r = read(initrd_fd, dst + done, initrd_size - done);
		if (r < 0 && errno == EINTR)
			r = 0;
		else if (r <= 0)
			die("cannot read initrd '%s': %s", initrd_name,
			    r ? strerror(errno) : "file shrank");
	}
	close(initrd_fd);

	bp->hdr.ramdisk_image = start;
	bp->hdr.ramdisk_size = initrd_size;
	say("initrd '%s': %#lx-%#lx", initrd_name, start, start + initrd_size);
	return start;
}

/*
 * The first page tables.
 *
 * The host starts the guest with paging already on, so it needs page
 * tables from the start; the kernel soon replaces them with its own,
 * which it asks the host to use through a hypercall.  Ours are the
 * simplest there are: two-level, non-PAE, every page of guest memory
 * mapped at virtual == physical, so that the kernel's physical entry
 * point and addresses just work.  One page directory, and one page table
 * for each 4 MB, in the pages just below "top".  Returns the directory's
 * guest-physical address.
 */
static unsigned long setup_pagetables(unsigned long top)
{
	unsigned long pages = guest_size / PAGE_SIZE;
	unsigned long ptes_per_page = PAGE_SIZE / sizeof(__u32);
	unsigned long nr_tables = (pages + ptes_per_page - 1) / ptes_per_page;
	unsigned long pgdir, tables, i;
	__u32 *pd, *pt;

	if (top < PAGE_ALIGN_UP(kernel_end) + (nr_tables + 1) * PAGE_SIZE)
		die("no room for page tables between the kernel and %s (%lu MB of memory)",
		    top == guest_size ? "the top" : "the initrd",
		    guest_size >> 20);
	tables = top - nr_tables * PAGE_SIZE;
	pgdir = tables - PAGE_SIZE;
	pd = guest_range(pgdir, PAGE_SIZE);
	pt = guest_range(tables, nr_tables * PAGE_SIZE);

	memset(pd, 0, PAGE_SIZE);
	for (i = 0; i < nr_tables; i++)
		pd[i] = (tables + i * PAGE_SIZE) | PTE_FLAGS;
	/* The page tables are contiguous, so the PTEs form one array. */
	for (i = 0; i < pages; i++)
		pt[i] = (i * PAGE_SIZE) | PTE_FLAGS;

	say("page directory at %#lx, %lu page tables at %#lx-%#lx map 0-%#lx",
	    pgdir, nr_tables, tables, top, guest_size);
	return pgdir;
}

/*
 * The boot parameters, the "zero page" a bootloader leaves for the
 * kernel, with its address in %esi.  We are the bootloader, and say so:
 * the header's magic, and a protocol version new enough that the kernel
 * reads hardware_subarch.  That field tells it that it is an lguest
 * guest, which must not try what only ring 0 may do.  Then where its
 * command line is, and what memory it has.
 */
static void setup_boot_params(struct boot_params *bp, const char *cmdline)
{
	/* join_cmdline() saw that it fits, with its NUL. */
	memcpy(guest_range(CMDLINE_ADDR, CMDLINE_MAX), cmdline,
	       strlen(cmdline) + 1);

	bp->hdr.boot_flag = BOOT_FLAG;
	bp->hdr.header = HDRS_MAGIC;
	bp->hdr.version = BOOT_VERSION;
	bp->hdr.type_of_loader = LOADER_UNKNOWN;
	bp->hdr.loadflags |= LOADED_HIGH;
	bp->hdr.hardware_subarch = SUBARCH_LGUEST;
	bp->hdr.cmd_line_ptr = CMDLINE_ADDR;

	/*
	 * The memory map: all of guest memory is RAM, bar the legacy hole
	 * between 640 KB and 1 MB.  Linux ignores a map of a single entry
	 * (append_e820_table() wants two or more) and would then guess,
	 * from fields we leave zero, that it has almost no memory.
	 */
	bp->e820_entries = 2;
	bp->e820_table[0].addr = 0;
	bp->e820_table[0].size = LOW_RAM_END;
	bp->e820_table[0].type = E820_RAM;
	bp->e820_table[1].addr = HIGH_RAM_START;
	bp->e820_table[1].size = guest_size - HIGH_RAM_START;
	bp->e820_table[1].type = E820_RAM;

	say("boot parameters at %#lx, command line at %#lx: '%s'",
	    BOOT_PARAMS_ADDR, CMDLINE_ADDR, cmdline);
}

/*
 * A guest has few interrupts to gather entropy from, and a CPU without
 * RDRAND gives it none: a distribution's init that asks getrandom() for
 * a key would wait for a minute.  A bootloader may hand the kernel a seed
 * (setup_data SETUP_RNG_SEED), as QEMU and EFI stubs do; so do we, from
 * our own getrandom().
 */
static void add_rng_seed(struct boot_params *bp)
{
	struct setup_data *sd = guest_range(RNG_SEED_ADDR,
					    sizeof(*sd) + RNG_SEED_LEN);

	if (getrandom(sd->data, RNG_SEED_LEN, 0) != RNG_SEED_LEN)
		die("cannot get %u random bytes for the guest: %s",
		    RNG_SEED_LEN, strerror(errno));
	sd->next = bp->hdr.setup_data;
	sd->type = SETUP_RNG_SEED;
	sd->len = RNG_SEED_LEN;
	bp->hdr.setup_data = RNG_SEED_ADDR;
}

/* The guest's command line: its arguments, joined with spaces. */
static char *join_cmdline(char **args, int n)
{
	static char cmdline[CMDLINE_MAX];
	size_t len = 0, l;
	int i;

	for (i = 0; i < n; i++) {
		l = strlen(args[i]);
		if (len + !!i + l >= CMDLINE_MAX)
			die("kernel command line too long (at most %d bytes)",
			    CMDLINE_MAX - 1);
		if (i)
			cmdline[len++] = ' ';
		memcpy(cmdline + len, args[i], l);
		len += l;
	}
	cmdline[len] = '\0';
	return cmdline;
}

/*
 * Everything is in place: ask the host for a guest.  The request is an
 * array of 32-bit words: where its memory is in our address space, how
 * many pages it has, and the guest-physical addresses of the entry point,
 * the page directory and the boot parameters.
 */
static int create_guest(unsigned long entry, unsigned long pgdir)
{
	__u32 req[] = {
		LHREQ_INITIALIZE, (__u32)(uintptr_t)guest_base,
		guest_size / PAGE_SIZE + device_pages, entry, pgdir,
		BOOT_PARAMS_ADDR,
	};
	int fd;

	fd = open("/dev/lguest", O_RDWR);
	if (fd < 0)
		die("cannot open /dev/lguest: %s (is the lg module loaded?)",
		    strerror(errno));
	if (write(fd, req, sizeof(req)) < 0)
		die("the host refused the guest: %s", strerror(errno));
	say("guest created: %lu pages at %p, entry %#lx", guest_size / PAGE_SIZE,
	    (void *)guest_base, entry);
	return fd;
}

/* All of it to our standard output: the guest's console. */
static void write_out(const unsigned char *p, size_t left)
{
	ssize_t r;

	while (left) {
		r = write(STDOUT_FILENO, p, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("cannot write the guest's console output: %s",
			    strerror(errno));
		p += r;
		left -= r;
	}
}

/* Early console output: arg[1] bytes at guest-physical arg[0]. */
static void write_console(const struct lguest_exit *ex)
{
	const unsigned char *p = guest_range(ex->arg[0], ex->arg[1]);

	if (!p)
		bad_guest("console output at %#x+%#x is outside guest memory",
			  ex->arg[0], ex->arg[1]);
	write_out(p, ex->arg[1]);
}

/*
 * Devices.  Past the guest's RAM, which is all its e820 map describes,
 * come a page of device descriptors and then one page per device; the
 * guest's lguest bus finds the descriptors at its max_pfn.  Device i
 * interrupts with irq i + 1.  A device's page is also the key of its DMA:
 * the host stops the guest on each send there that no other guest takes
 * and read() hands it to us (LGUEST_EXIT_DMA).  The devices are in the
 * order of their options, so that the first --block is lgba and the
 * first network eth0, and the console comes last.
 */
static struct device {
	__u16 type;
	unsigned long key;		/* guest-physical address of its page */
	unsigned int irq;
	struct block *block;		/* for a disk */
	struct net *net;		/* for a network */
} devices[LGUEST_MAX_DEVICES];
static unsigned int ndevices;
static struct device *console;

/* Any guest-physical range, the device pages included: for DMA. */
static void *dma_range(unsigned long long addr, unsigned long long len)
{
	unsigned long long all = guest_size + device_pages * PAGE_SIZE;

	if (addr > all || len > all - addr)
		return NULL;
	return guest_base + addr;
}

/* As the options are read: the console takes the last place. */
static struct device *new_device(__u16 type)
{
	struct device *dev = &devices[ndevices];
	unsigned int room = LGUEST_MAX_DEVICES - 1;

	if (type == LGUEST_DEVICE_T_CONSOLE)
		room++;
	if (ndevices >= room)
		die("too many devices (at most %d --block, --tunnet and --sharenet options)",
		    LGUEST_MAX_DEVICES - 1);
	dev->type = type;
	dev->key = guest_size + (1 + ndevices) * PAGE_SIZE;
	dev->irq = ndevices + 1;
	ndevices++;
	return dev;
}

static void setup_net(struct device *dev);

/*
 * With guest memory in place: the descriptors, and what each device
 * keeps in its page.
 */
static void setup_devices(void)
{
	struct lguest_device_desc *desc = dma_range(guest_size, PAGE_SIZE);
	unsigned int i;

	for (i = 0; i < ndevices; i++) {
		struct device *dev = &devices[i];

		/* The keys were worked out before we knew the memory size. */
		dev->key = guest_size + (1 + i) * PAGE_SIZE;
		desc[i].type = dev->type;
		desc[i].num_pages = 1;
		desc[i].pfn = dev->key / PAGE_SIZE;
		if (dev->block) {
			struct lguest_block_page *page = dma_range(dev->key, PAGE_SIZE);

			page->num_sectors = dev->block->sectors;
			say("disk lgb%c: '%s', %llu sectors, page %#lx",
			    'a' + (int)(dev->block - blocks), dev->block->name,
			    dev->block->sectors, dev->key);
		} else if (dev->net) {
			desc[i].features = dev->net->slot |
				(dev->net->big ? LGUEST_NET_FEAT_BIG : 0);
			setup_net(dev);
		} else {
			say("console: page %#lx, irq %u", dev->key, dev->irq);
		}
	}
}

/* --block=FILE: a file or block device, read and written for the guest. */
static void open_block(const char *name)
{
	struct block *b = &blocks[nblocks];
	off_t size;

	if (!*name)
		die("--block needs a file name (see --help)");
	if (nblocks == MAX_BLOCKS)
		die("too many --block options (at most %d)", MAX_BLOCKS);
	b->fd = open(name, O_RDWR);
	if (b->fd < 0)
		die("cannot open block file '%s': %s", name, strerror(errno));
	size = lseek(b->fd, 0, SEEK_END);
	if (size < 0)
		die("cannot find the size of block file '%s': %s", name,
		    strerror(errno));
	if (size < 512)
		die("block file '%s' is too small for a disk (%lld bytes)", name,
		    (long long)size);
	b->name = name;
	b->sectors = size / 512;
	nblocks++;
	new_device(LGUEST_DEVICE_T_BLOCK)->block = b;
}

/* Do bytes from sector on lie within the disk? */
static bool in_disk(const struct block *b, __u64 sector, size_t bytes)
{
	return sector <= b->sectors && bytes <= (b->sectors - sector) * 512;
}

/*
 * A struct lguest_dma in guest memory, copied once.  While the guest waits
 * for us its memory can still change: our network thread, other guests
 * on a --sharenet and console input write into it, and the guest chooses
 * where.  So we read what it asked for once, into our own memory, check
 * that copy and use only the copy; a pointer into guest memory is only
 * for writing the answer (used_len) back.
 */
static struct lguest_dma *get_dma(unsigned long long pa, struct lguest_dma *copy)
{
	struct lguest_dma *dma = dma_range(pa, sizeof(*dma));

	if (dma) {
		memcpy(copy, dma, sizeof(*copy));
		__sync_synchronize();	/* no reading *dma again after this */
	}
	return dma;
}

/* A DMA's sections (our copy) as iovecs into guest memory, and their total. */
static int dma_iov(const struct lguest_dma *dma, struct iovec *iov,
		   size_t *bytes)
{
	unsigned int i;

	*bytes = 0;
	for (i = 0; i < LGUEST_DMA_SECTIONS && dma->len[i]; i++) {
		iov[i].iov_base = dma_range(dma->addr[i], dma->len[i]);
		iov[i].iov_len = dma->len[i];
		if (!iov[i].iov_base)
			bad_guest("DMA section at %#x+%u is outside guest memory",
				  dma->addr[i], dma->len[i]);
		*bytes += dma->len[i];
	}
	return i;
}

static void raise_irq(int fd, unsigned int irq)
{
	__u32 req[2] = { LHREQ_IRQ, irq };

	if (write(fd, req, sizeof(req)) < 0)
		die("cannot raise guest interrupt %u: %s", irq, strerror(errno));
}

/*
 * A disk request: the request is in the device's page, and the DMA the
 * guest sent is a write's data or the pages to read into, which we may
 * write as we may all of its memory.  We do it all before the guest goes
 * on, so its requests are done in order, and a write is in the host's
 * page cache (a flush: on its disk) before the guest hears about it.
 *
 * It hears about it when its hypercall returns, so a disk has no
 * interrupt, and binds nothing: a read's pages come with its request, so
 * we need not ask the host for a bound buffer (LHREQ_GETDMA), a system
 * call that cost a tenth of a 64 KB read.
 */
static void block_request(struct device *dev, struct lguest_dma *dma)
{
	struct lguest_block_page *page = dma_range(dev->key, sizeof(*page));
	struct block *b = dev->block;
	struct iovec iov[LGUEST_DMA_SECTIONS];
	__u32 type = page->type;
	__u64 sector = page->sector;
	size_t bytes;
	ssize_t r = -1;
	int n;

	__sync_synchronize();	/* the request is type and sector, as read now */
	page->result = LGUEST_BLOCK_RESULT_ERROR;
	switch (type) {
	case LGUEST_BLOCK_WRITE:
		n = dma_iov(dma, iov, &bytes);
		if (in_disk(b, sector, bytes))
			r = pwritev(b->fd, iov, n, sector * 512);
		dma->used_len = r > 0 ? r : 0;
		break;
	case LGUEST_BLOCK_READ:
		n = dma_iov(dma, iov, &bytes);
		if (in_disk(b, sector, bytes))
			r = preadv(b->fd, iov, n, sector * 512);
		dma->used_len = r > 0 ? r : 0;
		break;
	case LGUEST_BLOCK_FLUSH:
		bytes = 0;
		r = fdatasync(b->fd);
		break;
	default:
		say("disk '%s': unknown request type %u", b->name, type);
		errno = EINVAL;
		break;
	}
	if (r >= 0 && (size_t)r == bytes)
		page->result = LGUEST_BLOCK_RESULT_OK;
	else if (r < 0)
		say("disk '%s': request %u at sector %llu failed: %s", b->name,
		    type, (unsigned long long)sector, strerror(errno));
}

/*
 * Networks.
 *
 * An lguest network is a page of slots, one per station: a MAC address
 * and whether the station listens (struct lguest_net_slot).  A guest
 * sends a frame by DMA to the key of each slot that should get it, and
 * receives into buffers it binds at its own slot's key.
 *
 * --sharenet=FILE: the page is the first page of FILE, which we map over
 * the device's page with MAP_SHARED.  Every guest whose Launcher maps the
 * same file is on the network, and the host copies frames between them;
 * we never see them.  Each Launcher takes a free slot by locking its byte
 * of the file, and writes the guest's MAC address there.  The lock
 * belongs to our open file (F_OFD_SETLK), so two --sharenet of one file
 * take two slots, and the slot is free again when we exit, however we
 * exit.
 *
 * --tunnet=IP or --tunnet=bridge:BR: the page is private, and the other
 * station is us, in slot 0, listening to everything; the guest is slot 1.
 * What the guest sends to slot 0 comes to us as LGUEST_EXIT_DMA and goes
 * out on a tap device of the host, which has address IP or is a port of
 * bridge BR.  A thread of ours reads the tap and puts each frame into one
 * of the guest's buffers.
 */

/* Ours alone: 02 (locally administered), 'L', then our pid, and the slot. */
static void make_mac(__u8 *mac, unsigned int slot)
{
	pid_t pid = getpid();

	mac[0] = 0x02;
	mac[1] = 'L';
	mac[2] = pid >> 16;
	mac[3] = pid >> 8;
	mac[4] = pid;
	mac[5] = slot;
}

static struct net *new_net(const char *arg)
{
	struct net *n = &nets[nnets++];

	n->arg = arg;
	n->tapfd = -1;
	n->filefd = -1;
	new_device(LGUEST_DEVICE_T_NET)->net = n;
	return n;
}

/* An interface request on a socket, for the tap and the bridge. */
static void net_ioctl(int sock, unsigned long req, struct ifreq *ifr,
		      const struct net *n, const char *what)
{
	if (ioctl(sock, req, ifr) < 0)
		die("--tunnet=%s: cannot %s: %s", n->arg, what, strerror(errno));
}

static void open_tunnet(const char *arg)
{
	const char *bridge = NULL;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ifreq ifr;
	struct net *n;
	char path[64];
	int sock;

	if (!*arg)
		die("--tunnet needs an IPv4 address or bridge:NAME (see --help)");
	if (!strncmp(arg, "bridge:", 7)) {
		bridge = arg + 7;
		if (!*bridge || strlen(bridge) >= IFNAMSIZ)
			die("--tunnet=%s: '%s' is not an interface name", arg, bridge);
		if (!if_nametoindex(bridge))
			die("--tunnet=%s: there is no bridge '%s' (create it first)",
			    arg, bridge);
		snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", bridge);
		if (access(path, F_OK))
			die("--tunnet=%s: '%s' is not a bridge", arg, bridge);
	} else if (inet_pton(AF_INET, arg, &sin.sin_addr) != 1) {
		die("--tunnet=%s: not an IPv4 address or bridge:NAME", arg);
	}
	if (nnets == ARRAY_SIZE(nets))
		die("too many --tunnet and --sharenet options");
	n = new_net(arg);
	n->slot = 1;

	/* A tap device: what we write to it, the host receives. */
	n->tapfd = open("/dev/net/tun", O_RDWR);
	if (n->tapfd < 0)
		die("--tunnet=%s: cannot open /dev/net/tun: %s", arg, strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "lgtap%%d");
	net_ioctl(n->tapfd, TUNSETIFF, &ifr, n, "create a tap device");
	memcpy(n->tapname, ifr.ifr_name, IFNAMSIZ);

	sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0)
		die("--tunnet=%s: cannot make a socket: %s", arg, strerror(errno));
	if (bridge) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", bridge);
		ifr.ifr_ifindex = if_nametoindex(n->tapname);
		net_ioctl(sock, SIOCBRADDIF, &ifr, n, "add the tap to the bridge");
	} else {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", n->tapname);
		memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
		net_ioctl(sock, SIOCSIFADDR, &ifr, n, "set the tap's address");
		inet_pton(AF_INET, "255.255.255.0", &sin.sin_addr);
		memcpy(&ifr.ifr_netmask, &sin, sizeof(sin));
		net_ioctl(sock, SIOCSIFNETMASK, &ifr, n, "set the tap's netmask");
		/*
		 * The tap's only other end is the guest, so its frames can be
		 * as big as lguest's (not on a bridge, whose other ports carry
		 * Ethernet's 1500).
		 */
		ifr.ifr_mtu = LGUEST_NET_BIG_MTU;
		net_ioctl(sock, SIOCSIFMTU, &ifr, n, "set the tap's MTU");
		n->big = true;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", n->tapname);
	net_ioctl(sock, SIOCGIFFLAGS, &ifr, n, "read the tap's flags");
	ifr.ifr_flags |= IFF_UP;
	net_ioctl(sock, SIOCSIFFLAGS, &ifr, n, "bring the tap up");
	net_ioctl(sock, SIOCGIFHWADDR, &ifr, n, "read the tap's MAC address");
	memcpy(n->peer.mac, ifr.ifr_hwaddr.sa_data, sizeof(n->peer.mac));
	n->peer.flags = LGUEST_NET_F_UP | LGUEST_NET_F_PROMISC;
	close(sock);
}

/* Lock (F_WRLCK) or unlock (F_UNLCK) slot i's byte of a --sharenet file. */
static int lock_slot(int fd, unsigned int i, short type)
{
	struct flock fl = {
		.l_type = type,
		.l_whence = SEEK_SET,
		.l_start = i,
		.l_len = 1,
	};

	return fcntl(fd, F_OFD_SETLK, &fl);
}

/*
 * A Launcher that died left its guest's slot up, and the others would go
 * on sending to it.  A slot after ours whose lock we can take has nobody:
 * we mark it down while we hold the lock.  (The ones before ours were
 * locked, by the living.)
 */
static void clear_dead_slots(int fd, unsigned int from)
{
	static const struct lguest_net_slot empty;
	unsigned int i;

	for (i = from; i < LGUEST_NET_SLOTS; i++) {
		if (lock_slot(fd, i, F_WRLCK))
			continue;
		if (pwrite(fd, &empty, sizeof(empty), i * sizeof(empty)) != sizeof(empty))
			die("cannot write the --sharenet file: %s", strerror(errno));
		lock_slot(fd, i, F_UNLCK);
	}
}

static void open_sharenet(const char *name)
{
	struct lguest_net_slot slot = { .flags = 0 };
	bool created = false;
	struct statfs sfs;
	struct stat st;
	struct net *n;
	unsigned int i;
	int fd;

	if (!*name)
		die("--sharenet needs a file name (see --help)");
	/* Another Launcher may create it between our two tries. */
	fd = open(name, O_RDWR);
	if (fd < 0 && errno == ENOENT) {
		/* Only our user's guests, unless they chmod it. */
		fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		created = fd >= 0;
		if (fd < 0 && errno == EEXIST)
			fd = open(name, O_RDWR);
	}
	if (fd < 0)
		die("cannot open --sharenet file '%s': %s", name, strerror(errno));
	if (fstat(fd, &st) < 0)
		die("cannot read --sharenet file '%s': %s", name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("--sharenet file '%s' is not a regular file", name);
	/*
	 * The host keeps the page pinned while the guests use it, which it
	 * only does for memory-backed files: a page that a disk file system
	 * writes back cannot stay pinned.
	 */
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != TMPFS_MAGIC) {
		if (created)
			unlink(name);
		die("--sharenet file '%s' must be on tmpfs (such as /dev/shm)", name);
	}
	if (st.st_size < (off_t)PAGE_SIZE && ftruncate(fd, PAGE_SIZE) < 0)
		die("cannot extend --sharenet file '%s' to a page: %s", name,
		    strerror(errno));
	if (nnets == ARRAY_SIZE(nets))
		die("too many --tunnet and --sharenet options");

	for (i = 0; i < LGUEST_NET_SLOTS; i++) {
		if (!lock_slot(fd, i, F_WRLCK))
			break;
		if (errno != EACCES && errno != EAGAIN)
			die("cannot lock --sharenet file '%s': %s", name,
			    strerror(errno));
	}
	if (i == LGUEST_NET_SLOTS)
		die("--sharenet file '%s' has all %d slots taken", name,
		    LGUEST_NET_SLOTS);
	clear_dead_slots(fd, i + 1);
	make_mac(slot.mac, i);
	if (pwrite(fd, &slot, sizeof(slot), i * sizeof(slot)) != sizeof(slot))
		die("cannot write --sharenet file '%s': %s", name, strerror(errno));
	n = new_net(name);
	n->filefd = fd;
	n->slot = i;
	n->big = true;		/* every station is a guest */
}

/* With guest memory in place: the network's page. */
static void setup_net(struct device *dev)
{
	struct net *n = dev->net;
	struct lguest_net_slot *slots;

	if (n->filefd >= 0) {
		if (mmap(guest_base + dev->key, PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, n->filefd, 0) == MAP_FAILED)
			die("cannot map --sharenet file '%s': %s", n->arg,
			    strerror(errno));
		say("network '%s': slot %u, page %#lx, irq %u", n->arg, n->slot,
		    dev->key, dev->irq);
		return;
	}
	slots = dma_range(dev->key, PAGE_SIZE);
	slots[0] = n->peer;
	make_mac(slots[1].mac, 1);
	say("network --tunnet=%s: tap %s, page %#lx, irq %u", n->arg, n->tapname,
	    dev->key, dev->irq);
}

/* The guest sent a frame to slot 0 of a --tunnet network: out it goes. */
static void net_send(struct device *dev, struct lguest_dma *dma)
{
	struct iovec iov[LGUEST_DMA_SECTIONS];
	size_t bytes;
	ssize_t r;
	int n;

	n = dma_iov(dma, iov, &bytes);
	r = writev(dev->net->tapfd, iov, n);
	if (r < 0)
		say("--tunnet=%s: writing to %s: %s", dev->net->arg,
		    dev->net->tapname, strerror(errno));
	dma->used_len = r > 0 ? r : 0;
}

/*
 * The other way, in a thread of its own: each frame the tap has goes into
 * a buffer the guest bound at its slot.  While it has none free (it is
 * busy, or its interface is down) the frames wait in the tap's queue,
 * and we look again soon, less often the longer it lasts.  The guest runs
 * meanwhile, so we copy its buffer's description before we check it and
 * use only our copy; a buffer too small for a frame's header loses the
 * frame, so that a guest cannot keep us spinning on it.
 */
struct net_thread_arg {
	int fd;				/* /dev/lguest */
	struct device *dev;
};

static void *net_thread(void *p)
{
	struct net_thread_arg *a = p;
	struct device *dev = a->dev;
	struct pollfd pfd = { .fd = dev->net->tapfd, .events = POLLIN };
	__u32 req[2] = { LHREQ_GETDMA,
			 dev->key + dev->net->slot * sizeof(struct lguest_net_slot) };
	struct iovec iov[LGUEST_DMA_SECTIONS];
	unsigned char scratch[LGUEST_NET_BIG_MTU + 64];	/* a frame to drop */
	unsigned int backoff_ms = 1;
	struct lguest_dma *dma, copy;
	size_t bytes;
	ssize_t pa, r;
	int n;

	for (;;) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("--tunnet=%s: poll: %s", dev->net->arg, strerror(errno));
		}
		if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) {
			fprintf(stderr, "lguest: --tunnet=%s: %s is gone: %s\n",
				dev->net->arg, dev->net->tapname, "no more frames");
			return NULL;
		}
		pa = write(a->fd, req, sizeof(req));
		if (pa < 0) {
			if (errno != ENOENT)
				die("--tunnet=%s: no receive buffer: %s",
				    dev->net->arg, strerror(errno));
			usleep(backoff_ms * 1000);
			if (backoff_ms < 100)
				backoff_ms *= 2;
			continue;
		}
		backoff_ms = 1;
		dma = get_dma(pa, &copy);
		if (!dma)
			die("the host gave a receive buffer at %#zx, outside guest memory",
			    pa);
		n = dma_iov(&copy, iov, &bytes);
		if (bytes < ETH_HLEN) {
			say("--tunnet=%s: a receive buffer of %zu bytes: frame dropped",
			    dev->net->arg, bytes);
			r = read(dev->net->tapfd, scratch, sizeof(scratch));
			continue;
		}
		r = readv(dev->net->tapfd, iov, n);
		if (r < 0 && errno != EINTR && errno != EAGAIN) {
			fprintf(stderr, "lguest: --tunnet=%s: reading %s: %s\n",
				dev->net->arg, dev->net->tapname, strerror(errno));
			return NULL;
		}
		if (r <= 0)
			continue;	/* the buffer stays free (used_len 0) */
		dma->used_len = r;
		raise_irq(a->fd, dev->irq);
	}
}

static void start_nets(int fd)
{
	unsigned int i;

	for (i = 0; i < ndevices; i++) {
		struct net_thread_arg *a;
		pthread_t thread;

		if (!devices[i].net || devices[i].net->tapfd < 0)
			continue;
		a = malloc(sizeof(*a));
		if (!a)
			die("out of memory");
		a->fd = fd;
		a->dev = &devices[i];
		if (pthread_create(&thread, NULL, net_thread, a))
			die("cannot start the network thread for --tunnet=%s",
			    devices[i].net->arg);
	}
}

/*
 * The guest sent DMA to one of our devices: console output is written
 * out, disk requests are done, frames go to the tap.  used_len tells the
 * guest how much we took; a key that is none of ours took nothing.
 */
static void handle_dma(const struct lguest_exit *ex)
{
	struct iovec iov[LGUEST_DMA_SECTIONS];
	struct lguest_dma *dma, copy;
	unsigned int i;
	size_t bytes;
	int n;

	dma = get_dma(ex->arg[0], &copy);
	if (!dma)
		bad_guest("DMA from %#x, outside its memory", ex->arg[0]);
	copy.used_len = 0;	/* what we took: nothing, unless we say so */
	for (i = 0; i < ndevices && devices[i].key != ex->arg[1]; i++)
		;
	if (i == ndevices) {
		say("DMA to key %#x, which no device of ours has", ex->arg[1]);
		copy.used_len = 0;
	} else if (devices[i].block) {
		block_request(&devices[i], &copy);
	} else if (devices[i].net) {
		net_send(&devices[i], &copy);
	} else {
		n = dma_iov(&copy, iov, &bytes);
		for (i = 0; i < (unsigned int)n; i++)
			write_out(iov[i].iov_base, iov[i].iov_len);
		copy.used_len = bytes;
	}
	dma->used_len = copy.used_len;
}

/*
 * Console input.  A thread of ours reads our standard input; with bytes
 * in hand it makes the guest's read() come back (LHREQ_BREAK) and waits
 * until the main thread has put them into the guest's input buffer,
 * asking again every 100 ms while the guest has no buffer free.  On a
 * terminal we put it in raw mode, so that keys go to the guest as typed
 * (Ctrl-C included: three in a second stop the guest), and restore it
 * when we exit.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t taken;
	unsigned char buf[256];
	size_t len;			/* bytes not yet given to the guest */
	int fd;				/* /dev/lguest */
} input = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.taken = PTHREAD_COND_INITIALIZER,
};

static struct termios saved_termios;
static bool raw_terminal;

static void restore_terminal(void)
{
	if (raw_terminal)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
}

static void setup_terminal(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios))
		return;
	t = saved_termios;
	t.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
	t.c_iflag &= ~(ICRNL | IXON);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return;
	raw_terminal = true;
	atexit(restore_terminal);
}

/* Three Ctrl-C within a second, and nothing else between them. */
static void count_ctrl_c(const unsigned char *p, size_t n)
{
	static unsigned int count;
	static time_t first;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != 3) {
			count = 0;
			continue;
		}
		if (!count || time(NULL) - first > 1) {
			count = 0;
			first = time(NULL);
		}
		if (++count == 3) {
			fprintf(stderr, "\r\nlguest: three Ctrl-C: stopping the guest\r\n");
			exit(1);
		}
	}
}

static void *input_thread(void *arg)
{
	const __u32 brk[2] = { LHREQ_BREAK, 0 };
	unsigned char buf[sizeof(input.buf)];
	struct timespec ts;
	ssize_t n;

	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return arg;	/* end of input: the guest gets no more */
		if (raw_terminal)
			count_ctrl_c(buf, n);
		pthread_mutex_lock(&input.lock);
		memcpy(input.buf, buf, n);
		input.len = n;
		while (input.len) {
			if (write(input.fd, brk, sizeof(brk)) < 0)
				die("cannot interrupt the guest: %s", strerror(errno));
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000 * 1000;
			if (ts.tv_nsec >= 1000 * 1000 * 1000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000 * 1000 * 1000;
			}
			pthread_cond_timedwait(&input.taken, &input.lock, &ts);
		}
		pthread_mutex_unlock(&input.lock);
	}
}

/* In the main thread, between two read()s: hand over pending input. */
static void deliver_input(int fd)
{
	__u32 req[2] = { LHREQ_GETDMA, 0 };
	struct lguest_dma *dma, copy;
	size_t done = 0;
	unsigned int i;
	ssize_t pa;

	pthread_mutex_lock(&input.lock);
	if (!input.len)
		goto out;
	req[1] = console->key;
	pa = write(fd, req, sizeof(req));
	if (pa < 0)
		goto out;	/* no buffer free yet: the thread asks again */
	dma = get_dma(pa, &copy);
	if (!dma)
		die("the host gave an input buffer at %#zx, outside guest memory", pa);
	for (i = 0; i < LGUEST_DMA_SECTIONS && copy.len[i] && done < input.len; i++) {
		size_t n = input.len - done;
		unsigned char *p = dma_range(copy.addr[i], copy.len[i]);

		if (!p)
			bad_guest("console input buffer at %#x+%u is outside guest memory",
				  copy.addr[i], copy.len[i]);
		if (n > copy.len[i])
			n = copy.len[i];
		memcpy(p, input.buf + done, n);
		done += n;
	}
	dma->used_len = done;
	raise_irq(fd, console->irq);
	memmove(input.buf, input.buf + done, input.len - done);
	input.len -= done;
	if (!input.len)
		pthread_cond_signal(&input.taken);
out:
	pthread_mutex_unlock(&input.lock);
}

static void start_input(int fd)
{
	pthread_t thread;

	input.fd = fd;
	setup_terminal();
	if (pthread_create(&thread, NULL, input_thread, NULL))
		die("cannot start the console input thread");
}

/*
 * For the hostile-guest suite only: with LGUEST_TEST_LDT=1 in the
 * environment we give ourselves an LDT (any program may, with
 * modify_ldt()), and the host must not let the guest see it.
 */
static void test_ldt(void)
{
	struct user_desc d = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff,
		.seg_32bit = 1, .limit_in_pages = 1,
	};
	const char *env = getenv("LGUEST_TEST_LDT");

	if (!env || strcmp(env, "1"))
		return;
	if (syscall(SYS_modify_ldt, 1, &d, sizeof(d)))
		die("LGUEST_TEST_LDT: modify_ldt: %s", strerror(errno));
	say("LGUEST_TEST_LDT: we have an LDT");
}

/*
 * --stats: the host's counters for this guest (stats.c in the host), read
 * before we close /dev/lguest, which removes them.
 */
static void print_stats(void)
{
	char path[64], line[128];
	FILE *f;

	if (!stats)
		return;
	snprintf(path, sizeof(path), "/sys/kernel/debug/lguest/%d", (int)getpid());
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "lguest: --stats: cannot read %s: %s\n", path,
			strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "lguest: stats %s", line);
	fclose(f);
}

/*
 * Running the guest.  Each read() enters the guest and comes back when
 * it has something for us, in a struct lguest_exit.  Most of the time
 * that is console output; in the end it is the news that the guest is
 * gone, and why.  A signal interrupts the read(); the next one resumes.
 */
static int run_guest(int fd)
{
	struct lguest_exit ex;
	ssize_t r;
	int err;

	for (;;) {
		r = read(fd, &ex, sizeof(ex));
		err = errno;
		deliver_input(fd);
		errno = err;
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			die("running the guest: %s", strerror(errno));
		if (r != sizeof(ex))
			die("short read from /dev/lguest (%zd bytes)", r);
		ex.msg[sizeof(ex.msg) - 1] = '\0';
		if (ex.reason != LGUEST_EXIT_CONSOLE && ex.reason != LGUEST_EXIT_DMA)
			print_stats();
		say("exit: reason %u, args %#x %#x %#x%s%s", ex.reason,
		    ex.arg[0], ex.arg[1], ex.arg[2], ex.msg[0] ? ", " : "",
		    ex.msg);

		switch (ex.reason) {
		case LGUEST_EXIT_CONSOLE:
			write_console(&ex);
			break;
		case LGUEST_EXIT_DMA:
			handle_dma(&ex);
			break;
		case LGUEST_EXIT_POWEROFF:
			say("guest powered off");
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

/*
 * The options, in argv from *i on: they may come before MEM and again
 * right after KERNEL ("lguest 64m vmlinux --initrd=FILE root=..."), and
 * end at the first argument that is not one, or after "--".  Returns
 * when *i is past them.
 */
static void parse_options(int argc, char *argv[], int *i,
			  const char **initrd)
{
	for (; *i < argc && argv[*i][0] == '-'; (*i)++) {
		const char *arg = argv[*i];

		if (!strcmp(arg, "--")) {
			(*i)++;
			return;
		} else if (!strcmp(arg, "--help")) {
			print_help();
			exit(0);
		} else if (!strcmp(arg, "--verbose")) {
			verbose = true;
		} else if (!strcmp(arg, "--stats")) {
			stats = true;
		} else if (!strncmp(arg, "--initrd=", 9)) {
			*initrd = arg + 9;
		} else if (!strcmp(arg, "--initrd")) {
			*initrd = ++(*i) < argc ? argv[*i] : "";
		} else if (!strncmp(arg, "--block=", 8)) {
			open_block(arg + 8);
		} else if (!strcmp(arg, "--block")) {
			open_block(++(*i) < argc ? argv[*i] : "");
		} else if (!strncmp(arg, "--tunnet=", 9)) {
			open_tunnet(arg + 9);
		} else if (!strcmp(arg, "--tunnet")) {
			open_tunnet(++(*i) < argc ? argv[*i] : "");
		} else if (!strncmp(arg, "--sharenet=", 11)) {
			open_sharenet(arg + 11);
		} else if (!strcmp(arg, "--sharenet")) {
			open_sharenet(++(*i) < argc ? argv[*i] : "");
		} else {
			die("unknown option '%s' (see --help)", arg);
		}
		if (*initrd && !**initrd)
			die("--initrd needs a file name (see --help)");
	}
}

int main(int argc, char *argv[])
{
	const char *initrd = NULL, *kernel, *cmdline;
	unsigned long entry, top, pgdir;
	struct boot_params *bp;
	int i = 1, fd;

	parse_options(argc, argv, &i, &initrd);
	if (i >= argc)
		die("missing MEM and KERNEL (see --help)");
	if (i + 1 >= argc)
		die("missing KERNEL after MEM '%s' (see --help)", argv[i]);
	guest_size = parse_mem(argv[i]);
	kernel = argv[i + 1];
	i += 2;
	/* More options may follow KERNEL; the rest is the guest's. */
	parse_options(argc, argv, &i, &initrd);
	cmdline = join_cmdline(argv + i, argc - i);
	if (initrd)
		open_initrd(initrd);

	/*
	 * The guest's memory.  Anonymous memory starts out zeroed, so the
	 * boot parameters and the BSS need no clearing; and pages the guest
	 * never touches cost the host nothing.
	 */
	console = new_device(LGUEST_DEVICE_T_CONSOLE);
	device_pages = 1 + ndevices;	/* the descriptors, then each device */
	guest_base = mmap(NULL, guest_size + device_pages * PAGE_SIZE,
			  PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guest_base == MAP_FAILED)
		die("cannot allocate %lu MB of guest memory: %s",
		    guest_size >> 20, strerror(errno));
	say("guest memory: %lu MB at %p", guest_size >> 20, (void *)guest_base);
	bp = guest_range(BOOT_PARAMS_ADDR, sizeof(*bp));

	entry = load_kernel(kernel, bp);
	top = initrd ? load_initrd(bp) : guest_size;
	pgdir = setup_pagetables(top);
	setup_boot_params(bp, cmdline);
	add_rng_seed(bp);

	setup_devices();

	/* Only now, with all our input checked, do we need the host. */
	fd = create_guest(entry, pgdir);
	test_ldt();
	start_input(fd);
	start_nets(fd);
	return run_guest(fd);
}

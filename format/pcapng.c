/* pcapng.c - encoders for the pcapng blocks kite writes, and the HEADER block's options. */
#include "pcapng.h"

#include <stdlib.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

uint32_t kite_crc32(const void *p, size_t n)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	const Bytef *q = p;
	while (n > 0) { /* zlib takes uInt lengths */
		uInt step = n > (1u << 30) ? (1u << 30) : (uInt)n;
		crc = crc32(crc, q, step);
		q += step;
		n -= step;
	}
	return (uint32_t)crc;
}

/* CRC of a kite block: its type, then everything from content_len to the trailing length. */
static uint32_t block_crc(const uint8_t *blk, uint32_t total)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	crc = crc32(crc, blk, 4);
	crc = crc32(crc, blk + 12, total - 16);
	return (uint32_t)crc;
}

int kite_block_check(const uint8_t *blk, uint32_t total)
{
	if (total < KITE_BLK_OVERHEAD || total % 4 || kite_le32(blk + 4) != total ||
	    kite_le32(blk + total - 4) != total)
		return -1;
	uint32_t clen = kite_le32(blk + 12);
	if (clen > total - KITE_BLK_OVERHEAD || total - KITE_BLK_OVERHEAD - clen >= 4)
		return -1;
	return block_crc(blk, total) == kite_le32(blk + 8) ? 0 : -1;
}

static void put_opt(struct kite_buf *b, uint16_t code, const void *v, size_t n)
{
	if (n > 0xffff)
		n = 0xffff;
	kbuf_put_u16(b, code);
	kbuf_put_u16(b, (uint16_t)n);
	kbuf_put(b, v, n);
	kbuf_put_zero(b, (4 - n % 4) % 4);
}

static void put_str_opt(struct kite_buf *b, uint16_t code, const char *s)
{
	if (s && *s)
		put_opt(b, code, s, strlen(s));
}

static void put_end_opt(struct kite_buf *b)
{
	kbuf_put_u32(b, 0);
}

/* Writes the total length at both ends of the block that starts at `start`. */
static void finish_block(struct kite_buf *b, size_t start)
{
	if (b->oom)
		return;
	uint32_t total = (uint32_t)(b->len - start + 4);
	memcpy(b->p + start + 4, &total, 4);
	kbuf_put_u32(b, total);
}

void pcapng_put_shb(struct kite_buf *b, const char *hardware, const char *os, const char *userappl)
{
	size_t start = b->len;
	kbuf_put_u32(b, PCAPNG_SHB);
	kbuf_put_u32(b, 0);
	kbuf_put_u32(b, PCAPNG_BOM);
	kbuf_put_u16(b, 1);
	kbuf_put_u16(b, 0);
	kbuf_put_u64(b, UINT64_MAX); /* section length unknown: we stream */
	put_str_opt(b, PCAPNG_SHB_HARDWARE, hardware);
	put_str_opt(b, PCAPNG_SHB_OS, os);
	put_str_opt(b, PCAPNG_SHB_USERAPPL, userappl);
	put_end_opt(b);
	finish_block(b, start);
}

void pcapng_put_idb(struct kite_buf *b)
{
	static const char desc[] = "kite system call capture: no packets, events are in "
	                           "local-use blocks (see kite's docs/FORMAT.md)";
	size_t start = b->len;
	kbuf_put_u32(b, PCAPNG_IDB);
	kbuf_put_u32(b, 0);
	kbuf_put_u16(b, PCAPNG_LINKTYPE_USER0);
	kbuf_put_u16(b, 0);
	kbuf_put_u32(b, 0); /* snaplen: no limit */
	put_str_opt(b, PCAPNG_IF_NAME, "kite");
	put_str_opt(b, PCAPNG_IF_DESCRIPTION, desc);
	put_end_opt(b);
	finish_block(b, start);
}

size_t kite_open_block(struct kite_buf *b)
{
	size_t start = b->len;
	kbuf_put_zero(b, 16);
	return start;
}

void kite_seal_block(struct kite_buf *b, size_t start, uint32_t type)
{
	if (b->oom)
		return;
	uint32_t content_len = (uint32_t)(b->len - start - 16);
	kbuf_put_zero(b, (4 - content_len % 4) % 4);
	if (b->oom)
		return;
	uint8_t *h = b->p + start;
	memcpy(h, &type, 4);
	memcpy(h + 12, &content_len, 4);
	finish_block(b, start);
	if (b->oom)
		return;
	h = b->p + start;
	uint32_t total = (uint32_t)(b->len - start);
	uint32_t crc = block_crc(h, total);
	memcpy(h + 8, &crc, 4);
}

void kite_put_block(struct kite_buf *b, uint32_t type, const void *content, uint32_t len)
{
	size_t start = kite_open_block(b);
	kbuf_put(b, content, len);
	kite_seal_block(b, start, type);
}

/* ---- HEADER block ---- */

static void put_u32_opt(struct kite_buf *b, uint16_t code, uint32_t v)
{
	put_opt(b, code, &v, 4);
}
static void put_u64_opt(struct kite_buf *b, uint16_t code, uint64_t v)
{
	put_opt(b, code, &v, 8);
}

void kite_header_encode(const struct kite_header *h, struct kite_buf *out)
{
	put_u32_opt(out, KITE_HO_VERSION, h->format_version ? h->format_version : KITE_FORMAT_VERSION);
	put_str_opt(out, KITE_HO_HOSTNAME, h->hostname);
	put_str_opt(out, KITE_HO_KERNEL, h->kernel);
	put_str_opt(out, KITE_HO_KERNEL_VERSION, h->kernel_version);
	put_str_opt(out, KITE_HO_ARCH, h->arch);
	put_str_opt(out, KITE_HO_DRIVER, h->driver);
	put_str_opt(out, KITE_HO_RECORDER, h->recorder);
	put_str_opt(out, KITE_HO_CMDLINE, h->cmdline);
	put_str_opt(out, KITE_HO_FILTERS, h->filters);
	put_u64_opt(out, KITE_HO_BOOT_NS, h->boot_ns);
	put_u64_opt(out, KITE_HO_START_NS, h->start_ns);
	put_u32_opt(out, KITE_HO_NCPUS, h->ncpus);
	put_u32_opt(out, KITE_HO_SNAPLEN, h->snaplen);
	put_u32_opt(out, KITE_HO_FLAGS, h->flags);
	put_end_opt(out);
}

static char **header_str_slot(struct kite_header *h, uint16_t code)
{
	switch (code) {
	case KITE_HO_HOSTNAME: return &h->hostname;
	case KITE_HO_KERNEL: return &h->kernel;
	case KITE_HO_KERNEL_VERSION: return &h->kernel_version;
	case KITE_HO_ARCH: return &h->arch;
	case KITE_HO_DRIVER: return &h->driver;
	case KITE_HO_RECORDER: return &h->recorder;
	case KITE_HO_CMDLINE: return &h->cmdline;
	case KITE_HO_FILTERS: return &h->filters;
	default: return NULL;
	}
}

static int header_set_int(struct kite_header *h, uint16_t code, const uint8_t *v, uint16_t n)
{
	uint32_t *u32 = NULL;
	uint64_t *u64 = NULL;
	switch (code) {
	case KITE_HO_VERSION: u32 = &h->format_version; break;
	case KITE_HO_NCPUS: u32 = &h->ncpus; break;
	case KITE_HO_SNAPLEN: u32 = &h->snaplen; break;
	case KITE_HO_FLAGS: u32 = &h->flags; break;
	case KITE_HO_BOOT_NS: u64 = &h->boot_ns; break;
	case KITE_HO_START_NS: u64 = &h->start_ns; break;
	default: return 0; /* unknown option: skipped, for forward compatibility */
	}
	if (u32 && n == 4)
		*u32 = kite_le32(v);
	else if (u64 && n == 8)
		*u64 = kite_le64(v);
	else
		return -1;
	return 0;
}

int kite_header_parse(const uint8_t *p, size_t len, struct kite_header *h, char *err, size_t errlen)
{
	struct kite_cursor c;
	memset(h, 0, sizeof(*h));
	kcur_init(&c, p, len);
	while (c.off < c.len) {
		size_t at = c.off;
		uint16_t code = kcur_u16(&c);
		uint16_t n = kcur_u16(&c);
		if (code == KITE_HO_END && !c.bad)
			break;
		const uint8_t *v = kcur_take(&c, n);
		kcur_take(&c, (4 - n % 4) % 4);
		if (c.bad) {
			snprintf(err, errlen, "header option at content offset %zu runs past the block", at);
			return -1;
		}
		char **slot = header_str_slot(h, code);
		if (slot) {
			free(*slot);
			*slot = strndup((const char *)v, n);
		} else if (header_set_int(h, code, v, n)) {
			snprintf(err, errlen, "header option %u has length %u", code, n);
			return -1;
		}
	}
	if (h->format_version >> 16 != KITE_FORMAT_MAJOR) {
		snprintf(err, errlen, "format version %u.%u is not supported (this kite reads %u.x)",
		         h->format_version >> 16, h->format_version & 0xffff, KITE_FORMAT_MAJOR);
		return -1;
	}
	return 0;
}

void kite_header_free(struct kite_header *h)
{
	free(h->hostname);
	free(h->kernel);
	free(h->kernel_version);
	free(h->arch);
	free(h->driver);
	free(h->recorder);
	free(h->cmdline);
	free(h->filters);
	memset(h, 0, sizeof(*h));
}

/* Boot time = now(REALTIME) - now(BOOTTIME): what event timestamps are converted with. */
static uint64_t boot_time_ns(void)
{
	struct timespec rt, bt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	uint64_t r = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
	uint64_t b = (uint64_t)bt.tv_sec * 1000000000ull + (uint64_t)bt.tv_nsec;
	return r - b;
}

void kite_header_from_host(struct kite_header *h)
{
	struct utsname u;
	h->format_version = KITE_FORMAT_VERSION;
	if (uname(&u) == 0) {
		h->hostname = strdup(u.nodename);
		h->kernel = strdup(u.release);
		h->kernel_version = strdup(u.version);
		h->arch = strdup(u.machine);
	}
	long n = sysconf(_SC_NPROCESSORS_CONF);
	h->ncpus = n > 0 ? (uint32_t)n : 1;
	h->boot_ns = boot_time_ns();
}

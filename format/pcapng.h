/* pcapng.h - pcapng framing of kite files: block type numbers, block encoders, the file header. */
#ifndef KITE_PCAPNG_H
#define KITE_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Standard pcapng blocks. */
#define PCAPNG_SHB            0x0A0D0D0Au
#define PCAPNG_IDB            0x00000001u
#define PCAPNG_BOM            0x1A2B3C4Du
#define PCAPNG_OPT_END        0
#define PCAPNG_OPT_COMMENT    1
#define PCAPNG_SHB_HARDWARE   2
#define PCAPNG_SHB_OS         3
#define PCAPNG_SHB_USERAPPL   4
#define PCAPNG_IF_NAME        2
#define PCAPNG_IF_DESCRIPTION 3
#define PCAPNG_LINKTYPE_USER0 147

/*
 * kite's own blocks use pcapng's local-use block types (bit 31 set): readers
 * that do not know them skip them silently, and no Private Enterprise Number
 * is needed.  See docs/FORMAT.md for why not Custom Blocks.
 */
#define KITE_BLK_HEADER   0x80004B01u
#define KITE_BLK_SCHEMA   0x80004B02u
#define KITE_BLK_SNAPSHOT 0x80004B03u
#define KITE_BLK_CHUNK    0x80004B04u
#define KITE_BLK_INDEX    0x80004B05u
#define KITE_BLK_FOOTER   0x80004B06u

static inline int kite_is_kite_block(uint32_t type)
{
	return type >= KITE_BLK_HEADER && type <= KITE_BLK_FOOTER;
}

/*
 * Every kite block's body is: u32 crc32, u32 content_len, content, zero
 * padding to 4 bytes.  The CRC (zlib's crc32) covers the block type, then
 * every byte from content_len up to the trailing length: a flipped bit
 * anywhere but in the two length fields (which framing checks catch) or the
 * CRC itself is detected.
 */
#define KITE_BLK_PREFIX   8u           /* crc + content_len */
#define KITE_BLK_OVERHEAD 20u          /* type, total_len, crc, content_len, trailing total_len */
#define KITE_BLK_MAX      (256u << 20) /* readers refuse bigger blocks */

/* The footer is a KITE_BLK_FOOTER block of exactly this many bytes, last in the file. */
#define KITE_FOOTER_CONTENT 24u
#define KITE_FOOTER_LEN     (KITE_BLK_OVERHEAD + KITE_FOOTER_CONTENT)
#define KITE_FOOTER_MAGIC   0x315254464554494Bull /* "KITEFTR1" as bytes */

/* Current format version: major << 16 | minor.  Readers accept any minor of their major. */
#define KITE_FORMAT_MAJOR   1
#define KITE_FORMAT_MINOR   0
#define KITE_FORMAT_VERSION ((KITE_FORMAT_MAJOR << 16) | KITE_FORMAT_MINOR)

/* Appends a pcapng Section Header Block (version 1.0, unknown section length). */
void pcapng_put_shb(struct kite_buf *b, const char *hardware, const char *os, const char *userappl);
/* Appends an Interface Description Block, so libpcap-based readers accept the file. */
void pcapng_put_idb(struct kite_buf *b);
/* Appends one kite block around `content`. */
void kite_put_block(struct kite_buf *b, uint32_t type, const void *content, uint32_t len);
/*
 * Completes a kite block whose content was written in place: `start` is the
 * offset of the block in b, and the content already sits at start+16.
 */
void kite_seal_block(struct kite_buf *b, size_t start, uint32_t type);
/* Reserves the 16 header bytes of a block to be sealed later; returns its start. */
size_t kite_open_block(struct kite_buf *b);

uint32_t kite_crc32(const void *p, size_t n);
/* 0 if the complete kite block at blk (total bytes) has sound framing and a matching CRC. */
int kite_block_check(const uint8_t *blk, uint32_t total);

/* What the HEADER block says about the capture (strings NULL when absent). */
struct kite_header {
	uint32_t format_version;
	char *hostname;
	char *kernel;         /* uname -r */
	char *kernel_version; /* uname -v */
	char *arch;
	char *driver;
	char *recorder; /* "kite-record 0.1.0" */
	char *cmdline;
	char *filters;
	uint64_t boot_ns; /* boot time, ns since the epoch */
	uint64_t start_ns;
	uint32_t ncpus;
	uint32_t snaplen;
	uint32_t flags; /* KITE_HDR_* */
};

/* Option codes in the HEADER block (u16 code, u16 length, value, pad to 4). */
enum kite_header_opt {
	KITE_HO_END = 0,
	KITE_HO_VERSION = 1,
	KITE_HO_HOSTNAME,
	KITE_HO_KERNEL,
	KITE_HO_KERNEL_VERSION,
	KITE_HO_ARCH,
	KITE_HO_DRIVER,
	KITE_HO_RECORDER,
	KITE_HO_CMDLINE,
	KITE_HO_FILTERS,
	KITE_HO_BOOT_NS,
	KITE_HO_START_NS,
	KITE_HO_NCPUS,
	KITE_HO_SNAPLEN,
	KITE_HO_FLAGS
};

#define KITE_HDR_NO_ENV 0x1 /* recorded without environment variables */
#define KITE_HDR_IO     0x2 /* read/write family recorded */
#define KITE_HDR_ALL    0x4 /* every syscall recorded */

void kite_header_encode(const struct kite_header *h, struct kite_buf *out);
/* Parses HEADER content; returns 0, or -1 with a message on malformed input. */
int kite_header_parse(const uint8_t *p, size_t len, struct kite_header *h, char *err, size_t errlen);
void kite_header_free(struct kite_header *h);
/* Fills hostname, kernel, arch, ncpus and boot time from the running system. */
void kite_header_from_host(struct kite_header *h);

#endif

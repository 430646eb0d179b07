/* fuzz_scap.c - libFuzzer target for the .scap reader: memfd, pipe and gzip input, every item drained and touched. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "scap.h"
#include "testlib.h"

/*
 * Input layout: one control byte, then the capture bytes.
 *
 *   bit 0  feed the capture through a pipe (the sequential path; cut at the pipe's capacity)
 *   bit 1  also gzip-compress the capture and read it again: both reads must hand out
 *          the very same items (offsets included), warnings and errors aside
 *
 * Seeds are the shared captures, as they are (mostly gzip) and decompressed (see fuzz/run.sh).
 * The reader must never crash, leak, hang or hand out an item that points outside memory
 * it owns; anything it hands out is read here, so a dangling pointer shows under ASan.
 */
#define CTL_PIPE 0x1
#define CTL_GZIP 0x2

#define MAX_ITEMS (1u << 20) /* per read: a decompression bomb must not turn into a timeout */

static void discard(void *ctx, const char *msg)
{
	(void)ctx;
	if (!msg || strncmp(msg, "fuzz: offset ", 13))
		abort(); /* every warning names the file and an offset */
}

/* The data as one gzip member (what sysdig writes); NULL if zlib fails. */
static uint8_t *gzip_of(const uint8_t *p, size_t n, size_t *outlen)
{
	z_stream z = {0};
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&z, n) + 64;
	uint8_t *out = malloc(cap);
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int rc = out ? deflate(&z, Z_FINISH) : Z_MEM_ERROR;
	*outlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
	if (!s)
		abort(); /* strings are never NULL */
	return mix(h, s, strlen(s) + 1);
}

static uint64_t touch_proc(uint64_t h, const struct scap_proc *p)
{
	h = mix_str(mix_str(mix_str(h, p->comm), p->exe), p->exepath);
	h = mix_str(mix_str(h, p->cwd), p->root);
	h = mix(h, p->args, p->args_len);
	h = mix(h, p->env, p->env_len);
	h = mix(h, p->cgroups, p->cgroups_len);
	return mix(h, &p->tid, sizeof(p->tid));
}

static uint64_t touch_evt(uint64_t h, const struct scap_evt *e)
{
	if (e->nparams > SCAP_MAX_PARAMS)
		abort();
	h = mix(h, &e->ts, sizeof(e->ts));
	h = mix(h, &e->type, sizeof(e->type));
	for (uint32_t i = 0; i < e->nparams; i++) {
		if (e->len[i] && !e->param[i])
			abort();
		h = mix(h, e->param[i], e->len[i]);
	}
	return h;
}

/* Reads everything an item points at (and hashes what identifies it). */
static uint64_t touch(const struct scap_item *it)
{
	uint64_t h = mix(0xcbf29ce484222325ull, &it->kind, sizeof(it->kind));
	h = mix(h, &it->offset, sizeof(it->offset));
	switch (it->kind) {
	case SCAP_ITEM_MACHINE: return mix(h, it->u.machine.hostname, strlen(it->u.machine.hostname));
	case SCAP_ITEM_PROC: return touch_proc(h, &it->u.proc);
	case SCAP_ITEM_FD:
		return mix(mix_str(h, it->u.fd.name), &it->u.fd, offsetof(struct scap_fdinfo, name));
	case SCAP_ITEM_USER:
		return mix_str(mix_str(mix_str(h, it->u.user.name), it->u.user.home), it->u.user.shell);
	case SCAP_ITEM_GROUP: return mix_str(h, it->u.group.name);
	case SCAP_ITEM_IFACE: return mix_str(h, it->u.iface.name);
	case SCAP_ITEM_EVENT: return touch_evt(h, &it->u.evt);
	case SCAP_ITEM_SECTION: return mix(h, &it->u.section, sizeof(it->u.section));
	}
	abort(); /* an unknown kind */
}

struct result {
	int opened, rc;
	uint32_t n;
	uint64_t hash;
};

/* Opens fd (owned), drains it; the result sums up what came out. */
static struct result drain(int fd)
{
	struct result r = {0};
	if (fd < 0)
		return r;
	char err[256];
	scap_file *f = scap_file_open(fd, "fuzz", discard, NULL, err, sizeof(err));
	if (!f) {
		if (strncmp(err, "fuzz: offset 0: ", 16))
			abort();
		return r;
	}
	r.opened = 1;
	struct scap_item it;
	while (r.n < MAX_ITEMS && (r.rc = scap_file_next(f, &it)) == 1) {
		r.hash = r.hash * 31 + touch(&it);
		r.n++;
	}
	if (r.rc < 0 && !scap_file_error(f)[0])
		abort(); /* an error always says what */
	uint16_t major, minor;
	scap_file_version(f, &major, &minor);
	if (major != 1)
		abort();
	(void)scap_file_skipped_blocks(f);
	(void)scap_file_truncated(f);
	scap_file_close(f);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t ctl = data[0];
	const uint8_t *cap = data + 1;
	size_t n = size - 1;
	(void)scap_sniff(cap, n);
	struct result plain = drain((ctl & CTL_PIPE) ? kt_pipe_bytes(cap, n) : kt_memfd_bytes(cap, n));
	if (!(ctl & CTL_GZIP) || (ctl & CTL_PIPE) || (n >= 2 && cap[0] == 0x1f && cap[1] == 0x8b))
		return 0;
	size_t zn;
	uint8_t *z = gzip_of(cap, n, &zn);
	if (!z)
		return 0;
	struct result gz = drain(kt_memfd_bytes(z, zn));
	free(z);
	/* a whole gzip stream decodes to the same bytes: the same items, in the same order */
	if (gz.opened != plain.opened || gz.n != plain.n || gz.hash != plain.hash ||
	    (plain.n < MAX_ITEMS && gz.rc != plain.rc))
		abort();
	return 0;
}

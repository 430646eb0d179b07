/* gzpump.c - inflates a gzip stream on a second thread, so that reading a .scap decompresses ahead of parsing it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gzpump.h"

/*
 * A ring of NSLOT buffers: the thread fills slot `head` while the reader
 * drains slot `tail`.  A slot is either free or full; `count` says how many
 * are full.  The thread stops at the end of the stream, on stop, or when
 * gzread fails (its error and message are kept for the reader).
 */
#define NSLOT     4
#define SLOT_SIZE (1u << 20)

struct slot {
	unsigned char *data;
	size_t len, pos;
};

struct kite_gzpump {
	gzFile gz;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t filled, drained;
	struct slot slots[NSLOT];
	unsigned head, tail, count;
	int ended, stopping;
	int err;
	char msg[160];
};

/* zlib's error so far, sticky: the first one reported is the one kept. */
static void keep_error(struct kite_gzpump *p)
{
	int e = Z_OK;
	const char *m = gzerror(p->gz, &e);
	if (e != Z_OK && p->err == Z_OK) {
		p->err = e;
		snprintf(p->msg, sizeof(p->msg), "%s", m ? m : "?");
	}
}

static void *pump(void *arg)
{
	struct kite_gzpump *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->count == NSLOT && !p->stopping)
			pthread_cond_wait(&p->drained, &p->lock);
		if (p->stopping) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		struct slot *s = &p->slots[p->head];
		pthread_mutex_unlock(&p->lock);

		int n = gzread(p->gz, s->data, SLOT_SIZE); /* outside the lock: this is the work */

		pthread_mutex_lock(&p->lock);
		keep_error(p);
		if (n > 0) {
			s->len = (size_t)n;
			s->pos = 0;
			p->head = (p->head + 1) % NSLOT;
			p->count++;
		} else {
			p->ended = 1;
		}
		pthread_cond_signal(&p->filled);
		int done = p->ended;
		pthread_mutex_unlock(&p->lock);
		if (done)
			break;
	}
	return NULL;
}

struct kite_gzpump *kite_gzpump_start(gzFile gz)
{
	struct kite_gzpump *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->gz = gz;
	for (unsigned i = 0; i < NSLOT; i++)
		if (!(p->slots[i].data = malloc(SLOT_SIZE)))
			goto fail;
	if (pthread_mutex_init(&p->lock, NULL))
		goto fail;
	if (pthread_cond_init(&p->filled, NULL) || pthread_cond_init(&p->drained, NULL) ||
	    pthread_create(&p->thread, NULL, pump, p)) {
		pthread_mutex_destroy(&p->lock);
		goto fail;
	}
	return p;
fail:
	for (unsigned i = 0; i < NSLOT; i++)
		free(p->slots[i].data);
	free(p);
	return NULL;
}

size_t kite_gzpump_read(struct kite_gzpump *p, void *dst, size_t n)
{
	size_t got = 0;
	pthread_mutex_lock(&p->lock);
	while (got < n) {
		while (p->count == 0 && !p->ended)
			pthread_cond_wait(&p->filled, &p->lock);
		if (p->count == 0)
			break; /* the end, and everything before it was read */
		struct slot *s = &p->slots[p->tail];
		size_t k = s->len - s->pos < n - got ? s->len - s->pos : n - got;
		memcpy((unsigned char *)dst + got, s->data + s->pos, k);
		s->pos += k;
		got += k;
		if (s->pos == s->len) {
			p->tail = (p->tail + 1) % NSLOT;
			p->count--;
			pthread_cond_signal(&p->drained);
		}
		if (got && p->count == 0)
			break; /* hand over what there is rather than wait for more */
	}
	pthread_mutex_unlock(&p->lock);
	return got;
}

int kite_gzpump_error(struct kite_gzpump *p, const char **msg)
{
	pthread_mutex_lock(&p->lock);
	int e = p->err;
	pthread_mutex_unlock(&p->lock);
	if (msg)
		*msg = p->msg;
	return e;
}

void kite_gzpump_stop(struct kite_gzpump *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_signal(&p->drained);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->filled);
	pthread_cond_destroy(&p->drained);
	pthread_mutex_destroy(&p->lock);
	for (unsigned i = 0; i < NSLOT; i++)
		free(p->slots[i].data);
	free(p);
}

/* scap_ahead.c - converts a .scap capture on a second thread, handing its records over in batches. */
#include "scap_ahead.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A ring of NBATCH batches: the worker fills batch `head` while the caller
 * drains batch `tail`; `full` counts the batches handed over.  A batch ends
 * after BATCH_RECORDS records or once BATCH_BYTES bytes of them are passed,
 * or at the end of the capture; its buffer (BATCH_CAP) keeps room for one
 * more record of the largest size past BATCH_BYTES, built there in place.
 */
#define NBATCH        4
#define BATCH_RECORDS 4096u
#define BATCH_BYTES   (512u << 10)
#define BATCH_CAP     (BATCH_BYTES + 8 + KITE_EVT_MAX_LEN)
#define CACHE_LINE    64

/* A warning, given to the caller before record `at` of its batch (at == n: after the last). */
struct warning {
	size_t at;
	char *msg;
};

/*
 * The worker writes its batch as it fills it while the caller reads another:
 * each batch has cache lines of its own, so that neither slows the other down.
 */
struct batch {
	alignas(CACHE_LINE) uint8_t *rec; /* BATCH_CAP bytes */
	size_t len;
	struct kite_scap_ahead_item *items;
	size_t n;
	struct warning *warns;
	size_t nwarn, capwarn;
	size_t lost; /* warnings that could not be kept (no memory): given as one each at the end */
	int last;    /* the capture ends after this batch, with rc */
	int rc;
	struct kite_scap_ahead_meta
	        end; /* the last batch: the meta at the end (events passed over after the last record) */
};

struct kite_scap_ahead {
	kite_scap_import *im;
	scap_warn_fn warn;
	void *warn_ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t filled, drained;
	struct batch b[NBATCH];
	unsigned head, tail, full;
	int running; /* the worker was started */
	/* read by the worker for every record, written once: a line of its own */
	alignas(CACHE_LINE) atomic_int stopping;
	/* the caller's side, written for every record: the batch being drained, its next record and next warning */
	alignas(CACHE_LINE) struct batch *cur;
	size_t pos, wpos;
	int ended, rc;
	struct kite_scap_ahead_meta end;
	/* set by the worker before it hands over the last batch */
	alignas(CACHE_LINE) char err[512];
	int truncated;
};

static const char lost_msg[] = "a warning was lost: out of memory";

static void batch_clear(struct batch *b)
{
	for (size_t i = 0; i < b->nwarn; i++)
		if (strcmp(b->warns[i].msg, lost_msg))
			free(b->warns[i].msg);
	b->len = b->n = b->nwarn = b->lost = 0;
	b->last = b->rc = 0;
}

/* Where the next record goes after len bytes: 8-byte aligned, like records in a chunk. */
static size_t next_off(size_t len)
{
	return (len + 7) & ~(size_t)7;
}

/*
 * Fills b from the importer; 1 when the capture ended in it.  The batch's
 * length is kept in a local (nothing else reads it meanwhile); its count is
 * stored at each record, since kite_scap_ahead_warn reads it in the importer's
 * calls, but never read back.
 */
static int fill_batch(kite_scap_ahead *a, struct batch *b)
{
	size_t n = b->n, len = b->len;
	while (n < BATCH_RECORDS && len < BATCH_BYTES && !atomic_load(&a->stopping)) {
		const struct kite_evt *e;
		/* BATCH_CAP leaves room for the largest record past BATCH_BYTES: it is built in place */
		size_t at = next_off(len);
		kite_scap_import_set_out(a->im, b->rec + at);
		int rc = kite_scap_import_next(a->im, &e);
		if (rc <= 0) {
			snprintf(a->err, sizeof(a->err), "%s", rc < 0 ? kite_scap_import_error(a->im) : "");
			a->truncated = kite_scap_import_truncated(a->im);
			b->end.ordinal = kite_scap_import_ordinal(a->im);
			b->end.passed = kite_scap_import_passed(a->im, &b->end.passed_ts);
			b->last = 1;
			b->rc = rc;
			b->len = len;
			return 1;
		}
		if ((const uint8_t *)e != b->rec + at)
			memcpy(b->rec + at, e, e->len); /* a state record: built in the importer's buffer */
		/* the record's item, with the importer's meta after it */
		struct kite_scap_ahead_item *it = &b->items[n];
		it->off = at;
		it->m.ordinal = kite_scap_import_ordinal(a->im);
		it->m.passed = kite_scap_import_passed(a->im, &it->m.passed_ts);
		b->n = ++n;
		len = at + e->len;
	}
	b->len = len;
	return 0;
}

static void *worker(void *arg)
{
	kite_scap_ahead *a = arg;
	for (;;) {
		pthread_mutex_lock(&a->lock);
		while (a->full == NBATCH && !atomic_load(&a->stopping))
			pthread_cond_wait(&a->drained, &a->lock);
		struct batch *b = &a->b[a->head];
		pthread_mutex_unlock(&a->lock);
		if (atomic_load(&a->stopping))
			break;

		batch_clear(b);
		int last = fill_batch(a, b); /* outside the lock: this is the work */

		pthread_mutex_lock(&a->lock);
		a->head = (a->head + 1) % NBATCH;
		a->full++;
		pthread_cond_signal(&a->filled);
		pthread_mutex_unlock(&a->lock);
		if (last)
			break;
	}
	return NULL;
}

void kite_scap_ahead_warn(kite_scap_ahead *a, const char *msg)
{
	struct batch *b = &a->b[a->head]; /* the worker's own batch: no lock */
	if (b->nwarn == b->capwarn) {
		size_t cap = b->capwarn ? b->capwarn * 2 : 8;
		struct warning *w = realloc(b->warns, cap * sizeof(*w));
		if (!w) {
			b->lost++; /* still counted, so the damage still shows in the exit status */
			return;
		}
		b->warns = w;
		b->capwarn = cap;
	}
	char *copy = strdup(msg);
	b->warns[b->nwarn].at = b->n;
	b->warns[b->nwarn].msg = copy ? copy : (char *)lost_msg;
	b->nwarn++;
}

kite_scap_ahead *kite_scap_ahead_new(kite_scap_import *im, scap_warn_fn warn, void *warn_ctx)
{
	kite_scap_ahead *a = aligned_alloc(CACHE_LINE, sizeof(*a)); /* a multiple of CACHE_LINE */
	if (!a)
		return NULL;
	memset(a, 0, sizeof(*a));
	a->im = im;
	a->warn = warn;
	a->warn_ctx = warn_ctx;
	atomic_init(&a->stopping, 0);
	for (unsigned i = 0; i < NBATCH; i++)
		if (!(a->b[i].items = malloc(BATCH_RECORDS * sizeof(*a->b[i].items))) ||
		    !(a->b[i].rec = malloc(BATCH_CAP))) {
			kite_scap_ahead_free(a);
			return NULL;
		}
	return a;
}

int kite_scap_ahead_run(kite_scap_ahead *a)
{
	if (pthread_mutex_init(&a->lock, NULL))
		return -1;
	if (pthread_cond_init(&a->filled, NULL) == 0) {
		if (pthread_cond_init(&a->drained, NULL) == 0) {
			if (pthread_create(&a->thread, NULL, worker, a) == 0) {
				a->running = 1;
				return 0;
			}
			pthread_cond_destroy(&a->drained);
		}
		pthread_cond_destroy(&a->filled);
	}
	pthread_mutex_destroy(&a->lock);
	return -1;
}

/* Gives the caller the warnings of the current batch up to record `upto`. */
static void give_warnings(kite_scap_ahead *a, size_t upto)
{
	struct batch *b = a->cur;
	for (; a->wpos < b->nwarn && b->warns[a->wpos].at <= upto; a->wpos++)
		if (a->warn)
			a->warn(a->warn_ctx, b->warns[a->wpos].msg);
	for (; upto >= b->n && b->lost; b->lost--)
		if (a->warn)
			a->warn(a->warn_ctx, lost_msg);
}

/* Hands the drained batch back to the worker. */
static void release(kite_scap_ahead *a)
{
	pthread_mutex_lock(&a->lock);
	a->tail = (a->tail + 1) % NBATCH;
	a->full--;
	a->cur = NULL;
	pthread_cond_signal(&a->drained);
	pthread_mutex_unlock(&a->lock);
}

int kite_scap_ahead_take(kite_scap_ahead *a, struct kite_scap_ahead_run *run)
{
	for (;;) {
		if (a->ended)
			return a->rc;
		if (!a->cur) {
			pthread_mutex_lock(&a->lock);
			while (a->full == 0)
				pthread_cond_wait(&a->filled, &a->lock);
			a->cur = &a->b[a->tail];
			pthread_mutex_unlock(&a->lock);
			a->pos = a->wpos = 0;
		}
		struct batch *b = a->cur;
		give_warnings(a, a->pos);
		if (a->pos < b->n) {
			/* up to the record the next warning comes before (given here at the next call) */
			size_t end = a->wpos < b->nwarn ? b->warns[a->wpos].at : b->n;
			run->rec = b->rec;
			run->it = &b->items[a->pos];
			run->end = &b->items[end];
			a->pos = end;
			return 1;
		}
		if (b->last) {
			a->ended = 1;
			a->rc = b->rc;
			a->end = b->end;
			continue;
		}
		release(a);
	}
}

const char *kite_scap_ahead_error(const kite_scap_ahead *a)
{
	return a->err;
}

void kite_scap_ahead_end(const kite_scap_ahead *a, struct kite_scap_ahead_meta *m)
{
	*m = a->end;
}

int kite_scap_ahead_truncated(const kite_scap_ahead *a)
{
	return a->truncated;
}

void kite_scap_ahead_free(kite_scap_ahead *a)
{
	if (!a)
		return;
	if (a->running) {
		pthread_mutex_lock(&a->lock);
		atomic_store(&a->stopping, 1);
		pthread_cond_signal(&a->drained);
		pthread_mutex_unlock(&a->lock);
		pthread_join(a->thread, NULL);
		pthread_cond_destroy(&a->filled);
		pthread_cond_destroy(&a->drained);
		pthread_mutex_destroy(&a->lock);
		kite_scap_import_set_out(a->im, NULL); /* its records go to its own buffer again */
	}
	for (unsigned i = 0; i < NBATCH; i++) {
		batch_clear(&a->b[i]);
		free(a->b[i].rec);
		free(a->b[i].items);
		free(a->b[i].warns);
	}
	free(a);
}

/* pushdown.c - what SQL constraints let the replay leave unread: whole files by the index counts, chunks by their summaries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"

/*
 * Whether every file was recorded by kite-record's drivers, whose records carry
 * the kernel's tid and tgid: there a full replay attributes each record to
 * exactly those ids, so a row's tid and pid need no state.  Elsewhere (a .scap,
 * whose pids come from sysdig's thread table; synthetic captures) they may not.
 */
static int ids_from_kernel(const struct kq_collect *k)
{
	for (unsigned i = 0; i < k->rp.nsrc; i++) {
		const char *drv = kite_reader_header(k->rp.src[i].r)->driver;
		if (!drv || (strcmp(drv, "ebpf") && strcmp(drv, "ptrace")))
			return 0;
	}
	return k->rp.nsrc > 0;
}

/*
 * Whether the indexes already tell that no event can match the type and pid
 * constraints (every file indexed, none counts them): then nothing is read.
 */
int kq_index_rules_out(struct kq_collect *k)
{
	unsigned per_event =
	        1u << KQ_EVENTS | 1u << KQ_FILES | 1u << KQ_EXECS | 1u << KQ_DROPS | 1u << KQ_ALERTS;
	if ((!k->filter.types && !k->filter.has_pid) || (k->o.tables & ~per_event))
		return 0; /* processes, fds, ... of a pid exist without any event of it */
	/* the index counts record pids: only where they are the rows' pids can they rule a file out */
	int pids_apply = k->filter.has_pid && ids_from_kernel(k);
	for (unsigned i = 0; i < k->rp.nsrc; i++) {
		const struct kite_index *idx = kite_reader_index(k->rp.src[i].r);
		if (!idx)
			return 0;
		int any_type = !k->filter.types, any_pid = !pids_apply;
		for (uint32_t t = 0; !any_type && t < idx->ntypes; t++)
			any_type = idx->types[t].count && idx->types[t].type < k->si[i].n &&
			           k->si[i].type_ok[idx->types[t].type];
		for (uint32_t p = 0; !any_pid && p < idx->npids; p++)
			any_pid = idx->pids[p].count && (int64_t)idx->pids[p].pid == k->filter.pid;
		if (any_type && any_pid)
			return 0;
	}
	return 1;
}

/*
 * The columns of events made from the record and the schema alone: ts, its
 * position, host, cpu, type, dir, category, res, errno.  The others are the
 * replay's view (tid and pid included: the thread and process the state
 * attributes the record to; see docs/SQL.md, "Pushdown").
 */
#define BIT(c) (1ull << (c))
static const uint64_t ev_stateless = BIT(EV_TS) | BIT(EV_NUM) | BIT(EV_HOST) | BIT(EV_CPU) | BIT(EV_TYPE) |
                                     BIT(EV_DIR) | BIT(EV_CATEGORY) | BIT(EV_RES) | BIT(EV_ERRNO);

/*
 * Whether the rows asked for need no state, so that whole chunks without
 * them can go unread: drops alone, or events with stateless columns only
 * (tid and pid among them where the kernel gave them) and (evt_num being
 * numbered across files by time) one file when evt_num is used.
 */
static int rows_stateless(const struct kq_collect *k)
{
	if (k->o.tables == 1u << KQ_DROPS)
		return 1;
	uint64_t used = k->o.used[KQ_EVENTS] & (BIT(EV_NCOLS) - 1);
	uint64_t stateless = ev_stateless | (ids_from_kernel(k) ? BIT(EV_TID) | BIT(EV_PID) : 0);
	int pid_ok = !k->filter.has_pid || (stateless & BIT(EV_PID));
	if (k->o.tables != 1u << KQ_EVENTS || !pid_ok || (used & ~stateless))
		return 0;
	return k->rp.nsrc == 1 || !(used & BIT(EV_NUM));
}

/*
 * The types a file's reader must not skip: those the rows want (drop records
 * for drops), and, so that the events passed over number exactly what a full
 * replay counts, state records and ids the schema does not describe.
 */
static uint8_t *wanted_types(const struct kq_collect *k, unsigned i, uint32_t n)
{
	const struct kite_schema *s = k->rp.src[i].schema;
	const struct kq_srcinfo *si = &k->si[i];
	int drops = k->o.tables == 1u << KQ_DROPS;
	uint8_t *t = calloc(n, 1);
	for (uint32_t id = 0; t && id < n; id++) {
		const struct kite_event_desc *d = kite_schema_event(s, id);
		int row = drops ? d && !strcmp(d->name, "drop") : id < si->n && si->type_ok[id];
		t[id] = !d || (d->flags & KITE_EF_STATE) || row;
	}
	return t;
}

/* Tells each file's reader which chunks it may pass over unread: 0, or -1 out of memory. */
int kq_skip_chunks(struct kq_collect *k)
{
	int by_type = k->filter.types || k->o.tables == 1u << KQ_DROPS;
	/* a pid past 32 bits matches no record: no chunk is ruled out on it */
	int by_pid = k->filter.has_pid && k->filter.pid >= 0 && k->filter.pid <= UINT32_MAX;
	if (!rows_stateless(k) || (!by_type && !by_pid && !k->filter.from))
		return 0;
	k->ids_from_records =
	        k->filter.has_pid || kq_used(k, KQ_EVENTS, EV_TID) || kq_used(k, KQ_EVENTS, EV_PID);
	uint32_t pid = by_pid ? (uint32_t)k->filter.pid : 0;
	for (unsigned i = 0; i < k->rp.nsrc; i++) {
		const struct kite_schema *s = k->rp.src[i].schema;
		uint32_t n =
		        s->max_event_id + 1 > KITE_SUM_TYPE_BITS ? s->max_event_id + 1 : KITE_SUM_TYPE_BITS;
		uint8_t *types = by_type ? wanted_types(k, i, n) : NULL;
		struct kite_chunk_want w = {.types = types,
		                            .ntypes = n,
		                            .pids = by_pid ? &pid : NULL,
		                            .npids = by_pid ? 1 : 0,
		                            .from = k->filter.from};
		int rc = by_type && !types ? -1 : kite_reader_set_chunk_want(k->rp.src[i].r, &w);
		free(types);
		if (rc < 0)
			return -1;
	}
	return 0;
}

void kq_collect_chunks(const struct kq_collect *k, uint64_t *read, uint64_t *skipped)
{
	for (unsigned i = 0; k->opened && i < k->rp.nsrc; i++) {
		const struct kite_reader_stats *st = kite_reader_stats(k->rp.src[i].r);
		*read += st->chunks;
		*skipped += st->chunks_skipped;
	}
}

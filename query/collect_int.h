/* collect_int.h - the collector's insides, shared by collect.c (replay, hooks) and rows.c (row builders). */
#ifndef KITE_QUERY_COLLECT_INT_H
#define KITE_QUERY_COLLECT_INT_H

#include "collect.h"
#include "fields.h"
#include "replay.h"

/* One process lifetime (kite_proc.user): its surrogate id and what the state forgets. */
struct kq_proc {
	int64_t id, parent_id, ppid;
	uint64_t start_ts;
	const char *host;
	uint32_t execs;
	int from_snapshot;
	struct kq_proc *prev, *next; /* live list (or the dead list, via next) */
};

/* One live thread (kite_thread.user), so that threads alive at the end can be listed. */
struct kq_thread {
	struct kite_thread *t;
	uint64_t start_ts;
	const char *host;
	struct kq_thread *prev, *next;
};

/* Per source file: lookups by event id of that file's schema. */
struct kq_srcinfo {
	uint32_t n;
	uint8_t *type_ok;                 /* passes the type constraint */
	uint8_t *fileop;                  /* enum kq_fileop: a row of the files table */
	uint64_t seen, first_ts, last_ts; /* events handed out, for captures without an index */
};

enum kq_fileop { KQ_FOP_NONE = 0, KQ_FOP_OPEN, KQ_FOP_CHANGE };

struct kq_fields; /* parsed Falco fields the row builders extract (rows.c) */

struct kq_collect {
	struct kq_collect_opts o;
	struct kq_filter filter;
	struct kite_replay rp;
	struct kq_srcinfo *si;
	struct kite_arena arena; /* text of the rows of one step */
	struct kq_cell row[KQ_MAX_COLS];
	int row_table;
	int64_t next_proc_id;
	struct kq_proc *procs, *dead;
	struct kq_thread *threads;
	const char *host0; /* the first file's host, for rows without an event */
	struct kq_fields *f;
	struct kite_buf json;
	int opened, replay_done, finished;
	int replay_read; /* the replay ran to the end */
	/*
	 * Rows take tid and pid from the records, not the state: set when chunks
	 * are skipped on a pid, for captures whose ids the kernel gave (see
	 * ids_from_kernel in collect.c), where the two are the same.
	 */
	int ids_from_records;
};

/* An event row's thread and process ids: the state's, or the record's when chunks are skipped. */
static inline int64_t kq_event_tid(const struct kq_collect *k, const struct kite_ctx *c)
{
	return k->ids_from_records ? (int64_t)c->e->tid : c->thr->tid;
}

static inline int64_t kq_event_pid(const struct kq_collect *k, const struct kite_ctx *c)
{
	if (!k->ids_from_records)
		return c->proc->pid;
	return kite_evt_pid(c->e);
}

static inline int kq_wants(const struct kq_collect *k, int table)
{
	return (k->o.tables >> table) & 1;
}

static inline int kq_used(const struct kq_collect *k, int table, int col)
{
	return (k->o.used[table] >> (col < 63 ? col : 63)) & 1;
}

/* pushdown.c: 1 when the indexes show no event can match (nothing is read); the chunks readers may pass over. */
int kq_index_rules_out(struct kq_collect *k);
int kq_skip_chunks(struct kq_collect *k); /* 0, or -1 out of memory */

struct kq_cell *kq_row_begin(struct kq_collect *k, int table);
void kq_set_int(struct kq_collect *k, int col, int64_t v);
void kq_set_text(struct kq_collect *k, int col, const char *s, size_t len);
void kq_set_str(struct kq_collect *k, int col, const char *s);
void kq_emit(struct kq_collect *k);
int kq_pid_ok(const struct kq_collect *k, int64_t pid);

struct kq_proc *kq_proc_of(struct kq_collect *k, struct kite_proc *p, const struct kite_ctx *c);
int64_t kq_proc_id(struct kq_collect *k, struct kite_proc *p, const struct kite_ctx *c);

/* rows.c */
int kq_rows_init(struct kq_collect *k);
void kq_rows_free(struct kq_collect *k);
int kq_fileop_kind(const char *type);
void kq_rows_event(struct kq_collect *k, struct kite_ctx *c);
void kq_row_process(struct kq_collect *k, struct kite_proc *p, uint64_t end_ts, int exited);
void kq_row_thread(struct kq_collect *k, struct kq_thread *r, uint64_t end_ts, const struct kite_ctx *c);
void kq_row_fd(struct kq_collect *k, struct kite_proc *p, struct kite_fd *fd, uint64_t close_ts,
               const struct kite_ctx *c);
void kq_rows_flush_procs(struct kq_collect *k);
void kq_row_capture(struct kq_collect *k, const struct kite_source *s, unsigned i);

#endif

/* test_sql.c - the SQL tables: definitions, the kite_* vtabs over captures, pushdown against sqlite's own filtering (and the chunks it skips), lifetimes, output formats, errors. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "collect.h"
#include "events.h"
#include "print.h"
#include "query.h"
#include "tables.h"
#include "testlib.h"

static char synth_path[64];
static const char *sample = "samples/attacks.kcap";

/* A synthetic capture with many chunks, shared by the tests. */
static int setup(void **state)
{
	(void)state;
	snprintf(synth_path, sizeof(synth_path), "/tmp/kite-sql-XXXXXX");
	int fd = mkstemp(synth_path);
	struct kite_writer_opts o = {.chunk_bytes = 8192, .level = 3};
	if (fd < 0 || kt_write_capture(fd, 30000, 40, &o, 7) != 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(synth_path);
	return 0;
}

static sqlite3 *open_db(void)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(kq_register(db, NULL), SQLITE_OK);
	return db;
}

/* The first column of the first row, as an integer; fails the test on an SQL error. */
static int64_t one(sqlite3 *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return v;
}

/* The error message of a statement that must fail. */
static char *error_of(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	assert_int_not_equal(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK);
	assert_non_null(err);
	return err;
}

static void tables_are_consistent(void **state)
{
	(void)state;
	for (unsigned t = 0; t < KQ_NTABLES; t++) {
		const struct kq_table *tb = &kq_tables[t];
		assert_non_null(tb->name);
		assert_ptr_equal(kq_table_find(tb->name), tb);
		assert_true(tb->ncols > 0 && tb->ncols <= KQ_MAX_COLS);
		for (unsigned i = 0; i < tb->ncols; i++) {
			assert_non_null(tb->cols[i].doc);
			for (unsigned k = 0; k < i; k++)
				assert_string_not_equal(tb->cols[i].name, tb->cols[k].name);
		}
		/* the pushdown columns are the ones flagged so, with the right names */
		if (tb->ts_col >= 0)
			assert_true((tb->cols[tb->ts_col].flags & KQ_TS) &&
			            !strcmp(tb->cols[tb->ts_col].name, "ts"));
		if (tb->type_col >= 0)
			assert_string_equal(tb->cols[tb->type_col].name, "type");
		if (tb->pid_col >= 0)
			assert_string_equal(tb->cols[tb->pid_col].name, "pid");
		char *sql = kq_table_columns_sql(tb, 1);
		assert_non_null(strstr(sql, "file HIDDEN, rules HIDDEN"));
		free(sql);
	}
	assert_null(kq_table_find("nosuch"));
}

static void counts_match_the_capture(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	/* kt_write_capture writes exactly this many events; every one is a row */
	assert_int_equal(one(db, "SELECT count(*) FROM kite_events(%Q)", synth_path), 30000);
	assert_int_equal(one(db, "SELECT count(DISTINCT evt_num) FROM kite_events(%Q)", synth_path), 30000);
	assert_int_equal(one(db, "SELECT events FROM kite_captures(%Q)", synth_path), 30000);
	/* the sample: the index's count, exec rows are successful execs */
	assert_int_equal(one(db, "SELECT count(*) FROM kite_events(%Q)", sample),
	                 one(db, "SELECT events FROM kite_captures(%Q)", sample));
	assert_int_equal(
	        one(db, "SELECT count(*) FROM kite_execs(%Q)", sample),
	        one(db,
	            "SELECT count(*) FROM kite_events(%Q) WHERE type IN ('execve','execveat') AND res = 0",
	            sample));
	sqlite3_close(db);
}

/* Every constraint pushed down gives what sqlite's own check of the same condition gives. */
static void pushdown_matches_sqlite(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	int64_t lo = one(db, "SELECT min(ts) FROM kite_events(%Q)", synth_path);
	int64_t hi = one(db, "SELECT max(ts) FROM kite_events(%Q)", synth_path);
	int64_t mid = lo + (hi - lo) / 3, mid2 = lo + (hi - lo) / 3 * 2;
	static const char *const conds[][2] = {
	        {"ts >= %lld", "+ts >= %lld"}, {"ts > %lld", "+ts > %lld"}, {"ts < %lld", "+ts < %lld"},
	        {"ts <= %lld", "+ts <= %lld"}, {"ts = %lld", "+ts = %lld"},
	};
	for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
		char a[128], b[128];
		snprintf(a, sizeof(a), conds[i][0], (long long)mid);
		snprintf(b, sizeof(b), conds[i][1], (long long)mid);
		assert_int_equal(
		        one(db, "SELECT count(*) * 1000000007 + sum(evt_num) FROM kite_events(%Q) WHERE %s",
		            synth_path, a),
		        one(db, "SELECT count(*) * 1000000007 + sum(evt_num) FROM kite_events(%Q) WHERE %s",
		            synth_path, b));
	}
	assert_int_equal(one(db, "SELECT count(*) FROM kite_events(%Q) WHERE ts BETWEEN %lld AND %lld",
	                     synth_path, (long long)mid, (long long)mid2),
	                 one(db, "SELECT count(*) FROM kite_events(%Q) WHERE +ts BETWEEN %lld AND %lld",
	                     synth_path, (long long)mid, (long long)mid2));
	assert_int_equal(one(db, "SELECT count(*) FROM kite_events(%Q) WHERE ts < 0", synth_path), 0);
	/* drops need no state: there a lower bound seeks with the index */
	int64_t dmid = one(db, "SELECT ts FROM kite_drops(%Q) LIMIT 1 OFFSET 100", synth_path);
	assert_true(dmid > 0);
	assert_int_equal(
	        one(db, "SELECT count(*) * 1000000007 + sum(nevents) FROM kite_drops(%Q) WHERE ts >= %lld",
	            synth_path, (long long)dmid),
	        one(db, "SELECT count(*) * 1000000007 + sum(nevents) FROM kite_drops(%Q) WHERE +ts >= %lld",
	            synth_path, (long long)dmid));
	assert_true(one(db, "SELECT count(*) FROM kite_drops(%Q) WHERE ts >= %lld", synth_path,
	                (long long)dmid) > 10);
	assert_int_equal(one(db, "SELECT count(*) FROM kite_events(%Q) WHERE ts > %lld AND ts < %lld",
	                     synth_path, (long long)mid2, (long long)mid),
	                 0);
	assert_int_equal(
	        one(db, "SELECT count(*) FROM kite_events(%Q) WHERE type IN ('openat', 'close', 'x')",
	            synth_path),
	        one(db, "SELECT count(*) FROM kite_events(%Q) WHERE +type IN ('openat', 'close', 'x')",
	            synth_path));
	assert_int_equal(one(db, "SELECT count(*) FROM kite_events(%Q) WHERE type = 'execve'", synth_path),
	                 one(db, "SELECT count(*) FROM kite_events(%Q) WHERE +type = 'execve'", synth_path));
	int64_t pid = one(db, "SELECT pid FROM kite_events(%Q) WHERE type='openat' LIMIT 1", sample);
	assert_int_equal(
	        one(db, "SELECT count(*) FROM kite_events(%Q) WHERE pid = %lld", sample, (long long)pid),
	        one(db, "SELECT count(*) FROM kite_events(%Q) WHERE +pid = %lld", sample, (long long)pid));
	assert_int_equal(
	        one(db, "SELECT count(*) FROM kite_files(%Q) WHERE pid = %lld", sample, (long long)pid),
	        one(db, "SELECT count(*) FROM kite_files(%Q) WHERE +pid = %lld", sample, (long long)pid));
	assert_int_equal(one(db, "SELECT count(*) FROM kite_events(%Q) WHERE pid = 'x'", sample), 0);
	sqlite3_close(db);
}

/* The state under a pushed-down lower bound is the full replay's: same processes for the same events. */
static void pushdown_keeps_state(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	int64_t lo = one(db, "SELECT min(ts) FROM kite_events(%Q)", sample);
	int64_t hi = one(db, "SELECT max(ts) FROM kite_events(%Q)", sample);
	int64_t mid = lo + (hi - lo) / 2;
	const char *q = "SELECT sum(proc_id * 7 + length(comm) + coalesce(length(fd_name), 0) * 3) FROM "
	                "kite_events(%Q) WHERE %s >= %lld";
	assert_int_equal(one(db, q, sample, "ts", (long long)mid), one(db, q, sample, "+ts", (long long)mid));
	sqlite3_close(db);
}

/* A query's value, and the chunks its scans decompressed and passed over unread. */
struct costed {
	int64_t v;
	unsigned long long read, skipped;
};

static struct costed costed(const char *fmt, const char *path, const char *cond)
{
	struct kq_env env = {0};
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(kq_register(db, &env), SQLITE_OK);
	struct costed c = {one(db, fmt, path, cond), 0, 0};
	sqlite3_close(db);
	c.read = env.chunks_read;
	c.skipped = env.chunks_skipped;
	return c;
}

/* cond with its column prefixed by '+': sqlite checks it, nothing is pushed down */
static void unpushed(char *out, size_t n, const char *cond)
{
	size_t o = 0;
	for (const char *p = cond; *p && o + 2 < n; p++) {
		if ((p == cond || p[-1] == ' ') && (!strncmp(p, "type ", 5) || !strncmp(p, "ts ", 3)))
			out[o++] = '+';
		out[o++] = *p;
	}
	out[o] = 0;
}

#define STATELESS "evt_num, ts, host, cpu, type, dir, category, res, errno"

/*
 * A query on events whose columns need no state passes over the chunks whose
 * index summary has none of its types (or that end before its lower time
 * bound), without decompressing them, and gives exactly the rows, evt_num
 * included, of a full replay checked by sqlite.
 */
static void pushdown_skips_chunks(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	int64_t lo = one(db, "SELECT min(ts) FROM kite_events(%Q)", synth_path);
	int64_t hi = one(db, "SELECT max(ts) FROM kite_events(%Q)", synth_path);
	char mid[160];
	snprintf(mid, sizeof(mid), "ts >= %lld", (long long)(lo + (hi - lo) / 2));
	char mid_type[200];
	snprintf(mid_type, sizeof(mid_type), "type = 'execve' AND %s", mid);
	const char *conds[] = {"type = 'execve'", "type IN ('execve', 'pipe2', 'nosuch')", "type = 'drop'",
	                       mid_type, mid};
	for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
		char plain[256];
		unpushed(plain, sizeof(plain), conds[i]);
		/* the same rows both ways, each a row of the other */
		const char *diff = "SELECT count(*) FROM (SELECT " STATELESS " FROM kite_events(%Q) WHERE %s "
		                   "EXCEPT SELECT " STATELESS " FROM kite_events(%Q) WHERE %s)";
		assert_int_equal(one(db, diff, synth_path, conds[i], synth_path, plain), 0);
		assert_int_equal(one(db, diff, synth_path, plain, synth_path, conds[i]), 0);
		const char *q = "SELECT count(*) * 1000003 + sum(evt_num + cpu + coalesce(res, 5) + "
		                "coalesce(length(errno), 0)) FROM kite_events(%Q) WHERE %s";
		struct costed pushed = costed(q, synth_path, conds[i]), full = costed(q, synth_path, plain);
		assert_int_equal(pushed.v, full.v);
		assert_true(pushed.v > 1000003);
		assert_int_equal(full.skipped, 0);
		if (!(pushed.skipped > 0 && pushed.read < full.read))
			fail_msg("%s: %llu chunks decompressed, %llu skipped; %llu without pushdown",
			         conds[i], pushed.read, pushed.skipped, full.read);
	}
	/* columns made from the state (comm, pid, tid, fd_name, ...): every chunk is read */
	static const char *const stateful[] = {"sum(length(comm))", "sum(pid)", "sum(tid)", "count(fd_name)",
	                                       "sum(length(args))"};
	for (size_t i = 0; i < sizeof(stateful) / sizeof(stateful[0]); i++) {
		char q[200];
		snprintf(q, sizeof(q), "SELECT %s FROM kite_events(%%Q) WHERE %%s", stateful[i]);
		struct costed pushed = costed(q, synth_path, "type = 'execve'");
		assert_int_equal(pushed.skipped, 0);
		int64_t full = costed(q, synth_path, "+type = 'execve'").v;
		if (pushed.v != full)
			fail_msg("%s: %lld pushed down, %lld not", stateful[i], (long long)pushed.v,
			         (long long)full);
	}
	/*
	 * proc_id too, and its values do not depend on which rows were built (they did when the
	 * stand-in process of events without a thread got an id from the first row that asked)
	 */
	struct costed ids =
	        costed("SELECT sum(proc_id) FROM kite_events(%Q) WHERE %s", synth_path, "type = 'execve'");
	assert_int_equal(ids.skipped, 0);
	assert_int_equal(ids.v, costed("SELECT sum(proc_id) FROM kite_events(%Q) WHERE %s", synth_path,
	                               "+type = 'execve'")
	                                .v);
	/* the pids of a synthetic capture are not the kernel's: a pid constraint needs the state */
	assert_int_equal(costed("SELECT count(*) FROM kite_events(%Q) WHERE %s", synth_path,
	                        "type = 'execve' AND pid = 1010")
	                         .skipped,
	                 0);
	/* drops need no state: only the chunks with drop records are decompressed */
	struct costed drops = costed("SELECT count(*) FROM kite_drops(%Q)%s", synth_path, "");
	struct costed all =
	        costed("SELECT count(*) FROM kite_events(%Q) WHERE %s", synth_path, "+type = 'drop'");
	assert_int_equal(drops.v, all.v);
	assert_true(drops.v > 100);
	assert_true(drops.skipped > 0 && drops.read < all.read);
	assert_int_equal(costed("SELECT sum(nevents) FROM kite_drops(%Q)%s", synth_path, "").v,
	                 one(db, "SELECT drops FROM kite_captures(%Q)", synth_path));
	sqlite3_close(db);
}

/*
 * A capture as kite-record's drivers write it, under `driver`: the kernel's
 * tids and tgids, 8 processes of two threads each, one after the other.
 */
static void write_kernel_ids(const char *path, const char *driver)
{
	static uint8_t buf[KITE_EVT_MAX_LEN];
	const struct kite_schema *s = kite_schema_builtin();
	const struct kite_event_desc *d = kite_schema_event(s, KITE_EVT_CLOSE);
	struct kite_header h;
	kt_header(&h);
	h.driver = (char *)driver; /* the header's strings are the writer's to read, not to change */
	struct kite_writer_opts o = {.chunk_bytes = 4096, .level = 3};
	char err[256];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	kite_writer *w = kite_writer_open(fd, path, &h, s, &o, err, sizeof(err));
	assert_non_null(w);
	uint64_t ts = h.start_ns;
	for (uint32_t p = 0; p < 8; p++)
		for (uint32_t i = 0; i < 400; i++) {
			uint32_t pid = 2000 + p,
			         tid = i % 2 ? pid + 100000 : pid; /* the leader, and one thread */
			struct kite_evt_builder b;
			kite_evt_begin(&b, buf, KITE_EVT_CLOSE, d->nparams, ts += 1000, tid, pid, 0);
			kite_evt_add_u(&b, 0, kite_param_width(&d->params[0])); /* res */
			kite_evt_add_u(&b, 3, kite_param_width(&d->params[1])); /* fd */
			assert_int_equal(kite_writer_append(w, kite_evt_end(&b)), 0);
		}
	for (uint32_t i = 0; i < 400; i++) { /* records without a pid: their thread's process, tid 3000 */
		struct kite_evt_builder b;
		kite_evt_begin(&b, buf, KITE_EVT_CLOSE, d->nparams, ts += 1000, 3000, 0, 0);
		kite_evt_add_u(&b, 0, kite_param_width(&d->params[0]));
		kite_evt_add_u(&b, 3, kite_param_width(&d->params[1]));
		assert_int_equal(kite_writer_append(w, kite_evt_end(&b)), 0);
	}
	assert_int_equal(kite_writer_close(w, err, sizeof(err)), 0);
}

/*
 * Where the kernel gave the ids (kite-record's drivers), a row's tid and pid are
 * the record's: a pid constraint passes over the chunks whose summary rules the
 * pid out, with the rows of a full replay.  Elsewhere it reads every chunk.
 */
static void pushdown_skips_chunks_on_pid(void **state)
{
	(void)state;
	char path[] = "/tmp/kite-sql-pid-XXXXXX";
	int tmp = mkstemp(path);
	assert_true(tmp >= 0);
	close(tmp);
	const char *q = "SELECT sum(evt_num) * 7 + sum(tid) + count(*) FROM kite_events(%Q) WHERE %s";
	for (int kernel = 1; kernel >= 0; kernel--) {
		write_kernel_ids(path, kernel ? "ebpf" : "synthetic");
		struct costed pushed = costed(q, path, "pid = 2005"), full = costed(q, path, "+pid = 2005");
		assert_int_equal(pushed.v, full.v);
		assert_int_equal(
		        costed("SELECT count(*) FROM kite_events(%Q) WHERE %s", path, "pid = 2005").v, 400);
		assert_int_equal(full.skipped, 0);
		if (kernel)
			assert_true(pushed.skipped > 0 && pushed.read < full.read);
		else
			assert_int_equal(pushed.skipped, 0);
		/* with a type too, and a pid no record has */
		assert_int_equal(costed(q, path, "pid = 2003 AND type = 'close'").v,
		                 costed(q, path, "+pid = 2003 AND +type = 'close'").v);
		assert_int_equal(costed("SELECT count(*) FROM kite_events(%Q) WHERE %s", path, "pid = 77").v,
		                 0);
		assert_int_equal(
		        costed("SELECT count(*) FROM kite_events(%Q) WHERE %s", path, "pid = 3000").v, 400);
	}
	/* a column the state gives (proc_id) reads every chunk */
	assert_int_equal(
	        costed("SELECT count(proc_id) FROM kite_events(%Q) WHERE %s", path, "pid = 2005").skipped, 0);
	unlink(path);
}

/* Several files: evt_num is numbered across them by time, so a query using it reads every chunk. */
static void pushdown_several_files(void **state)
{
	(void)state;
	struct kq_env env = {0};
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(kq_register(db, &env), SQLITE_OK);
	char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE ev USING kite_events(%Q, %Q)", synth_path, sample);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(sql);
	assert_int_equal(one(db, "SELECT sum(evt_num) FROM ev WHERE type = 'execve'"),
	                 one(db, "SELECT sum(evt_num) FROM ev WHERE +type = 'execve'"));
	assert_int_equal(env.chunks_skipped, 0);
	assert_int_equal(
	        one(db, "SELECT count(*) * 1000003 + sum(ts %% 1000) FROM ev WHERE type = 'execve'"),
	        one(db, "SELECT count(*) * 1000003 + sum(ts %% 1000) FROM ev WHERE +type = 'execve'"));
	assert_true(env.chunks_skipped > 0);
	sqlite3_close(db);
}

static void lifetimes(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	/* one row per lifetime, ids unique, every event's process among them */
	assert_int_equal(one(db, "SELECT count(*) - count(DISTINCT id) FROM kite_processes(%Q)", sample), 0);
	assert_int_equal(one(db,
	                     "SELECT count(*) FROM kite_events(%Q) e WHERE NOT EXISTS (SELECT 1 FROM "
	                     "kite_processes(%Q) p WHERE p.id = e.proc_id)",
	                     sample, sample),
	                 0);
	/* processes that exited have an exit time after their start, and an exit code or a signal */
	assert_int_equal(
	        one(db,
	            "SELECT count(*) FROM kite_processes(%Q) WHERE end_ts < start_ts OR (exit_status IS "
	            "NOT NULL AND exit_code IS NULL AND exit_signal IS NULL)",
	            sample),
	        0);
	assert_true(one(db, "SELECT count(*) FROM kite_processes(%Q) WHERE from_snapshot = 1", sample) > 0);
	/* a process's parent_id points at a process */
	assert_int_equal(
	        one(db,
	            "SELECT count(*) FROM kite_processes(%Q) c WHERE parent_id IS NOT NULL AND NOT EXISTS "
	            "(SELECT 1 FROM kite_processes(%Q) p WHERE p.id = c.parent_id)",
	            sample, sample),
	        0);
	/* each procexit event ends exactly one process row at its time */
	assert_int_equal(one(db, "SELECT count(*) FROM kite_events(%Q) WHERE type = 'procexit'", sample),
	                 one(db, "SELECT count(*) FROM kite_processes(%Q) WHERE end_ts IS NOT NULL", sample));
	/* fds: a close ends a lifetime; sockets are connections too */
	assert_true(one(db, "SELECT count(*) FROM kite_fds(%Q) WHERE close_ts IS NOT NULL", sample) >=
	            one(db, "SELECT count(*) FROM kite_events(%Q) WHERE type = 'close' AND res = 0", sample));
	assert_int_equal(
	        one(db, "SELECT count(*) FROM kite_fds(%Q) WHERE type IN ('ipv4', 'ipv6', 'unix')", sample),
	        one(db, "SELECT count(*) FROM kite_connections(%Q)", sample));
	assert_int_equal(
	        one(db, "SELECT count(*) FROM kite_threads(%Q) WHERE main = 1 AND tid != pid", sample), 0);
	sqlite3_close(db);
}

/* `col = ?` on the tables other than events is a hash lookup in their cached rows: the same rows as a scan. */
static void lookups_match_scans(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	const char *join =
	        "SELECT count(*) * 1000003 + sum(p.pid) + coalesce(sum(pp.pid), 0) FROM kite_events(%Q) e "
	        "JOIN kite_processes(%Q) p ON p.id = e.proc_id LEFT JOIN kite_processes(%Q) pp ON "
	        "pp.id = p.parent_id";
	const char *nojoin =
	        "SELECT count(*) * 1000003 + sum(p.pid) + coalesce(sum(pp.pid), 0) FROM kite_events(%Q) e "
	        "JOIN kite_processes(%Q) p ON +p.id = e.proc_id LEFT JOIN kite_processes(%Q) pp ON "
	        "+pp.id = p.parent_id";
	int64_t want = one(db, nojoin, sample, sample, sample);
	assert_int_equal(one(db, join, sample, sample, sample), want);
	/* text columns, and a value of another type than the column's */
	assert_int_equal(one(db, "SELECT count(*) FROM kite_files(%Q) WHERE path = '/etc/shadow'", sample),
	                 one(db, "SELECT count(*) FROM kite_files(%Q) WHERE +path = '/etc/shadow'", sample));
	int64_t id = one(db, "SELECT id FROM kite_processes(%Q) WHERE cmdline = 'cat /etc/shadow'", sample);
	char idtext[32];
	snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
	assert_int_equal(one(db, "SELECT count(*) FROM kite_processes(%Q) WHERE id = %Q", sample, idtext), 1);
	assert_int_equal(
	        one(db, "SELECT count(*) FROM kite_processes(%Q) WHERE id = %lld.0", sample, (long long)id),
	        1);
	assert_int_equal(one(db, "SELECT count(*) FROM kite_processes(%Q) WHERE id = NULL", sample), 0);
	assert_int_equal(one(db, "SELECT count(*) FROM kite_processes(%Q) WHERE id = 'x'", sample), 0);
	/* a cache too small for the table: the lookups replay instead, with the same answer */
	sqlite3 *small = open_db();
	setenv("KITE_SQL_CACHE_BYTES", "100", 1);
	assert_int_equal(one(small, join, sample, sample, sample), want);
	unsetenv("KITE_SQL_CACHE_BYTES");
	sqlite3_close(small);
	sqlite3_close(db);
}

static void create_virtual_table_form(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE two USING kite_events(%Q, \"%w\")", sample, sample);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(sql);
	assert_int_equal(one(db, "SELECT count(*) FROM two"),
	                 2 * one(db, "SELECT count(*) FROM kite_events(%Q)", sample));
	sql = sqlite3_mprintf("CREATE VIRTUAL TABLE al USING kite_alerts(%Q, rules='rules/kite_rules.yaml')",
	                      sample);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(sql);
	assert_true(one(db, "SELECT count(*) FROM al") > 0);
	assert_int_equal(one(db, "SELECT count(*) FROM al"),
	                 one(db, "SELECT count(*) FROM kite_alerts(%Q, 'rules/kite_rules.yaml')", sample));
	sqlite3_close(db);
}

static void errors(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	char *e = error_of(db, "SELECT count(*) FROM kite_events('/no/such.kcap')");
	assert_non_null(strstr(e, "/no/such.kcap"));
	sqlite3_free(e);
	e = error_of(db, "SELECT count(*) FROM kite_events");
	assert_non_null(strstr(e, "no capture given"));
	sqlite3_free(e);
	e = error_of(db, "SELECT count(*) FROM kite_alerts('samples/attacks.kcap')");
	assert_non_null(strstr(e, "rules"));
	sqlite3_free(e);
	e = error_of(db, "SELECT count(*) FROM kite_alerts('samples/attacks.kcap', '/no/rules.yaml')");
	assert_non_null(strstr(e, "/no/rules.yaml"));
	sqlite3_free(e);
	e = error_of(db,
	             "CREATE VIRTUAL TABLE x USING kite_alerts('samples/attacks.kcap', rules='/no/r.yaml')");
	assert_non_null(strstr(e, "/no/r.yaml"));
	sqlite3_free(e);
	/* a file that is not a capture */
	e = error_of(db, "SELECT count(*) FROM kite_processes('Makefile')");
	assert_non_null(strstr(e, "Makefile"));
	sqlite3_free(e);
	sqlite3_close(db);
}

static void collector_filters(void **state)
{
	(void)state;
	/* contradictory constraints: no rows, and nothing read */
	struct kq_filter f = {.from = 10, .to = 5, .empty = 1};
	char *files[] = {(char *)sample};
	struct kq_collect_opts o = {.files = files, .nfiles = 1, .tables = 1u << KQ_EVENTS, .filter = &f};
	o.used[KQ_EVENTS] = ~0ull;
	int rows = 0;
	o.ctx = &rows;
	o.emit = NULL;
	char err[256];
	struct kq_collect *k = kq_collect_open(&o, err, sizeof(err));
	assert_non_null(k);
	int rc;
	while ((rc = kq_collect_step(k, err, sizeof(err))) == 1)
		;
	assert_int_equal(rc, 0);
	assert_int_equal(kq_collect_damaged(k), 0);
	kq_collect_close(k);
	o.files = (char *[]){"/no/such.kcap"};
	assert_null(kq_collect_open(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "/no/such.kcap"));
}

/* Runs sql and returns what kq_print_rows printed in fmt (malloc'd). */
static char *printed(sqlite3 *db, const char *sql, int fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(kq_print_rows(f, st, fmt), SQLITE_OK);
	sqlite3_finalize(st);
	fclose(f);
	return buf;
}

static void output_formats(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	const char *q = "SELECT 'a,\"b\"' AS x, NULL AS y, 3 AS z, 'l1\nl2|' AS w";
	char *s = printed(db, q, KQ_FMT_CSV);
	assert_string_equal(s, "x,y,z,w\r\n\"a,\"\"b\"\"\",,3,\"l1\nl2|\"\r\n");
	free(s);
	s = printed(db, q, KQ_FMT_JSON);
	assert_string_equal(s, "[\n{\"x\":\"a,\\\"b\\\"\",\"y\":null,\"z\":3,\"w\":\"l1\\nl2|\"}\n]\n");
	free(s);
	s = printed(db, q, KQ_FMT_JSONL);
	assert_string_equal(s, "{\"x\":\"a,\\\"b\\\"\",\"y\":null,\"z\":3,\"w\":\"l1\\nl2|\"}\n");
	free(s);
	s = printed(db, q, KQ_FMT_MARKDOWN);
	assert_string_equal(s,
	                    "| x | y | z | w |\n|---|---|---|---|\n| a,\"b\" | NULL | 3 | l1<br>l2\\| |\n");
	free(s);
	s = printed(db, "SELECT 'abc' AS a, 1 AS long_name UNION ALL SELECT 'x', 22", KQ_FMT_TABLE);
	assert_string_equal(s, "a    long_name\n---  ---------\nabc  1\nx    22\n");
	free(s);
	s = printed(db, "SELECT 1 AS a WHERE 0", KQ_FMT_JSON);
	assert_string_equal(s, "[]\n");
	free(s);
	assert_int_equal(kq_format_parse("csv"), KQ_FMT_CSV);
	assert_int_equal(kq_format_parse("md"), KQ_FMT_MARKDOWN);
	assert_int_equal(kq_format_parse("yaml"), -1);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(tables_are_consistent),
	        cmocka_unit_test(counts_match_the_capture),
	        cmocka_unit_test(pushdown_matches_sqlite),
	        cmocka_unit_test(pushdown_keeps_state),
	        cmocka_unit_test(pushdown_skips_chunks),
	        cmocka_unit_test(pushdown_skips_chunks_on_pid),
	        cmocka_unit_test(pushdown_several_files),
	        cmocka_unit_test(lifetimes),
	        cmocka_unit_test(lookups_match_scans),
	        cmocka_unit_test(create_virtual_table_form),
	        cmocka_unit_test(errors),
	        cmocka_unit_test(collector_filters),
	        cmocka_unit_test(output_formats),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

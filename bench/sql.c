/* sql.c - benchmarks SQL over a capture: three typical queries through the kite_* vtabs, with and without a time range, against kite export + the same queries on the database; and chunk skipping by type on events. */
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "export.h"
#include "gen.h"
#include "query.h"

#define DEFAULT_EVENTS 10000000ull
#define QUICK_EVENTS   200000ull

/* The three queries; %s is where the time range goes ("" or "WHERE ts BETWEEN a AND b" / "AND ..."). */
static const struct {
	const char *name, *sql;
} queries[] = {
        {"execs by parent",
         "SELECT parent_comm, count(*) AS n FROM execs %s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"},
        {"top files written",
         "SELECT path, count(*) AS n FROM files WHERE write = 1 %s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"},
        {"connections by remote address",
         "SELECT remote_ip, count(*) AS n FROM connections WHERE remote_ip IS NOT NULL %s GROUP BY 1 "
         "ORDER BY 2 DESC, 1 LIMIT 10"},
};
#define NQ (sizeof(queries) / sizeof(queries[0]))

/*
 * Queries on events that need no state, and drops: the chunks without the
 * type (or before the time bound: %llu, the last tenth) go unread.  Each is
 * timed against the same rows asked so that every chunk is read: a column
 * that needs the state (tid) in a condition true for every row, or sqlite's
 * own check of the type ('+type'), as every query did before chunk summaries.
 */
static const struct {
	const char *name, *skipping, *all;
} skip_queries[] = {
        {"execs by result (events WHERE type = 'execve')",
         "SELECT res, count(*) AS n FROM events WHERE type = 'execve' AND ts >= %llu GROUP BY 1 ORDER BY 2 "
         "DESC, 1",
         "SELECT res, count(*) AS n FROM events WHERE type = 'execve' AND ts >= %llu AND tid >= 0 GROUP BY 1 "
         "ORDER BY 2 DESC, 1"},
        {"last tenth by type (events WHERE ts >= x)",
         "SELECT type, count(*) AS n FROM events WHERE ts >= %llu GROUP BY 1 ORDER BY 2 DESC, 1",
         "SELECT type, count(*) AS n FROM events WHERE ts >= %llu AND tid >= 0 GROUP BY 1 ORDER BY 2 DESC, "
         "1"},
        {"drop records (drops)", "SELECT 'drops', count(*) FROM drops WHERE ts >= %llu",
         "SELECT 'drops', count(*) FROM events WHERE +type = 'drop' AND ts >= %llu AND tid >= 0"},
};
#define NSQ (sizeof(skip_queries) / sizeof(skip_queries[0]))

static char *with_range(int q, uint64_t from, uint64_t to)
{
	char range[160] = "";
	/* connections have no ts: their open time stands in (sqlite filters it; nothing is pushed down) */
	const char *col = q == 2 ? "open_ts" : "ts";
	if (to)
		snprintf(range, sizeof(range), "%s %s BETWEEN %" PRIu64 " AND %" PRIu64,
		         q == 0 ? "WHERE" : "AND", col, from, to);
	size_t len = strlen(queries[q].sql) + sizeof(range);
	char *s = malloc(len);
	if (s)
		snprintf(s, len, queries[q].sql, range);
	return s;
}

/* Runs sql to its end; the seconds it took, and a checksum of the rows (so both sides can be compared). */
static double run_query(sqlite3 *db, const char *sql, uint64_t *sum)
{
	double t0 = kb_now(CLOCK_MONOTONIC);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		kb_fail("%s: %s", sql, sqlite3_errmsg(db));
		return 0;
	}
	*sum = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*sum = *sum * 31 + (uint64_t)sqlite3_column_int64(st, 1) +
		       (uint64_t)sqlite3_column_bytes(st, 0);
	if (rc != SQLITE_DONE)
		kb_fail("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return kb_now(CLOCK_MONOTONIC) - t0;
}

/* An in-memory database with the capture's tables as kite_* vtabs (what kite sql does). */
static sqlite3 *vtab_db(const char *kcap)
{
	sqlite3 *db;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK || kq_register(db, NULL) != SQLITE_OK)
		return NULL;
	static const char *const tables[] = {"execs", "files", "connections"};
	for (size_t i = 0; i < 3; i++) {
		char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE %s USING kite_%s(%Q)", tables[i], tables[i],
		                            kcap);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			kb_fail("%s: %s", sql, sqlite3_errmsg(db));
		sqlite3_free(sql);
	}
	return db;
}

/* One query on a fresh connection with events and drops vtabs: seconds, checksum, chunks decompressed and skipped. */
static double skip_query(const char *kcap, const char *sql, uint64_t *sum, struct kq_env *env)
{
	sqlite3 *db;
	memset(env, 0, sizeof(*env));
	if (sqlite3_open(":memory:", &db) != SQLITE_OK || kq_register(db, env) != SQLITE_OK)
		kb_fail("cannot open a database");
	char *create = sqlite3_mprintf("CREATE VIRTUAL TABLE events USING kite_events(%Q);"
	                               "CREATE VIRTUAL TABLE drops USING kite_drops(%Q)",
	                               kcap, kcap);
	if (sqlite3_exec(db, create, NULL, NULL, NULL) != SQLITE_OK)
		kb_fail("%s: %s", create, sqlite3_errmsg(db));
	sqlite3_free(create);
	double t = run_query(db, sql, sum);
	sqlite3_close(db);
	return t;
}

/* The skipping queries, each against the same rows read from every chunk; checks both give the same rows. */
static void run_skipping(const char *kcap, uint64_t first, uint64_t last)
{
	printf("\n%-50s %9s %9s %9s %9s\n", "skipping chunks (seconds; chunks)", "skipping", "decomp.",
	       "skipped", "all read");
	uint64_t tenth = first + (last - first) / 10 * 9;
	for (size_t q = 0; q < NSQ; q++) {
		char fast[512], all[512];
		uint64_t a, b;
		struct kq_env ea, eb;
		unsigned long long from = q == 0 ? 0 : (unsigned long long)tenth;
		snprintf(fast, sizeof(fast), skip_queries[q].skipping, from);
		snprintf(all, sizeof(all), skip_queries[q].all, from);
		double ta = skip_query(kcap, fast, &a, &ea), tb = skip_query(kcap, all, &b, &eb);
		if (a != b)
			kb_fail("%s: skipping chunks changes the rows", skip_queries[q].name);
		if (eb.chunks_skipped)
			kb_fail("%s: a query that needs the state skipped chunks", skip_queries[q].name);
		printf("%-50s %9.2f %9llu %9llu %9.2f (%llu chunks, %.1fx)\n", skip_queries[q].name, ta,
		       ea.chunks_read, ea.chunks_skipped, tb, eb.chunks_read, ta > 0 ? tb / ta : 0);
	}
}

static void usage(const char *argv0)
{
	printf("usage: %s [--events N] [--quick] [--skipping]\n"
	       "\n"
	       "Runs three queries (execs by parent, top files written, connections by remote address)\n"
	       "over a generated capture of a simulated host (bench/gen.c, cached next to this program):\n"
	       "through the kite_* virtual tables (kite sql), without and with a time range (the middle\n"
	       "tenth of the capture), and against 'kite export --sqlite' once and the same queries on\n"
	       "the exported, indexed database.  Checks that both give the same rows.\n"
	       "\n"
	       "Then queries on events that need no state (by type, by time) and on drops, which\n"
	       "skip chunks unread, against the same rows read from every chunk.\n"
	       "\n"
	       "  --events N  events in the capture (default %llu)\n"
	       "  --quick     %llu events, for a smoke test\n"
	       "  --skipping  only the queries that skip chunks\n",
	       argv0, (unsigned long long)DEFAULT_EVENTS, (unsigned long long)QUICK_EVENTS);
}

struct timing {
	double vt[NQ][2], db[NQ][2];
	uint64_t vsum[NQ][2], dsum[NQ][2];
};

static void run_all(sqlite3 *db, uint64_t from, uint64_t to, double t[NQ][2], uint64_t sum[NQ][2])
{
	for (size_t q = 0; q < NQ; q++)
		for (int r = 0; r < 2; r++) {
			char *sql = with_range((int)q, from, r ? to : 0);
			t[q][r] = sql ? run_query(db, sql, &sum[q][r]) : 0;
			free(sql);
		}
}

static void report(const struct timing *t, double export_s, double size_mb, uint64_t n)
{
	printf("\n%-32s %12s %12s %12s %12s\n",
	       "query ("
	       "seconds)",
	       "vtab", "vtab+range", "db", "db+range");
	for (size_t q = 0; q < NQ; q++)
		printf("%-32s %12.2f %12.2f %12.4f %12.4f\n", queries[q].name, t->vt[q][0], t->vt[q][1],
		       t->db[q][0], t->db[q][1]);
	double vt = 0, vtr = 0, db = 0, dbr = 0;
	for (size_t q = 0; q < NQ; q++)
		vt += t->vt[q][0], vtr += t->vt[q][1], db += t->db[q][0], dbr += t->db[q][1];
	printf("\nkite export --sqlite: %.2f s for %" PRIu64 " events (%.2f Mevents/s), database %.0f MB\n",
	       export_s, n, (double)n / export_s / 1e6, size_mb);
	printf("three queries, vtab:                 %.2f s (with the range: %.2f s, %.2fx faster)\n", vt,
	       vtr, vtr > 0 ? vt / vtr : 0);
	printf("three queries, export then db:       %.2f s (export %.2f + queries %.3f)\n", export_s + db,
	       export_s, db);
	printf("ratio vtab / (export + db queries):  %.2f\n", vt / (export_s + db));
	printf("ratio vtab / db queries alone:       %.0f (with the range: %.0f)\n", db > 0 ? vt / db : 0,
	       dbr > 0 ? vtr / dbr : 0);
}

int main(int argc, char **argv)
{
	uint64_t n = DEFAULT_EVENTS;
	int skipping_only = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			n = QUICK_EVENTS;
		else if (!strcmp(argv[i], "--skipping"))
			skipping_only = 1;
		else if (!strcmp(argv[i], "--events") && i + 1 < argc) {
			if (kb_parse_count(argv[++i], &n) < 0) {
				fprintf(stderr, "bench/sql: --events wants a positive count, not '%s'\n",
				        argv[i]);
				return 2;
			}
		} else {
			usage(argv[0]);
			return strcmp(argv[i], "--help") ? 2 : 0;
		}
	}
	static char dir[PATH_MAX - 64], kcap[PATH_MAX];
	kb_self_dir(argv[0], dir, sizeof(dir));
	struct kb_expect x;
	if (kb_capture(dir, n, kcap, sizeof(kcap), &x) < 0)
		return 1;
	printf("bench/sql: %s (%" PRIu64 " events)\n", kcap, x.events);
	struct timing t;
	sqlite3 *vdb = vtab_db(kcap);
	uint64_t first = 0, last = 0;
	if (vdb) { /* the capture's time span */
		sqlite3_stmt *st;
		char *sql = sqlite3_mprintf("SELECT first_ts, last_ts FROM kite_captures(%Q)", kcap);
		if (sqlite3_prepare_v2(vdb, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW) {
			first = (uint64_t)sqlite3_column_int64(st, 0);
			last = (uint64_t)sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
		sqlite3_free(sql);
	}
	if (skipping_only) {
		sqlite3_close(vdb);
		run_skipping(kcap, first, last);
		return kb_failures ? 1 : 0;
	}
	/* the time range: the middle tenth of the capture */
	uint64_t from = first + (last - first) / 100 * 45, to = first + (last - first) / 100 * 55;
	run_all(vdb, from, to, t.vt, t.vsum);
	sqlite3_close(vdb);
	char db_path[PATH_MAX];
	snprintf(db_path, sizeof(db_path), "%s/sql-%" PRIu64 ".db", dir, n);
	double t0 = kb_now(CLOCK_MONOTONIC);
	if (kq_export(db_path, &(char *){kcap}, 1, NULL) != 0)
		kb_fail("kite export failed");
	double export_s = kb_now(CLOCK_MONOTONIC) - t0;
	struct stat stt;
	double size_mb = stat(db_path, &stt) == 0 ? (double)stt.st_size / 1e6 : 0;
	sqlite3 *ddb;
	if (sqlite3_open_v2(db_path, &ddb, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		kb_fail("%s: cannot open", db_path);
	run_all(ddb, from, to, t.db, t.dsum);
	sqlite3_close(ddb);
	unlink(db_path);
	for (size_t q = 0; q < NQ; q++)
		for (int r = 0; r < 2; r++)
			if (t.vsum[q][r] != t.dsum[q][r])
				kb_fail("%s%s: the vtab and the exported database give different rows",
				        queries[q].name, r ? " (range)" : "");
	report(&t, export_s, size_mb, x.events);
	run_skipping(kcap, first, last);
	return kb_failures ? 1 : 0;
}

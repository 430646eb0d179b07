/* sql.c - benchmarks SQL over a capture: three typical queries through the kite_* vtabs, with and without a time range, against kite export + the same queries on the database. */
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

static void usage(const char *argv0)
{
	printf("usage: %s [--events N] [--quick]\n"
	       "\n"
	       "Runs three queries (execs by parent, top files written, connections by remote address)\n"
	       "over a generated capture of a simulated host (bench/gen.c, cached next to this program):\n"
	       "through the kite_* virtual tables (kite sql), without and with a time range (the middle\n"
	       "tenth of the capture), and against 'kite export --sqlite' once and the same queries on\n"
	       "the exported, indexed database.  Checks that both give the same rows.\n"
	       "\n"
	       "  --events N  events in the capture (default %llu)\n"
	       "  --quick     %llu events, for a smoke test\n",
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
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			n = QUICK_EVENTS;
		else if (!strcmp(argv[i], "--events") && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else {
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
	if (vdb) { /* the time range: the middle tenth of the capture */
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
	return kb_failures ? 1 : 0;
}

/* export.c - `kite export --sqlite`: one replay fills real sqlite tables (the vtabs' columns), then indexes them. */
#include "export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "collect.h"
#include "sqlite_api.h"

struct exporter {
	sqlite3 *db;
	sqlite3_stmt *ins[KQ_NTABLES];
	int failed;
	uint64_t rows[KQ_NTABLES];
};

static int exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	cli_error("export: %s", err ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	return -1;
}

/* CREATE TABLE and its INSERT statement, from the same column list as the vtab. */
static int prepare_table(struct exporter *x, unsigned t)
{
	const struct kq_table *tb = &kq_tables[t];
	char *cols = kq_table_columns_sql(tb, 0);
	char *sql = cols ? sqlite3_mprintf("CREATE TABLE %s(%s)", tb->name, cols) : NULL;
	free(cols);
	int rc = sql ? exec(x->db, sql) : -1;
	sqlite3_free(sql);
	if (rc < 0)
		return -1;
	char marks[KQ_MAX_COLS * 2 + 1] = "";
	for (unsigned i = 0; i < tb->ncols; i++)
		strcat(marks, i ? ",?" : "?");
	sql = sqlite3_mprintf("INSERT INTO %s VALUES(%s)", tb->name, marks);
	rc = sql ? sqlite3_prepare_v2(x->db, sql, -1, &x->ins[t], NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	if (rc != SQLITE_OK) {
		cli_error("export: %s", sqlite3_errmsg(x->db));
		return -1;
	}
	return 0;
}

static void emit(void *ctx, int table, const struct kq_cell *cells)
{
	struct exporter *x = ctx;
	sqlite3_stmt *st = x->ins[table];
	if (x->failed || !st)
		return;
	for (unsigned i = 0; i < kq_tables[table].ncols; i++) {
		if (cells[i].t == KQ_VINT)
			sqlite3_bind_int64(st, (int)i + 1, cells[i].i);
		else if (cells[i].t == KQ_VTEXT)
			sqlite3_bind_text(st, (int)i + 1, cells[i].s, (int)cells[i].len, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, (int)i + 1);
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		cli_error("export: %s", sqlite3_errmsg(x->db));
		x->failed = 1;
	}
	sqlite3_reset(st);
	x->rows[table]++;
}

/* The indexes the column definitions ask for (KQ_IDX), built once the rows are in: faster than while inserting. */
static int create_indexes(struct exporter *x, unsigned tables)
{
	for (unsigned t = 0; t < KQ_NTABLES; t++) {
		if (!((tables >> t) & 1))
			continue;
		for (unsigned c = 0; c < kq_tables[t].ncols; c++) {
			if (!(kq_tables[t].cols[c].flags & KQ_IDX))
				continue;
			char *sql = sqlite3_mprintf("CREATE INDEX %s_%s ON %s(%s)", kq_tables[t].name,
			                            kq_tables[t].cols[c].name, kq_tables[t].name,
			                            kq_tables[t].cols[c].name);
			int rc = sql ? exec(x->db, sql) : -1;
			sqlite3_free(sql);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

static int fill(struct exporter *x, char **files, unsigned nfiles, struct kite_rules *rules, unsigned tables,
                int *damaged)
{
	struct kq_collect_opts o = {
	        .files = files, .nfiles = nfiles, .rules = rules, .tables = tables, .emit = emit, .ctx = x};
	for (unsigned t = 0; t < KQ_NTABLES; t++)
		o.used[t] = ~0ull;
	char err[600];
	struct kq_collect *k = kq_collect_open(&o, err, sizeof(err));
	if (!k) {
		cli_error("%s", err);
		return -1;
	}
	int rc;
	while ((rc = kq_collect_step(k, err, sizeof(err))) == 1 && !x->failed)
		;
	if (rc < 0)
		cli_error("%s", err);
	*damaged = kq_collect_damaged(k);
	kq_collect_close(k);
	return rc < 0 || x->failed ? -1 : 0;
}

static int write_db(struct exporter *x, const char *tmp, char **files, unsigned nfiles,
                    struct kite_rules *rules, int *damaged)
{
	unsigned tables = (1u << KQ_NTABLES) - 1;
	if (!rules)
		tables &= ~(1u << KQ_ALERTS);
	if (sqlite3_open(tmp, &x->db) != SQLITE_OK) {
		cli_error("%s: %s", tmp, x->db ? sqlite3_errmsg(x->db) : "out of memory");
		return -1;
	}
	/* a new file written once: no journal, no syncs until the end; a 64 MiB cache for the index builds */
	static const char setup[] = "PRAGMA page_size=65536; PRAGMA journal_mode=OFF; "
	                            "PRAGMA synchronous=OFF; PRAGMA cache_size=-65536; BEGIN";
	if (exec(x->db, setup) < 0)
		return -1;
	for (unsigned t = 0; t < KQ_NTABLES; t++)
		if (((tables >> t) & 1) && prepare_table(x, t) < 0)
			return -1;
	if (fill(x, files, nfiles, rules, tables, damaged) < 0 || create_indexes(x, tables) < 0)
		return -1;
	return exec(x->db, "COMMIT");
}

int kq_export(const char *out, char **files, unsigned nfiles, struct kite_rules *rules)
{
	/* the database replaces OUT by a rename: never do that to a device, a directory or a pipe */
	struct stat st;
	if (stat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
		cli_error("%s: exists and is not a regular file; give a new or a database file", out);
		return KITE_EXIT_USAGE;
	}
	char *tmp = sqlite3_mprintf("%s.tmp%d", out, (int)getpid());
	if (!tmp)
		return KITE_EXIT_ERROR;
	unlink(tmp);
	struct exporter x = {0};
	int damaged = 0;
	int rc = write_db(&x, tmp, files, nfiles, rules, &damaged);
	for (unsigned t = 0; t < KQ_NTABLES; t++)
		sqlite3_finalize(x.ins[t]);
	if (x.db && sqlite3_close(x.db) != SQLITE_OK)
		rc = -1;
	if (rc == 0 && rename(tmp, out) != 0) {
		cli_error("%s: %m", out);
		rc = -1;
	}
	if (rc < 0)
		unlink(tmp);
	sqlite3_free(tmp);
	if (rc < 0)
		return KITE_EXIT_ERROR;
	for (unsigned t = 0; t < KQ_NTABLES; t++)
		if (x.rows[t] || ((t != KQ_ALERTS) || rules))
			fprintf(stderr, "%s%s %llu", t ? ", " : "kite: exported ", kq_tables[t].name,
			        (unsigned long long)x.rows[t]);
	fputc('\n', stderr);
	return damaged ? KITE_EXIT_DAMAGED : KITE_EXIT_OK;
}

/* vtab.c - the sqlite3 virtual-table modules over captures: arguments, pushdown (xBestIndex/xFilter), cursors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "collect.h"
#include "query.h"
#include "rules.h"
#include "sqlite_api.h"

struct kq_vtab {
	sqlite3_vtab base;
	const struct kq_table *t;
	int table;
	struct kq_env *env;
	char **files; /* from CREATE VIRTUAL TABLE arguments; NULL for the table-valued form */
	unsigned nfiles;
	char **rules;
	unsigned nrules;
	kite_rules *compiled;
	char *compiled_for;       /* the rules argument compiled is for (table-valued form) */
	struct kq_cache cache[4]; /* the last complete scans with different arguments */
	unsigned next_slot;
	char *too_big; /* the arguments of the last scan that did not fit in a cache */
};

struct kq_modaux {
	const struct kq_table *t;
	struct kq_env *env;
};

struct kq_cursor {
	sqlite3_vtab_cursor base;
	struct kq_collect *k;
	struct kq_cell *cells; /* queued rows of one step, ncols each */
	size_t nrows, cap, pos;
	const struct kq_cell *rows; /* what is read: cells, or the table's cache */
	size_t *sel, nsel;          /* reading the cache through a lookup: these rows of it */
	int selecting;
	char *key;           /* the scan's arguments, for the cache */
	struct kq_cache *ca; /* the cache being filled or read */
	int claimed;         /* ca is held: its readers count includes this cursor */
	int caching, cached; /* filling it; reading it */
	int oom;             /* a row could not be queued: the scan fails */
	int lookup_col;      /* `col = ?` served from the cache (or filtered while streaming); -1 if none */
	struct kq_key lookup;
	char *lookup_text;
	sqlite3_int64 rowid;
	int eof;
	char *file_arg, *rules_arg;
	char *types_mem[64];
};

/* Hidden columns after the table's own: the table-valued function's arguments. */
#define COL_FILE(t)  ((int)(t)->ncols)
#define COL_RULES(t) ((int)(t)->ncols + 1)

/* ---- arguments of CREATE VIRTUAL TABLE ---- */

static char *unquote(const char *s)
{
	size_t n = strlen(s);
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n < 2 || (s[0] != '\'' && s[0] != '"') || s[n - 1] != s[0])
		return sqlite3_mprintf("%.*s", (int)n, s);
	/* an SQL string: drop the quotes, and a doubled quote inside stands for one */
	char *out = sqlite3_malloc64(n);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 1; i + 1 < n; i++) {
		out[o++] = s[i];
		if (s[i] == s[0] && s[i + 1] == s[0] && i + 2 < n)
			i++;
	}
	out[o] = 0;
	return out;
}

static int push(char ***arr, unsigned *n, char *v)
{
	char **a = sqlite3_realloc64(*arr, sizeof(**arr) * (*n + 1));
	if (!a) {
		sqlite3_free(v);
		return SQLITE_NOMEM;
	}
	*arr = a;
	a[(*n)++] = v;
	return SQLITE_OK;
}

/* 'a.kcap', 'b.kcap', rules='r.yaml': files and rules files. */
static int parse_args(struct kq_vtab *v, int argc, const char *const *argv)
{
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];
		while (*a == ' ')
			a++;
		int is_rules = !strncmp(a, "rules", 5) && strchr(a, '=') &&
		               strspn(a + 5, " ") == (size_t)(strchr(a, '=') - a - 5);
		char *val = unquote(is_rules ? strchr(a, '=') + 1 : a);
		if (!val)
			return SQLITE_NOMEM;
		int rc = is_rules ? push(&v->rules, &v->nrules, val) : push(&v->files, &v->nfiles, val);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

static void free_list(char **a, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sqlite3_free(a[i]);
	sqlite3_free(a);
}

static void vtab_free(struct kq_vtab *v)
{
	sqlite3_free(v->base.zErrMsg); /* set but never handed to sqlite when xConnect fails */
	for (size_t i = 0; i < sizeof(v->cache) / sizeof(v->cache[0]); i++)
		kq_cache_clear(&v->cache[i]);
	free(v->too_big);
	free_list(v->files, v->nfiles);
	free_list(v->rules, v->nrules);
	if (v->compiled)
		kite_rules_free(v->compiled);
	free(v->compiled_for);
	sqlite3_free(v);
}

/* Rules from a list of paths, compiled once per table; errors (Falco-style diagnostics) into the vtab. */
static kite_rules *compile_rules(struct kq_vtab *v, char **paths, unsigned n)
{
	char *err = NULL;
	kite_rules *r = kq_rules_load(paths, n, &err);
	if (!r) {
		sqlite3_free(v->base.zErrMsg);
		v->base.zErrMsg = sqlite3_mprintf("rules do not load:\n%s", err ? err : "out of memory");
	}
	free(err);
	return r;
}

static int xconnect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **err)
{
	const struct kq_modaux *a = aux;
	const struct kq_table *t = a->t;
	char *cols = kq_table_columns_sql(t, 1);
	if (!cols)
		return SQLITE_NOMEM;
	char *sql = sqlite3_mprintf("CREATE TABLE x(%s)", cols);
	free(cols);
	int rc = sql ? sqlite3_declare_vtab(db, sql) : SQLITE_NOMEM;
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return rc;
	struct kq_vtab *v = sqlite3_malloc(sizeof(*v));
	if (!v)
		return SQLITE_NOMEM;
	memset(v, 0, sizeof(*v));
	v->t = t;
	v->table = (int)(t - kq_tables);
	v->env = a->env;
	for (size_t i = 0; i < sizeof(v->cache) / sizeof(v->cache[0]); i++)
		v->cache[i].hash_col = -1;
	rc = parse_args(v, argc, argv);
	if (rc == SQLITE_OK && v->nrules && !(v->compiled = compile_rules(v, v->rules, v->nrules))) {
		*err = sqlite3_mprintf("%s", v->base.zErrMsg);
		rc = SQLITE_ERROR;
	}
	if (rc != SQLITE_OK) {
		vtab_free(v);
		return rc;
	}
	*out = &v->base;
	sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
	return SQLITE_OK;
}

static int xdisconnect(sqlite3_vtab *vt)
{
	vtab_free((struct kq_vtab *)vt);
	return SQLITE_OK;
}

/* ---- pushdown ---- */

/*
 * idxStr says what each xFilter argument is, one letter each: f file, r
 * rules, a ts>=, A ts>, b ts<=, B ts<, e ts=, t type=, T type IN, p pid=;
 * then ':' and the columns used as hex (only those are computed).
 */
static char op_letter(const struct kq_table *t, int col, unsigned char op)
{
	if (col == COL_FILE(t) && op == SQLITE_INDEX_CONSTRAINT_EQ)
		return 'f';
	if (col == COL_RULES(t) && op == SQLITE_INDEX_CONSTRAINT_EQ)
		return 'r';
	if (col == t->ts_col)
		switch (op) {
		case SQLITE_INDEX_CONSTRAINT_GE: return 'a';
		case SQLITE_INDEX_CONSTRAINT_GT: return 'A';
		case SQLITE_INDEX_CONSTRAINT_LE: return 'b';
		case SQLITE_INDEX_CONSTRAINT_LT: return 'B';
		case SQLITE_INDEX_CONSTRAINT_EQ: return 'e';
		}
	if (col == t->type_col && op == SQLITE_INDEX_CONSTRAINT_EQ)
		return 't';
	if (col == t->pid_col && op == SQLITE_INDEX_CONSTRAINT_EQ)
		return 'p';
	return 0;
}

/*
 * `col = ?` on an indexed column of a table other than events (processes.id,
 * fds.proc_id, execs.pid, ...) is served from the table's cached rows by a
 * hash lookup: that makes such a table cheap as the inner side of a join.
 * Events are too many to cache.
 */
static int is_lookup(const struct kq_vtab *v, const struct sqlite3_index_constraint *c)
{
	return v->table != KQ_EVENTS && c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->iColumn >= 0 &&
	       c->iColumn < (int)v->t->ncols && (v->t->cols[c->iColumn].flags & (KQ_IDX | KQ_PID));
}

static int xbestindex(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	struct kq_vtab *v = (struct kq_vtab *)vt;
	const struct kq_table *t = v->t;
	char letters[64];
	int n = 0, have_file = v->nfiles > 0, have_type = 0;
	double cost = v->table == KQ_EVENTS ? 1e7 : 1e6;
	int lookup = -1;
	for (int i = 0; i < info->nConstraint && n < 60; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		char l = op_letter(t, c->iColumn, c->op);
		if (c->usable && lookup < 0 && is_lookup(v, c)) {
			l = 'k';
			lookup = c->iColumn;
		}
		if (!l)
			continue;
		if (!c->usable) {
			if (l == 'f' || l == 'r')
				return SQLITE_CONSTRAINT; /* a plan without the capture's name cannot run */
			continue;
		}
		if (l == 't') {
			if (have_type)
				continue;
			have_type = 1;
			if (sqlite3_vtab_in(info, i, -1)) {
				sqlite3_vtab_in(info, i, 1); /* the whole IN list at once */
				l = 'T';
			}
			cost /= 10;
		} else if (l == 'p') {
			cost /= 10;
		} else if (l != 'f' && l != 'r') {
			cost /= 2;
		}
		have_file |= l == 'f';
		letters[n++] = l;
		info->aConstraintUsage[i].argvIndex = n;
		/* the capture arguments are not values of rows; the rest sqlite checks again (cheap, and exact) */
		info->aConstraintUsage[i].omit = l == 'f' || l == 'r';
	}
	letters[n] = 0;
	if (lookup >= 0) /* a hash lookup in the cached rows, once the first scan filled it */
		cost = !strcmp(t->cols[lookup].name, "id") ? 10 : 20;
	if (!have_file)
		cost = 1e15; /* no capture to read: xFilter will say so, if sqlite picks this */
	/* rows come in time order: ORDER BY ts needs no sort */
	if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == t->ts_col && t->ts_col >= 0 &&
	    !info->aOrderBy[0].desc)
		info->orderByConsumed = 1;
	info->estimatedCost = cost;
	info->estimatedRows = lookup >= 0 ? (sqlite3_int64)cost / 10 : (sqlite3_int64)cost;
	info->idxStr = sqlite3_mprintf("%s:%llx:%d", letters, (unsigned long long)info->colUsed, lookup);
	info->needToFreeIdxStr = 1;
	return info->idxStr ? SQLITE_OK : SQLITE_NOMEM;
}

/* ---- cursors ---- */

static int xopen(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	(void)vt;
	struct kq_cursor *c = sqlite3_malloc(sizeof(*c));
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*out = &c->base;
	return SQLITE_OK;
}

/* What a finished scan read and skipped, for the connection's counts. */
static void env_chunks(struct kq_env *env, const struct kq_collect *k)
{
	uint64_t read = 0, skipped = 0;
	if (!env)
		return;
	kq_collect_chunks(k, &read, &skipped);
	env->chunks_read += read;
	env->chunks_skipped += skipped;
}

static void cursor_reset(struct kq_cursor *c, struct kq_vtab *v)
{
	if (c->caching) /* a scan left before its end: what it cached is incomplete */
		kq_cache_clear(c->ca);
	if (c->claimed)
		c->ca->readers--;
	c->claimed = c->cached = c->caching = 0;
	c->ca = NULL;
	sqlite3_free(c->key);
	c->key = NULL;
	c->rows = NULL;
	if (c->k) {
		if (v->env && kq_collect_damaged(c->k))
			v->env->damaged = 1;
		env_chunks(v->env, c->k);
		kq_collect_close(c->k);
		c->k = NULL;
	}
	sqlite3_free(c->file_arg);
	sqlite3_free(c->rules_arg);
	c->file_arg = c->rules_arg = NULL;
	for (size_t i = 0; i < sizeof(c->types_mem) / sizeof(c->types_mem[0]); i++) {
		sqlite3_free(c->types_mem[i]);
		c->types_mem[i] = NULL;
	}
	sqlite3_free(c->lookup_text);
	c->lookup_text = NULL;
	memset(&c->lookup, 0, sizeof(c->lookup));
	c->lookup_col = -1;
	c->selecting = 0;
	c->nsel = 0;
	c->nrows = c->pos = 0;
	c->eof = 1;
	c->oom = 0;
}

static int xclose(sqlite3_vtab_cursor *cur)
{
	struct kq_cursor *c = (struct kq_cursor *)cur;
	cursor_reset(c, (struct kq_vtab *)cur->pVtab);
	free(c->sel);
	sqlite3_free(c->cells);
	sqlite3_free(c);
	return SQLITE_OK;
}

/* The scan does not fit in a cache: stop filling it, and do not try again for the same arguments. */
static void too_big(struct kq_cursor *c)
{
	struct kq_vtab *v = (struct kq_vtab *)c->base.pVtab;
	kq_cache_clear(c->ca);
	c->caching = 0;
	free(v->too_big);
	v->too_big = c->key ? strdup(c->key) : NULL;
}

/* While materializing: rows only to the cache. */
static void emit_cache(void *ctx, int table, const struct kq_cell *cells)
{
	struct kq_cursor *c = ctx;
	if (c->caching && kq_cache_add(c->ca, kq_tables[table].ncols, cells) < 0)
		too_big(c);
}

static void emit(void *ctx, int table, const struct kq_cell *cells)
{
	struct kq_cursor *c = ctx;
	unsigned nc = kq_tables[table].ncols;
	if (c->caching && kq_cache_add(c->ca, nc, cells) < 0)
		too_big(c);
	if (c->lookup_col >= 0 && !kq_cell_matches(&cells[c->lookup_col], &c->lookup))
		return; /* a lookup that could not use the cache: only its rows are queued */
	if (c->nrows == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct kq_cell *nw = sqlite3_realloc64(c->cells, cap * nc * sizeof(*nw));
		if (!nw) {
			c->oom = 1; /* reported by fill(): a scan never silently loses rows */
			return;
		}
		c->cells = nw;
		c->cap = cap;
	}
	memcpy(c->cells + c->nrows * nc, cells, nc * sizeof(*cells));
	c->nrows++;
	c->rows = c->cells;
}

static int set_error(struct kq_cursor *c, const char *fmt, const char *what)
{
	sqlite3_vtab *vt = c->base.pVtab;
	sqlite3_free(vt->zErrMsg);
	vt->zErrMsg = sqlite3_mprintf(fmt, what);
	return SQLITE_ERROR;
}

/* Steps the replay until a row is queued or it ends. */
static int fill(struct kq_cursor *c)
{
	c->nrows = c->pos = 0;
	while (c->nrows == 0) {
		char err[512];
		int rc = kq_collect_step(c->k, err, sizeof(err));
		if (c->oom)
			return SQLITE_NOMEM;
		if (rc < 0)
			return set_error(c, "%s", err);
		if (rc == 0) {
			c->eof = 1;
			if (c->caching) /* the whole table went through: the next scan reads the cache */
				c->ca->valid = 1;
			c->caching = 0;
			return SQLITE_OK;
		}
	}
	return SQLITE_OK;
}

static void time_bound(struct kq_filter *f, char op, sqlite3_int64 x)
{
	uint64_t lo = 0, hi = UINT64_MAX;
	switch (op) {
	case 'a': lo = x < 0 ? 0 : (uint64_t)x; break;
	case 'A': lo = x < 0 ? 0 : (uint64_t)x + 1; break;
	case 'b': hi = x < 0 ? 0 : (uint64_t)x, f->empty |= x < 1; break;
	case 'B': hi = x < 1 ? 0 : (uint64_t)x - 1, f->empty |= x < 2; break;
	case 'e': lo = hi = x < 0 ? 0 : (uint64_t)x, f->empty |= x < 1; break;
	}
	if (lo > f->from)
		f->from = lo;
	if (hi != UINT64_MAX && (f->to == 0 || hi < f->to))
		f->to = hi;
	if (f->to && f->from > f->to)
		f->empty = 1;
}

/* The type IN list (or one type =), copied: the strings go with the arguments. */
static void type_list(struct kq_cursor *c, struct kq_filter *f, char op, sqlite3_value *arg)
{
	unsigned n = 0;
	if (op == 't') {
		if (sqlite3_value_type(arg) == SQLITE_TEXT)
			c->types_mem[n++] = sqlite3_mprintf("%s", sqlite3_value_text(arg));
	} else {
		sqlite3_value *x;
		for (int rc = sqlite3_vtab_in_first(arg, &x); rc == SQLITE_OK && x && n < 64;
		     rc = sqlite3_vtab_in_next(arg, &x))
			if (sqlite3_value_type(x) == SQLITE_TEXT)
				c->types_mem[n++] = sqlite3_mprintf("%s", sqlite3_value_text(x));
	}
	f->types = (const char **)c->types_mem;
	f->ntypes = n;
	if (n == 0)
		f->empty = 1; /* type = 1 (a number) or IN (NULL): no event type matches */
}

/* The value of a lookup, as the column's type compares it (sqlite checks the rows again anyway). */
static void lookup_key(struct kq_cursor *c, sqlite3_value *a)
{
	struct kq_vtab *v = (struct kq_vtab *)c->base.pVtab;
	struct kq_key *k = &c->lookup;
	memset(k, 0, sizeof(*k));
	if (c->lookup_col < 0 || sqlite3_value_type(a) == SQLITE_NULL)
		return;
	if (v->t->cols[c->lookup_col].type == KQ_INT) {
		int nt = sqlite3_value_numeric_type(a);
		double d = sqlite3_value_double(a);
		if (nt == SQLITE_INTEGER || (nt == SQLITE_FLOAT && d == (double)(int64_t)d)) {
			k->t = KQ_VINT;
			k->i = nt == SQLITE_INTEGER ? sqlite3_value_int64(a) : (int64_t)d;
		}
		return;
	}
	const unsigned char *s = sqlite3_value_text(a);
	if (s && (c->lookup_text = sqlite3_mprintf("%s", s))) {
		k->t = KQ_VTEXT;
		k->s = c->lookup_text;
		k->len = strlen(c->lookup_text);
	}
}

/* Reads xFilter's arguments as idxStr describes them. */
static void read_args(struct kq_cursor *c, const char *idx, int argc, sqlite3_value **argv,
                      struct kq_filter *f)
{
	for (int i = 0; idx[i] && idx[i] != ':' && i < argc; i++) {
		sqlite3_value *a = argv[i];
		int is_int = sqlite3_value_type(a) == SQLITE_INTEGER;
		switch (idx[i]) {
		case 'f': c->file_arg = sqlite3_mprintf("%s", sqlite3_value_text(a)); break;
		case 'r': c->rules_arg = sqlite3_mprintf("%s", sqlite3_value_text(a)); break;
		case 't':
		case 'T': type_list(c, f, idx[i], a); break;
		case 'k': lookup_key(c, a); break;
		case 'p':
			if (!is_int || (f->has_pid && f->pid != sqlite3_value_int64(a)))
				f->empty = 1;
			f->has_pid = 1;
			f->pid = sqlite3_value_int64(a);
			break;
		default:
			if (is_int) /* other values (text, real) are left to sqlite's own check */
				time_bound(f, idx[i], sqlite3_value_int64(a));
		}
	}
}

/* The rules for kite_alerts: from CREATE's rules=, or the second argument of the function form. */
static kite_rules *rules_for(struct kq_cursor *c, struct kq_vtab *v)
{
	if (!c->rules_arg)
		return v->compiled;
	if (v->compiled_for && !strcmp(v->compiled_for, c->rules_arg))
		return v->compiled;
	if (v->compiled)
		kite_rules_free(v->compiled);
	free(v->compiled_for);
	v->compiled_for = NULL;
	char *paths[1] = {c->rules_arg};
	v->compiled = compile_rules(v, paths, 1);
	if (v->compiled)
		v->compiled_for = strdup(c->rules_arg);
	return v->compiled;
}

/* The scan's arguments as one string: files, rules, pushed-down filter, columns. */
static char *scan_key(struct kq_cursor *c, struct kq_vtab *v, const struct kq_filter *f,
                      const struct kq_collect_opts *o)
{
	char *k = sqlite3_mprintf("%s|%s|%llu|%llu|%d|%lld|%d|%llx|", c->file_arg ? c->file_arg : "",
	                          c->rules_arg ? c->rules_arg : "", (unsigned long long)f->from,
	                          (unsigned long long)f->to, f->has_pid, (long long)f->pid, f->empty,
	                          (unsigned long long)o->used[v->table]);
	for (unsigned i = 0; k && f->types && i < f->ntypes; i++) {
		char *n = sqlite3_mprintf("%s%s,", k, f->types[i]);
		sqlite3_free(k);
		k = n;
	}
	return k;
}

static int start_scan(struct kq_cursor *c, const struct kq_collect_opts *o)
{
	char err[600];
	if (!(c->k = kq_collect_open(o, err, sizeof(err))))
		return set_error(c, "%s", err);
	return fill(c);
}

/* Replays the whole table into c->ca; 0 when it all fitted, 1 when not (the slot is left empty), -1 on error. */
static int materialize(struct kq_cursor *c, struct kq_vtab *v, const struct kq_collect_opts *o)
{
	struct kq_cache *ca = c->ca;
	kq_cache_clear(ca);
	if (!(ca->key = strdup(c->key)))
		return set_error(c, "%s", "out of memory"), -1;
	struct kq_collect_opts mo = *o;
	mo.emit = emit_cache;
	mo.ctx = c;
	char err[600];
	struct kq_collect *k = kq_collect_open(&mo, err, sizeof(err));
	if (!k)
		return set_error(c, "%s", err), -1;
	c->caching = 1;
	int rc;
	while ((rc = kq_collect_step(k, err, sizeof(err))) == 1 && c->caching)
		;
	if (v->env && kq_collect_damaged(k))
		v->env->damaged = 1;
	env_chunks(v->env, k);
	kq_collect_close(k);
	if (rc < 0)
		return set_error(c, "%s", err), -1;
	ca->valid = c->caching; /* else too_big() emptied it */
	c->caching = 0;
	return ca->valid ? 0 : 1;
}

/* The slot holding this scan's rows, else a free one to fill (NULL when all are being read). */
static struct kq_cache *find_slot(struct kq_vtab *v, const char *key, int *have)
{
	size_t n = sizeof(v->cache) / sizeof(v->cache[0]);
	*have = 0;
	for (size_t i = 0; i < n; i++)
		if (v->cache[i].valid && !strcmp(v->cache[i].key, key)) {
			*have = 1;
			return &v->cache[i];
		}
	for (size_t i = 0; i < n; i++) {
		struct kq_cache *ca = &v->cache[v->next_slot++ % n];
		if (!ca->readers)
			return ca;
	}
	return NULL;
}

/*
 * The tables other than events: their rows are replayed into a cache once,
 * then read from it (all of them, or those of a `col = ?` lookup through a
 * hash): sqlite scans the inner table of a join once per outer row.  A table
 * too big to cache is replayed per scan, keeping a lookup's rows.
 */
static int cached_scan(struct kq_cursor *c, struct kq_vtab *v, const struct kq_filter *f,
                       const struct kq_collect_opts *o)
{
	if (!(c->key = scan_key(c, v, f, o)))
		return SQLITE_NOMEM;
	int have = 0;
	if (!(v->too_big && !strcmp(v->too_big, c->key)) && (c->ca = find_slot(v, c->key, &have))) {
		c->ca->readers++;
		c->claimed = 1;
	}
	if (!c->ca)
		return start_scan(c, o);  /* too big, or every slot in use: a plain replay */
	if (!have && c->lookup_col < 0) { /* stream, filling the cache on the way */
		kq_cache_clear(c->ca);
		c->caching = (c->ca->key = strdup(c->key)) != NULL;
		return start_scan(c, o);
	}
	if (!have) { /* a lookup needs every row first */
		int rc = materialize(c, v, o);
		if (rc != 0)
			return rc < 0 ? SQLITE_ERROR : start_scan(c, o);
	}
	struct kq_cache *ca = c->ca;
	if (c->lookup_col >= 0 && kq_cache_lookup(ca, c->lookup_col, &c->lookup, &c->sel, &c->nsel) < 0)
		return SQLITE_NOMEM;
	c->cached = 1;
	c->selecting = c->lookup_col >= 0;
	c->rows = ca->cells;
	c->nrows = ca->nrows;
	c->eof = (c->selecting ? c->nsel : c->nrows) == 0;
	return SQLITE_OK;
}

static int xfilter(sqlite3_vtab_cursor *cur, int idxnum, const char *idxstr, int argc, sqlite3_value **argv)
{
	(void)idxnum;
	struct kq_cursor *c = (struct kq_cursor *)cur;
	struct kq_vtab *v = (struct kq_vtab *)cur->pVtab;
	cursor_reset(c, v);
	struct kq_filter f = {0};
	const char *colon = idxstr ? strchr(idxstr, ':') : NULL;
	const char *colon2 = colon ? strchr(colon + 1, ':') : NULL;
	c->lookup_col = colon2 ? atoi(colon2 + 1) : -1;
	read_args(c, idxstr ? idxstr : "", argc, argv, &f);
	struct kq_collect_opts o = {.tables = 1u << v->table, .filter = &f, .emit = emit, .ctx = c};
	/*
	 * Only the columns used are computed for events (args JSON is the costly one); the other
	 * tables compute all, so that any scan of them can fill or reuse the one cache.
	 */
	o.used[v->table] = colon && v->table == KQ_EVENTS ? strtoull(colon + 1, NULL, 16) : ~0ull;
	char *one[1] = {c->file_arg};
	o.files = c->file_arg ? one : v->files;
	o.nfiles = c->file_arg ? 1 : v->nfiles;
	if (!o.nfiles) {
		sqlite3_free(v->base.zErrMsg);
		v->base.zErrMsg =
		        sqlite3_mprintf("kite_%s: no capture given: kite_%s('FILE'), or CREATE VIRTUAL "
		                        "TABLE t USING kite_%s('FILE', ...)",
		                        v->t->name, v->t->name, v->t->name);
		return SQLITE_ERROR;
	}
	if (v->table == KQ_ALERTS && !(o.rules = rules_for(c, v))) {
		if (!v->base.zErrMsg)
			set_error(c, "%s",
			          "kite_alerts needs rules: kite_alerts('FILE', 'RULES.yaml'), or kite sql "
			          "-r RULES");
		return SQLITE_ERROR;
	}
	c->eof = 0;
	c->rowid = 0;
	if (v->table != KQ_EVENTS)
		return cached_scan(c, v, &f, &o);
	return start_scan(c, &o); /* events: too many to keep, streamed */
}

static int xnext(sqlite3_vtab_cursor *cur)
{
	struct kq_cursor *c = (struct kq_cursor *)cur;
	c->rowid++;
	if (++c->pos < (c->selecting ? c->nsel : c->nrows))
		return SQLITE_OK;
	if (c->cached) {
		c->eof = 1;
		return SQLITE_OK;
	}
	return fill(c);
}

static int xeof(sqlite3_vtab_cursor *cur)
{
	struct kq_cursor *c = (struct kq_cursor *)cur;
	return c->eof || (c->selecting ? c->nsel : c->nrows) == 0;
}

static int xcolumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	struct kq_cursor *c = (struct kq_cursor *)cur;
	struct kq_vtab *v = (struct kq_vtab *)cur->pVtab;
	int nc = (int)v->t->ncols;
	if (col >= nc) {
		const char *arg = col == COL_FILE(v->t) ? c->file_arg : c->rules_arg;
		if (arg)
			sqlite3_result_text(ctx, arg, -1, SQLITE_TRANSIENT);
		return SQLITE_OK;
	}
	size_t row = c->selecting ? c->sel[c->pos] : c->pos;
	const struct kq_cell *cell = &c->rows[row * (size_t)nc + (size_t)col];
	if (cell->t == KQ_VINT)
		sqlite3_result_int64(ctx, cell->i);
	else if (cell->t == KQ_VTEXT)
		sqlite3_result_text(ctx, cell->s, (int)cell->len, SQLITE_TRANSIENT);
	return SQLITE_OK;
}

static int xrowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = ((struct kq_cursor *)cur)->rowid;
	return SQLITE_OK;
}

static const sqlite3_module module = {
        .iVersion = 0,
        .xCreate = xconnect, /* the same as xConnect: eponymous, and CREATE VIRTUAL TABLE works too */
        .xConnect = xconnect,
        .xBestIndex = xbestindex,
        .xDisconnect = xdisconnect,
        .xDestroy = xdisconnect,
        .xOpen = xopen,
        .xClose = xclose,
        .xFilter = xfilter,
        .xNext = xnext,
        .xEof = xeof,
        .xColumn = xcolumn,
        .xRowid = xrowid,
};

int kq_register(sqlite3 *db, struct kq_env *env)
{
	/* one block of per-table data, freed with the first module (sqlite calls it when db closes) */
	struct kq_modaux *aux = sqlite3_malloc(sizeof(*aux) * KQ_NTABLES);
	if (!aux)
		return SQLITE_NOMEM;
	for (unsigned i = 0; i < KQ_NTABLES; i++) {
		aux[i].t = &kq_tables[i];
		aux[i].env = env;
	}
	for (unsigned i = 0; i < KQ_NTABLES; i++) {
		char name[64];
		snprintf(name, sizeof(name), "kite_%s", kq_tables[i].name);
		int rc = sqlite3_create_module_v2(db, name, &module, &aux[i], i == 0 ? sqlite3_free : NULL);
		if (rc != SQLITE_OK)
			return rc; /* module 0, if registered, frees aux with the connection */
	}
	return SQLITE_OK;
}

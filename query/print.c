/* print.c - prints the rows of an SQL statement as an aligned table, CSV (RFC 4180), JSON, JSON lines or Markdown. */
#include "print.h"

#include <stdlib.h>
#include <string.h>

#include "sqlite_api.h"

int kq_format_parse(const char *s)
{
	static const char *const names[] = {[KQ_FMT_TABLE] = "table",
	                                    [KQ_FMT_CSV] = "csv",
	                                    [KQ_FMT_JSON] = "json",
	                                    [KQ_FMT_JSONL] = "jsonl",
	                                    [KQ_FMT_MARKDOWN] = "markdown"};
	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(s, names[i]))
			return i;
	if (!strcmp(s, "md"))
		return KQ_FMT_MARKDOWN;
	return -1;
}

static void json_text(FILE *f, const unsigned char *s, int n)
{
	fputc('"', f);
	for (int i = 0; i < n; i++) {
		unsigned char ch = s[i];
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_value(FILE *f, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL: fputs("null", f); break;
	case SQLITE_INTEGER:
	case SQLITE_FLOAT: fputs((const char *)sqlite3_column_text(st, i), f); break;
	default: json_text(f, sqlite3_column_text(st, i), sqlite3_column_bytes(st, i));
	}
}

static void json_row(FILE *f, sqlite3_stmt *st)
{
	fputc('{', f);
	for (int i = 0; i < sqlite3_column_count(st); i++) {
		if (i)
			fputc(',', f);
		const char *name = sqlite3_column_name(st, i);
		json_text(f, (const unsigned char *)name, (int)strlen(name));
		fputc(':', f);
		json_value(f, st, i);
	}
	fputc('}', f);
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
static void csv_field(FILE *f, const char *s, int n)
{
	if (!s)
		return;
	if (!memchr(s, ',', (size_t)n) && !memchr(s, '"', (size_t)n) && !memchr(s, '\n', (size_t)n) &&
	    !memchr(s, '\r', (size_t)n)) {
		fwrite(s, 1, (size_t)n, f);
		return;
	}
	fputc('"', f);
	for (int i = 0; i < n; i++) {
		if (s[i] == '"')
			fputc('"', f);
		fputc(s[i], f);
	}
	fputc('"', f);
}

static void csv_row(FILE *f, sqlite3_stmt *st, int header)
{
	for (int i = 0; i < sqlite3_column_count(st); i++) {
		if (i)
			fputc(',', f);
		if (header) {
			const char *n = sqlite3_column_name(st, i);
			csv_field(f, n, (int)strlen(n));
		} else {
			csv_field(f, (const char *)sqlite3_column_text(st, i), sqlite3_column_bytes(st, i));
		}
	}
	fputs("\r\n", f);
}

/* Markdown cells: a '|' would end the cell and a newline the row. */
static void md_cell(FILE *f, const char *s)
{
	fputc(' ', f);
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputs("<br>", f);
		else
			fputc(*s, f);
	}
	fputs(" |", f);
}

static void md_row(FILE *f, sqlite3_stmt *st, int header)
{
	int n = sqlite3_column_count(st);
	fputc('|', f);
	for (int i = 0; i < n; i++) {
		const char *s =
		        header ? sqlite3_column_name(st, i) : (const char *)sqlite3_column_text(st, i);
		md_cell(f, s ? s : (header ? "" : "NULL"));
	}
	fputc('\n', f);
	if (header) {
		fputc('|', f);
		for (int i = 0; i < n; i++)
			fputs("---|", f);
		fputc('\n', f);
	}
}

/* ---- the aligned table: rows are kept until the widths are known ---- */

struct grid {
	char **cells;
	size_t n, cap;
	int ncols;
};

static int grid_add(struct grid *g, const char *s)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		char **c = realloc(g->cells, cap * sizeof(*c));
		if (!c)
			return -1;
		g->cells = c;
		g->cap = cap;
	}
	g->cells[g->n] = strdup(s);
	return g->cells[g->n++] ? 0 : -1;
}

/* Display width in characters: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void grid_print(FILE *f, struct grid *g)
{
	size_t *w = calloc((size_t)g->ncols, sizeof(*w));
	if (!w)
		return;
	for (size_t i = 0; i < g->n; i++) {
		size_t cw = width(g->cells[i]);
		if (cw > w[i % (size_t)g->ncols])
			w[i % (size_t)g->ncols] = cw;
	}
	for (size_t i = 0; i < g->n; i++) {
		size_t col = i % (size_t)g->ncols;
		int last = col + 1 == (size_t)g->ncols;
		fputs(g->cells[i], f);
		if (!last)
			fprintf(f, "%*s", (int)(w[col] - width(g->cells[i]) + 2), "");
		else
			fputc('\n', f);
		if (i + 1 == (size_t)g->ncols) { /* under the header: dashes as wide as each column */
			for (int c = 0; c < g->ncols; c++) {
				for (size_t d = 0; d < w[c]; d++)
					fputc('-', f);
				fputs(c + 1 < g->ncols ? "  " : "\n", f);
			}
		}
	}
	free(w);
}

static void grid_free(struct grid *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->cells[i]);
	free(g->cells);
}

static int table_rows(FILE *f, sqlite3_stmt *st, struct grid *g)
{
	int rc;
	for (int i = 0; i < g->ncols; i++)
		grid_add(g, sqlite3_column_name(st, i));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (int i = 0; i < g->ncols; i++) {
			const char *s = (const char *)sqlite3_column_text(st, i);
			if (grid_add(g, s ? s : "NULL") < 0)
				return SQLITE_NOMEM;
		}
	if (rc == SQLITE_DONE)
		grid_print(f, g);
	return rc;
}

int kq_print_rows(FILE *f, sqlite3_stmt *st, int fmt)
{
	int rc, nrows = 0;
	if (fmt == KQ_FMT_TABLE) {
		struct grid g = {.ncols = sqlite3_column_count(st)};
		rc = table_rows(f, st, &g);
		grid_free(&g);
		return rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (fmt == KQ_FMT_JSON)
		fputc('[', f);
	else if (fmt == KQ_FMT_CSV)
		csv_row(f, st, 1);
	else if (fmt == KQ_FMT_MARKDOWN)
		md_row(f, st, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		switch (fmt) {
		case KQ_FMT_CSV: csv_row(f, st, 0); break;
		case KQ_FMT_MARKDOWN: md_row(f, st, 0); break;
		case KQ_FMT_JSON:
			fputs(nrows ? ",\n" : "\n", f);
			json_row(f, st);
			break;
		default: json_row(f, st); fputc('\n', f);
		}
		nrows++;
	}
	if (fmt == KQ_FMT_JSON)
		fputs(nrows ? "\n]\n" : "]\n", f);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

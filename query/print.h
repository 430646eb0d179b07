/* print.h - output formats of `kite sql`: table, csv, json, jsonl, markdown. */
#ifndef KITE_QUERY_PRINT_H
#define KITE_QUERY_PRINT_H

#include <stdio.h>

typedef struct sqlite3_stmt sqlite3_stmt;

enum kq_format { KQ_FMT_TABLE, KQ_FMT_CSV, KQ_FMT_JSON, KQ_FMT_JSONL, KQ_FMT_MARKDOWN };

/* The format named s, or -1. */
int kq_format_parse(const char *s);
/* Steps st to the end, printing its rows (with a header) in fmt; an SQLITE_ code (OK when done). */
int kq_print_rows(FILE *f, sqlite3_stmt *st, int fmt);

#endif

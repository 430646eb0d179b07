/* tables.c - the table and column definitions (from tables.h's lists) and what is generated from them: SQL, docs. */
#include "tables.h"

#include <stdlib.h>
#include <string.h>

#define KQ_DEF(e, n, t, f, d) {n, t, f, d},
static const struct kq_col events_cols[] = {KQ_EVENTS_COLS(KQ_DEF)};
static const struct kq_col processes_cols[] = {KQ_PROCESSES_COLS(KQ_DEF)};
static const struct kq_col threads_cols[] = {KQ_THREADS_COLS(KQ_DEF)};
static const struct kq_col fds_cols[] = {KQ_FDS_COLS(KQ_DEF)};
static const struct kq_col files_cols[] = {KQ_FILES_COLS(KQ_DEF)};
static const struct kq_col connections_cols[] = {KQ_CONNECTIONS_COLS(KQ_DEF)};
static const struct kq_col execs_cols[] = {KQ_EXECS_COLS(KQ_DEF)};
static const struct kq_col drops_cols[] = {KQ_DROPS_COLS(KQ_DEF)};
static const struct kq_col captures_cols[] = {KQ_CAPTURES_COLS(KQ_DEF)};
static const struct kq_col alerts_cols[] = {KQ_ALERTS_COLS(KQ_DEF)};
#undef KQ_DEF

#define COLS(a) a, sizeof(a) / sizeof(a[0])

const struct kq_table kq_tables[KQ_NTABLES] = {
        [KQ_EVENTS] = {"events",
                       "One row per event (system call, process exit, drop record), with the state "
                       "replay rebuilt at that moment.",
                       COLS(events_cols), EV_TS, EV_TYPE, EV_PID},
        [KQ_PROCESSES] = {"processes",
                          "One row per process lifetime, from its creation (or the capture's "
                          "start) to its exit (or the capture's end). Pids recycle: `id` is "
                          "the key.",
                          COLS(processes_cols), -1, -1, PR_PID},
        [KQ_THREADS] = {"threads", "One row per thread lifetime.", COLS(threads_cols), -1, -1, TH_PID},
        [KQ_FDS] = {"fds",
                    "One row per fd lifetime of a process, open to close. A forked child's copies of "
                    "its parent's fds are rows of their own (with the parent's open time).",
                    COLS(fds_cols), -1, -1, FD_PID},
        [KQ_FILES] = {"files",
                      "One row per file operation: open, openat, openat2, creat, rename, renameat, "
                      "renameat2, unlink, unlinkat, link, linkat, symlink, symlinkat, chmod, fchmod, "
                      "fchmodat, chown, fchown, fchownat, lchown, mkdir, mkdirat, rmdir.",
                      COLS(files_cols), FI_TS, FI_TYPE, FI_PID},
        [KQ_CONNECTIONS] = {"connections",
                            "One row per socket lifetime (inet and unix sockets): who, "
                            "both ends, when.",
                            COLS(connections_cols), -1, -1, CO_PID},
        [KQ_EXECS] = {"execs",
                      "One row per successful execve/execveat, with the process after the exec and "
                      "its parent.",
                      COLS(execs_cols), EX_TS, EX_TYPE, EX_PID},
        [KQ_DROPS] = {"drops", "One row per drop record: events the driver lost.", COLS(drops_cols), DR_TS,
                      -1, -1},
        [KQ_CAPTURES] = {"captures", "One row per capture file.", COLS(captures_cols), -1, -1, -1},
        [KQ_ALERTS] = {"alerts", "One row per alert of the rules given with -r (Falco rules files).",
                       COLS(alerts_cols), AL_TS, AL_TYPE, AL_PID},
};

const struct kq_table *kq_table_find(const char *name)
{
	for (unsigned i = 0; i < KQ_NTABLES; i++)
		if (!strcmp(kq_tables[i].name, name))
			return &kq_tables[i];
	return NULL;
}

char *kq_table_columns_sql(const struct kq_table *t, int hidden)
{
	size_t len = 64;
	for (unsigned i = 0; i < t->ncols; i++)
		len += strlen(t->cols[i].name) + 16;
	char *s = malloc(len);
	if (!s)
		return NULL;
	size_t off = 0;
	for (unsigned i = 0; i < t->ncols; i++)
		off += (size_t)snprintf(s + off, len - off, "%s%s %s", i ? ", " : "", t->cols[i].name,
		                        t->cols[i].type == KQ_INT ? "INTEGER" : "TEXT");
	/* the arguments of kite_events('x.kcap', 'rules.yaml') are hidden columns (table-valued functions) */
	if (hidden)
		snprintf(s + off, len - off, ", file HIDDEN, rules HIDDEN");
	return s;
}

void kq_tables_markdown(FILE *f)
{
	for (unsigned i = 0; i < KQ_NTABLES; i++) {
		const struct kq_table *t = &kq_tables[i];
		fprintf(f, "### `%s`\n\n%s\n\n| column | type | meaning |\n|---|---|---|\n", t->name, t->doc);
		for (unsigned k = 0; k < t->ncols; k++) {
			const struct kq_col *c = &t->cols[k];
			int push = (c->flags & (KQ_TS | KQ_TYPE | KQ_PID)) != 0,
			    idx = (c->flags & KQ_IDX) != 0;
			fprintf(f, "| `%s` | %s | %s%s%s%s%s |\n", c->name,
			        c->type == KQ_INT ? "INTEGER" : "TEXT", c->doc, push || idx ? " (" : "",
			        push ? "pushed down" : "", push && idx ? ", " : "",
			        idx    ? "indexed)"
			        : push ? ")"
			               : "");
		}
		fputc('\n', f);
	}
}

/* rows.c - builds the rows of each SQL table from the replay's resolved state (fields, processes, fds). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collect_int.h"
#include "events.h"
#include "fields_int.h"
#include "rules.h"

/* The Falco fields the builders take values from: the same extractors as filters and outputs. */
enum {
	F_CPU,
	F_COMM,
	F_CATEGORY,
	F_RAWRES,
	F_RES,
	F_FDNUM,
	F_FDTYPE,
	F_FDNAME,
	F_UID,
	F_CONTAINER,
	F_OPEN_WRITE,
	F_DIR,
	F_NFIXED
};
static const char *const fixed_names[F_NFIXED] = {
        "evt.cpu", "proc.name", "evt.category", "evt.rawres",   "evt.res",           "fd.num",
        "fd.type", "fd.name",   "user.uid",     "container.id", "evt.is_open_write", "evt.dir"};

struct kq_fields {
	struct kite_field fixed[F_NFIXED];
	struct kite_field arg[KITE_MAX_PARAMS]; /* evt.arg[N], parsed on first use */
	uint8_t arg_ready[KITE_MAX_PARAMS];
};

int kq_rows_init(struct kq_collect *k)
{
	k->f = calloc(1, sizeof(*k->f));
	if (!k->f)
		return -1;
	char err[256];
	for (int i = 0; i < F_NFIXED; i++)
		if (!kite_field_parse(fixed_names[i], strlen(fixed_names[i]), &k->f->fixed[i], err,
		                      sizeof(err)))
			return -1;
	return 0;
}

void kq_rows_free(struct kq_collect *k)
{
	if (!k->f)
		return;
	for (int i = 0; i < F_NFIXED; i++)
		kite_field_release(&k->f->fixed[i]);
	for (int i = 0; i < KITE_MAX_PARAMS; i++)
		if (k->f->arg_ready[i])
			kite_field_release(&k->f->arg[i]);
	free(k->f);
	k->f = NULL;
	kbuf_free(&k->json);
}

static struct kite_field *arg_field(struct kq_collect *k, int i)
{
	if (!k->f->arg_ready[i]) {
		char name[32], err[128];
		snprintf(name, sizeof(name), "evt.arg[%d]", i);
		if (!kite_field_parse(name, strlen(name), &k->f->arg[i], err, sizeof(err)))
			return NULL;
		k->f->arg_ready[i] = 1;
	}
	return &k->f->arg[i];
}

/* A field's first value into a column: numbers as integers, the rest as text. */
static void set_val(struct kq_collect *k, int col, const struct kite_val *v)
{
	switch (v->type) {
	case KITE_VT_INT: kq_set_int(k, col, v->i); break;
	case KITE_VT_UINT:
	case KITE_VT_BOOL:
	case KITE_VT_RELTIME:
	case KITE_VT_ABSTIME: kq_set_int(k, col, (int64_t)v->u); break;
	case KITE_VT_STR: kq_set_text(k, col, v->s, v->len); break;
	default: {
		size_t len;
		const char *s = kite_val_text(&k->arena, v, &len);
		kq_set_text(k, col, s, len);
	}
	}
}

static void set_field(struct kq_collect *k, int col, int f, struct kite_ctx *c)
{
	if (!kq_used(k, k->row_table, col))
		return;
	struct kite_val v[4];
	if (kite_field_extract(&k->f->fixed[f], c, v, 4))
		set_val(k, col, v);
}

static int64_t field_int(struct kq_collect *k, int f, struct kite_ctx *c, int *ok)
{
	struct kite_val v[4];
	*ok = kite_field_extract(&k->f->fixed[f], c, v, 4) > 0;
	if (!*ok)
		return 0;
	return v->type == KITE_VT_INT ? v->i : (int64_t)v->u;
}

static void set_errno(struct kq_collect *k, int col, struct kite_ctx *c)
{
	int ok;
	if (!kq_used(k, k->row_table, col) || field_int(k, F_RAWRES, c, &ok) >= 0 || !ok)
		return;
	set_field(k, col, F_RES, c);
}

/* ---- events ---- */

static void json_str(struct kite_buf *b, const char *s, size_t len)
{
	kbuf_put_u8(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			kbuf_put_u8(b, '\\');
			kbuf_put_u8(b, ch);
		} else if (ch < 0x20) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\u%04x", ch);
			kbuf_put(b, esc, 6);
		} else {
			kbuf_put_u8(b, ch);
		}
	}
	kbuf_put_u8(b, '"');
}

static int is_signed_kind(unsigned kind)
{
	return kind == KITE_K_INT || kind == KITE_K_FD || kind == KITE_K_PID || kind == KITE_K_ERRNO;
}

static int is_unsigned_kind(unsigned kind)
{
	return kind == KITE_K_UINT || kind == KITE_K_UID || kind == KITE_K_GID || kind == KITE_K_MODE ||
	       kind == KITE_K_ABSTIME || kind == KITE_K_RELTIME || kind == KITE_K_DEV || kind == KITE_K_ADDR;
}

/* One argument as JSON: integers as numbers, everything else as Falco's resolved text (evt.arg.NAME). */
static void json_arg(struct kq_collect *k, struct kite_ctx *c, const struct kite_param_desc *p, int i)
{
	struct kite_buf *b = &k->json;
	char num[32];
	uint16_t len = c->p.len[i];
	if (len && (len == 1 || len == 2 || len == 4 || len == 8) && is_signed_kind(p->kind)) {
		kbuf_put(b, num,
		         (size_t)snprintf(num, sizeof(num), "%" PRId64, kite_get_i(c->p.val[i], len)));
		return;
	}
	if (len && (len == 1 || len == 2 || len == 4 || len == 8) && is_unsigned_kind(p->kind)) {
		kbuf_put(b, num,
		         (size_t)snprintf(num, sizeof(num), "%" PRIu64, kite_get_u(c->p.val[i], len)));
		return;
	}
	struct kite_field *f = arg_field(k, i);
	struct kite_val v[4];
	if (!f || !kite_field_extract(f, c, v, 4)) {
		kbuf_put(b, "null", 4);
		return;
	}
	size_t tl;
	const char *t = kite_val_text(&c->arena, v, &tl);
	json_str(b, t, tl);
}

static void set_args(struct kq_collect *k, int col, struct kite_ctx *c)
{
	const struct kite_event_desc *d = c->map->d;
	if (!kq_used(k, k->row_table, col) || !d)
		return;
	struct kite_buf *b = &k->json;
	b->len = 0;
	kbuf_put_u8(b, '{');
	for (uint32_t i = 0; i < d->nparams && i < c->p.n; i++) {
		if (i)
			kbuf_put_u8(b, ',');
		json_str(b, d->params[i].name, strlen(d->params[i].name));
		kbuf_put_u8(b, ':');
		json_arg(k, c, &d->params[i], (int)i);
	}
	kbuf_put_u8(b, '}');
	if (!b->oom)
		kq_set_text(k, col, (const char *)b->p, b->len);
}

/* A surrogate id, or NULL for none (0). */
static void kq_set_id(struct kq_collect *k, int col, int64_t id)
{
	if (id)
		kq_set_int(k, col, id);
}

static const char *type_name(struct kite_ctx *c)
{
	return c->map->d ? c->map->d->name : "unknown";
}

static void row_event(struct kq_collect *k, struct kite_ctx *c)
{
	kq_row_begin(k, KQ_EVENTS);
	kq_set_int(k, EV_TS, (int64_t)c->e->ts);
	kq_set_int(k, EV_NUM, (int64_t)c->num);
	kq_set_str(k, EV_HOST, c->src->hostname);
	set_field(k, EV_CPU, F_CPU, c);
	kq_set_int(k, EV_TID, kq_event_tid(k, c));
	kq_set_int(k, EV_PID, kq_event_pid(k, c));
	kq_set_id(k, EV_PROC_ID, kq_proc_id(k, c->proc, c));
	set_field(k, EV_COMM, F_COMM, c);
	kq_set_str(k, EV_TYPE, type_name(c));
	set_field(k, EV_DIR, F_DIR, c);
	set_field(k, EV_CATEGORY, F_CATEGORY, c);
	set_field(k, EV_RES, F_RAWRES, c);
	set_errno(k, EV_ERRNO, c);
	set_field(k, EV_FD, F_FDNUM, c);
	set_field(k, EV_FD_TYPE, F_FDTYPE, c);
	set_field(k, EV_FD_NAME, F_FDNAME, c);
	set_field(k, EV_UID, F_UID, c);
	set_field(k, EV_CONTAINER, F_CONTAINER, c);
	set_args(k, EV_ARGS, c);
	kq_emit(k);
}

/* ---- files ---- */

int kq_fileop_kind(const char *type)
{
	static const char *const opens[] = {"open", "openat", "openat2", "creat"};
	static const char *const changes[] = {"rename", "renameat", "renameat2", "unlink",    "unlinkat",
	                                      "link",   "linkat",   "symlink",   "symlinkat", "chmod",
	                                      "fchmod", "fchmodat", "chown",     "fchown",    "fchownat",
	                                      "lchown", "mkdir",    "mkdirat",   "rmdir"};
	for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++)
		if (!strcmp(type, opens[i]))
			return KQ_FOP_OPEN;
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		if (!strcmp(type, changes[i]))
			return KQ_FOP_CHANGE;
	return KQ_FOP_NONE;
}

static int is_path_kind(unsigned kind)
{
	return kind == KITE_K_PATH || kind == KITE_K_RELPATH;
}

static void set_param_int(struct kq_collect *k, int col, struct kite_ctx *c, const char *name, int is_signed)
{
	int i = kite_param_index(c->map->d, name);
	if (i < 0 || (uint32_t)i >= c->p.n || !c->p.len[i] || c->p.len[i] > 8)
		return;
	kq_set_int(k, col,
	           is_signed ? kite_get_i(c->p.val[i], c->p.len[i])
	                     : (int64_t)kite_get_u(c->p.val[i], c->p.len[i]));
}

static void set_param_text(struct kq_collect *k, int col, struct kite_ctx *c, int i)
{
	struct kite_field *f = arg_field(k, i);
	struct kite_val v[4];
	if (f && kite_field_extract(f, c, v, 4))
		set_val(k, col, v);
}

/* path: the first path argument, resolved (the fd's name for fchmod/fchown); path2: the second, or a symlink's target. */
static void set_paths(struct kq_collect *k, struct kite_ctx *c)
{
	const struct kite_event_desc *d = c->map->d;
	int npath = 0;
	for (uint32_t i = 0; i < d->nparams && i < c->p.n && npath < 2; i++) {
		if (!is_path_kind(d->params[i].kind))
			continue;
		size_t len;
		const char *s = kite_evt_path(c, (int)i, &len);
		kq_set_text(k, npath++ ? FI_PATH2 : FI_PATH, s, len);
	}
	if (npath == 0)
		set_field(k, FI_PATH, F_FDNAME, c);
	int t = kite_param_index(d, "target");
	if (t >= 0 && npath < 2)
		set_param_text(k, FI_PATH2, c, t);
}

static void row_file(struct kq_collect *k, struct kite_ctx *c, int kind)
{
	kq_row_begin(k, KQ_FILES);
	kq_set_int(k, FI_TS, (int64_t)c->e->ts);
	kq_set_int(k, FI_NUM, (int64_t)c->num);
	kq_set_str(k, FI_HOST, c->src->hostname);
	kq_set_id(k, FI_PROC_ID, kq_proc_id(k, c->proc, c));
	kq_set_int(k, FI_PID, c->proc->pid);
	kq_set_int(k, FI_TID, c->thr->tid);
	set_field(k, FI_COMM, F_COMM, c);
	kq_set_str(k, FI_TYPE, type_name(c));
	set_field(k, FI_RES, F_RAWRES, c);
	set_errno(k, FI_ERRNO, c);
	set_paths(k, c);
	int fl = kite_param_index(c->map->d, "flags");
	if (fl >= 0 && (uint32_t)fl < c->p.n)
		set_param_text(k, FI_FLAGS, c, fl);
	set_param_int(k, FI_MODE, c, "mode", 0);
	set_param_int(k, FI_UID, c, "uid", 0);
	set_param_int(k, FI_GID, c, "gid", 0);
	int ok = 1;
	int64_t w = kind == KQ_FOP_OPEN ? field_int(k, F_OPEN_WRITE, c, &ok) : 1;
	if (!strcmp(type_name(c), "creat"))
		w = 1;
	kq_set_int(k, FI_WRITE, ok ? w : 0);
	kq_emit(k);
}

/* ---- execs ---- */

static void set_proc_cmdline(struct kq_collect *k, int col, struct kite_ctx *c, const struct kite_proc *p)
{
	if (!kq_used(k, k->row_table, col) || !p->known)
		return;
	size_t len;
	const char *s = kite_proc_cmdline(c, p, &len);
	kq_set_text(k, col, s, len);
}

static void row_exec(struct kq_collect *k, struct kite_ctx *c)
{
	struct kite_proc *p = c->proc;
	struct kite_proc *parent = kite_proc_parent(c->state, p);
	kq_row_begin(k, KQ_EXECS);
	kq_set_int(k, EX_TS, (int64_t)c->e->ts);
	kq_set_int(k, EX_NUM, (int64_t)c->num);
	kq_set_str(k, EX_HOST, c->src->hostname);
	kq_set_id(k, EX_PROC_ID, kq_proc_id(k, p, c));
	kq_set_int(k, EX_PID, p->pid);
	kq_set_int(k, EX_TID, c->thr->tid);
	kq_set_str(k, EX_TYPE, type_name(c));
	if (parent) {
		kq_set_id(k, EX_PARENT_ID, kq_proc_id(k, parent, c));
		if (parent->known)
			kq_set_str(k, EX_PCOMM, parent->comm);
		kq_set_str(k, EX_PEXEPATH, parent->exepath);
	}
	if (p->ppid >= 0)
		kq_set_int(k, EX_PPID, p->ppid);
	kq_set_str(k, EX_COMM, p->comm);
	kq_set_str(k, EX_EXE, p->exe);
	kq_set_str(k, EX_EXEPATH, p->exepath);
	set_proc_cmdline(k, EX_CMDLINE, c, p);
	kq_set_str(k, EX_CWD, p->cwd);
	if (p->uid != UINT32_MAX)
		kq_set_int(k, EX_UID, p->uid);
	if (p->euid != UINT32_MAX)
		kq_set_int(k, EX_EUID, p->euid);
	set_field(k, EX_CONTAINER, F_CONTAINER, c);
	kq_emit(k);
}

/* ---- drops ---- */

static void row_drop(struct kq_collect *k, struct kite_ctx *c)
{
	kq_row_begin(k, KQ_DROPS);
	kq_set_int(k, DR_TS, (int64_t)c->e->ts);
	kq_set_str(k, DR_HOST, c->src->hostname);
	kq_set_int(k, DR_CPU, c->e->cpu);
	set_param_int(k, DR_N, c, "nevents", 0);
	set_param_int(k, DR_FIRST, c, "first_ts", 0);
	set_param_int(k, DR_LAST, c, "last_ts", 0);
	kq_emit(k);
}

/* ---- alerts ---- */

static void tags_json(struct kq_collect *k, const struct kite_rule *r)
{
	struct kite_buf *b = &k->json;
	b->len = 0;
	kbuf_put_u8(b, '[');
	for (size_t i = 0; i < r->ntags; i++) {
		if (i)
			kbuf_put_u8(b, ',');
		json_str(b, r->tags[i], strlen(r->tags[i]));
	}
	kbuf_put_u8(b, ']');
	if (!b->oom)
		kq_set_text(k, AL_TAGS, (const char *)b->p, b->len);
}

/* output_fields: the output's fields as kite replay --json prints them, written through a memory stream. */
static void output_fields_json(struct kq_collect *k, struct kite_rule *r, struct kite_ctx *c)
{
	if (!kq_used(k, KQ_ALERTS, AL_FIELDS) || !r->out)
		return;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	struct json j;
	json_init(&j, f);
	kite_output_json_fields(r->out, c, &j);
	fclose(f);
	while (len && buf[len - 1] == '\n')
		len--;
	kq_set_text(k, AL_FIELDS, buf, len);
	free(buf);
}

static void on_alert(void *ctx, struct kite_rule *r, struct kite_ctx *c)
{
	struct kq_collect *k = ctx;
	kq_row_begin(k, KQ_ALERTS);
	kq_set_int(k, AL_TS, (int64_t)c->e->ts);
	kq_set_int(k, AL_NUM, (int64_t)c->num);
	kq_set_str(k, AL_HOST, c->src->hostname);
	kq_set_str(k, AL_RULE, r->name);
	kq_set_str(k, AL_PRIORITY, kite_priority_name(r->priority));
	kq_set_int(k, AL_PRIO_NUM, r->priority);
	kq_set_str(k, AL_SOURCE, r->source ? r->source : "syscall");
	if (kq_used(k, KQ_ALERTS, AL_TAGS))
		tags_json(k, r);
	if (kq_used(k, KQ_ALERTS, AL_OUTPUT) && r->out) {
		size_t len;
		const char *s = kite_output_render(r->out, c, 1, &len);
		kq_set_text(k, AL_OUTPUT, s, len);
	}
	output_fields_json(k, r, c);
	kq_set_id(k, AL_PROC_ID, kq_proc_id(k, c->proc, c));
	kq_set_int(k, AL_PID, c->proc->pid);
	kq_set_int(k, AL_TID, c->thr->tid);
	kq_set_str(k, AL_TYPE, type_name(c));
	kq_emit(k);
}

/* ---- one event: the rows of every table it belongs to ---- */

void kq_rows_event(struct kq_collect *k, struct kite_ctx *c)
{
	unsigned si = (unsigned)(c->src - k->rp.src);
	struct kq_srcinfo *info = &k->si[si];
	uint32_t type = c->e->type;
	if (!info->seen++)
		info->first_ts = c->e->ts;
	info->last_ts = c->e->ts;
	/* an id past the file's schema is an event of no known type: kept unless types were asked for */
	int type_ok = type < info->n ? info->type_ok[type] : !k->filter.types;
	int fileop = type < info->n ? info->fileop[type] : KQ_FOP_NONE;
	if (!type_ok || !kq_pid_ok(k, kq_event_pid(k, c)))
		return;
	const struct kite_event_desc *d = c->map->d;
	if (kq_wants(k, KQ_EVENTS))
		row_event(k, c);
	if (kq_wants(k, KQ_FILES) && fileop)
		row_file(k, c, fileop);
	if (kq_wants(k, KQ_EXECS) && d && (d->flags & KITE_EF_EXEC)) {
		int ok;
		if (field_int(k, F_RAWRES, c, &ok) == 0 && ok)
			row_exec(k, c);
	}
	if (kq_wants(k, KQ_DROPS) && d && !strcmp(d->name, "drop"))
		row_drop(k, c);
	if (kq_wants(k, KQ_ALERTS) && k->o.rules)
		kite_rules_match(k->o.rules, c, on_alert, k);
}

/* ---- lifetimes: processes, threads, fds, connections ---- */

void kq_row_process(struct kq_collect *k, struct kite_proc *p, uint64_t end_ts, int exited)
{
	struct kq_proc *r = kq_proc_of(k, p, NULL);
	if (!r || !kq_pid_ok(k, p->pid))
		return;
	kq_row_begin(k, KQ_PROCESSES);
	kq_set_int(k, PR_ID, r->id);
	kq_set_str(k, PR_HOST, r->host);
	kq_set_int(k, PR_PID, p->pid);
	if (r->ppid >= 0)
		kq_set_int(k, PR_PPID, r->ppid);
	if (r->parent_id)
		kq_set_int(k, PR_PARENT_ID, r->parent_id);
	if (p->known) {
		kq_set_str(k, PR_COMM, p->comm);
		kq_set_str(k, PR_EXE, p->exe);
		kq_set_str(k, PR_EXEPATH, p->exepath);
		/* kite_proc_cmdline builds in a ctx's arena: lend it the step's */
		struct kite_ctx tmp = {.arena = k->arena};
		set_proc_cmdline(k, PR_CMDLINE, &tmp, p);
		k->arena = tmp.arena;
	}
	kq_set_str(k, PR_CWD, p->cwd);
	if (p->uid != UINT32_MAX)
		kq_set_int(k, PR_UID, p->uid);
	if (p->gid != UINT32_MAX)
		kq_set_int(k, PR_GID, p->gid);
	if (p->euid != UINT32_MAX)
		kq_set_int(k, PR_EUID, p->euid);
	if (p->loginuid_known && p->loginuid != UINT32_MAX)
		kq_set_int(k, PR_LOGINUID, p->loginuid);
	if (p->tty_known)
		kq_set_int(k, PR_TTY, (int64_t)p->tty);
	kq_set_str(k, PR_CONTAINER, p->container ? p->container->id : "host");
	kq_set_int(k, PR_EXECS, r->execs);
	kq_set_int(k, PR_SNAPSHOT, r->from_snapshot);
	if (r->start_ts)
		kq_set_int(k, PR_START, (int64_t)r->start_ts);
	if (exited) {
		if (end_ts)
			kq_set_int(k, PR_END, (int64_t)end_ts);
		kq_set_int(k, PR_STATUS, p->exit_status);
		if (p->exit_status & 0x7f)
			kq_set_int(k, PR_SIGNAL, p->exit_status & 0x7f);
		else
			kq_set_int(k, PR_EXIT_CODE, (p->exit_status >> 8) & 0xff);
	}
	kq_emit(k);
}

void kq_row_thread(struct kq_collect *k, struct kq_thread *r, uint64_t end_ts, const struct kite_ctx *c)
{
	struct kite_thread *t = r->t;
	struct kite_proc *p = t->proc;
	if (!kq_pid_ok(k, p->pid))
		return;
	kq_row_begin(k, KQ_THREADS);
	kq_set_str(k, TH_HOST, r->host);
	kq_set_int(k, TH_TID, t->tid);
	kq_set_int(k, TH_PID, p->pid);
	kq_set_id(k, TH_PROC_ID, kq_proc_id(k, p, c));
	kq_set_int(k, TH_MAIN, t->tid == p->pid);
	if (r->start_ts)
		kq_set_int(k, TH_START, (int64_t)r->start_ts);
	if (end_ts)
		kq_set_int(k, TH_END, (int64_t)end_ts);
	kq_emit(k);
}

static void set_ip(struct kq_collect *k, int col, const struct kite_ip *ip)
{
	struct kite_val v = {.type = KITE_VT_IPADDR, .ip = *ip};
	size_t len;
	const char *s = kite_val_text(&k->arena, &v, &len);
	kq_set_text(k, col, s, len);
}

static const char *role_name(unsigned role)
{
	return role == KITE_ROLE_CLIENT ? "client" : role == KITE_ROLE_SERVER ? "server" : NULL;
}

static void fd_flags_text(struct kq_collect *k, int col, const struct kite_fd *fd)
{
	if (!fd->flags && fd->type != KITE_FD_FILE && fd->type != KITE_FD_DIRECTORY)
		return;
	const struct kite_flag_table *t = kite_schema_table(kite_schema_builtin(), KITE_TBL_OPEN_FLAGS);
	char buf[512];
	size_t n = t ? kite_flags_format(t, fd->flags, buf, sizeof(buf)) : 0;
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	kq_set_text(k, col, buf, n);
}

static void row_fd(struct kq_collect *k, struct kite_proc *p, struct kite_fd *fd, uint64_t close_ts,
                   const struct kite_ctx *c, const char *host)
{
	int inet = fd->type == KITE_FD_IPV4_SOCK || fd->type == KITE_FD_IPV6_SOCK;
	kq_row_begin(k, KQ_FDS);
	kq_set_str(k, FD_HOST, host);
	kq_set_id(k, FD_PROC_ID, kq_proc_id(k, p, c));
	kq_set_int(k, FD_PID, p->pid);
	kq_set_int(k, FD_FD, fd->num);
	kq_set_str(k, FD_TYPE, kite_fd_type_name(fd->type));
	kq_set_str(k, FD_NAME, fd->name);
	fd_flags_text(k, FD_FLAGS, fd);
	if (inet) {
		kq_set_str(k, FD_L4, kite_l4proto_name(fd->l4proto));
		if (fd->sock.valid) {
			set_ip(k, FD_CIP, &fd->sock.cip);
			kq_set_int(k, FD_CPORT, fd->sock.cport);
		}
		if (fd->sock.valid || fd->sock.bound) {
			set_ip(k, FD_SIP, &fd->sock.sip);
			kq_set_int(k, FD_SPORT, fd->sock.sport);
		}
	}
	kq_set_str(k, FD_ROLE, role_name(fd->role));
	if (fd->open_ts)
		kq_set_int(k, FD_OPEN, (int64_t)fd->open_ts);
	if (close_ts)
		kq_set_int(k, FD_CLOSE, (int64_t)close_ts);
	kq_emit(k);
}

/* The ends as (local, remote), as Falco's fd.lip/fd.rip: the process is the client unless it accepted. */
static void set_ends(struct kq_collect *k, const struct kite_fd *fd)
{
	const struct kite_sock *s = &fd->sock;
	if (!(s->valid || s->bound))
		return;
	int server = fd->role == KITE_ROLE_SERVER || (!s->valid && s->bound);
	if (server) {
		set_ip(k, CO_LIP, &s->sip);
		kq_set_int(k, CO_LPORT, s->sport);
	} else if (s->valid) {
		set_ip(k, CO_LIP, &s->cip);
		kq_set_int(k, CO_LPORT, s->cport);
	}
	if (s->valid) {
		set_ip(k, CO_RIP, server ? &s->cip : &s->sip);
		kq_set_int(k, CO_RPORT, server ? s->cport : s->sport);
	}
}

static void row_connection(struct kq_collect *k, struct kite_proc *p, struct kite_fd *fd, uint64_t close_ts,
                           const struct kite_ctx *c, const char *host)
{
	static const char *const fam[] = {
	        [KITE_FD_IPV4_SOCK] = "ipv4", [KITE_FD_IPV6_SOCK] = "ipv6", [KITE_FD_UNIX_SOCK] = "unix"};
	kq_row_begin(k, KQ_CONNECTIONS);
	kq_set_str(k, CO_HOST, host);
	kq_set_id(k, CO_PROC_ID, kq_proc_id(k, p, c));
	kq_set_int(k, CO_PID, p->pid);
	if (p->known)
		kq_set_str(k, CO_COMM, p->comm);
	kq_set_int(k, CO_FD, fd->num);
	kq_set_str(k, CO_FAMILY, fam[fd->type]);
	if (fd->type != KITE_FD_UNIX_SOCK) {
		kq_set_str(k, CO_PROTO, kite_l4proto_name(fd->l4proto));
		set_ends(k, fd);
	}
	kq_set_str(k, CO_ROLE, role_name(fd->role));
	kq_set_str(k, CO_NAME, fd->name);
	if (fd->open_ts)
		kq_set_int(k, CO_OPEN, (int64_t)fd->open_ts);
	if (close_ts)
		kq_set_int(k, CO_CLOSE, (int64_t)close_ts);
	kq_emit(k);
}

void kq_row_fd(struct kq_collect *k, struct kite_proc *p, struct kite_fd *fd, uint64_t close_ts,
               const struct kite_ctx *c)
{
	if (!kq_pid_ok(k, p->pid))
		return;
	struct kq_proc *r = kq_proc_of(k, p, c);
	const char *host = r ? r->host : k->host0;
	if (kq_wants(k, KQ_FDS))
		row_fd(k, p, fd, close_ts, c, host);
	int sock = fd->type == KITE_FD_IPV4_SOCK || fd->type == KITE_FD_IPV6_SOCK ||
	           fd->type == KITE_FD_UNIX_SOCK;
	if (kq_wants(k, KQ_CONNECTIONS) && sock)
		row_connection(k, p, fd, close_ts, c, host);
}

struct flush_ctx {
	struct kq_collect *k;
	struct kite_proc *p;
};

static int flush_fd(void *ctx, struct kite_fd *fd)
{
	struct flush_ctx *f = ctx;
	kq_row_fd(f->k, f->p, fd, 0, NULL);
	return 0;
}

static int flush_proc(void *ctx, struct kite_proc *p)
{
	struct flush_ctx *f = ctx;
	if (p->exited)
		return 0;
	if (kq_wants(f->k, KQ_FDS) || kq_wants(f->k, KQ_CONNECTIONS)) {
		f->p = p;
		kite_proc_foreach_fd(p, flush_fd, f);
	}
	if (kq_wants(f->k, KQ_PROCESSES))
		kq_row_process(f->k, p, 0, 0);
	return 0;
}

void kq_rows_flush_procs(struct kq_collect *k)
{
	if (!kq_wants(k, KQ_FDS) && !kq_wants(k, KQ_CONNECTIONS) && !kq_wants(k, KQ_PROCESSES))
		return;
	struct flush_ctx f = {.k = k};
	kite_state_foreach_proc(k->rp.state, flush_proc, &f);
}

/* ---- captures ---- */

void kq_row_capture(struct kq_collect *k, const struct kite_source *s, unsigned i)
{
	const struct kite_header *h = kite_reader_header(s->r);
	const struct kite_index *idx = kite_reader_index(s->r);
	kq_row_begin(k, KQ_CAPTURES);
	kq_set_str(k, CA_PATH, s->path);
	kq_set_str(k, CA_FORMAT, kite_reader_is_scap(s->r) ? "scap" : "kcap");
	if (h) {
		kq_set_str(k, CA_HOST, h->hostname);
		kq_set_str(k, CA_KERNEL, h->kernel);
		kq_set_str(k, CA_ARCH, h->arch);
		kq_set_str(k, CA_DRIVER, h->driver);
		kq_set_str(k, CA_RECORDER, h->recorder);
		kq_set_str(k, CA_CMDLINE, h->cmdline);
		if (h->ncpus)
			kq_set_int(k, CA_CPUS, h->ncpus);
		if (h->start_ns)
			kq_set_int(k, CA_START, (int64_t)h->start_ns);
	}
	if (idx) {
		kq_set_int(k, CA_FIRST, (int64_t)idx->first_ts);
		kq_set_int(k, CA_LAST, (int64_t)idx->last_ts);
		kq_set_int(k, CA_EVENTS, (int64_t)idx->nevents);
		kq_set_int(k, CA_DROPS, (int64_t)idx->drops);
	} else if (k->si[i].seen) {
		kq_set_int(k, CA_FIRST, (int64_t)k->si[i].first_ts);
		kq_set_int(k, CA_LAST, (int64_t)k->si[i].last_ts);
		kq_set_int(k, CA_EVENTS, (int64_t)k->si[i].seen);
	} else if (k->replay_read) {
		kq_set_int(k, CA_EVENTS, 0);
	}
	struct stat st;
	if (strcmp(s->path, "-") && stat(s->path, &st) == 0)
		kq_set_int(k, CA_BYTES, (int64_t)st.st_size);
	kq_set_int(k, CA_INDEXED, idx != NULL);
	kq_emit(k);
}

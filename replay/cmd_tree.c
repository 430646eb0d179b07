/* cmd_tree.c - `kite tree`: the process tree of a capture (lineage, command lines, containers, lifetimes). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fields_int.h"
#include "json.h"
#include "replay.h"

static const char usage[] =
        "usage: kite tree [options] FILE...\n"
        "\n"
        "Prints the process tree of a capture: every process that lived during it,\n"
        "under the parent that started it, with its command line, user, container,\n"
        "and lifetime (start and end relative to the capture's start, exit status).\n"
        "Processes from the capture's initial snapshot are marked as such.  With\n"
        "--at, only the processes alive at that moment, under their parent then.\n"
        "\n"
        "Options:\n"
        "      --at TIME     the tree at TIME (ns or s.frac since the epoch, an ISO date,\n"
        "                    or +DURATION from the capture's start)\n"
        "  -p, --pid PID     only PID's subtree, below its ancestors (for context)\n"
        "  -j, --json        one JSON object per process instead of the drawing\n"
        "  -h, --help        this text\n"
        "\n"
        "Exit status: 0 success; 1 error; 2 bad command line; 3 done, but a capture was\n"
        "damaged.\n";

/* One process lifetime: pids recycle, so a pid may have several nodes. */
struct node {
	int64_t pid, ppid;
	char comm[17];
	char *cmdline, *exepath;
	char container[13];
	uint32_t uid;
	uint64_t start, end;
	int exited, from_snapshot, status, execs;
	int hidden; /* not alive at --at */
	struct node *parent, *first_child, *last_child, *next;
};

struct tree {
	struct node **all;
	size_t n, cap;
	uint64_t base; /* capture start: times are shown relative to it */
	uint64_t at;
	int json;
	int64_t only_pid;
};

static struct node *node_of(struct kite_proc *p)
{
	return p->user;
}

static char *proc_cmdline(const struct kite_proc *p)
{
	size_t n = strlen(p->comm) + p->args_len + 2;
	char *s = malloc(n);
	if (!s)
		return NULL;
	size_t off = (size_t)snprintf(s, n, "%s", p->comm);
	for (uint32_t i = 0; i < p->args_len && off + 1 < n; i++) {
		if (i == 0)
			s[off++] = ' ';
		s[off++] = p->args[i] ? p->args[i] : ' ';
	}
	while (off > 0 && s[off - 1] == ' ')
		off--;
	s[off] = '\0';
	return s;
}

static void fill_from_proc(struct node *n, const struct kite_proc *p)
{
	snprintf(n->comm, sizeof(n->comm), "%s", p->known ? p->comm : "?");
	free(n->cmdline);
	free(n->exepath);
	n->cmdline = p->known ? proc_cmdline(p) : NULL;
	n->exepath = p->exepath ? strdup(p->exepath) : NULL;
	snprintf(n->container, sizeof(n->container), "%s", p->container ? p->container->id : "");
	n->uid = p->euid;
}

static void hook_new(void *ctx, struct kite_proc *p, const struct kite_ctx *c)
{
	struct tree *t = ctx;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct node **all = realloc(t->all, cap * sizeof(*all));
		if (!all)
			return;
		t->all = all;
		t->cap = cap;
	}
	struct node *n = calloc(1, sizeof(*n));
	if (!n)
		return;
	n->pid = p->pid;
	n->ppid = p->ppid;
	n->from_snapshot = c->map->d && (c->map->d->flags & KITE_EF_STATE);
	n->start = p->start_ts ? p->start_ts : c->e->ts;
	fill_from_proc(n, p);
	struct kite_proc *parent = kite_proc_parent(c->state, p);
	n->parent = parent ? node_of(parent) : NULL;
	p->user = n;
	t->all[t->n++] = n;
}

static void hook_exec(void *ctx, struct kite_proc *p, const struct kite_ctx *c)
{
	(void)ctx;
	(void)c;
	struct node *n = node_of(p);
	if (n) {
		fill_from_proc(n, p);
		n->execs++;
	}
}

static void hook_exit(void *ctx, struct kite_proc *p, const struct kite_ctx *c)
{
	(void)ctx;
	struct node *n = node_of(p);
	if (n) {
		n->exited = 1;
		n->end = c->e->ts;
		n->status = p->exit_status;
	}
}

static void rel_time(const struct tree *t, uint64_t ts, char *out, size_t len)
{
	if (ts >= t->base)
		snprintf(out, len, "+%.6fs", (double)(ts - t->base) / 1e9);
	else
		snprintf(out, len, "-%.6fs", (double)(t->base - ts) / 1e9);
}

static void print_node(const struct tree *t, const struct node *n, const char *prefix, int last, int root)
{
	char start[32], end[32];
	rel_time(t, n->start, start, sizeof(start));
	printf("%s%s%" PRId64 " %s", prefix,
	       root   ? ""
	       : last ? "└─ "
	              : "├─ ",
	       n->pid, n->cmdline ? n->cmdline : n->comm);
	if (n->container[0])
		printf("  [container %s]", n->container);
	if (n->from_snapshot)
		printf("  (running at start)");
	else
		printf("  (%s", start);
	if (n->exited) {
		rel_time(t, n->end, end, sizeof(end));
		int sig = n->status & 0x7f;
		if (sig)
			printf("%s%s killed by signal %d)", n->from_snapshot ? "  (" : " .. ", end, sig);
		else
			printf("%s%s exit %d)", n->from_snapshot ? "  (" : " .. ", end,
			       (n->status >> 8) & 0xff);
	} else if (!n->from_snapshot) {
		printf(")");
	}
	putchar('\n');
	char sub[1024];
	snprintf(sub, sizeof(sub), "%s%s", prefix, root ? "" : last ? "   " : "│  ");
	for (const struct node *c = n->first_child; c; c = c->next)
		print_node(t, c, sub, c->next == NULL, 0);
}

static void json_node(struct json *j, const struct tree *t, const struct node *n)
{
	json_begin_object(j);
	json_key(j, "pid");
	json_i64(j, n->pid);
	json_key(j, "ppid");
	json_i64(j, n->parent ? n->parent->pid : n->ppid);
	json_key(j, "name");
	json_string(j, n->comm);
	json_key(j, "cmdline");
	json_string(j, n->cmdline);
	json_key(j, "exepath");
	json_string(j, n->exepath);
	json_key(j, "uid");
	json_u64(j, n->uid);
	json_key(j, "container_id");
	json_string(j, n->container[0] ? n->container : "host");
	json_key(j, "start_ts");
	n->from_snapshot ? json_null(j) : json_u64(j, n->start);
	json_key(j, "end_ts");
	n->exited ? json_u64(j, n->end) : json_null(j);
	/* the wait status, decoded: an exit code, or the signal that ended the process */
	json_key(j, "exit_code");
	n->exited && !(n->status & 0x7f) ? json_i64(j, (n->status >> 8) & 0xff) : json_null(j);
	json_key(j, "signal");
	n->exited && (n->status & 0x7f) ? json_i64(j, n->status & 0x7f) : json_null(j);
	json_key(j, "execs");
	json_u64(j, (uint64_t)n->execs);
	json_end_object(j);
	(void)t;
}

static int by_pid(const void *a, const void *b)
{
	int64_t x = (*(struct node *const *)a)->pid, y = (*(struct node *const *)b)->pid;
	return x < y ? -1 : x > y;
}

/*
 * Snapshot records come in pid order, so a child may be seen before its
 * parent: find such parents among the snapshot's processes afterwards.
 */
static void find_snapshot_parents(struct tree *t)
{
	struct node **snap = malloc((t->n ? t->n : 1) * sizeof(*snap));
	size_t k = 0;
	if (!snap)
		return;
	for (size_t i = 0; i < t->n; i++)
		if (t->all[i]->from_snapshot)
			snap[k++] = t->all[i];
	qsort(snap, k, sizeof(*snap), by_pid);
	for (size_t i = 0; i < k; i++) {
		struct node *n = snap[i], key = {.pid = n->ppid}, *kp = &key;
		if (n->parent || n->ppid == n->pid)
			continue;
		struct node **found = bsearch(&kp, snap, k, sizeof(*snap), by_pid);
		n->parent = found ? *found : NULL;
	}
	free(snap);
}

/* Links each node under its parent, in creation order. */
static void link_tree(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct node *n = t->all[i], *p = n->parent;
		if (!p || n->hidden)
			continue;
		if (p->last_child)
			p->last_child->next = n;
		else
			p->first_child = n;
		p->last_child = n;
	}
}

static int subtree_has(const struct node *n, int64_t pid)
{
	if (n->pid == pid)
		return 1;
	for (const struct node *c = n->first_child; c; c = c->next)
		if (subtree_has(c, pid))
			return 1;
	return 0;
}

/* --pid: the ancestors of the last process with that pid, one line each, then its subtree. */
static void print_subtree(struct tree *t)
{
	const struct node *n = NULL;
	for (size_t i = 0; i < t->n; i++)
		if (t->all[i]->pid == t->only_pid && !t->all[i]->hidden)
			n = t->all[i];
	if (!n)
		return;
	const struct node *chain[64];
	size_t depth = 0;
	for (const struct node *a = n->parent; a && depth < 64; a = a->parent)
		chain[depth++] = a;
	char prefix[256] = "";
	for (size_t i = depth; i-- > 0;) {
		printf("%s%" PRId64 " %s\n", prefix, chain[i]->pid,
		       chain[i]->cmdline ? chain[i]->cmdline : chain[i]->comm);
		if (strlen(prefix) + 3 < sizeof(prefix))
			strcat(prefix, "   ");
	}
	print_node(t, n, prefix, 1, 1);
}

static void print_tree(struct tree *t)
{
	link_tree(t);
	struct json j;
	for (size_t i = 0; i < t->n; i++) {
		struct node *n = t->all[i];
		if (n->hidden)
			continue;
		if (t->json) {
			if (t->only_pid < 0 || subtree_has(n, t->only_pid) ||
			    (n->parent && subtree_has(n->parent, t->only_pid)))
				json_init(&j, stdout), json_node(&j, t, n);
			continue;
		}
		if (t->only_pid < 0 && !n->parent)
			print_node(t, n, "", 1, 1);
	}
	if (!t->json && t->only_pid >= 0)
		print_subtree(t);
}

/* --at: hide what was not alive at that moment; the living hang under their nearest living ancestor. */
static void keep_alive_at(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct node *n = t->all[i];
		int alive = (n->from_snapshot || n->start <= t->at) && !(n->exited && n->end <= t->at);
		n->hidden = !alive;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct node *n = t->all[i];
		while (n->parent && n->parent->hidden)
			n->parent = n->parent->parent;
	}
}

static int parse_opts(int argc, char **argv, struct tree *t, const char **at)
{
	static const struct option longopts[] = {{"at", required_argument, NULL, 'a'},
	                                         {"pid", required_argument, NULL, 'p'},
	                                         {"json", no_argument, NULL, 'j'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:jh", longopts, NULL)) != -1) {
		char *end;
		switch (ch) {
		case 'a': *at = optarg; break;
		case 'j': t->json = 1; break;
		case 'p':
			t->only_pid = strtoll(optarg, &end, 10);
			if (*end || !*optarg || t->only_pid < 0) {
				cli_error("--pid wants a process id, not '%s'", optarg);
				return -1;
			}
			break;
		case 'h': return 1;
		default: return -1;
		}
	}
	return optind < argc ? 0 : -1;
}

static void free_tree(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->all[i]->cmdline);
		free(t->all[i]->exepath);
		free(t->all[i]);
	}
	free(t->all);
}

int cmd_tree(int argc, char **argv)
{
	struct tree t = {.only_pid = -1};
	const char *at = NULL;
	int p = parse_opts(argc, argv, &t, &at);
	if (p)
		return cli_usage(usage, p > 0);
	struct kite_replay rp;
	struct kite_replay_opts ro = {.progress = isatty(STDERR_FILENO)};
	int rc = KITE_EXIT_ERROR;
	if (kite_replay_open(&rp, argv + optind, (unsigned)(argc - optind), &ro) < 0)
		goto out;
	t.base = rp.src[0].start_ts;
	if (at && kite_parse_time(at, t.base, &t.at) < 0) {
		cli_error("--at: cannot read '%s' as a time", at);
		rc = KITE_EXIT_USAGE;
		goto out;
	}
	rp.o.to = at ? t.at : 0;
	struct kite_state_hooks h = {
	        .ctx = &t, .proc_new = hook_new, .proc_exec = hook_exec, .proc_exit = hook_exit};
	kite_state_set_hooks(rp.state, &h);
	struct kite_ctx *c;
	int r;
	while ((r = kite_replay_next(&rp, &c)) == 1)
		;
	kite_state_settle(rp.state); /* the last event's exit, if any */
	find_snapshot_parents(&t);
	if (at)
		keep_alive_at(&t);
	print_tree(&t);
	rc = r < 0 ? KITE_EXIT_ERROR : kite_replay_damage(&rp);
out:
	kite_replay_close(&rp);
	free_tree(&t);
	return rc;
}

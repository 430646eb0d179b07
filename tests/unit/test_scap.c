/* test_scap.c - the .scap reader and ppm event table: the shared sysdig/Falco captures, exact values, damage, synthetic blocks. */
#include <arpa/inet.h>
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
#include <zlib.h>

#include "gzpump.h"
#include "reader.h"
#include "replay.h"
#include "scap_write.h"
#include "events.h"
#include "scap.h"
#include "testlib.h"

#define DATA "../shared/data/scap"

/* ---- helpers ---- */

/* 1 when the shared captures are there; otherwise prints SKIP (and fails under CI=true). */
static int have_data(const char *what)
{
	if (access(DATA "/libs_sample.scap", R_OK) == 0)
		return 1;
	if (getenv("CI") && !strcmp(getenv("CI"), "true"))
		fail_msg("%s is missing (CI needs ../shared)", DATA);
	printf("SKIP %s: %s not found\n", what, DATA);
	return 0;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define MIX(h, v) ((h) = fnv((h), &(v), sizeof(v)))

static uint64_t mix_str(uint64_t h, const char *s)
{
	return fnv(h, s, strlen(s) + 1);
}

static uint64_t hash_proc(uint64_t h, const struct scap_proc *p)
{
	MIX(h, p->tid), MIX(h, p->pid), MIX(h, p->ptid), MIX(h, p->sid), MIX(h, p->vpgid);
	MIX(h, p->vtid), MIX(h, p->vpid), MIX(h, p->uid), MIX(h, p->gid), MIX(h, p->flags);
	MIX(h, p->loginuid), MIX(h, p->fdlimit), MIX(h, p->exe_ino), MIX(h, p->cap_effective);
	h = mix_str(mix_str(mix_str(mix_str(mix_str(h, p->comm), p->exe), p->exepath), p->cwd), p->root);
	h = fnv(fnv(h, p->args, p->args_len), p->env, p->env_len);
	return fnv(h, p->cgroups, p->cgroups_len);
}

static uint64_t hash_fd(uint64_t h, const struct scap_fdinfo *d)
{
	MIX(h, d->tid), MIX(h, d->fd), MIX(h, d->ino), MIX(h, d->type), MIX(h, d->open_flags);
	MIX(h, d->dev), MIX(h, d->sip), MIX(h, d->dip), MIX(h, d->sport), MIX(h, d->dport);
	MIX(h, d->l4proto), MIX(h, d->unix_src), MIX(h, d->unix_dst);
	return mix_str(h, d->name);
}

static uint64_t hash_evt(uint64_t h, const struct scap_evt *e)
{
	MIX(h, e->ts), MIX(h, e->tid), MIX(h, e->type), MIX(h, e->cpu), MIX(h, e->flags), MIX(h, e->nparams);
	for (uint32_t i = 0; i < e->nparams; i++)
		h = fnv(h, e->param[i], e->len[i]), MIX(h, e->len[i]);
	return h;
}

/* Everything an item says except its offset (re-saved captures move blocks around). */
static uint64_t item_hash(const struct scap_item *it)
{
	uint64_t h = 0xcbf29ce484222325ull;
	MIX(h, it->kind);
	const struct scap_machine *m = &it->u.machine;
	switch (it->kind) {
	case SCAP_ITEM_MACHINE:
		MIX(h, m->ncpus), MIX(h, m->memory), MIX(h, m->boot_ts);
		return mix_str(h, m->hostname);
	case SCAP_ITEM_PROC: return hash_proc(h, &it->u.proc);
	case SCAP_ITEM_FD: return hash_fd(h, &it->u.fd);
	case SCAP_ITEM_USER:
		MIX(h, it->u.user.uid), MIX(h, it->u.user.gid);
		return mix_str(mix_str(mix_str(h, it->u.user.name), it->u.user.home), it->u.user.shell);
	case SCAP_ITEM_GROUP: MIX(h, it->u.group.gid); return mix_str(h, it->u.group.name);
	case SCAP_ITEM_IFACE:
		MIX(h, it->u.iface.type), MIX(h, it->u.iface.addr), MIX(h, it->u.iface.netmask);
		MIX(h, it->u.iface.linkspeed);
		return mix_str(h, it->u.iface.name);
	case SCAP_ITEM_EVENT: return hash_evt(h, &it->u.evt);
	case SCAP_ITEM_SECTION: MIX(h, it->u.section.major), MIX(h, it->u.section.minor); return h;
	}
	return h;
}

/* What one pass over a capture gave. */
struct run {
	int opened, rc, truncated;
	uint64_t skipped, kinds[SCAP_ITEM_SECTION + 1];
	uint64_t *hash, *offset;
	size_t n, cap;
	struct kt_warnings warn;
	char err[512];
};

static void run_add(struct run *r, const struct scap_item *it)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		r->hash = realloc(r->hash, r->cap * sizeof(*r->hash));
		r->offset = realloc(r->offset, r->cap * sizeof(*r->offset));
		assert_non_null(r->hash);
		assert_non_null(r->offset);
	}
	r->hash[r->n] = item_hash(it);
	r->offset[r->n++] = it->offset;
	r->kinds[it->kind]++;
}

/*
 * Reads every item of fd (owned), at most limit (a guard: the reader must end
 * by itself).  lazy: every code named to scap_file_set_lazy, and each event
 * split by scap_file_split before it is hashed.
 */
static void run_fd_mode(struct run *r, int fd, const char *name, int lazy)
{
	memset(r, 0, sizeof(*r));
	assert_true(fd >= 0);
	scap_file *f = scap_file_open(fd, name, kt_warn, &r->warn, r->err, sizeof(r->err));
	if (!f)
		return;
	r->opened = 1;
	for (uint32_t c = 0; lazy && c < scap_event_max; c++)
		scap_file_set_lazy(f, (uint16_t)c, 1);
	struct scap_item it;
	while ((r->rc = scap_file_next(f, &it)) == 1) {
		assert_true(it.kind >= SCAP_ITEM_MACHINE && it.kind <= SCAP_ITEM_SECTION);
		if (it.kind == SCAP_ITEM_EVENT && lazy) {
			assert_true(it.u.evt.nparams == 0 || it.u.evt.lens);
			scap_file_split(f, &it.u.evt);
			assert_true(it.u.evt.split);
		}
		run_add(r, &it);
		assert_true(r->n < 10000000);
	}
	if (r->rc < 0)
		snprintf(r->err, sizeof(r->err), "%s", scap_file_error(f));
	r->truncated = scap_file_truncated(f);
	r->skipped = scap_file_skipped_blocks(f);
	scap_file_close(f);
}

static void run_fd(struct run *r, int fd, const char *name)
{
	run_fd_mode(r, fd, name, 0);
}

static void run_bytes(struct run *r, const void *p, size_t n)
{
	run_fd(r, kt_memfd_bytes(p, n), "mem.scap");
}

static void run_free(struct run *r)
{
	free(r->hash);
	free(r->offset);
}

static uint8_t *slurp_path(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	uint8_t *p = kt_slurp(fd, n);
	close(fd);
	assert_non_null(p);
	return p;
}

static scap_file *open_path(const char *path, struct kt_warnings *w)
{
	char err[512];
	scap_file *f = scap_file_open(open(path, O_RDONLY), path, kt_warn, w, err, sizeof(err));
	if (!f)
		fail_msg("%s", err);
	return f;
}

/* The n-th item of a kind (0-based) in a capture. */
static void nth_item(const char *path, enum scap_item_kind kind, int n, struct scap_item *out, scap_file **fp)
{
	struct kt_warnings w = {0};
	scap_file *f = open_path(path, &w);
	while (scap_file_next(f, out) == 1)
		if (out->kind == kind && n-- == 0) {
			*fp = f;
			return;
		}
	fail_msg("%s: no such item", path);
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* ---- the table ---- */

static void table_shape(void **state)
{
	(void)state;
	assert_int_equal(scap_event_max, 448);
	assert_int_equal(scap_event_max_0293, 336);
	assert_null(scap_event_info(scap_event_max));
	assert_null(scap_event_info(0xffff));
	for (uint16_t c = 0; c < scap_event_max; c++) {
		const struct scap_event_info *e = scap_event_info(c);
		assert_non_null(e);
		assert_non_null(e->name);
		assert_int_equal(e->dir, (c & 1) ? 'X' : 'E');
		assert_true(e->nparams <= SCAP_MAX_PARAMS);
		assert_true((e->params != NULL) == (e->nparams > 0));
		for (int i = 0; i < e->nparams; i++) {
			assert_non_null(e->params[i].name);
			assert_true(e->params[i].type <= SCAP_PT_ENUMFLAGS32);
			assert_true(e->params[i].fmt <= SCAP_PF_OCT);
		}
		if (c >= scap_event_max_0293)
			assert_int_equal(scap_event_nparams_0293(c), 0);
	}
	const struct scap_event_info *o = scap_event_info(3);
	assert_string_equal(o->name, "open");
	assert_int_equal(o->nparams, 6);
	assert_string_equal(o->params[2].name, "flags");
	assert_int_equal(o->params[2].type, SCAP_PT_FLAGS32);
	assert_int_equal(o->params[2].fmt, SCAP_PF_HEX);
	assert_string_equal(o->params[2].info, "file_flags");
	assert_int_equal(o->flags, SCAP_EF_CREATES_FD | SCAP_EF_MODIFIES_STATE);
	assert_int_equal(o->category, SCAP_EC_FILE | SCAP_EC_SYSCALL);
	assert_string_equal(scap_event_info(45)->params[4].info, "sockopt_dynamic_param");
	assert_string_equal(scap_event_info(307)->params[2].info, "DIRFD_PARAM(1)");
	/* u32 parameter lengths: exactly the three large-payload codes */
	for (uint16_t c = 0; c < scap_event_max; c++)
		assert_int_equal(!!(scap_event_info(c)->flags & SCAP_EF_LARGE_PAYLOAD),
		                 c == 322 || c == 324 || c == 402);
	/* 0.29.3's counts (et_2022.tsv, the notes' ";0.29.3:" annotations) */
	assert_int_equal(scap_event_nparams_0293(3), 5);
	assert_int_equal(scap_event_nparams_0293(23), 2);
	assert_int_equal(scap_event_nparams_0293(2), 3);
	assert_int_equal(scap_event_nparams_0293(293), 20);
	assert_int_equal(scap_event_nparams_0293(335), 20);
}

/* Every code the shared captures use, with its name (exit names checked against sysdig below). */
static const struct {
	uint16_t code;
	const char *name;
} seen_codes[] = {
        {0, "syscall"},      {1, "syscall"},      {2, "open"},         {3, "open"},
        {4, "close"},        {5, "close"},        {6, "read"},         {7, "read"},
        {8, "write"},        {9, "write"},        {18, "socket"},      {19, "socket"},
        {20, "bind"},        {21, "bind"},        {22, "connect"},     {23, "connect"},
        {24, "listen"},      {25, "listen"},      {30, "sendto"},      {31, "sendto"},
        {34, "recvfrom"},    {35, "recvfrom"},    {38, "getsockname"}, {39, "getsockname"},
        {40, "getpeername"}, {41, "getpeername"}, {44, "setsockopt"},  {45, "setsockopt"},
        {46, "getsockopt"},  {47, "getsockopt"},  {48, "sendmsg"},     {49, "sendmsg"},
        {60, "pipe"},        {61, "pipe"},        {64, "futex"},       {65, "futex"},
        {66, "stat"},        {67, "stat"},        {70, "fstat"},       {71, "fstat"},
        {78, "epoll_wait"},  {79, "epoll_wait"},  {80, "poll"},        {81, "poll"},
        {134, "nanosleep"},  {135, "nanosleep"},  {140, "getrlimit"},  {141, "getrlimit"},
        {150, "fcntl"},      {151, "fcntl"},      {152, "switch"},     {158, "brk"},
        {159, "brk"},        {160, "mmap"},       {161, "mmap"},       {164, "munmap"},
        {165, "munmap"},     {170, "ioctl"},      {171, "ioctl"},      {186, "procexit"},
        {196, "scapevent"},  {222, "clone"},      {223, "clone"},      {231, "execve"},
        {234, "procinfo"},   {246, "accept"},     {247, "accept"},     {264, "access"},
        {265, "access"},     {272, "container"},  {292, "execve"},     {293, "execve"},
        {354, "useradded"},  {358, "groupadded"},
};
#define NSEEN (sizeof(seen_codes) / sizeof(seen_codes[0]))

static const char *const files[] = {
        "falco_empty",
        "falco_ping_sendto",
        "falco_psp_privileged",
        "falco_psp_run_as_user_65534_container",
        "falco_psp_write_tmp_test",
        "libs_curl_google",
        "libs_curl_google_comments",
        "libs_sample",
        "libs_single_ipv6_conn",
        "libs_test_ipv6_client",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static void codes_in_shared_files(void **state)
{
	(void)state;
	if (!have_data("codes_in_shared_files"))
		return;
	int used[NSEEN] = {0};
	for (size_t fi = 0; fi < NFILES; fi++) {
		char path[256];
		snprintf(path, sizeof(path), DATA "/%s.scap", files[fi]);
		struct kt_warnings w = {0};
		scap_file *f = open_path(path, &w);
		struct scap_item it;
		while (scap_file_next(f, &it) == 1) {
			if (it.kind != SCAP_ITEM_EVENT)
				continue;
			const struct scap_event_info *e = scap_event_info(it.u.evt.type);
			assert_non_null(e);
			assert_false(e->flags & SCAP_EF_UNUSED);
			size_t k = 0;
			while (k < NSEEN && seen_codes[k].code != it.u.evt.type)
				k++;
			if (k == NSEEN)
				fail_msg("%s: code %u (%s) not in the list", files[fi], it.u.evt.type,
				         e->name);
			assert_string_equal(e->name, seen_codes[k].name);
			used[k] = 1;
		}
		scap_file_close(f);
	}
	for (size_t k = 0; k < NSEEN; k++)
		assert_true(used[k]);
}

/* ---- the shared captures ---- */

/* Item counts, measured independently (a separate Python parser of the notes' layouts). */
static const struct expect {
	const char *name;
	uint64_t mi, proc, fd, user, group, iface, evt;
	uint64_t shown_exits; /* sysdig 0.29.3 -r F "evt.dir=<" | wc -l (= expected/NAME.tsv lines) */
} expects[] = {
        {"falco_empty", 1, 218, 883, 45, 77, 11, 143, 0},
        {"falco_ping_sendto", 1, 136, 674, 42, 72, 10, 1526, 10},
        {"falco_psp_privileged", 1, 100, 644, 45, 77, 11, 2059, 0},
        {"falco_psp_run_as_user_65534_container", 1, 126, 700, 45, 77, 11, 241, 1},
        {"falco_psp_write_tmp_test", 1, 124, 693, 45, 77, 11, 229, 1},
        {"libs_curl_google", 1, 54, 316, 31, 55, 5, 1536, 597},
        {"libs_curl_google_comments", 1, 54, 316, 31, 55, 5, 1536, 597},
        {"libs_sample", 1, 94, 515, 34, 61, 6, 572, 87},
        {"libs_single_ipv6_conn", 1, 154, 564, 42, 72, 13, 1728, 14},
        {"libs_test_ipv6_client", 1, 58, 333, 31, 55, 5, 326, 33},
};

/* Would sysdig 0.29.3 print this exit event?  (Codes it has, not internal, not an unused slot, not state-only.) */
static int shown_exit_0293(const struct scap_evt *e)
{
	if (e->type >= scap_event_max_0293 || !(e->type & 1) || (e->flags & 1))
		return 0;
	const struct scap_event_info *i = scap_event_info(e->type);
	return !(i->flags & SCAP_EF_UNUSED) && !(i->category & SCAP_EC_INTERNAL);
}

/* One line of expected/NAME.tsv against an event: rawtime, tid, evt.type (generic syscalls print their own name). */
static void check_tsv_line(const char *name, char *line, const struct scap_evt *e)
{
	char *save = NULL;
	char *ts = strtok_r(line, "\t", &save), *tid = strtok_r(NULL, "\t", &save);
	strtok_r(NULL, "\t", &save);
	strtok_r(NULL, "\t", &save);
	char *type = strtok_r(NULL, "\t", &save);
	assert_non_null(type);
	if (strtoull(ts, NULL, 10) != e->ts || (uint64_t)strtoll(tid, NULL, 10) != e->tid)
		fail_msg("%s: event ts %llu tid %llu, sysdig printed %s %s", name, (unsigned long long)e->ts,
		         (unsigned long long)e->tid, ts, tid);
	if (e->type != 1)
		assert_string_equal(scap_event_info(e->type)->name, type);
}

static void check_file(const struct expect *x)
{
	char path[256];
	snprintf(path, sizeof(path), DATA "/%s.scap", x->name);
	struct kt_warnings w = {0};
	scap_file *f = open_path(path, &w);
	snprintf(path, sizeof(path), DATA "/expected/%s.tsv", x->name);
	FILE *tsv = fopen(path, "r");
	assert_non_null(tsv);
	uint64_t n[SCAP_ITEM_SECTION + 1] = {0}, shown = 0;
	struct scap_item it;
	char *line = NULL;
	size_t cap = 0;
	int rc;
	while ((rc = scap_file_next(f, &it)) == 1) {
		n[it.kind]++;
		if (it.kind != SCAP_ITEM_EVENT || !shown_exit_0293(&it.u.evt))
			continue;
		shown++;
		if (getline(&line, &cap, tsv) <= 0)
			fail_msg("%s: more shown exit events than sysdig printed", x->name);
		check_tsv_line(x->name, line, &it.u.evt);
	}
	assert_int_equal(getline(&line, &cap, tsv), -1); /* sysdig printed no more */
	free(line);
	fclose(tsv);
	assert_int_equal(rc, 0);
	assert_int_equal(w.count, 0);
	assert_int_equal(scap_file_truncated(f), 0);
	assert_int_equal(scap_file_skipped_blocks(f), 0);
	assert_int_equal(n[SCAP_ITEM_MACHINE], x->mi);
	assert_int_equal(n[SCAP_ITEM_PROC], x->proc);
	assert_int_equal(n[SCAP_ITEM_FD], x->fd);
	assert_int_equal(n[SCAP_ITEM_USER], x->user);
	assert_int_equal(n[SCAP_ITEM_GROUP], x->group);
	assert_int_equal(n[SCAP_ITEM_IFACE], x->iface);
	assert_int_equal(n[SCAP_ITEM_EVENT], x->evt);
	assert_int_equal(n[SCAP_ITEM_SECTION], 0);
	assert_int_equal(shown, x->shown_exits);
	scap_file_close(f);
}

static void shared_files(void **state)
{
	(void)state;
	if (!have_data("shared_files"))
		return;
	for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++)
		check_file(&expects[i]);
}

static void sniff(void **state)
{
	(void)state;
	static const uint8_t gz[] = {0x1f, 0x8b, 8, 0};
	assert_true(scap_sniff(gz, sizeof(gz)));
	assert_false(scap_sniff(gz, 1));
	assert_false(scap_sniff((const uint8_t *)"hello, world, not a capture at all", 34));
	/* kite's own captures: pcapng too, but an IDB and kite blocks follow the SHB */
	size_t n;
	uint8_t *k = slurp_path("samples/benign.kcap", &n);
	assert_false(scap_sniff(k, n));
	free(k);
	if (!have_data("sniff"))
		return;
	for (size_t i = 0; i < NFILES; i++) {
		char path[256];
		snprintf(path, sizeof(path), DATA "/%s.scap", files[i]);
		uint8_t *p = slurp_path(path, &n);
		assert_true(scap_sniff(p, n < 4096 ? n : 4096));
		if (p[0] == 0x0a) { /* plain: needs the block after the SHB */
			assert_true(scap_sniff(p, 36));
			assert_false(scap_sniff(p, 35));
		}
		free(p);
	}
}

/* libs_sample (SHB 1.2, PL_V9, FDL_V2, UL_V2, IL_V2, EV_V2): exact values, checked with the research parsers and sysdig. */
static void sample_procs(void)
{
	struct scap_item it;
	scap_file *f;
	nth_item(DATA "/libs_sample.scap", SCAP_ITEM_PROC, 0, &it, &f);
	const struct scap_proc *p = &it.u.proc;
	assert_int_equal(p->tid, 1), assert_int_equal(p->pid, 1), assert_int_equal(p->ptid, 0);
	assert_int_equal(p->sid, 1), assert_int_equal(p->vpgid, 1), assert_int_equal(p->vtid, 1);
	assert_string_equal(p->comm, "systemd");
	assert_string_equal(p->exe, "/sbin/init");
	assert_string_equal(p->exepath, "/usr/lib/systemd/systemd");
	assert_string_equal(p->cwd, "/");
	assert_string_equal(p->root, "/");
	assert_int_equal(p->fdlimit, 1048576);
	assert_int_equal(p->vmsize_kb, 166564), assert_int_equal(p->vmrss_kb, 11712);
	assert_int_equal(p->pfmajor, 167), assert_int_equal(p->pfminor, 13829);
	static const char cg[] = "cpu=/init.scope\0memory=/init.scope\0cpuset=/init.scope";
	assert_int_equal(p->cgroups_len, sizeof(cg));
	assert_memory_equal(p->cgroups, cg, sizeof(cg));
	/* the 66-byte V9 tail: everything up to exe_ino_mtime */
	assert_int_equal(p->pidns_init_start_ts, 1690556576768000000ull);
	assert_int_equal(p->loginuid, 0xffffffffu);
	assert_int_equal(p->exe_writable, 1);
	assert_int_equal(p->cap_permitted, 0x1ffffffffffull);
	assert_int_equal(p->exe_ino, 1478732);
	assert_int_equal(p->exe_ino_ctime, 1690300431370392122ull);
	assert_int_equal(p->exe_ino_mtime, 1677761882000000000ull);
	assert_int_equal(scap_file_next(f, &it), 1);
	assert_int_equal(p->tid, 382);
	assert_string_equal(p->comm, "systemd-journal");
	assert_string_equal(p->exe, "/lib/systemd/systemd-journald");
	assert_int_equal(p->args_len, 0);
	assert_int_equal(scap_file_next(f, &it), 1);
	assert_int_equal(p->tid, 418);
	assert_string_equal(p->comm, "multipathd");
	assert_int_equal(p->args_len, 6);
	assert_memory_equal(p->args, "-d\0-s\0", 6);
	scap_file_close(f);
}

static void sample_fds(void)
{
	struct kt_warnings w = {0};
	scap_file *f = open_path(DATA "/libs_sample.scap", &w);
	struct scap_item it;
	int found = 0;
	while (scap_file_next(f, &it) == 1) {
		const struct scap_fdinfo *d = &it.u.fd;
		if (it.kind != SCAP_ITEM_FD)
			continue;
		if (d->tid == 1557 && d->fd == 4) { /* sshd's connection */
			static const uint8_t sip[4] = {192, 168, 121, 128}, dip[4] = {192, 168, 121, 1};
			assert_int_equal(d->type, SCAP_FD_IPV4_SOCK);
			assert_memory_equal(d->sip, sip, 4);
			assert_memory_equal(d->dip, dip, 4);
			assert_int_equal(d->sport, 22), assert_int_equal(d->dport, 33412);
			assert_int_equal(d->l4proto, 2), assert_int_equal(d->ino, 28973);
			assert_string_equal(d->name, "");
			found |= 1;
		} else if (d->tid == 1 && d->fd == 16) { /* names from /proc/net/unix keep their newline */
			assert_int_equal(d->type, SCAP_FD_UNIX_SOCK);
			assert_int_equal(d->unix_src, 0xffff99379b735d80ull);
			assert_string_equal(d->name, "/run/systemd/notify\n");
			found |= 2;
		} else if (d->tid == 557 && d->fd == 15) {
			static const uint8_t any[16] = {0};
			assert_int_equal(d->type, SCAP_FD_IPV6_SERVSOCK);
			assert_memory_equal(d->dip, any, 16);
			assert_int_equal(d->dport, 58), assert_int_equal(d->l4proto, 5);
			found |= 4;
		} else if (d->tid == 1 && d->fd == 0) {
			assert_int_equal(d->type, SCAP_FD_FILE_V2);
			assert_string_equal(d->name, "/dev/null");
			found |= 8;
		}
	}
	assert_int_equal(found, 15);
	scap_file_close(f);
}

static void sample_metadata(void)
{
	struct scap_item it;
	scap_file *f;
	nth_item(DATA "/libs_sample.scap", SCAP_ITEM_MACHINE, 0, &it, &f);
	assert_int_equal(it.offset, 28);
	assert_int_equal(it.u.machine.ncpus, 4);
	assert_string_equal(it.u.machine.hostname, "ubuntu2204.localdomain");
	assert_int_equal(it.u.machine.boot_ts, 1690556576768000000ull);
	assert_int_equal(scap_file_next(f, &it), 1);
	static const uint8_t lo[4] = {127, 0, 0, 1}, mask[4] = {255, 0, 0, 0};
	assert_int_equal(it.kind, SCAP_ITEM_IFACE);
	assert_int_equal(it.u.iface.type, 1);
	assert_string_equal(it.u.iface.name, "lo");
	assert_memory_equal(it.u.iface.addr, lo, 4);
	assert_memory_equal(it.u.iface.netmask, mask, 4);
	scap_file_close(f);
	nth_item(DATA "/libs_sample.scap", SCAP_ITEM_USER, 0, &it, &f);
	assert_int_equal(it.u.user.uid, 0);
	assert_string_equal(it.u.user.name, "root");
	assert_string_equal(it.u.user.home, "/root");
	assert_string_equal(it.u.user.shell, "/bin/bash");
	scap_file_close(f);
	nth_item(DATA "/libs_sample.scap", SCAP_ITEM_GROUP, 1, &it, &f);
	assert_int_equal(it.u.group.gid, 1);
	assert_string_equal(it.u.group.name, "daemon");
	scap_file_close(f);
}

static void sample_events(void)
{
	struct scap_item it;
	scap_file *f;
	nth_item(DATA "/libs_sample.scap", SCAP_ITEM_EVENT, 0, &it, &f);
	const struct scap_evt *e = &it.u.evt;
	/* useradded (354, newer than 0.29.3): uid gid name home shell container_id */
	assert_int_equal(e->ts, 1690557262753607000ull);
	assert_int_equal(e->tid, UINT64_MAX);
	assert_int_equal(e->type, 354), assert_int_equal(e->cpu, 0), assert_int_equal(e->nparams, 6);
	assert_int_equal(e->len[0], 4);
	assert_int_equal(u32_at(e->param[0]), 999);
	assert_int_equal(u32_at(e->param[1]), 100);
	assert_string_equal((const char *)e->param[2], "lxd");
	assert_string_equal((const char *)e->param[3], "/var/snap/lxd/common/lxd");
	assert_string_equal((const char *)e->param[4], "/bin/false");
	assert_int_equal(e->len[5], 1);
	/* sysdig's evt.num 2 (it numbers codes < 336 only): "switch > next=0 pgft_maj=0 pgft_min=1472 vm_size=317932" */
	for (int k = 0; k < 2;) {
		assert_int_equal(scap_file_next(f, &it), 1);
		k += it.kind == SCAP_ITEM_EVENT && e->type < 336;
	}
	assert_int_equal(e->ts, 1690557262753887343ull);
	assert_int_equal(e->tid, 2987), assert_int_equal(e->cpu, 3), assert_int_equal(e->type, 152);
	assert_int_equal(e->nparams, 6);
	assert_int_equal(u64_at(e->param[0]), 0);
	assert_int_equal(u64_at(e->param[2]), 1472);
	assert_int_equal(u32_at(e->param[3]), 317932);
	scap_file_close(f);
}

static void libs_sample_values(void **state)
{
	(void)state;
	if (!have_data("libs_sample_values"))
		return;
	sample_procs();
	sample_fds();
	sample_metadata();
	sample_events();
}

/* libs_curl_google: SHB 1.0, PL_V5, old EV blocks with v1 headers (nparams inferred). */
static void curl_v1(void **state)
{
	(void)state;
	if (!have_data("curl_v1"))
		return;
	struct kt_warnings w = {0};
	scap_file *f = open_path(DATA "/libs_curl_google.scap", &w);
	uint16_t major = 9, minor = 9;
	scap_file_version(f, &major, &minor);
	assert_int_equal(major, 1), assert_int_equal(minor, 0);
	struct scap_item it;
	assert_int_equal(scap_file_next(f, &it), 1);
	assert_string_equal(it.u.machine.hostname, "ip-10-0-0-79");
	while (scap_file_next(f, &it) == 1 && it.kind != SCAP_ITEM_PROC)
		;
	assert_int_equal(it.u.proc.tid, 1);
	assert_string_equal(it.u.proc.exepath, ""); /* V5 has no exepath, sid, vpgid or tail */
	assert_int_equal(it.u.proc.sid, 0);
	assert_int_equal(it.u.proc.env_len, 150), assert_int_equal(it.u.proc.cgroups_len, 173);
	assert_int_equal(it.u.proc.loginuid, 0xffffffffu);
	uint64_t n = 0;
	const struct scap_evt *e = &it.u.evt;
	while (scap_file_next(f, &it) == 1) {
		if (it.kind != SCAP_ITEM_EVENT)
			continue;
		n++;
		assert_true(e->nparams <= scap_event_info(e->type)->nparams);
		if (n == 218) { /* sysdig: "open >" with no parameters (the 2018 layout) */
			assert_int_equal(e->type, 2), assert_int_equal(e->nparams, 0);
		} else if (
		        n ==
		        219) { /* "open < fd=3(<f>/etc/ld.so.cache) name=/etc/ld.so.cache flags=4097 mode=0" */
			assert_int_equal(e->ts, 1534527348514682170ull), assert_int_equal(e->tid, 17497);
			assert_int_equal(e->type, 3), assert_int_equal(e->nparams, 4);
			assert_int_equal(u64_at(e->param[0]), 3);
			assert_string_equal((const char *)e->param[1], "/etc/ld.so.cache");
			assert_int_equal(u32_at(e->param[2]), 4097), assert_int_equal(u32_at(e->param[3]), 0);
		} else if (n == 1056) { /* "connect > fd=4(<u>)": only fd in the old layout */
			assert_int_equal(e->type, 22), assert_int_equal(e->nparams, 1);
			assert_int_equal(u64_at(e->param[0]), 4);
		} else if (
		        n ==
		        1057) { /* "connect < res=-2(ENOENT) tuple=0->ffff88003c420800 /var/run/nscd/socket" */
			assert_int_equal(e->type, 23), assert_int_equal(e->nparams, 2);
			assert_int_equal((int64_t)u64_at(e->param[0]), -2);
			assert_int_equal(e->param[1][0], 1); /* AF_UNIX */
			assert_int_equal(u64_at(e->param[1] + 9), 0xffff88003c420800ull);
			assert_string_equal((const char *)e->param[1] + 17, "/var/run/nscd/socket");
		}
	}
	assert_int_equal(n, 1536);
	assert_int_equal(w.count, 0);
	scap_file_close(f);
}

/* The editcap re-save (SHB options, pcapng comments inside 3 event blocks) holds the very same items. */
static void comments_same_items(void **state)
{
	(void)state;
	if (!have_data("comments_same_items"))
		return;
	struct run a, b;
	run_fd(&a, open(DATA "/libs_curl_google.scap", O_RDONLY), "curl");
	run_fd(&b, open(DATA "/libs_curl_google_comments.scap", O_RDONLY), "comments");
	assert_true(a.opened && b.opened);
	assert_int_equal(a.rc, 0), assert_int_equal(b.rc, 0);
	assert_int_equal(b.warn.count, 0), assert_int_equal(b.skipped, 0);
	assert_int_equal(a.n, 1 + 54 + 316 + 31 + 55 + 5 + 1536);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.hash, b.hash, a.n * sizeof(*a.hash));
	assert_int_equal(b.offset[0], 116); /* MI right after the 116-byte SHB */
	run_free(&a);
	run_free(&b);
}

static uint64_t rng_next(uint64_t *s);

/* A lazy reader (scap_file_set_lazy) hands out the same items and the same warnings, split on demand. */
static void lazy_same(const uint8_t *p, size_t n)
{
	struct run a, b;
	run_fd_mode(&a, kt_memfd_bytes(p, n), "mem.scap", 0);
	run_fd_mode(&b, kt_memfd_bytes(p, n), "mem.scap", 1);
	assert_int_equal(a.opened, b.opened);
	assert_int_equal(a.rc, b.rc);
	assert_int_equal(a.n, b.n);
	assert_int_equal(a.truncated, b.truncated);
	assert_int_equal(a.skipped, b.skipped);
	assert_int_equal(a.warn.count, b.warn.count);
	assert_string_equal(a.warn.last, b.warn.last);
	if (a.n) {
		assert_memory_equal(a.hash, b.hash, a.n * sizeof(*a.hash));
		assert_memory_equal(a.offset, b.offset, a.n * sizeof(*a.offset));
	}
	run_free(&a);
	run_free(&b);
}

/* Sets a parameter length of about one v2 event block in eight to a random value. */
static void bump_lens(uint8_t *q, size_t n, uint64_t *s)
{
	for (size_t at = 0; at + 12 <= n;) {
		uint32_t type = u32_at(q + at), total = u32_at(q + at + 4);
		if (total < 12 || total % 4 || total > n - at)
			return;
		size_t pre = type == SCAP_BLK_EVF_V2 ? 6 : 2, lens = at + 8 + pre + 26;
		if ((type == SCAP_BLK_EV_V2 || type == SCAP_BLK_EVF_V2) && lens <= at + total &&
		    rng_next(s) % 8 == 0) {
			uint32_t np = u32_at(q + lens - 4), i = np ? (uint32_t)(rng_next(s) % np) : 0;
			uint16_t v = (uint16_t)(rng_next(s) % 3 ? rng_next(s) % 64 : rng_next(s));
			if (np && lens + 2 * i + 2 <= at + total)
				memcpy(q + lens + 2 * i, &v, 2);
		}
		at += total;
	}
}

static void lazy_same_items(void **state)
{
	(void)state;
	if (!have_data("lazy_same_items"))
		return;
	uint64_t s = 0x2545f4914f6cdd1dull;
	for (size_t fi = 0; fi < NFILES; fi++) {
		char path[256];
		snprintf(path, sizeof(path), DATA "/%s.scap", files[fi]);
		size_t n;
		uint8_t *p = slurp_path(path, &n);
		lazy_same(p, n);
		/* damaged plain captures (a gzip one would not inflate): lengths, bytes here and there, cuts */
		for (int round = 0; round < 40 && n > 64 && !(p[0] == 0x1f && p[1] == 0x8b); round++) {
			uint8_t *q = malloc(n);
			assert_non_null(q);
			memcpy(q, p, n);
			bump_lens(q, n, &s);
			for (int k = 0; k < round % 4; k++)
				q[32 + rng_next(&s) % (n - 32)] = (uint8_t)rng_next(&s);
			lazy_same(q, n);
			lazy_same(q, n - rng_next(&s) % (n / 2));
			free(q);
		}
		free(p);
	}
}

/* ---- damage ---- */

/* Plain file cut at off: exactly the items of the blocks wholly before the cut, then a warning. */
static void plain_cut(const uint8_t *p, const struct run *full, size_t off)
{
	struct run r;
	run_bytes(&r, p, off);
	if (off < 28) { /* not even the section header */
		assert_false(r.opened);
		assert_non_null(strstr(r.err, "offset 0"));
		return;
	}
	assert_true(r.opened);
	size_t want = 0, boundary = off == 28;
	for (size_t i = 0; i < full->n; i++) {
		uint64_t end = full->offset[i] + u32_at(p + full->offset[i] + 4);
		want += end <= off;
		boundary |= end == off;
	}
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, want);
	assert_memory_equal(r.hash, full->hash, want * sizeof(*r.hash));
	if (!boundary) {
		assert_int_equal(r.truncated, 1);
		assert_int_equal(r.warn.count, 1);
		assert_non_null(strstr(r.warn.last, "truncated"));
	}
	run_free(&r);
}

static void truncated_plain(void **state)
{
	(void)state;
	if (!have_data("truncated_plain"))
		return;
	size_t n;
	uint8_t *p = slurp_path(DATA "/libs_sample.scap", &n);
	struct run full;
	run_bytes(&full, p, n);
	assert_int_equal(full.n, 1 + 94 + 515 + 34 + 61 + 6 + 572);
	/* in the SHB, the MI, the PL_V9 block, the FDLs, the events; a step through one whole event region */
	static const size_t cuts[] = {0, 5, 27, 28, 30, 100, 219, 220, 1000, 20000, 50000, 60001, 100000};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		plain_cut(p, &full, cuts[i]);
	for (size_t off = n - 2000; off < n; off += 7)
		plain_cut(p, &full, off);
	run_free(&full);
	free(p);
}

/* gzip file cut at off: a prefix of the items, then the end with a warning (never an error). */
static size_t gzip_cut(const uint8_t *p, const struct run *full, size_t off, size_t prev)
{
	struct run r;
	run_bytes(&r, p, off);
	if (!r.opened) {
		assert_true(off < 512); /* the SHB comes out of the first deflate block */
		return 0;
	}
	assert_int_equal(r.rc, 0);
	assert_true(r.n <= full->n);
	assert_true(r.n >= prev);
	assert_memory_equal(r.hash, full->hash, r.n * sizeof(*r.hash));
	assert_int_equal(r.truncated, 1);
	assert_true(r.warn.count >= 1);
	assert_non_null(strstr(r.warn.last, "offset "));
	size_t got = r.n;
	run_free(&r);
	return got;
}

static void truncated_gzip(void **state)
{
	(void)state;
	if (!have_data("truncated_gzip"))
		return;
	size_t n;
	uint8_t *p = slurp_path(DATA "/libs_curl_google.scap", &n);
	assert_int_equal(p[0], 0x1f);
	struct run full;
	run_bytes(&full, p, n);
	assert_int_equal(full.rc, 0);
	assert_int_equal(full.warn.count, 0);
	size_t prev = 0;
	static const size_t fixed[] = {3, 10, 40, 200, 1000, 3000};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		prev = gzip_cut(p, &full, fixed[i], prev);
	for (size_t off = 4000; off < n; off += 997)
		prev = gzip_cut(p, &full, off, prev);
	/* inside the gzip trailer (CRC, size): every item is there, the check fails */
	assert_int_equal(gzip_cut(p, &full, n - 4, prev), full.n);
	assert_int_equal(gzip_cut(p, &full, n - 1, full.n), full.n);
	run_free(&full);
	free(p);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static const uint8_t shb12[28] = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0,    0,    0x4d, 0x3c,
                                  0x2b, 0x1a, 1,    0,    2,  0, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 28, 0, 0,    0};

static void garbage(void **state)
{
	(void)state;
	struct run r;
	run_bytes(&r, "", 0);
	assert_false(r.opened);
	assert_non_null(strstr(r.err, "mem.scap: offset 0:"));
	uint8_t buf[8192];
	uint64_t s = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rng_next(&s);
		/* small lengths now and then, so that framing is sometimes valid */
		for (size_t i = 0; i < sizeof(buf); i += 4)
			if (rng_next(&s) % 3 == 0)
				memcpy(buf + i, &(uint32_t){(uint32_t)(rng_next(&s) % 64) * 4}, 4);
		size_t n = 28 + rng_next(&s) % (sizeof(buf) - 28);
		run_bytes(&r, buf, n); /* no SHB: refused */
		assert_false(r.opened);
		memcpy(buf, shb12, sizeof(shb12));
		run_bytes(&r, buf, n); /* SHB then garbage: warnings, skips, an error at worst */
		assert_true(r.opened);
		assert_true(r.rc == 0 || (r.rc == -1 && r.err[0]));
		run_free(&r);
		buf[0] = 0x1f, buf[1] = 0x8b; /* gzip magic then garbage */
		run_bytes(&r, buf, n);
		assert_false(r.opened);
	}
	memcpy(buf, shb12, sizeof(shb12));
	memcpy(buf + 8, "\x1a\x2b\x3c\x4d", 4);
	run_bytes(&r, buf, 28);
	assert_false(r.opened);
	assert_non_null(strstr(r.err, "big-endian"));
	memcpy(buf, shb12, sizeof(shb12));
	buf[12] = 2;
	run_bytes(&r, buf, 28);
	assert_false(r.opened);
	assert_non_null(strstr(r.err, "version 2.2"));
	/* a block over the limit is an error, not an allocation */
	memcpy(buf, shb12, sizeof(shb12));
	memcpy(buf + 28, "\x16\x02\x00\x00\x00\x00\x00\x20", 8);
	run_bytes(&r, buf, 36 + 64);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err, "offset 28: block length over the 256 MiB limit"));
	run_free(&r);
}

/* ---- synthetic blocks: the versions and ids no shared file has ---- */

struct bb {
	uint8_t b[4096];
	size_t n;
};

static void put(struct bb *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put16(struct bb *b, uint16_t v)
{
	put(b, &v, 2);
}

static void put32(struct bb *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put64(struct bb *b, uint64_t v)
{
	put(b, &v, 8);
}

static void putstr(struct bb *b, const char *s)
{
	put16(b, (uint16_t)strlen(s));
	put(b, s, strlen(s));
}

static size_t blk_begin(struct bb *b, uint32_t type)
{
	size_t at = b->n;
	put32(b, type);
	put32(b, 0);
	return at;
}

static void blk_end(struct bb *b, size_t at)
{
	while (b->n % 4)
		put(b, "", 1);
	uint32_t total = (uint32_t)(b->n + 4 - at);
	put32(b, total);
	memcpy(b->b + at + 4, &total, 4);
}

/* A parameter value: bytes and their length (binary values hold NULs). */
struct pv {
	const char *p;
	uint32_t n;
};
#define PV(lit)                                                                                              \
	{                                                                                                    \
		lit, sizeof(lit)                                                                             \
	} /* a literal with its NUL */

/* An event block: cpu, [flags], header v1/v2, lengths (u16 or u32), values. */
static void put_event(struct bb *b, uint32_t btype, uint16_t code, int nparams, const struct pv *vals,
                      int lsz)
{
	size_t at = blk_begin(b, btype);
	int v1 = btype == SCAP_BLK_EV || btype == SCAP_BLK_EV_INT || btype == SCAP_BLK_EVF;
	put16(b, 7); /* cpu */
	if (btype == SCAP_BLK_EVF || btype == SCAP_BLK_EVF_V2 || btype == SCAP_BLK_EVF_V2_LARGE)
		put32(b, 1); /* SCAP_DF_STATE_ONLY */
	uint32_t len = (uint32_t)((v1 ? 22 : 26) + nparams * lsz);
	for (int i = 0; i < nparams; i++)
		len += vals[i].n;
	put64(b, 1000 + code), put64(b, 42), put32(b, len), put16(b, code);
	if (!v1)
		put32(b, (uint32_t)nparams);
	for (int i = 0; i < nparams; i++)
		lsz == 4 ? put32(b, vals[i].n) : put16(b, (uint16_t)vals[i].n);
	for (int i = 0; i < nparams; i++)
		put(b, vals[i].p, vals[i].n);
	blk_end(b, at);
}

static void put_old_metadata(struct bb *b)
{
	size_t at = blk_begin(b, 0x12345u); /* unknown: skipped silently */
	put32(b, 1);
	blk_end(b, at);
	at = blk_begin(b, SCAP_BLK_MI_INT);
	put32(b, 2), put64(b, 1 << 20), put64(b, 32768);
	char host[128] = "h1";
	put(b, host, 128);
	put64(b, 5), put64(b, 0), put64(b, 0), put64(b, 0);
	blk_end(b, at);
	at = blk_begin(
	        b,
	        SCAP_BLK_PL_V1_INT); /* two V1 entries: tid pid ptid comm exe args cwd fdlimit flags uid gid */
	for (uint64_t tid = 10; tid <= 11; tid++) {
		put64(b, tid), put64(b, 10), put64(b, 1);
		putstr(b, "sh"), putstr(b, "/bin/sh"), put16(b, 7), put(b, "-c\0true", 7), putstr(b, "/tmp");
		put64(b, 1024), put32(b, 0), put32(b, 1000), put32(b, 1000);
	}
	blk_end(b, at);
	at = blk_begin(b, SCAP_BLK_FDL); /* v1 fds: a file, a server socket, then an unknown type */
	put64(b, 10);
	put64(b, 3), put64(b, 99), put(b, "\x01", 1), putstr(b, "/a");
	put64(b, 4), put64(b, 98), put(b, "\x05", 1), put(b, "\x0a\x00\x00\x01", 4), put16(b, 80),
	        put(b, "\x02", 1);
	put64(b, 5), put64(b, 97), put(b, "\x63", 1);
	blk_end(b, at);
	at = blk_begin(b, SCAP_BLK_IL); /* v1: an IPv4 without link speed, an IPv6 */
	put16(b, 3), put16(b, 2), put32(b, 0x0100007f), put32(b, 0xff), put32(b, 0x0100007f), put(b, "lo", 2);
	put16(b, 2), put16(b, 4);
	for (int i = 0; i < 3; i++)
		put(b, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	put64(b, 1000), put(b, "eth0", 4);
	blk_end(b, at);
	at = blk_begin(b, SCAP_BLK_UL_INT);
	put(b, "\x00", 1), put32(b, 1000), put32(b, 1000), putstr(b, "bob"), putstr(b, "/home/bob"),
	        putstr(b, "/bin/sh");
	put(b, "\x01", 1), put32(b, 1000), putstr(b, "bob");
	blk_end(b, at);
}

static void put_new_metadata(struct bb *b)
{
	size_t at = blk_begin(b, SCAP_BLK_FDL_V2); /* good, bad (string past its entry), good */
	put64(b, 11);
	put32(b, 4 + 17 + 4 + 2 + 2), put64(b, 0), put64(b, 1), put(b, "\x10", 1), put32(b, 1),
	        putstr(b, "/x");
	put32(b, 4 + 17 + 4 + 2 + 2), put64(b, 1), put64(b, 2), put(b, "\x10", 1), put32(b, 1);
	put16(b, 50), put(b, "/y", 2); /* a name longer than its entry */
	put32(b, 4 + 17 + 4 + 2 + 2 + 4), put64(b, 2), put64(b, 3), put(b, "\x10", 1), put32(b, 1),
	        putstr(b, "/z");
	put32(b, 77); /* dev */
	blk_end(b, at);
	at = blk_begin(b,
	               SCAP_BLK_PL_V9); /* a V9 entry whose tail is only loginuid (as the falco captures) */
	size_t e = b->n;
	put32(b, 0), put64(b, 12), put64(b, 12), put64(b, 1), put64(b, 12), put64(b, 12);
	putstr(b, "cat"), putstr(b, "cat"), putstr(b, "/usr/bin/cat"), putstr(b, "cat\0"), putstr(b, "/");
	put64(b, 1024), put32(b, 0), put32(b, 0), put32(b, 0);
	put32(b, 1), put32(b, 2), put32(b, 3), put64(b, 4), put64(b, 5);
	putstr(b, "A=1"), put64(b, 12), put64(b, 12), putstr(b, "cpu=/"), putstr(b, "/");
	put32(b, 1000);
	uint32_t sub = (uint32_t)(b->n - e);
	memcpy(b->b + e, &sub, 4);
	blk_end(b, at);
}

static const struct pv openx_old[] = {PV("\x03\0\0\0\0\0\0"), PV("/etc/passwd"), PV("\x01\0\0"),
                                      PV("\0\0\0")};
static const struct pv one_fd[] = {PV("\x03\0\0\0\0\0\0")};
static const struct pv json[] = {PV("{\"container\":{}}")};
static const struct pv notif[] = {PV("id"), PV("desc")};

static void put_events(struct bb *b)
{
	put_event(b, SCAP_BLK_EV, 3, 4, openx_old, 2);  /* v1, 4 of open_X's 6 params */
	put_event(b, SCAP_BLK_EV_INT, 2, 0, NULL, 2);   /* legacy id, 2018 open_E */
	put_event(b, SCAP_BLK_EVF, 4, 1, one_fd, 2);    /* v1 with flags */
	put_event(b, SCAP_BLK_EVF_V2, 4, 1, one_fd, 2); /* v2 with flags */
	put_event(b, SCAP_BLK_EV_V2_LARGE, 324, 1, json, 4);
	put_event(b, SCAP_BLK_EV_V2, 324, 1, json, 4); /* the code, not the block, decides u32 lengths */
	put_event(b, SCAP_BLK_EV_V2, 4, 1, one_fd, 2);
	b->b[b->n - 4] ^= 0x40;                          /* its trailer no longer matches: warned, resynced */
	put_event(b, SCAP_BLK_EV_V2, 999, 1, one_fd, 2); /* beyond the table: handed out as is */
	size_t at = b->n;
	put_event(b, SCAP_BLK_EV_V2, 4, 1, one_fd, 2);
	memcpy(b->b + at + 8 + 2 + 22, &(uint32_t){70}, 4); /* nparams 70: skipped */
	put(b, shb12, sizeof(shb12));                       /* a second section */
	put_event(b, SCAP_BLK_EV_V2, 4, 1, one_fd, 2);
	at = b->n;
	put_event(b, SCAP_BLK_EV, 280, 2, notif, 2);
	uint32_t len = 22 + 4 + 8 + 3; /* old captures stored notifications 3 bytes too long */
	memcpy(b->b + at + 8 + 2 + 16, &len, 4);
}

static void check_synthetic_procs(scap_file *f, struct scap_item *it)
{
	assert_int_equal(scap_file_next(f, it), 1);
	assert_int_equal(it->kind, SCAP_ITEM_MACHINE);
	assert_string_equal(it->u.machine.hostname, "h1");
	assert_int_equal(it->u.machine.boot_ts, 5);
	for (uint64_t tid = 10; tid <= 11; tid++) {
		assert_int_equal(scap_file_next(f, it), 1);
		assert_int_equal(it->kind, SCAP_ITEM_PROC);
		assert_int_equal(it->u.proc.tid, tid);
		assert_string_equal(it->u.proc.cwd, "/tmp");
		assert_int_equal(it->u.proc.args_len, 7);
		assert_int_equal(it->u.proc.uid, 1000);
		assert_int_equal(it->u.proc.vmsize_kb, 0);
	}
}

static void check_synthetic_meta(scap_file *f, struct scap_item *it)
{
	static const char *const names[] = {"/a", "", "unknown-type:[99]"};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(scap_file_next(f, it), 1);
		assert_int_equal(it->kind, SCAP_ITEM_FD);
		assert_int_equal(it->u.fd.tid, 10), assert_int_equal(it->u.fd.fd, 3 + i);
		assert_string_equal(it->u.fd.name, names[i]);
	}
	assert_int_equal(it->u.fd.type, SCAP_FD_UNSUPPORTED);
	assert_int_equal(scap_file_next(f, it), 1);
	assert_int_equal(it->u.iface.type, 3), assert_string_equal(it->u.iface.name, "lo");
	assert_int_equal(scap_file_next(f, it), 1);
	assert_int_equal(it->u.iface.type, 2), assert_string_equal(it->u.iface.name, "eth0");
	assert_int_equal(it->u.iface.linkspeed, 1000), assert_int_equal(it->u.iface.bcast[15], 1);
	assert_int_equal(scap_file_next(f, it), 1);
	assert_string_equal(it->u.user.shell, "/bin/sh");
	assert_int_equal(scap_file_next(f, it), 1);
	assert_int_equal(it->kind, SCAP_ITEM_GROUP), assert_string_equal(it->u.group.name, "bob");
	assert_int_equal(scap_file_next(f, it), 1);
	assert_string_equal(it->u.fd.name, "/x"), assert_int_equal(it->u.fd.dev, 0);
	assert_int_equal(scap_file_next(f, it), 1); /* /y was skipped */
	assert_string_equal(it->u.fd.name, "/z"), assert_int_equal(it->u.fd.dev, 77);
	assert_int_equal(scap_file_next(f, it), 1);
	assert_int_equal(it->u.proc.tid, 12), assert_string_equal(it->u.proc.exepath, "/usr/bin/cat");
	assert_int_equal(it->u.proc.loginuid, 1000), assert_int_equal(it->u.proc.pidns_init_start_ts, 0);
	assert_int_equal(it->u.proc.cgroups_len, 5), assert_int_equal(it->u.proc.vpid, 12);
}

static void next_event(scap_file *f, struct scap_item *it, uint16_t type, uint32_t nparams, uint32_t flags)
{
	assert_int_equal(scap_file_next(f, it), 1);
	assert_int_equal(it->kind, SCAP_ITEM_EVENT);
	assert_int_equal(it->u.evt.type, type);
	assert_int_equal(it->u.evt.nparams, nparams);
	assert_int_equal(it->u.evt.flags, flags);
	assert_int_equal(it->u.evt.cpu, 7), assert_int_equal(it->u.evt.tid, 42);
}

static void check_synthetic_events(scap_file *f, struct scap_item *it, struct kt_warnings *w)
{
	next_event(f, it, 3, 4, 0);
	assert_string_equal((const char *)it->u.evt.param[1], "/etc/passwd");
	next_event(f, it, 2, 0, 0);
	next_event(f, it, 4, 1, 1);
	next_event(f, it, 4, 1, 1);
	next_event(f, it, 324, 1, 0);
	assert_string_equal((const char *)it->u.evt.param[0], json[0].p);
	next_event(f, it, 324, 1, 0);
	assert_int_equal(it->u.evt.len[0], json[0].n);
	int before = w->count;
	next_event(f, it, 999, 1, 0);
	assert_int_equal(w->count, before + 1);
	assert_non_null(strstr(w->last, "trailer"));
	assert_int_equal(scap_file_next(f, it), 1); /* the nparams-70 event went with a warning */
	assert_int_equal(w->count, before + 2);
	assert_int_equal(it->kind, SCAP_ITEM_SECTION);
	assert_int_equal(it->u.section.minor, 2);
	next_event(f, it, 4, 1, 0);
	next_event(f, it, 280, 2, 0);
	assert_string_equal((const char *)it->u.evt.param[1], "desc");
	assert_int_equal(scap_file_next(f, it), 0);
}

static void synthetic_blocks(void **state)
{
	(void)state;
	static struct bb b;
	b.n = 0;
	put(&b, shb12, sizeof(shb12));
	b.b[14] = 1; /* 1.1 */
	put_old_metadata(&b);
	put_new_metadata(&b);
	put_events(&b);
	struct kt_warnings w = {0};
	char err[256];
	scap_file *f = scap_file_open(kt_memfd_bytes(b.b, b.n), "syn", kt_warn, &w, err, sizeof(err));
	assert_non_null(f);
	uint16_t major, minor;
	scap_file_version(f, &major, &minor);
	assert_int_equal(minor, 1);
	struct scap_item it;
	check_synthetic_procs(f, &it);
	check_synthetic_meta(f, &it);
	assert_int_equal(w.count, 1); /* the bad FDL_V2 entry */
	assert_non_null(strstr(w.last, "fd entry 1 of the block at offset"));
	check_synthetic_events(f, &it, &w);
	assert_int_equal(w.count, 3);
	assert_int_equal(scap_file_skipped_blocks(f), 3); /* unknown, bad trailer, bad event */
	assert_int_equal(scap_file_truncated(f), 0);
	scap_file_version(f, &major, &minor);
	assert_int_equal(minor, 2);
	scap_file_close(f);
	/* the same file gzip-compressed, through a pipe-like sequential read: the same items */
	struct run plain, gz;
	run_bytes(&plain, b.b, b.n);
	char path[] = "/tmp/kite-test-scap-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	gzFile g = gzdopen(dup(fd), "wb");
	assert_int_equal(gzwrite(g, b.b, (unsigned)b.n), (int)b.n);
	gzclose(g);
	lseek(fd, 0, SEEK_SET);
	unlink(path);
	run_fd(&gz, fd, "syn.gz");
	assert_int_equal(gz.n, plain.n);
	assert_memory_equal(gz.hash, plain.hash, gz.n * sizeof(*gz.hash));
	assert_memory_equal(gz.offset, plain.offset, gz.n * sizeof(*gz.offset));
	run_free(&plain);
	run_free(&gz);
}

/* ---- replay of a synthetic .scap: sysdig 0.29.3's socket names ---- */

/* A v1 event block of thread 42 at time ts. */
static void put_ev(struct bb *b, uint64_t ts, uint16_t code, int nparams, const struct pv *vals)
{
	size_t at = blk_begin(b, SCAP_BLK_EV);
	uint32_t len = (uint32_t)(22 + 2 * nparams);
	for (int i = 0; i < nparams; i++)
		len += vals[i].n;
	put16(b, 0), put64(b, ts), put64(b, 42), put32(b, len), put16(b, code);
	for (int i = 0; i < nparams; i++)
		put16(b, (uint16_t)vals[i].n);
	for (int i = 0; i < nparams; i++)
		put(b, vals[i].p, vals[i].n);
	blk_end(b, at);
}

/* An IPv6 tuple (PT_SOCKTUPLE) or, with no destination, a sockaddr (PT_SOCKADDR). */
static struct pv inet6(char *buf, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	buf[0] = 10; /* PPM_AF_INET6 */
	inet_pton(AF_INET6, src, buf + 1);
	memcpy(buf + 17, &sport, 2);
	if (!dst)
		return (struct pv){buf, 19};
	inet_pton(AF_INET6, dst, buf + 19);
	memcpy(buf + 35, &dport, 2);
	return (struct pv){buf, 37};
}

/* connect enter (fd, and addr when given) and exit (res 0, tuple) on fd 3. */
static void put_connect(struct bb *b, uint64_t ts, const struct pv *addr, struct pv tuple)
{
	int64_t fd = 3, res = 0;
	struct pv e[2] = {{(const char *)&fd, 8}, addr ? *addr : (struct pv){"", 0}};
	put_ev(b, ts, 22, addr ? 2 : 1, e);
	struct pv x[2] = {{(const char *)&res, 8}, tuple};
	put_ev(b, ts + 1, 23, 2, x);
}

static void put_sendto(struct bb *b, uint64_t ts, struct pv tuple)
{
	int64_t fd = 3, res = 6;
	uint32_t size = 6;
	struct pv e[3] = {{(const char *)&fd, 8}, {(const char *)&size, 4}, tuple};
	put_ev(b, ts, 30, 3, e);
	struct pv x[2] = {{(const char *)&res, 8}, {"Testme", 6}};
	put_ev(b, ts + 1, 31, 2, x);
}

/* The fd.name of every event of a capture written to a temporary file, in order. */
static int replay_names(const struct bb *b, char names[][64], int max)
{
	char path[] = "/tmp/kite-test-scap-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->b, b->n), (ssize_t)b->n);
	close(fd);
	struct kite_replay rp;
	struct kite_replay_opts o = {0};
	char *paths[] = {path};
	assert_int_equal(kite_replay_open(&rp, paths, 1, &o), 0);
	struct kite_ctx *c;
	int n = 0;
	while (kite_replay_next(&rp, &c) == 1 && n < max)
		snprintf(names[n++], 64, "%s", c->fd && c->fd->name ? c->fd->name : "-");
	kite_replay_close(&rp);
	unlink(path);
	return n;
}

/*
 * A socket keeps the destination it has: sysdig 0.29.3 takes a connect's (or sendto's)
 * tuple source but not its destination once the fd has one, unless the connect enter
 * carries the address (libs_test_ipv6_client; scap-notes 6.4).
 */
static void scap_connect_keeps_peer(void **state)
{
	(void)state;
	static struct bb b;
	char t1[37], t2[37], t3[37], t4[37], a4[19];
	uint32_t sock[3] = {10, 2, 0}; /* AF_INET6, SOCK_DGRAM */
	int64_t fd = 3;
	struct pv se[3] = {
	        {(const char *)&sock[0], 4}, {(const char *)&sock[1], 4}, {(const char *)&sock[2], 4}};
	struct pv sx[1] = {{(const char *)&fd, 8}};
	b.n = 0;
	put(&b, shb12, sizeof(shb12));
	put_ev(&b, 100, 18, 3, se);
	put_ev(&b, 101, 19, 1, sx);
	put_connect(&b, 110, NULL, inet6(t1, "::1", 40000, "::1", 2345));
	put_connect(&b, 120, NULL, inet6(t2, "::1", 40000, "2001:db8::53", 53));
	put_sendto(&b, 130, inet6(t3, "::1", 40001, "2001:db8::9", 99));
	struct pv addr = inet6(a4, "2001:db8::7", 7, NULL, 0);
	put_connect(&b, 140, &addr, inet6(t4, "::1", 40002, "2001:db8::53", 53));
	char names[16][64];
	int n = replay_names(&b, names, 16);
	assert_int_equal(n, 5); /* socket, 3 connects, sendto: each enter and exit read as one event */
	assert_string_equal(names[0], "");
	assert_string_equal(names[1], "::1:40000->::1:2345");
	assert_string_equal(names[2], "::1:40000->::1:2345");      /* a second connect: the old peer */
	assert_string_equal(names[3], "::1:40001->::1:2345");      /* sendto: the new source only */
	assert_string_equal(names[4], "::1:40002->2001:db8::7:7"); /* the enter's addr, not the tuple's */
}

/* Framing errors: the reader resumes at the next well-framed block, and says where. */
static void resync_after_bad_lengths(void **state)
{
	(void)state;
	static struct bb b;
	b.n = 0;
	put(&b, shb12, sizeof(shb12));
	put_event(&b, SCAP_BLK_EV_V2, 4, 1, one_fd, 2);
	put32(&b, SCAP_BLK_EV_V2), put32(&b, 4000); /* longer than the rest of the file */
	put_event(&b, SCAP_BLK_EV_V2, 6, 1, one_fd, 2);
	put32(&b, SCAP_BLK_EV_V2), put32(&b, 13); /* not a multiple of 4 */
	put_event(&b, SCAP_BLK_EV_V2, 8, 1, one_fd, 2);
	struct kt_warnings w = {0};
	char err[256];
	scap_file *f = scap_file_open(kt_memfd_bytes(b.b, b.n), "rs", kt_warn, &w, err, sizeof(err));
	assert_non_null(f);
	struct scap_item it;
	next_event(f, &it, 4, 1, 0);
	next_event(f, &it, 6, 1, 0);
	assert_int_equal(w.count, 1);
	assert_non_null(strstr(w.last,
	                       "rs: offset 80: block length 4000 runs past the end of the data: resuming "
	                       "at offset 88"));
	next_event(f, &it, 8, 1, 0);
	assert_int_equal(w.count, 2);
	assert_non_null(strstr(w.last, "bad block length"));
	assert_int_equal(scap_file_next(f, &it), 0);
	assert_int_equal(scap_file_skipped_blocks(f), 2);
	assert_int_equal(scap_file_truncated(f), 0);
	scap_file_close(f);
}

/* ppm's numbers for the tables kite decodes with Linux's: known values both ways, and round trips. */
static void ppm_translations(void **state)
{
	(void)state;
	static const struct {
		const char *info;
		uint64_t ppm, linux_value;
	} known[] = {
	        {"fcntl_commands", 1, 0},           /* F_DUPFD */
	        {"fcntl_commands", 26, 1030},       /* F_DUPFD_CLOEXEC */
	        {"fcntl_commands", 3, 2},           /* F_SETFD */
	        {"ptrace_requests", 1, 0},          /* PTRACE_TRACEME */
	        {"ptrace_requests", 11, 16},        /* PTRACE_ATTACH */
	        {"ptrace_requests", 20, 0x4206},    /* PTRACE_SEIZE */
	        {"prot_flags", 5, 5},               /* READ|EXEC */
	        {"prot_flags", 1u << 4, 0x1000000}, /* GROWSDOWN */
	        {"mmap_flags", 0x406, 0x812},       /* PRIVATE|FIXED|DENYWRITE */
	        {"mmap_flags", 0xa, 0x22},          /* PRIVATE|ANONYMOUS */
	        {"openat2_flags", 1, 8},            /* RESOLVE_BENEATH */
	        {"openat2_flags", 0x11, 0x09},      /* BENEATH|NO_XDEV */
	        {"delete_module_flags", 3, 05000},  /* O_TRUNC|O_NONBLOCK */
	        {"io_uring_setup_flags", 0x0b, 0x07},
	        {"file_flags", (1u << 12) | 1, 02000000}, /* O_RDONLY|O_CLOEXEC */
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		enum scap_flagset set = scap_flagset_of(known[i].info);
		assert_int_not_equal(set, SCAP_FLAGS_NONE);
		assert_int_equal(scap_flags_from_ppm(set, known[i].ppm), known[i].linux_value);
		assert_int_equal(scap_flags_to_ppm(set, known[i].linux_value), known[i].ppm);
	}
	/* tables whose numbers are Linux's are left alone */
	assert_int_equal(scap_flagset_of("mount_flags"), SCAP_FLAGS_NONE);
	assert_int_equal(scap_flagset_of("chmod_mode"), SCAP_FLAGS_NONE);
	assert_int_equal(scap_flagset_of(NULL), SCAP_FLAGS_NONE);
	/* ppm's "unknown" command has no Linux name: it must not become F_DUPFD (0) */
	assert_int_not_equal(scap_flags_from_ppm(SCAP_ENUM_FCNTL, 0), 0);
	assert_int_equal(scap_flags_to_ppm(SCAP_ENUM_FCNTL, scap_flags_from_ppm(SCAP_ENUM_FCNTL, 0)), 0);
}

/* gzip-compresses n bytes of p (a whole stream) into a new buffer. */
static uint8_t *gzip_bytes(const uint8_t *p, size_t n, size_t *outlen)
{
	z_stream z = {0};
	assert_int_equal(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&z, n);
	uint8_t *out = malloc(cap);
	assert_non_null(out);
	z.next_in = (uint8_t *)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

/* What one pass of the pump over a stream gave. */
struct pumped {
	uint8_t *out;
	size_t n;
	int err;
	char msg[160];
};

/* PUMP_LEND: on a second thread, taking buffers lent in place between reads of odd sizes. */
enum { PUMP_HERE, PUMP_THREAD, PUMP_LEND, PUMP_MODES };

/* One lent buffer copied out and given back; 0 at the end of the stream. */
static size_t take_lent(struct kite_gzpump *p, uint8_t *dst, size_t room)
{
	size_t n = 0;
	const uint8_t *lent = kite_gzpump_lend(p, &n);
	if (!lent)
		return 0;
	assert_true(n > 0 && n <= room);
	memcpy(dst, lent, n);
	kite_gzpump_give_back(p);
	return n;
}

/* Reads fd (owned) through the pump in reads of odd sizes, on this thread, a second one, or lent in place. */
static void pump_fd(struct pumped *r, int fd, int mode)
{
	assert_true(fd >= 0);
	struct kite_gzpump *p = kite_gzpump_start(fd, NULL, 0, mode != PUMP_HERE);
	assert_non_null(p);
	assert_int_equal(kite_gzpump_lends(p), mode != PUMP_HERE); /* only a pump with a thread lends */
	size_t cap = 16u << 20, step = 1;
	r->n = 0;
	r->out = malloc(cap);
	assert_non_null(r->out);
	for (unsigned i = 0;; i++) {
		step = step * 7 % 300007 + 1; /* reads of varied sizes cross the pump's buffers anywhere */
		size_t k =
		        mode == PUMP_LEND && i % 3
		                ? take_lent(p, r->out + r->n, cap - r->n)
		                : kite_gzpump_read(p, r->out + r->n, cap - r->n < step ? cap - r->n : step);
		if (!k)
			break;
		r->n += k;
	}
	const char *msg;
	r->err = kite_gzpump_error(p, &msg);
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
	kite_gzpump_stop(p);
}

static void pump_bytes(struct pumped *r, const uint8_t *gz, size_t gzlen, int mode)
{
	pump_fd(r, kt_memfd_bytes(gz, gzlen), mode);
}

/* 9 MiB, compressible but not trivially: several pump slots and many deflate blocks. */
static uint8_t *pump_source(size_t *n)
{
	*n = 9u << 20;
	uint8_t *src = malloc(*n);
	assert_non_null(src);
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < *n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		src[i] = (uint8_t)(i / 512 + (x % 4));
	}
	return src;
}

/* The whole source came out, and nothing went wrong. */
static void assert_whole(const struct pumped *r, const uint8_t *src, size_t n)
{
	assert_int_equal(r->err, 0);
	assert_string_equal(r->msg, "");
	assert_int_equal(r->n, n);
	assert_memory_equal(r->out, src, n);
}

/* The background inflater hands out the stream's bytes in order, and says when the stream is cut. */
static void gzpump_order_and_cuts(void **state)
{
	(void)state;
	size_t n, gzlen;
	uint8_t *src = pump_source(&n);
	uint8_t *gz = gzip_bytes(src, n, &gzlen);
	for (int mode = 0; mode < PUMP_MODES; mode++) {
		struct pumped r;
		pump_bytes(&r, gz, gzlen, mode);
		assert_whole(&r, src, n);
		free(r.out);
		/* cut in the middle: what came before the cut, then an error */
		pump_bytes(&r, gz, gzlen / 2, mode);
		assert_true(r.n > n / 4 && r.n < n);
		assert_memory_equal(r.out, src, r.n);
		assert_int_equal(r.err, -1);
		assert_string_equal(r.msg, "unexpected end of file");
		free(r.out);
		/* cut inside the trailer: every byte, then the error */
		pump_bytes(&r, gz, gzlen - 3, mode);
		assert_int_equal(r.n, n);
		assert_memory_equal(r.out, src, n);
		assert_string_equal(r.msg, "unexpected end of file");
		free(r.out);
	}
	free(gz);
	free(src);
}

/* Concatenated members are one stream; what follows the last one is ignored unless it claims to be gzip. */
static void gzpump_members_and_trailing(void **state)
{
	(void)state;
	size_t n, len[3];
	uint8_t *src = pump_source(&n);
	size_t cut[4] = {0, 1234567, 1234567 + 10, n}; /* the middle member is 10 bytes */
	uint8_t *part[3];
	size_t total = 0;
	for (int i = 0; i < 3; i++) {
		part[i] = gzip_bytes(src + cut[i], cut[i + 1] - cut[i], &len[i]);
		total += len[i];
	}
	static const char junk[] = "not gzip: ignored, as gzread does";
	uint8_t *all = malloc(total + sizeof(junk) + 2);
	assert_non_null(all);
	size_t at = 0;
	for (int i = 0; i < 3; i++)
		memcpy(all + at, part[i], len[i]), at += len[i];
	for (int mode = 0; mode < PUMP_MODES; mode++) {
		struct pumped r;
		pump_bytes(&r, all, total, mode);
		assert_whole(&r, src, n);
		free(r.out);
		memcpy(all + total, junk, sizeof(junk));
		pump_bytes(&r, all, total + sizeof(junk), mode);
		assert_whole(&r, src, n);
		free(r.out);
		all[total] = 0x1f; /* a lone first magic byte is not a member either */
		pump_bytes(&r, all, total + 1, mode);
		assert_whole(&r, src, n);
		free(r.out);
		/* the magic then garbage is a bad member: every byte before it, then an error */
		memcpy(all + total, "\x1f\x8b\x63junk and more junk", 21);
		pump_bytes(&r, all, total + 21, mode);
		assert_int_equal(r.n, n);
		assert_memory_equal(r.out, src, n);
		assert_int_equal(r.err, -1);
		assert_non_null(strstr(r.msg, "gzip header"));
		free(r.out);
	}
	/* many members, empty ones too, ending anywhere in the pump's reads: each seam must hold */
	size_t many_len = 0, at2 = 0;
	uint8_t *many = malloc(2 * n);
	assert_non_null(many);
	uint64_t x = 0x2545f4914f6cdd1dull;
	for (size_t from = 0; from < n;) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t k = x % 4 == 0 ? 0 : x % 200000, glen;
		k = k < n - from ? k : n - from;
		uint8_t *g = gzip_bytes(src + from, k, &glen);
		assert_true(many_len + glen <= 2 * n);
		memcpy(many + many_len, g, glen);
		many_len += glen;
		free(g);
		from += k;
		at2++;
	}
	assert_true(at2 > 50);
	for (int mode = 0; mode < PUMP_MODES; mode++) {
		struct pumped r;
		pump_bytes(&r, many, many_len, mode);
		assert_whole(&r, src, n);
		free(r.out);
	}
	free(many);
	/* through scap_file too: a capture written as two members reads as one */
	if (have_data("gzpump_members_and_trailing")) {
		size_t scap_n;
		uint8_t *scap = slurp_path(DATA "/libs_sample.scap", &scap_n);
		size_t l1, l2;
		uint8_t *a = gzip_bytes(scap, scap_n / 3, &l1),
		        *b = gzip_bytes(scap + scap_n / 3, scap_n - scap_n / 3, &l2);
		uint8_t *ab = malloc(l1 + l2);
		assert_non_null(ab);
		memcpy(ab, a, l1);
		memcpy(ab + l1, b, l2);
		struct run plain, two;
		run_bytes(&plain, scap, scap_n);
		run_bytes(&two, ab, l1 + l2);
		assert_int_equal(two.rc, 0);
		assert_int_equal(two.warn.count, 0);
		assert_int_equal(two.n, plain.n);
		assert_memory_equal(two.hash, plain.hash, two.n * sizeof(*two.hash));
		run_free(&plain);
		run_free(&two);
		free(a), free(b), free(ab), free(scap);
	}
	free(all);
	for (int i = 0; i < 3; i++)
		free(part[i]);
	free(src);
}

/* Damage: a bad byte in the deflate data, in the CRC, in the size; a read error. */
static void gzpump_damage(void **state)
{
	(void)state;
	size_t n, gzlen;
	uint8_t *src = pump_source(&n);
	uint8_t *gz = gzip_bytes(src, n, &gzlen);
	for (int mode = 0; mode < PUMP_MODES; mode++) {
		struct pumped r;
		/* in the middle: the bytes decoded before it (some of them wrong, perhaps), then an error */
		gz[gzlen / 2] ^= 0x5a;
		pump_bytes(&r, gz, gzlen, mode);
		gz[gzlen / 2] ^= 0x5a;
		assert_int_equal(r.err, -1);
		assert_true(r.n > n / 4);
		assert_memory_equal(r.out, src, n / 4);
		assert_true(strstr(r.msg, "invalid compressed data") || strstr(r.msg, "gzip trailer"));
		free(r.out);
		/* the CRC (first trailer byte) and the size (last): every byte, then the failed check */
		for (size_t at = gzlen - 8; at < gzlen; at += 7) {
			gz[at] ^= 1;
			pump_bytes(&r, gz, gzlen, mode);
			gz[at] ^= 1;
			assert_int_equal(r.n, n);
			assert_memory_equal(r.out, src, n);
			assert_int_equal(r.err, -1);
			assert_non_null(strstr(
			        r.msg, "gzip trailer: CRC or length mismatch near compressed offset "));
			free(r.out);
		}
		/* a read error (a directory cannot be read) is reported with errno's words */
		pump_fd(&r, open(".", O_RDONLY | O_DIRECTORY), mode);
		assert_int_equal(r.n, 0);
		assert_int_equal(r.err, -1);
		assert_non_null(strstr(r.msg, "read error at compressed offset 0: Is a directory"));
		free(r.out);
	}
	/* the same damage through scap_file: a warning (never an error), no item after the bad byte's block */
	struct run full, bad;
	if (have_data("gzpump_damage")) {
		uint8_t *scap = slurp_path(DATA "/libs_sample.scap", &n);
		free(gz);
		gz = gzip_bytes(scap, n, &gzlen);
		run_bytes(&full, gz, gzlen);
		assert_int_equal(full.rc, 0);
		assert_int_equal(full.warn.count, 0);
		gz[gzlen - 5] ^= 1;
		run_bytes(&bad, gz, gzlen);
		assert_int_equal(bad.rc, 0);
		assert_int_equal(bad.n, full.n);
		assert_int_equal(bad.truncated, 1);
		assert_non_null(strstr(bad.warn.last, "the gzip stream is damaged (gzip trailer: CRC or "
		                                      "length mismatch near compressed offset "));
		run_free(&bad);
		run_free(&full);
		free(scap);
	}
	struct run dir;
	run_fd(&dir, open(".", O_RDONLY | O_DIRECTORY), "dir");
	assert_false(dir.opened);
	assert_non_null(strstr(dir.err, "dir: offset 0: read error (Is a directory)"));
	free(gz);
	free(src);
}

/* A plain capture and a gzip one, from a file and from a pipe: the same items. */
static void plain_and_pipe(void **state)
{
	(void)state;
	if (!have_data("plain_and_pipe"))
		return;
	size_t n, gzlen;
	uint8_t *p = slurp_path(DATA "/libs_sample.scap", &n);
	uint8_t *gz = gzip_bytes(p, n, &gzlen);
	assert_true(n < (1u << 20) && gzlen < (1u << 20)); /* kt_pipe_bytes holds 1 MiB */
	struct run file, runs[3];
	run_bytes(&file, p, n);
	assert_int_equal(file.rc, 0);
	assert_true(file.n > 1000);
	run_fd(&runs[0], kt_pipe_bytes(p, n), "plain-pipe");
	run_bytes(&runs[1], gz, gzlen);
	run_fd(&runs[2], kt_pipe_bytes(gz, gzlen), "gz-pipe");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(runs[i].rc, 0);
		assert_int_equal(runs[i].warn.count, 0);
		assert_int_equal(runs[i].n, file.n);
		assert_memory_equal(runs[i].hash, file.hash, file.n * sizeof(*file.hash));
		assert_memory_equal(runs[i].offset, file.offset, file.n * sizeof(*file.offset));
		run_free(&runs[i]);
	}
	/* one byte, and none: too short, whether the byte is gzip's first or not */
	run_fd(&runs[0], kt_pipe_bytes("\x1f", 1), "one");
	assert_false(runs[0].opened);
	assert_non_null(strstr(runs[0].err, "too short"));
	run_fd(&runs[0], kt_pipe_bytes("", 0), "none");
	assert_false(runs[0].opened);
	run_free(&file);
	free(gz);
	free(p);
}

/* ---- the writer: what kite convert gives sysdig 0.29.3 ---- */

#define KCAP_SAMPLE "samples/attacks.kcap"

/* The first openat records again with an empty name (what an unreadable path gives), or NULL. */
static const struct kite_evt *blank_name(const struct kite_schema *s, const struct kite_evt *e, void *buf)
{
	const struct kite_event_desc *d = kite_schema_event(s, e->type);
	struct kite_params p;
	if (!d || strcmp(d->name, "openat") || kite_evt_split(e, e->len, d, &p) < 0)
		return NULL;
	int ni = kite_param_index(d, "name");
	if (ni < 0)
		return NULL;
	struct kite_evt_builder b;
	kite_evt_begin(&b, buf, e->type, p.n, e->ts, e->tid, e->pid, e->cpu);
	for (uint32_t i = 0; i < p.n; i++)
		kite_evt_add(&b, p.val[i], i == (uint32_t)ni ? 0 : p.len[i]);
	return kite_evt_end(&b);
}

/* samples/attacks.kcap written as .scap to a temporary file (3 openat paths emptied), opened for reading. */
static scap_file *convert_sample(struct kt_warnings *w)
{
	char err[512], path[] = "/tmp/kite-test-scapw-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	struct kite_reader_opts ro = {0};
	kite_reader *r = kite_reader_open(KCAP_SAMPLE, &ro, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	kite_scap_writer *sw = kite_scap_writer_open(fd, path, kite_reader_header(r), kite_reader_schema(r),
	                                             err, sizeof(err));
	if (!sw)
		fail_msg("%s", err);
	const struct kite_evt *e, *blank;
	void *buf = malloc(KITE_EVT_MAX_LEN);
	assert_non_null(buf);
	int rc, blanked = 0;
	while ((rc = kite_reader_next(r, &e)) == 1) {
		if (blanked < 3 && (blank = blank_name(kite_reader_schema(r), e, buf)) != NULL)
			e = blank, blanked++;
		assert_int_equal(kite_scap_writer_add(sw, e), 0);
	}
	free(buf);
	assert_int_equal(blanked, 3);
	assert_int_equal(rc, 0);
	if (kite_scap_writer_close(sw, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	kite_reader_close(r);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	scap_file *f = scap_file_open(fd, path, kt_warn, w, err, sizeof(err));
	if (!f)
		fail_msg("%s", err);
	return f;
}

static int is_fork_code(uint16_t code)
{
	const struct scap_event_info *xi = scap_event_info(code);
	return xi && (!strcmp(xi->name, "clone") || !strcmp(xi->name, "clone3") ||
	              !strcmp(xi->name, "fork") || !strcmp(xi->name, "vfork"));
}

/* Every entry of a cgroups list is the driver's "subsys=path" (libsinsp drops the list otherwise). */
static int cgroups_ok(const uint8_t *p, uint32_t n, int *container)
{
	for (uint32_t i = 0; i < n;) {
		const char *s = (const char *)p + i;
		size_t l = strnlen(s, n - i);
		const char *eq = memchr(s, '=', l);
		if (!eq || eq == s || l == n - i) /* no '=', no subsystem, or no NUL */
			return 0;
		*container |= strstr(s, "=/0e3c25ab40e2") != NULL;
		i += (uint32_t)l + 1;
	}
	return 1;
}

/* The last event seen per thread (a small open-addressed table keyed by tid). */
struct last_evt {
	uint64_t tid;
	uint16_t code;
	int used;
};

static struct last_evt *last_of(struct last_evt *t, size_t n, uint64_t tid)
{
	size_t i = (size_t)(tid * 0x9E3779B97F4A7C15ull) % n;
	while (t[i].used && t[i].tid != tid)
		i = (i + 1) % n;
	return &t[i];
}

/*
 * clone/fork/vfork: the parent's exit follows its enter, the child's (res 0)
 * has none (sysdig 0.29.3 otherwise took the child for an unknown thread and
 * later replaced it with a copy of its parent); cgroups are subsys=path; an
 * empty string is a lone NUL (0.29.3 reads strings past a 0 length).
 */
static void writer_sysdig_forms(void **state)
{
	(void)state;
	if (access(KCAP_SAMPLE, R_OK) != 0) {
		printf("SKIP writer_sysdig_forms: %s not found\n", KCAP_SAMPLE);
		return;
	}
	struct kt_warnings w = {0};
	scap_file *f = convert_sample(&w);
	struct scap_item it;
	enum { NT = 4096 };
	struct last_evt *last = calloc(NT, sizeof(*last));
	assert_non_null(last);
	int parents = 0, children = 0, cg_lists = 0, container = 0, empty_strs = 0, procs = 0;
	while (scap_file_next(f, &it) == 1) {
		if (it.kind == SCAP_ITEM_PROC) {
			procs++;
			assert_true(cgroups_ok((const uint8_t *)it.u.proc.cgroups, it.u.proc.cgroups_len,
			                       &container));
			continue;
		}
		if (it.kind != SCAP_ITEM_EVENT)
			continue;
		const struct scap_evt *e = &it.u.evt;
		const struct scap_event_info *xi = scap_event_info(e->type);
		assert_non_null(xi);
		struct last_evt *l = last_of(last, NT, e->tid);
		if (xi->dir == 'X' && is_fork_code(e->type) && e->nparams && e->len[0] == 8) {
			int has_enter = l->used && l->code == e->type - 1;
			if (u64_at(e->param[0]) == 0) {
				assert_false(has_enter);
				children++;
			} else {
				assert_true(has_enter);
				parents++;
			}
		}
		for (uint32_t i = 0; i < e->nparams && i < xi->nparams; i++) {
			uint8_t t = xi->params[i].type;
			if (t == SCAP_PT_CHARBUF || t == SCAP_PT_FSPATH || t == SCAP_PT_FSRELPATH) {
				assert_true(e->len[i] >= 1);
				assert_int_equal(e->param[i][e->len[i] - 1], 0);
				empty_strs += e->len[i] == 1;
			}
			if (!strcmp(xi->params[i].name, "cgroups")) {
				assert_true(cgroups_ok(e->param[i], e->len[i], &container));
				cg_lists++;
			}
		}
		*l = (struct last_evt){e->tid, e->type, 1};
	}
	printf("writer: %d parent and %d child fork returns, %d cgroups lists, %d empty strings, %d procs\n",
	       parents, children, cg_lists, empty_strs, procs);
	assert_true(parents > 10 && children > 10 && cg_lists > 10 && procs > 0 && empty_strs >= 3);
	assert_true(container); /* the sample's fake container: a cgroup named by a 64-hex id */
	free(last);
	scap_file_close(f);
}

/*
 * A value too long for a 16-bit length (cgroups grow when split into
 * subsys=path entries) is cut at an entry's end, and the parameters after it
 * still read right: once the length wrapped and they were read from the wrong place.
 */
static void writer_cuts_long_values(void **state)
{
	(void)state;
	const struct kite_schema *s = kite_schema_builtin();
	const struct kite_event_desc *d = kite_schema_event(s, KITE_EVT_EXECVE);
	struct kite_buf cg = {0};
	kbuf_put(&cg, "1:", 2);
	for (int i = 0; i < 10000; i++)
		kbuf_put(&cg, "a,", 2);
	kbuf_put(&cg, "b:/", 3);
	for (int i = 0; i < 200; i++)
		kbuf_put_u8(&cg, 'p');
	assert_false(cg.oom);
	uint8_t *buf = malloc(KITE_EVT_MAX_LEN);
	assert_non_null(buf);
	struct kite_evt_builder b;
	kite_evt_begin(&b, buf, KITE_EVT_EXECVE, d->nparams, 1700000000000000000ull, 42, 42, 0);
	for (uint32_t i = 0; i < d->nparams; i++) {
		const char *name = d->params[i].name;
		if (!strcmp(name, "cgroups"))
			kite_evt_add(&b, cg.p, (uint32_t)cg.len);
		else if (!strcmp(name, "comm"))
			kite_evt_add(&b, "after", 5);
		else if (!strcmp(name, "res"))
			kite_evt_add_u(&b, 0, kite_param_width(&d->params[i]));
		else
			kite_evt_add(&b, NULL, 0);
	}
	const struct kite_evt *e = kite_evt_end(&b);
	char err[512], path[] = "/tmp/kite-test-scapcut-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	struct kite_header h;
	kt_header(&h);
	kite_scap_writer *sw = kite_scap_writer_open(fd, path, &h, s, err, sizeof(err));
	assert_non_null(sw);
	assert_int_equal(kite_scap_writer_add(sw, e), 0);
	assert_int_equal(kite_scap_writer_stats(sw)->cut_params, 1);
	assert_int_equal(kite_scap_writer_close(sw, err, sizeof(err)), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	struct kt_warnings w = {0};
	scap_file *f = scap_file_open(fd, path, kt_warn, &w, err, sizeof(err));
	assert_non_null(f);
	struct scap_item it;
	int seen = 0;
	while (scap_file_next(f, &it) == 1) {
		const struct scap_evt *ev = &it.u.evt;
		const struct scap_event_info *xi =
		        it.kind == SCAP_ITEM_EVENT ? scap_event_info(ev->type) : NULL;
		if (!xi || xi->dir != 'X' || strcmp(xi->name, "execve"))
			continue;
		for (uint32_t i = 0; i < ev->nparams && i < xi->nparams; i++) {
			if (!strcmp(xi->params[i].name, "cgroups")) {
				assert_true(ev->len[i] > 60000 && ev->len[i] <= 65535);
				assert_int_equal(ev->param[i][ev->len[i] - 1], 0); /* a whole entry last */
			}
			if (!strcmp(xi->params[i].name, "comm"))
				assert_memory_equal(ev->param[i], "after", 6);
		}
		seen++;
	}
	assert_int_equal(seen, 1);
	scap_file_close(f);
	free(buf);
	kbuf_free(&cg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(table_shape),
	        cmocka_unit_test(codes_in_shared_files),
	        cmocka_unit_test(shared_files),
	        cmocka_unit_test(sniff),
	        cmocka_unit_test(libs_sample_values),
	        cmocka_unit_test(curl_v1),
	        cmocka_unit_test(comments_same_items),
	        cmocka_unit_test(lazy_same_items),
	        cmocka_unit_test(truncated_plain),
	        cmocka_unit_test(truncated_gzip),
	        cmocka_unit_test(garbage),
	        cmocka_unit_test(synthetic_blocks),
	        cmocka_unit_test(resync_after_bad_lengths),
	        cmocka_unit_test(gzpump_order_and_cuts),
	        cmocka_unit_test(gzpump_members_and_trailing),
	        cmocka_unit_test(gzpump_damage),
	        cmocka_unit_test(plain_and_pipe),
	        cmocka_unit_test(ppm_translations),
	        cmocka_unit_test(scap_connect_keeps_peer),
	        cmocka_unit_test(writer_sysdig_forms),
	        cmocka_unit_test(writer_cuts_long_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_ebpf.c - end to end: kite-record (eBPF) records a scripted workload; every event is checked. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "decode.h"
#include "reader.h"

#define MAX_EVENTS 4096
#define MAX_KV     40

/* One recorded event of the workload's processes, every parameter rendered as text. */
struct ev {
	char type[32];
	uint32_t tid, pid;
	int n;
	char key[MAX_KV][32];
	char *val[MAX_KV];
};

static struct ev events[MAX_EVENTS];
static int nevents;
static char expect[32][2][256];
static int nexpect;
static char cap_path[] = "/tmp/kite-e2e-cap-XXXXXX";

static const char *want(const char *key)
{
	for (int i = 0; i < nexpect; i++)
		if (!strcmp(expect[i][0], key))
			return expect[i][1];
	fail_msg("the workload did not report %s", key);
	return NULL;
}

static long want_i(const char *key)
{
	return atol(want(key));
}

static const char *get(const struct ev *e, const char *key)
{
	for (int i = 0; i < e->n; i++)
		if (!strcmp(e->key[i], key))
			return e->val[i];
	return NULL;
}

/* The first event of a type and process whose param `key` renders as `val` (NULL: any). */
static const struct ev *find(const char *type, long pid, const char *key, const char *val)
{
	for (int i = 0; i < nevents; i++) {
		const struct ev *e = &events[i];
		const char *v = key ? get(e, key) : NULL;
		if (!strcmp(e->type, type) && (pid < 0 || e->pid == (uint32_t)pid) &&
		    (!key || (v && !strcmp(v, val))))
			return e;
	}
	fail_msg("no %s event of pid %ld with %s=%s", type, pid, key ? key : "", val ? val : "");
	return NULL;
}

static void expect_param(const struct ev *e, const char *key, const char *val)
{
	const char *v = get(e, key);
	if (!v || strcmp(v, val))
		fail_msg("%s of pid %u: %s is '%s', expected '%s'", e->type, e->pid, key, v ? v : "(missing)",
		         val);
}

static int is_workload(uint32_t pid)
{
	for (int i = 0; i < nexpect; i++)
		if ((!strcmp(expect[i][0], "pid") || !strcmp(expect[i][0], "child") ||
		     !strcmp(expect[i][0], "grandchild")) &&
		    (uint32_t)atol(expect[i][1]) == pid)
			return 1;
	return 0;
}

static void load_expectations(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[240];
	while (nexpect < 32 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		snprintf(expect[nexpect][0], 256, "%s", line);
		snprintf(expect[nexpect][1], 256, "%s", eq + 1);
		nexpect++;
	}
	fclose(f);
}

static void load_events(void)
{
	char err[512];
	kite_reader *r = kite_reader_open(cap_path, NULL, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	const struct kite_schema *s = kite_reader_schema(r);
	const struct kite_evt *e;
	char buf[8192];
	while (kite_reader_next(r, &e) > 0 && nevents < MAX_EVENTS) {
		const struct kite_event_desc *d = kite_schema_event(s, e->type);
		struct kite_params p;
		if (!d || (d->flags & KITE_EF_STATE) || !is_workload(e->pid) ||
		    kite_evt_split(e, e->len, d, &p))
			continue;
		struct ev *v = &events[nevents++];
		snprintf(v->type, sizeof(v->type), "%s", d->name);
		v->tid = e->tid;
		v->pid = e->pid;
		for (unsigned i = 0; i < p.n && i < MAX_KV; i++) {
			kite_param_format(s, &d->params[i], p.val[i], p.len[i], buf, sizeof(buf));
			snprintf(v->key[i], sizeof(v->key[i]), "%s", d->params[i].name);
			v->val[i] = strdup(buf);
			v->n++;
		}
	}
	assert_int_equal(kite_reader_stats(r)->bad_chunks, 0);
	assert_true(kite_reader_stats(r)->has_footer);
	kite_reader_close(r);
}

static int can_record(void)
{
	if (geteuid() == 0 && access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		return 1;
	if (getenv("CI") && !strcmp(getenv("CI"), "true"))
		fail_msg("CI=true: the eBPF tests need root and a kernel with BTF");
	fprintf(stderr, "SKIP: the eBPF recorder tests need root and a kernel with BTF\n");
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (!can_record())
		return 0;
	const char *rec = getenv("KITE_RECORD") ? getenv("KITE_RECORD") : "bin/kite-record";
	const char *work = getenv("KT_WORKLOAD") ? getenv("KT_WORKLOAD") : "build/tests/kt-workload";
	int fd = mkstemp(cap_path);
	close(fd);
	char exp_path[64];
	snprintf(exp_path, sizeof(exp_path), "%s.expect", cap_path);
	pid_t pid = fork();
	if (pid == 0) {
		execl(rec, rec, "-w", cap_path, "--", work, exp_path, (char *)NULL);
		_exit(126);
	}
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "kite-record exited with %d\n", WEXITSTATUS(st));
		return -1;
	}
	load_expectations(exp_path);
	unlink(exp_path);
	load_events();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(cap_path);
	return 0;
}

#define NEED_BPF()                                                                                           \
	do {                                                                                                 \
		if (!nexpect)                                                                                \
			skip();                                                                              \
	} while (0)

static void exec_of_the_workload(void **state)
{
	(void)state;
	NEED_BPF();
	const struct ev *e = find("execve", want_i("pid"), "res", "0");
	assert_int_equal(e->tid, e->pid);
	expect_param(e, "comm", "kt-workload");
	const char *args = get(e, "args");
	assert_non_null(args);
	assert_non_null(strstr(args, ".expect"));
	/* cgroups as /proc/PID/cgroup has them: the unified hierarchy first */
	const char *cg = get(e, "cgroups");
	assert_non_null(cg);
	if (strncmp(cg, want("cgroup_v2"), strlen(want("cgroup_v2"))))
		fail_msg("cgroups '%s' does not start with '%s'", cg, want("cgroup_v2"));
}

static void file_events(void **state)
{
	(void)state;
	NEED_BPF();
	long pid = want_i("pid");
	char fd[32];
	snprintf(fd, sizeof(fd), "%ld", want_i("file_fd"));
	const struct ev *e = find("openat", pid, "name", "file.txt");
	expect_param(e, "fd", fd);
	expect_param(e, "dirfd", "-100");
	expect_param(e, "flags", "0x241(O_WRONLY|O_CREAT|O_TRUNC)");
	expect_param(e, "mode", "0640");
	assert_int_equal(e->tid, (uint32_t)pid);
	e = find("openat", pid, "name", "/nonexistent/kite-e2e");
	expect_param(e, "fd", "-2"); /* -ENOENT */
	e = find("dup2", pid, "newfd", "100");
	expect_param(e, "res", "100");
	expect_param(e, "oldfd", fd);
	e = find("close", pid, "fd", "100");
	expect_param(e, "res", "0");
	find("close", pid, "fd", fd);
	e = find("rename", pid, "oldpath", "file.txt");
	expect_param(e, "newpath", "renamed.txt");
	expect_param(e, "res", "0");
	e = find("chmod", pid, "filename", "renamed.txt");
	expect_param(e, "mode", "0600");
	expect_param(e, "res", "0");
	e = find("symlink", pid, "target", "renamed.txt");
	expect_param(e, "linkpath", "link.txt");
	find("unlink", pid, "path", "link.txt");
	e = find("unlink", pid, "path", "renamed.txt");
	expect_param(e, "res", "0");
	e = find("chdir", pid, "path", want("dir"));
	expect_param(e, "res", "0");
}

static void network_events(void **state)
{
	(void)state;
	NEED_BPF();
	long pid = want_i("pid");
	char tuple[128], addr[64], fd[32];
	snprintf(fd, sizeof(fd), "%ld", want_i("listen_fd"));
	const struct ev *e = find("socket", pid, "fd", fd);
	expect_param(e, "domain", "2(AF_INET)");
	e = find("listen", pid, "fd", fd);
	expect_param(e, "res", "0");
	snprintf(fd, sizeof(fd), "%ld", want_i("client_fd"));
	snprintf(addr, sizeof(addr), "127.0.0.1:%s", want("server_port"));
	snprintf(tuple, sizeof(tuple), "127.0.0.1:%s->127.0.0.1:%s", want("client_port"),
	         want("server_port"));
	e = find("connect", pid, "fd", fd);
	expect_param(e, "res", "0");
	expect_param(e, "addr", addr);
	expect_param(e, "tuple", tuple);
	/* the accepted socket: the client is the source, as Falco reports it */
	snprintf(fd, sizeof(fd), "%ld", want_i("accept_fd"));
	e = find("accept", pid, "fd", fd);
	expect_param(e, "tuple", tuple);
}

static void process_tree(void **state)
{
	(void)state;
	NEED_BPF();
	long pid = want_i("pid"), child = want_i("child"), grand = want_i("grandchild");
	char s[32];
	snprintf(s, sizeof(s), "%ld", child);
	/* the parent's side returns the child's pid; the child's side returns 0 */
	const struct ev *e = find("clone", pid, "res", s);
	expect_param(e, "comm", "kt-workload");
	e = find("clone", child, "res", "0");
	assert_int_equal(e->tid, (uint32_t)child);
	snprintf(s, sizeof(s), "%ld", pid);
	expect_param(e, "ptid", s);
	e = find("execve", grand, "res", "0");
	expect_param(e, "exe", "echo");
	expect_param(e, "args", "kite-e2e-marker second arg");
	expect_param(e, "comm", "echo");
	expect_param(e, "env", "KITE_E2E=1");
	expect_param(e, "filename", "/bin/echo");
	snprintf(s, sizeof(s), "%ld", child);
	expect_param(e, "ptid", s);
	e = find("procexit", child, NULL, NULL);
	expect_param(e, "ret", "7");
	find("procexit", grand, NULL, NULL);
	assert_string_equal(want("child_status"), "7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(exec_of_the_workload),
	        cmocka_unit_test(file_events),
	        cmocka_unit_test(network_events),
	        cmocka_unit_test(process_tree),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* test_ebpf.c - end to end: kite-record (eBPF) records a scripted workload; every event is checked. */
/* test_ptrace.c includes this file: the same checks, on a recording by the ptrace driver. */
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

/* the driver's table compiler, to check which parameters it leaves to nobody */
#include "../../drivers/spec.c"

#ifndef KT_PTRACE
#define KT_PTRACE 0 /* 1: the ptrace driver records, as an unprivileged user when run as root */
#endif
#ifndef KT_EXTRA_TESTS
#define KT_EXTRA_TESTS /* more cases (each followed by a comma), from the file that includes this one */
#endif

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
static char expect[96][2][256];
static int nexpect;
static char cap_path[96] = "/tmp/kite-e2e-cap-XXXXXX";

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

/* The workload's processes: under the keys pid, child, grandchild and *_pid. */
static int is_workload(uint32_t pid)
{
	for (int i = 0; i < nexpect; i++) {
		const char *k = expect[i][0];
		size_t n = strlen(k);
		if ((!strcmp(k, "pid") || !strcmp(k, "child") || !strcmp(k, "grandchild") ||
		     (n > 4 && !strcmp(k + n - 4, "_pid"))) &&
		    (uint32_t)atol(expect[i][1]) == pid)
			return 1;
	}
	return 0;
}

/* The first event of a type by thread tid. */
static const struct ev *find_tid(const char *type, long tid)
{
	for (int i = 0; i < nevents; i++)
		if (!strcmp(events[i].type, type) && events[i].tid == (uint32_t)tid)
			return &events[i];
	fail_msg("no %s event of thread %ld", type, tid);
	return NULL;
}

static int has_key(const char *key)
{
	for (int i = 0; i < nexpect; i++)
		if (!strcmp(expect[i][0], key))
			return 1;
	return 0;
}

static void load_expectations(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[240];
	while (nexpect < 96 && fgets(line, sizeof(line), f)) {
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

/*
 * The events of a capture (path) into out, formatted as text: all of them, or
 * only the workload's processes; intact: the capture must have no damaged
 * chunk and its footer.
 */
static int load_capture(const char *path, struct ev *out, int max, int workload_only, int intact)
{
	char err[512];
	int n = 0;
	kite_reader *r = kite_reader_open(path, NULL, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	const struct kite_schema *s = kite_reader_schema(r);
	const struct kite_evt *e;
	char buf[8192];
	while (kite_reader_next(r, &e) > 0 && n < max) {
		const struct kite_event_desc *d = kite_schema_event(s, e->type);
		struct kite_params p;
		if (!d || (d->flags & KITE_EF_STATE) || (workload_only && !is_workload(e->pid)) ||
		    kite_evt_split(e, e->len, d, &p))
			continue;
		struct ev *v = &out[n++];
		memset(v, 0, sizeof(*v));
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
	if (intact) {
		assert_int_equal(kite_reader_stats(r)->bad_chunks, 0);
		assert_true(kite_reader_stats(r)->has_footer);
	}
	kite_reader_close(r);
	return n;
}

/* Every event of the workload's processes in a capture (path), into out. */
static int load_events_of(const char *path, struct ev *out, int max)
{
	return load_capture(path, out, max, 1, 1);
}

static void load_events(void)
{
	nevents = load_events_of(cap_path, events, MAX_EVENTS);
}

static int can_record(void)
{
	if (KT_PTRACE)
		return 1; /* no privileges needed */
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
	char exp_path[128];
#if KT_PTRACE
	/* as root, the recording runs as nobody, in a directory it may write to */
	static char dir[] = "/tmp/kite-e2e-pt-XXXXXX";
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0777);
	snprintf(cap_path, sizeof(cap_path), "%s/cap.kcap", dir);
	snprintf(exp_path, sizeof(exp_path), "%s/cap.expect", dir);
	pid_t pid = fork();
	if (pid == 0) {
		kt_drop_privileges();
		execl(rec, rec, "--driver", "ptrace", "--io", "-w", cap_path, "--", work, exp_path,
		      (char *)NULL);
		_exit(126);
	}
#else
	int fd = mkstemp(cap_path);
	close(fd);
	snprintf(exp_path, sizeof(exp_path), "%s.expect", cap_path);
	pid_t pid = fork();
	if (pid == 0) {
		execl(rec, rec, "--io", "-w", cap_path, "--", work, exp_path, (char *)NULL);
		_exit(126);
	}
#endif
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
#if KT_PTRACE
	char *slash = strrchr(cap_path, '/');
	*slash = '\0';
	rmdir(cap_path);
	kt_cleanup();
#endif
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
	/* its path lay in a page not yet faulted in at entry */
	snprintf(fd, sizeof(fd), "%ld", want_i("untouched_fd"));
	e = find("openat", pid, "name", "/etc/hostname");
	expect_param(e, "fd", fd);
	snprintf(fd, sizeof(fd), "%ld", want_i("file_fd"));
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

/* exe_ino and its times: the workload exec'd a copy of true whose mtime it set */
static void exe_inode_times(void **state)
{
	(void)state;
	NEED_BPF();
	const struct ev *e = find("execve", want_i("exe_pid"), "res", "0");
	expect_param(e, "filename", want("exe_path"));
	expect_param(e, "exe_ino", want("exe_ino"));
	char t[64];
	kite_format_time(strtoull(want("exe_mtime_ns"), NULL, 10), t, sizeof(t));
	assert_string_equal(t, "2020-09-13T12:26:40.123456789Z");
	expect_param(e, "exe_ino_mtime", t);
	kite_format_time(strtoull(want("exe_ctime_ns"), NULL, 10), t, sizeof(t));
	expect_param(e, "exe_ino_ctime", t);
	expect_param(e, "flags", "0x0(0)"); /* not on overlayfs, not a memfd */
}

/* creat's creat_flags, and the exe flags, on a plain file system and on overlayfs */
static void overlay_layers(void **state)
{
	(void)state;
	NEED_BPF();
	char fd[32];
	snprintf(fd, sizeof(fd), "%ld", want_i("creat_fd"));
	const struct ev *e = find("creat", want_i("pid"), "name", "created.txt");
	expect_param(e, "creat_flags", "0x0");
	if (!want_i("overlay")) {
		/* an unprivileged (ptrace) workload cannot mount: a fact of the setup, not a missing requirement */
		fprintf(stderr,
		        "%s: overlayfs could not be mounted: the upper/lower layer bits are not checked\n",
		        KT_PTRACE ? "note" : "SKIP");
		return;
	}
	e = find("creat", want_i("ovl_pid"), NULL, NULL);
	snprintf(fd, sizeof(fd), "%ld", want_i("ovl_creat_fd"));
	assert_non_null(strstr(get(e, "fd"), fd));
	/* PPM_FD_UPPER_LAYER_CREAT: a new file is in the upper layer */
	expect_param(e, "creat_flags", "0x1");
	e = find("execve", want_i("ovl_lower_pid"), "res", "0");
	expect_param(e, "flags", "0x8(EXE_LOWER_LAYER)");
	e = find("execve", want_i("ovl_upper_pid"), "res", "0");
	expect_param(e, "flags", "0x2(EXE_UPPER_LAYER)");
}

/* bytes as kite renders a BYTES parameter */
static void escape_hex(const char *hex, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; hex[i] && hex[i + 1] && o + 5 < outlen; i += 2) {
		unsigned c;
		sscanf(hex + i, "%2x", &c);
		char esc = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\t' ? 't' : 0;
		if (esc)
			o += (size_t)snprintf(out + o, outlen - o, "\\%c", esc);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* sendmsg's size is what the iovecs asked for; recvmsg's what came in, and its control data */
static void message_sizes_and_control(void **state)
{
	(void)state;
	NEED_BPF();
	long pid = want_i("pid");
	char fd[32];
	snprintf(fd, sizeof(fd), "%ld", want_i("sendmsg_fd"));
	const struct ev *e = find("sendmsg", pid, "fd", fd);
	expect_param(e, "res", want("sendmsg_res"));
	expect_param(e, "size", "13"); /* 5 + 8 bytes in two iovecs */
	snprintf(fd, sizeof(fd), "%ld", want_i("recvmsg_fd"));
	e = find("recvmsg", pid, "fd", fd);
	expect_param(e, "res", want("recvmsg_res"));
	expect_param(e, "size", "13");
	expect_param(e, "data", "hellokite-iov");
	/* one cmsghdr (len 20, SOL_SOCKET, SCM_RIGHTS) with the fd as received, padded to 24 */
	char ctl[512];
	escape_hex(want("msgcontrol_hex"), ctl, sizeof(ctl));
	expect_param(e, "msgcontrol", ctl);
	char rx[128];
	int received = (int)want_i("received_fd");
	snprintf(rx, sizeof(rx),
	         "\\x14\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x%02x",
	         received & 0xff);
	if (strncmp(ctl, rx, strlen(rx)))
		fail_msg("msgcontrol '%s' does not pass fd %d", ctl, received);
}

/* --io: writev's size is what the iovecs asked for (3 + 4), readv's what was read (7 of 12) */
static void vector_sizes(void **state)
{
	(void)state;
	NEED_BPF();
	long pid = want_i("pid");
	char fd[32];
	snprintf(fd, sizeof(fd), "%ld", want_i("writev_fd"));
	const struct ev *e = find("writev", pid, "fd", fd);
	expect_param(e, "res", "7");
	expect_param(e, "size", "7");
	snprintf(fd, sizeof(fd), "%ld", want_i("readv_fd"));
	e = find("readv", pid, "fd", fd);
	expect_param(e, "res", want("readv_res"));
	expect_param(e, "size", "7");
}

/* procexit's reaper_tid: who the kernel gave the exiting task's children to */
static void reapers(void **state)
{
	(void)state;
	NEED_BPF();
	/* the subreaper's child exited before its own child: the subreaper took it */
	const struct ev *e = find("procexit", want_i("middle_pid"), NULL, NULL);
	expect_param(e, "reaper_tid", want("subreaper"));
	/* no children: no reaper */
	e = find("procexit", want_i("orphan_pid"), NULL, NULL);
	expect_param(e, "reaper_tid", "0");
	/* a thread that exits leaves its child to a live thread of its group */
	e = find_tid("procexit", want_i("thr_tid"));
	assert_int_equal(e->pid, (uint32_t)want_i("thr_pid"));
	expect_param(e, "reaper_tid", want("thr_pid"));
	e = find("procexit", want_i("thr_orphan_pid"), NULL, NULL);
	expect_param(e, "reaper_tid", "0");
	/* in a new pid namespace, the namespace's init */
	if (!has_key("ns_init_pid")) {
		fprintf(stderr, "%s: no new pid namespace: the namespace init reaper is not checked\n",
		        KT_PTRACE ? "note" : "SKIP");
		return;
	}
	e = find("procexit", want_i("ns_middle_pid"), NULL, NULL);
	expect_param(e, "reaper_tid", want("ns_init_pid"));
}

/* Every parameter of a kernel event has driver code behind it, or is on this list. */
static void every_param_is_filled(void **state)
{
	(void)state;
	static const char *const not_yet[] = {"init_module.img"};
	const struct kite_schema *s = kite_schema_builtin();
	for (uint32_t id = 0; id <= s->max_event_id; id++) {
		const struct kite_event_desc *d = s->events[id];
		if (!d || !(d->flags & KITE_EF_SYSCALL || d->id == KITE_EVT_PROCEXIT))
			continue;
		for (unsigned i = 0; i < d->nparams; i++) {
			struct kb_param k = kb_compile_param(d, &d->params[i]);
			if (k.op != KB_OP_EMPTY && !(k.op == KB_OP_SPECIAL && k.special == KB_SP_UNAVAILABLE))
				continue;
			char name[96];
			snprintf(name, sizeof(name), "%s.%s", d->name, d->params[i].name);
			int known = 0;
			for (size_t j = 0; j < sizeof(not_yet) / sizeof(not_yet[0]); j++)
				known |= !strcmp(name, not_yet[j]);
			if (!known)
				fail_msg("the eBPF driver never fills %s", name);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(exec_of_the_workload),
	        cmocka_unit_test(file_events),
	        cmocka_unit_test(network_events),
	        cmocka_unit_test(process_tree),
	        cmocka_unit_test(exe_inode_times),
	        cmocka_unit_test(overlay_layers),
	        cmocka_unit_test(message_sizes_and_control),
	        cmocka_unit_test(vector_sizes),
	        cmocka_unit_test(reapers),
	        KT_EXTRA_TESTS cmocka_unit_test(every_param_is_filled),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

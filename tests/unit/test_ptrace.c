/* test_ptrace.c - the ptrace driver end to end, as an unprivileged user: test_ebpf's workload checks, the same events as eBPF, signals, exit codes, a multithreaded exec, attach and detach. */
#include <ctype.h>
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#define KT_PTRACE 1

static void kt_drop_privileges(void);
static void kt_cleanup(void);
struct ev;
static int load_all(const char *cap, struct ev *out, int max);
static void free_events(struct ev *evs, int n);
static void snapshot_of_the_traced_processes(void **state);
static void same_events_as_ebpf(void **state);
static void exit_codes(void **state);
static void signals_reach_the_tracee(void **state);
static void multithreaded_exec(void **state);
static void attach_and_detach(void **state);
static void auto_falls_back_to_ptrace(void **state);

#define KT_EXTRA_TESTS                                                                                       \
	cmocka_unit_test(snapshot_of_the_traced_processes), cmocka_unit_test(exit_codes),                    \
	        cmocka_unit_test(signals_reach_the_tracee), cmocka_unit_test(multithreaded_exec),            \
	        cmocka_unit_test(attach_and_detach), cmocka_unit_test(auto_falls_back_to_ptrace),            \
	        cmocka_unit_test(same_events_as_ebpf),

#include "test_ebpf.c"

/*
 * LeakSanitizer cannot run in a traced process.  The traced test programs turn
 * it off themselves (__asan_default_options), but an ASAN_OPTIONS in the
 * environment (CI sets detect_leaks=1) overrides that: so the children of this
 * test (kite-record and the traced tree) get it appended off.  This process
 * parsed its options before, and keeps its own leak check.
 */
__attribute__((constructor)) static void no_leak_check_in_children(void)
{
	const char *cur = getenv("ASAN_OPTIONS");
	char buf[512];
	if (!cur)
		return;
	snprintf(buf, sizeof(buf), "%s%sdetect_leaks=0", cur, *cur ? ":" : "");
	setenv("ASAN_OPTIONS", buf, 1);
}

/* As root, become nobody (what CI's unprivileged runs are); otherwise stay who we are. */
static void kt_drop_privileges(void)
{
	if (geteuid() != 0)
		return;
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)) {
		perror("dropping privileges");
		_exit(125);
	}
}

static const char *recorder(void)
{
	return getenv("KITE_RECORD") ? getenv("KITE_RECORD") : "bin/kite-record";
}

static const char *cases(void)
{
	static char path[4096];
	const char *work = getenv("KT_WORKLOAD") ? getenv("KT_WORKLOAD") : "build/tests/kt-workload";
	snprintf(path, sizeof(path), "%.*s/kt-ptrace-cases",
	         (int)(strrchr(work, '/') ? strrchr(work, '/') - work : 1), strrchr(work, '/') ? work : ".");
	return path;
}

/* A directory every user may write to, for captures made as nobody. */
static const char *scratch_dir(void)
{
	static char dir[] = "/tmp/kite-pt-cases-XXXXXX";
	static int made; /* not "still ends in X": mkdtemp may well put an X there */
	if (!made) {
		assert_non_null(mkdtemp(dir));
		chmod(dir, 0777);
		made = 1;
	}
	return dir;
}

static void kt_cleanup(void)
{
	rmdir(scratch_dir());
}

/* Runs argv unprivileged (root: as nobody), optionally with stderr into errfile; returns its wait status. */
static int run_as_user(char *const argv[], const char *errfile)
{
	pid_t pid = fork();
	if (pid == 0) {
		kt_drop_privileges();
		if (errfile) {
			int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0666);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(126);
	}
	int st;
	waitpid(pid, &st, 0);
	return st;
}

/* kite-record --driver ptrace -w CAP -- kt-ptrace-cases ARGS...: its wait status. */
static int record_case(const char *cap, const char *a1, const char *a2)
{
	char *argv[] = {(char *)recorder(), "--driver", "ptrace",   "-w", (char *)cap, "--",
	                (char *)cases(),    (char *)a1, (char *)a2, NULL};
	return run_as_user(argv, NULL);
}

static void snapshot_of_the_traced_processes(void **state)
{
	(void)state;
	char err[512];
	kite_reader *r = kite_reader_open(cap_path, NULL, err, sizeof(err));
	assert_non_null(r);
	const struct kite_evt *e;
	int procs = 0;
	while (kite_reader_next(r, &e) > 0)
		if (e->type == KITE_EVT_STATE_PROC) {
			procs++;
			if (e->pid != (uint32_t)want_i("pid"))
				fail_msg("the snapshot has process %u, not only the traced one (%ld)", e->pid,
				         want_i("pid"));
		}
	kite_reader_close(r);
	assert_true(procs >= 1);
}

static void exit_codes(void **state)
{
	(void)state;
	char cap[256];
	snprintf(cap, sizeof(cap), "%s/exit.kcap", scratch_dir());
	int st = record_case(cap, "exit", "7");
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
	struct ev *evs = calloc(MAX_EVENTS, sizeof(*evs));
	int n = load_all(cap, evs, MAX_EVENTS), found = 0;
	for (int i = 0; i < n; i++) {
		const char *ret = get(&evs[i], "ret");
		found |= !strcmp(evs[i].type, "procexit") && ret && !strcmp(ret, "7");
	}
	free_events(evs, n);
	assert_true(found);
	st = record_case(cap, "kill", "15");
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 128 + SIGTERM);
	st = record_case(cap, "kill", "9");
	assert_int_equal(WEXITSTATUS(st), 128 + SIGKILL);
	unlink(cap);
}

/* The events of a capture, whatever process they belong to. */
static int load_all(const char *cap, struct ev *out, int max)
{
	return load_capture(cap, out, max, 0, 0);
}

static void free_events(struct ev *evs, int n)
{
	for (int i = 0; i < n; i++)
		for (int k = 0; k < evs[i].n; k++)
			free(evs[i].val[k]);
	free(evs);
}

static void signals_reach_the_tracee(void **state)
{
	(void)state;
	char cap[256];
	snprintf(cap, sizeof(cap), "%s/signals.kcap", scratch_dir());
	/* the program exits 0 only if its SIGUSR1 handler ran and its child stopped and went on */
	int st = record_case(cap, "signals", NULL);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	struct ev *evs = calloc(MAX_EVENTS, sizeof(*evs));
	int n = load_all(cap, evs, MAX_EVENTS), usr1 = 0, after_stop = 0, child_exit = 0;
	for (int i = 0; i < n; i++) {
		const char *sig = get(&evs[i], "sig");
		if (!strcmp(evs[i].type, "kill") && sig && strstr(sig, "SIGUSR1"))
			usr1 = 1;
		const char *name = get(&evs[i], "name");
		if (!strcmp(evs[i].type, "openat") && name && !strcmp(name, "/dev/null"))
			after_stop = 1; /* the child's open after SIGSTOP/SIGCONT */
		const char *ret = get(&evs[i], "ret");
		if (!strcmp(evs[i].type, "procexit") && ret && !strcmp(ret, "5"))
			child_exit = 1;
	}
	free_events(evs, n);
	assert_true(usr1);
	assert_true(after_stop);
	assert_true(child_exit);
	unlink(cap);
}

static void multithreaded_exec(void **state)
{
	(void)state;
	char cap[256];
	snprintf(cap, sizeof(cap), "%s/mtexec.kcap", scratch_dir());
	int st = record_case(cap, "mtexec", NULL);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0); /* echo's status, not the 98/99 of a failed exec */
	struct ev *evs = calloc(MAX_EVENTS, sizeof(*evs));
	int n = load_all(cap, evs, MAX_EVENTS);
	uint32_t leader = 0;
	int echo = -1, thread_exits = 0, clones = 0;
	for (int i = 0; i < n; i++) {
		const struct ev *e = &evs[i];
		const char *res = get(e, "res"), *exe = get(e, "exe");
		if (!strcmp(e->type, "execve") && res && !strcmp(res, "0") && exe &&
		    strstr(exe, "kt-ptrace-cases"))
			leader = e->pid;
		if (!strcmp(e->type, "clone3") && e->pid == leader && res && !strcmp(res, "0"))
			clones++; /* each new thread's side */
		if (!strcmp(e->type, "procexit") && e->pid == leader && echo < 0)
			thread_exits++;
		if (!strcmp(e->type, "execve") && res && !strcmp(res, "0") && exe &&
		    !strcmp(exe, "/bin/echo")) {
			echo = i;
			/* the thread that called execve now has the leader's tid */
			assert_int_equal(e->tid, leader);
			assert_int_equal(e->pid, leader);
			expect_param(e, "args", "kite-mtexec");
			expect_param(e, "comm", "echo");
		}
	}
	free_events(evs, n);
	assert_true(leader != 0);
	assert_int_equal(clones, 2);
	assert_true(echo >= 0);
	/* before the exec: the idle thread and the old leader end */
	assert_int_equal(thread_exits, 2);
	unlink(cap);
}

static long read_count(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n;
}

static void nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* -p PID: recorded while attached; SIGINT detaches and the process runs on, untraced. */
static void attach_and_detach(void **state)
{
	(void)state;
	char cap[256], beat[256], pidarg[32];
	snprintf(cap, sizeof(cap), "%s/attach.kcap", scratch_dir());
	snprintf(beat, sizeof(beat), "%s/beat", scratch_dir());
	pid_t target = fork();
	if (target == 0) {
		kt_drop_privileges();
		execl(cases(), cases(), "heartbeat", beat, (char *)NULL);
		_exit(126);
	}
	nap(100);
	snprintf(pidarg, sizeof(pidarg), "%d", target);
	pid_t rec = fork();
	if (rec == 0) {
		kt_drop_privileges();
		execl(recorder(), recorder(), "--driver", "ptrace", "-w", cap, "-p", pidarg, (char *)NULL);
		_exit(126);
	}
	nap(500);
	kill(rec, SIGINT);
	int st;
	waitpid(rec, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* untraced, not stopped, and its syscalls still work */
	char path[64], status[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", target);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t len = fread(status, 1, sizeof(status) - 1, f);
	status[len] = '\0';
	fclose(f);
	assert_non_null(strstr(status, "TracerPid:\t0\n"));
	long before = read_count(beat);
	nap(200);
	long after = read_count(beat);
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
	if (after <= before)
		fail_msg("the process stopped making progress after the detach (%ld, then %ld)", before,
		         after);
	struct ev *evs = calloc(MAX_EVENTS, sizeof(*evs));
	int n = load_all(cap, evs, MAX_EVENTS), opens = 0;
	for (int i = 0; i < n; i++) {
		const char *name = get(&evs[i], "name");
		if (!strcmp(evs[i].type, "openat") && evs[i].pid == (uint32_t)target && name &&
		    !strcmp(name, "/dev/null"))
			opens++;
	}
	free_events(evs, n);
	if (opens < 5)
		fail_msg("only %d opens of the attached process were recorded", opens);
	unlink(cap);
	unlink(beat);
	strcat(beat, ".tmp");
	unlink(beat);
}

/* Without the privileges eBPF needs, the default driver (auto) says so and records with ptrace. */
static void auto_falls_back_to_ptrace(void **state)
{
	(void)state;
	char cap[256], err[256];
	snprintf(cap, sizeof(cap), "%s/auto.kcap", scratch_dir());
	snprintf(err, sizeof(err), "%s/auto.err", scratch_dir());
	char *argv[] = {(char *)recorder(), "-w", cap, "--", (char *)cases(), "exit", "3", NULL};
	int st = run_as_user(argv, err);
	assert_int_equal(WEXITSTATUS(st), 3);
	FILE *f = fopen(err, "r");
	char line[512] = "";
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	if (!strstr(line, "eBPF unavailable") || !strstr(line, "using the ptrace driver"))
		fail_msg("kite-record said '%s'", line);
	unlink(cap);
	unlink(err);
}

/* ---- the same events as the eBPF driver ---- */

/* One recording of the workload: its expectations and events. */
struct run {
	char expect[96][2][256];
	int nexpect;
	struct ev *evs;
	int n;
	pid_t recorder;
};

static const char *run_want(const struct run *r, const char *key)
{
	for (int i = 0; i < r->nexpect; i++)
		if (!strcmp(r->expect[i][0], key))
			return r->expect[i][1];
	return NULL;
}

/* Records the workload as root with the given driver (both runs see the same privileges). */
static void record_run(struct run *r, const char *driver)
{
	char cap[256], exp[256];
	/* the same names for both runs: they are part of the workload's arguments */
	snprintf(cap, sizeof(cap), "%s/cmp.kcap", scratch_dir());
	snprintf(exp, sizeof(exp), "%s/cmp.expect", scratch_dir());
	const char *work = getenv("KT_WORKLOAD") ? getenv("KT_WORKLOAD") : "build/tests/kt-workload";
	r->recorder = fork();
	if (r->recorder == 0) {
		execl(recorder(), recorder(), "--driver", driver, "--io", "-w", cap, "--", work, exp,
		      (char *)NULL);
		_exit(126);
	}
	int st;
	waitpid(r->recorder, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("kite-record --driver %s exited with %#x", driver, st);
	/* the global expectations select the workload's processes while loading */
	nexpect = 0;
	load_expectations(exp);
	memcpy(r->expect, expect, sizeof(expect));
	r->nexpect = nexpect;
	r->evs = calloc(MAX_EVENTS, sizeof(*r->evs));
	r->n = load_events_of(cap, r->evs, MAX_EVENTS);
	unlink(cap);
	unlink(exp);
}

/* Parameters that differ between any two runs, or between the drivers by design (see README). */
static int volatile_param(const char *type, const char *key)
{
	static const char *const names[] = {
	        "pgft_maj",
	        "pgft_min",
	        "vm_size",
	        "vm_rss",
	        "vm_swap",
	        "exe_ino",
	        "exe_ino_ctime",
	        "ino",
	        "exe_ino_mtime",       /* the workload copies its test binaries anew each run */
	        "pidns_init_start_ts", /* the kernel's ns start time; /proc has clock ticks */
	        "source",
	        "peer", /* kernel socket addresses: not visible to user space */
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(key, names[i]))
			return 1;
	/* addresses the kernel picks (ASLR) */
	return (!strcmp(type, "mmap") || !strcmp(type, "mprotect")) &&
	       (!strcmp(key, "res") || !strcmp(key, "addr"));
}

/* A parameter's text with this run's pids, ports, paths and times replaced by their keys. */
static void normalize(const struct run *r, const char *type, const char *key, const char *val, char *out,
                      size_t cap)
{
	char tmp[8192], rec[32];
	snprintf(out, cap, "%s", val);
	if (!strcmp(key, "tuple") && !strchr(val, ':')) {
		/* unix tuples carry kernel addresses with eBPF, 0 with ptrace: keep the path */
		const char *path = strchr(val, ' ');
		snprintf(out, cap, "(unix)%s", path ? path : "");
		return;
	}
	/* the workload's mkdtemp directories: /tmp/kite-e2e-[exe-|ovl-]XXXXXX */
	for (char *p = strstr(out, "kite-e2e-"); p; p = strstr(p + 1, "kite-e2e-")) {
		char *x = p + 9;
		if (!strncmp(x, "exe-", 4) || !strncmp(x, "ovl-", 4))
			x += 4;
		for (int i = 0; i < 6 && x[i]; i++)
			x[i] = 'X';
	}
	snprintf(rec, sizeof(rec), "%d", r->recorder);
	for (int pass = 0; pass <= r->nexpect; pass++) {
		const char *from = pass < r->nexpect ? r->expect[pass][1] : rec;
		const char *name = pass < r->nexpect ? r->expect[pass][0] : "recorder";
		size_t fl = strlen(from), nl = strlen(name);
		int pidish = !strcmp(name, "pid") || !strcmp(name, "child") || !strcmp(name, "grandchild") ||
		             !strcmp(name, "subreaper") || !strcmp(name, "recorder") ||
		             (nl > 4 && (!strcmp(name + nl - 4, "_pid") || !strcmp(name + nl - 4, "_tid")));
		/* a short pid may also be any number: only where pids go (and the workload's own output) */
		int pid_param = !strcmp(key, "tid") || !strcmp(key, "pid") || !strcmp(key, "ptid") ||
		                !strcmp(key, "reaper_tid") || !strcmp(key, "data") ||
		                (!strcmp(key, "res") && (strstr(type, "clone") || strstr(type, "fork")));
		if (fl < (pidish && pid_param ? 3u : 4u) || !strcmp(name, "cgroup_v2"))
			continue;
		/* a number in a parameter that holds no pid (an mmap offset, a size) equal to a pid is chance;
		 * a result may be a pid (wait4, getpid) */
		if (!pid_param && strcmp(key, "res") && !strstr(key, "pid") && out[0] &&
		    strspn(out, "0123456789") == strlen(out))
			continue;
		char *hit, *from_here = out;
		while ((hit = strstr(from_here, from))) {
			/* whole numbers only: 449 is not in 4490, nor 41065 in a hex id "b0f41065e" */
			int digit = from[0] >= '0' && from[0] <= '9';
			if (digit && ((hit > out && isalnum((unsigned char)hit[-1])) ||
			              isalnum((unsigned char)hit[fl]))) {
				from_here = hit + 1;
				continue;
			}
			snprintf(tmp, sizeof(tmp), "%.*s<%s>%s", (int)(hit - out), out, name, hit + fl);
			size_t tl = strnlen(tmp, cap - 1);
			memcpy(out, tmp, tl);
			out[tl] = '\0';
			from_here = out;
		}
	}
}

/* A pid the workload did not report (another fork's child): any such pid compares equal. */
static void unnamed_pid(const char *type, const char *key, char *v)
{
	int pidish = !strcmp(key, "tid") || !strcmp(key, "pid") || !strcmp(key, "ptid") ||
	             !strcmp(key, "vtid") || !strcmp(key, "vpid") || !strcmp(key, "reaper_tid") ||
	             (!strcmp(key, "res") && (strstr(type, "clone") || strstr(type, "fork")));
	char *end;
	long n = strtol(v, &end, 10);
	if (pidish && !*end && end != v && n >= 300) /* pid_max never wraps below 300 */
		strcpy(v, "<pid>");
}

/*
 * Event i of run r as one comparable line.  skip_empty_of: parameters that
 * event of the eBPF run left empty are left out of both lines: the BPF
 * program cannot fault a page in, so a string in a page the child has not
 * touched since its fork reads as nothing there (ptrace's process_vm_readv
 * faults it in).
 */
static int describe(const struct run *r, const struct ev *e, const struct ev *skip_empty_of,
                    const struct ev *pt, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "%s", e->type);
	char v[4096];
	int skipped = 0;
	for (int k = 0; k < e->n && o < cap; k++) {
		if (volatile_param(e->type, e->key[k]))
			continue;
		/* a new thread's clone3 flags: the BPF program reads them in the child, from the creator's
		 * stack, which the creator may have reused by then (ptrace reads them at the creator's stop) */
		if (!strcmp(e->type, "clone3") && !strcmp(e->key[k], "flags") && get(e, "res") &&
		    !strcmp(get(e, "res"), "0"))
			continue;
		/* a child's parent at its first instant races with that parent's exit (orphans): eBPF
		 * looks when the child first runs, ptrace when it first stops, right after its creation */
		if ((strstr(e->type, "clone") || strstr(e->type, "fork")) && !strcmp(e->key[k], "ptid") &&
		    get(e, "res") && !strcmp(get(e, "res"), "0"))
			continue;
		if (skip_empty_of && k < skip_empty_of->n && !strcmp(skip_empty_of->type, e->type)) {
			const char *eb = skip_empty_of->val[k], *p = pt && k < pt->n ? pt->val[k] : "";
			size_t el = strlen(eb), pl = strlen(p);
			/* the BPF path walk stops at the root of a mount in another mount namespace
			 * (overlayfs here): its path is a tail of the real one */
			int tail = !strcmp(e->key[k], "trusted_exepath") && el && pl > el &&
			           !strcmp(p + pl - el, eb);
			if (!eb[0] || tail) {
				skipped++;
				continue;
			}
		}
		normalize(r, e->type, e->key[k], e->val[k], v, sizeof(v));
		unnamed_pid(e->type, e->key[k], v);
		if (!strcmp(e->key[k], "data") && strlen(v) > 40)
			v[40] = '\0'; /* cut at the snaplen: a pid of another length moves the cut */
		o += (size_t)snprintf(out + o, cap - o, " %s=%s", e->key[k], v);
	}
	return skipped;
}

/* The events of thread number `nth` (in order of appearance) of process pid; from its first exec for the workload. */
static int thread_events(const struct run *r, uint32_t pid, int nth, int from_exec, const struct ev **out,
                         int max)
{
	uint32_t tids[64];
	int ntids = 0, n = 0, started = !from_exec;
	for (int i = 0; i < r->n; i++) {
		const struct ev *e = &r->evs[i];
		if (e->pid != pid)
			continue;
		if (!started && strcmp(e->type, "execve"))
			continue; /* before its exec, the workload is the recorder's child waiting to start */
		started = 1;
		int idx = -1;
		for (int k = 0; k < ntids; k++)
			if (tids[k] == e->tid)
				idx = k;
		if (idx < 0 && ntids < 64)
			tids[idx = ntids++] = e->tid;
		if (idx == nth && n < max)
			out[n++] = e;
	}
	return n;
}

static void same_events_as_ebpf(void **state)
{
	(void)state;
	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			fail_msg("CI=true: comparing with the eBPF driver needs root and a kernel with BTF");
		fprintf(stderr, "SKIP: comparing with the eBPF driver needs root and a kernel with BTF\n");
		return;
	}
	static struct run a, b;
	record_run(&a, "ebpf");
	record_run(&b, "ptrace");
	static const struct ev *ea[MAX_EVENTS], *eb[MAX_EVENTS];
	char la[16384], lb[16384];
	int compared = 0, processes = 0, unread = 0;
	for (int i = 0; i < a.nexpect; i++) {
		const char *k = a.expect[i][0];
		size_t kl = strlen(k);
		if (strcmp(k, "pid") && strcmp(k, "child") && strcmp(k, "grandchild") &&
		    !(kl > 4 && !strcmp(k + kl - 4, "_pid")))
			continue;
		const char *vb = run_want(&b, k);
		if (!vb)
			fail_msg("the ptrace run did not report %s", k);
		uint32_t pa = (uint32_t)atol(a.expect[i][1]), pb = (uint32_t)atol(vb);
		processes++;
		for (int th = 0; th < 8; th++) {
			int na = thread_events(&a, pa, th, !strcmp(k, "pid"), ea, MAX_EVENTS);
			int nb = thread_events(&b, pb, th, !strcmp(k, "pid"), eb, MAX_EVENTS);
			char proc_fd[32] = "";
			for (int j = 0; j < na || j < nb; j++) {
				la[0] = lb[0] = '\0';
				/* /proc/self/status says TracerPid under ptrace, maps (ASan reads them) has
				 * other addresses each run: what is read from /proc differs */
				if (j < na &&
				    (!strcmp(ea[j]->type, "openat") || !strcmp(ea[j]->type, "open")) &&
				    get(ea[j], "name") && !strncmp(get(ea[j], "name"), "/proc/", 6))
					snprintf(proc_fd, sizeof(proc_fd), "%s", get(ea[j], "fd"));
				if (j < na && j < nb && !strcmp(ea[j]->type, "read") &&
				    !strcmp(eb[j]->type, "read") && get(ea[j], "fd") &&
				    !strcmp(get(ea[j], "fd"), proc_fd))
					continue;
				if (j < na)
					describe(&a, ea[j], NULL, NULL, la, sizeof(la));
				if (j < nb)
					describe(&b, eb[j], NULL, NULL, lb, sizeof(lb));
				if (strcmp(la, lb) && j < na && j < nb) {
					describe(&a, ea[j], ea[j], eb[j], la, sizeof(la));
					unread += describe(&b, eb[j], ea[j], eb[j], lb, sizeof(lb));
				}
				if (strcmp(la, lb)) {
					size_t at = 0; /* show where they part */
					while (la[at] && la[at] == lb[at])
						at++;
					at = at > 60 ? at - 60 : 0;
					fail_msg("%s (thread %d), event %d:\n  ebpf:   ...%.300s\n  ptrace: "
					         "...%.300s",
					         k, th, j, j < na ? la + at : "(none)",
					         j < nb ? lb + at : "(none)");
				}
				compared++;
			}
		}
	}
	fprintf(stderr, "compared %d events of %d processes (%d values eBPF could not read in full)\n",
	        compared, processes, unread);
	assert_true(compared > 100);
	free_events(a.evs, a.n);
	free_events(b.evs, b.n);
}

/* test_fields.c - Falco fields on a scripted event sequence: evt.*, proc.* lineage, fd.* files and sockets, user.*, container.*. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "events.h"
#include "fields.h"
#include "filter.h"
#include "output.h"
#include "state.h"

/* A named parameter value for mk(): integers in i, strings and bytes in s (slen 0 = strlen). */
struct pv {
	const char *name;
	int64_t i;
	const char *s;
	size_t slen;
};

struct fx {
	struct kite_state *st;
	struct kite_ctx c;
	const struct kite_evmap *maps;
	uint64_t ts, num;
	uint8_t buf[65536];
};

static struct fx F;

static int is_bytes_kind(unsigned k)
{
	return k == KITE_K_PATH || k == KITE_K_RELPATH || k == KITE_K_STRING || k == KITE_K_BYTES ||
	       k == KITE_K_SOCKADDR || k == KITE_K_TUPLE || k == KITE_K_STRLIST;
}

/* Builds a record of `type` by parameter name; parameters not given are empty. */
static const struct kite_evt *mk(uint16_t type, uint32_t tid, uint32_t pid, const struct pv *v, size_t n)
{
	const struct kite_event_desc *d = kite_schema_event(kite_schema_builtin(), type);
	assert_non_null(d);
	struct kite_evt_builder b;
	kite_evt_begin(&b, F.buf, type, d->nparams, F.ts += 1000, tid, pid, 0);
	for (uint32_t i = 0; i < d->nparams; i++) {
		const struct kite_param_desc *p = &d->params[i];
		const struct pv *found = NULL;
		for (size_t k = 0; k < n; k++)
			if (!strcmp(v[k].name, p->name))
				found = &v[k];
		if (!found)
			kite_evt_add(&b, NULL, 0);
		else if (is_bytes_kind(p->kind))
			kite_evt_add(&b, found->s, (uint32_t)(found->slen ? found->slen : strlen(found->s)));
		else
			kite_evt_add_u(&b, (uint64_t)found->i, kite_param_width(p));
	}
	const struct kite_evt *e = kite_evt_end(&b);
	assert_non_null(e);
	return e;
}

/* Applies a record through the state, as the replay loop does; returns the event's context. */
static struct kite_ctx *apply(const struct kite_evt *e)
{
	kite_state_settle(F.st);
	kite_arena_reset(&F.c.arena);
	F.c.e = e;
	F.c.schema = kite_schema_builtin();
	F.c.map = &F.maps[e->type];
	F.c.state = F.st;
	F.c.num = ++F.num;
	assert_int_equal(kite_evt_split(e, e->len, F.c.map->d, &F.c.p), 0);
	kite_state_apply(F.st, &F.c);
	return &F.c;
}

#define EV(type, tid, pid, ...)                                                                              \
	apply(mk(KITE_EVT_##type, tid, pid, (const struct pv[]){__VA_ARGS__},                                \
	         sizeof((const struct pv[]){__VA_ARGS__}) / sizeof(struct pv)))

/* The text of a field for the current event, or "<NA>". */
static const char *field(const char *name)
{
	struct kite_field f;
	char err[256];
	size_t used = kite_field_parse(name, strlen(name), &f, err, sizeof(err));
	if (!used)
		fail_msg("%s: %s", name, err);
	assert_int_equal(used, strlen(name));
	size_t len;
	const char *t = kite_field_text(&f, &F.c, &len);
	kite_field_release(&f);
	return t ? t : "<NA>";
}

static int matches(const char *cond)
{
	char err[256];
	kite_filter *f = kite_filter_new(cond, NULL, err, sizeof(err));
	if (!f)
		fail_msg("%s: %s", cond, err);
	int m = kite_filter_match(f, &F.c);
	kite_filter_free(f);
	return m;
}

/* ipv4 tuple bytes: family, src addr, src port (LE), dst addr, dst port. */
static size_t tuple4(uint8_t *t, const uint8_t sa[4], uint16_t sp, const uint8_t da[4], uint16_t dp)
{
	t[0] = 2;
	memcpy(t + 1, sa, 4);
	memcpy(t + 5, &sp, 2);
	memcpy(t + 7, da, 4);
	memcpy(t + 11, &dp, 2);
	return 13;
}

static const char shell_args[] = "-l";
static const char cat_args[] = "/etc/shadow";
static const char docker_cg[] = "0::/system.slice/docker-"
                                "3f4e5d6c7b8a91a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081920.scope";

/* The host: init (1) -> sshd (50) -> bash (100, root, a tty) with /dev/pts/0 on fds 0-2. */
static int setup(void **unused)
{
	(void)unused;
	memset(&F, 0, sizeof(F));
	F.ts = 1700000000000000000ull;
	F.st = kite_state_new();
	F.maps = kite_state_evmaps(F.st, kite_schema_builtin());
	EV(STATE_USER, 0, 0, {"uid", 0}, {"gid", 0}, {"name", 0, "root"}, {"home", 0, "/root"},
	   {"shell", 0, "/bin/bash"});
	EV(STATE_USER, 0, 0, {"uid", 1000}, {"gid", 1000}, {"name", 0, "alice"}, {"home", 0, "/home/alice"},
	   {"shell", 0, "/bin/sh"});
	EV(STATE_GROUP, 0, 0, {"gid", 0}, {"name", 0, "root"});
	EV(STATE_PROC, 0, 0, {"tid", 1}, {"pid", 1}, {"ppid", 0}, {"comm", 0, "systemd"},
	   {"exe", 0, "/sbin/init"}, {"exepath", 0, "/usr/lib/systemd/systemd"}, {"cwd", 0, "/"},
	   {"loginuid", 0xffffffff}, {"vpid", 1}, {"vtid", 1}, {"pgid", 1}, {"sid", 1},
	   {"start_ts", 1600000000000000000}, {"cap_effective", -1}, {"cap_permitted", -1});
	EV(STATE_PROC, 0, 0, {"tid", 50}, {"pid", 50}, {"ppid", 1}, {"comm", 0, "sshd"}, {"exe", 0, "sshd"},
	   {"exepath", 0, "/usr/sbin/sshd"}, {"cwd", 0, "/"}, {"vpid", 50}, {"vtid", 50}, {"pgid", 50},
	   {"sid", 50});
	EV(STATE_PROC, 0, 0, {"tid", 100}, {"pid", 100}, {"ppid", 50}, {"comm", 0, "bash"},
	   {"exe", 0, "-bash"}, {"exepath", 0, "/usr/bin/bash"}, {"args", 0, shell_args, sizeof(shell_args)},
	   {"cwd", 0, "/root"}, {"uid", 0}, {"euid", 0}, {"gid", 0}, {"egid", 0}, {"loginuid", 1000},
	   {"tty", 34816}, {"vpid", 100}, {"vtid", 100}, {"pgid", 100}, {"sid", 100},
	   {"start_ts", 1690000000000000000}, {"cap_effective", 1 << 21}, {"cap_permitted", 1 << 21});
	EV(STATE_FD, 0, 0, {"pid", 100}, {"fd", 0}, {"type", KITE_FD_FILE}, {"name", 0, "/dev/pts/0"},
	   {"flags", 2});
	return 0;
}

static int teardown(void **unused)
{
	(void)unused;
	kite_state_settle(F.st);
	kite_arena_free(&F.c.arena);
	kite_state_free(F.st);
	return 0;
}

/* bash forks 200 (child event first, as often on another CPU), which execs cat /etc/shadow. */
static void fork_exec_cat(void)
{
	EV(CLONE, 200, 200, {"res", 0}, {"exe", 0, "-bash"}, {"tid", 200}, {"pid", 200}, {"ptid", 100},
	   {"cwd", 0, "/root"}, {"comm", 0, "bash"}, {"flags", 0x11 /* SIGCHLD */}, {"uid", 0}, {"gid", 0},
	   {"vtid", 200}, {"vpid", 200});
	EV(CLONE, 100, 100, {"res", 200}, {"exe", 0, "-bash"}, {"tid", 100}, {"pid", 100}, {"ptid", 50},
	   {"cwd", 0, "/root"}, {"comm", 0, "bash"}, {"flags", 0x11});
	EV(EXECVE, 200, 200, {"res", 0}, {"exe", 0, "cat"}, {"args", 0, cat_args, sizeof(cat_args)},
	   {"tid", 200}, {"pid", 200}, {"ptid", 100}, {"cwd", 0, "/root"}, {"comm", 0, "cat"}, {"uid", 0},
	   {"gid", 0}, {"loginuid", 1000}, {"tty", 34816}, {"filename", 0, "/usr/bin/cat"},
	   {"cap_effective", 1 << 21}, {"cap_permitted", 1 << 21});
}

static void evt_and_proc_fields(void **unused)
{
	(void)unused;
	fork_exec_cat();
	EV(OPENAT, 200, 200, {"fd", 3}, {"dirfd", -100}, {"name", 0, "/etc/shadow"},
	   {"flags", 0x80000 /* O_CLOEXEC */}, {"mode", 0});
	assert_string_equal(field("evt.type"), "openat");
	assert_string_equal(field("evt.dir"), "<");
	assert_string_equal(field("evt.res"), "SUCCESS");
	assert_string_equal(field("evt.rawres"), "3");
	assert_string_equal(field("evt.failed"), "false");
	assert_string_equal(field("evt.category"), "file");
	assert_string_equal(field("evt.arg.name"), "/etc/shadow");
	assert_string_equal(field("evt.arg.flags"), "O_RDONLY|O_CLOEXEC");
	assert_string_equal(field("evt.arg.dirfd"), "AT_FDCWD");
	assert_string_equal(field("evt.rawarg.dirfd"), "-100");
	assert_string_equal(field("evt.arg[0]"), "<f>/etc/shadow");
	assert_string_equal(field("evt.is_open_read"), "true");
	assert_string_equal(field("evt.is_open_write"), "false");
	assert_string_equal(field("proc.name"), "cat");
	assert_string_equal(field("proc.exe"), "cat");
	assert_string_equal(field("proc.exepath"), "/usr/bin/cat");
	assert_string_equal(field("proc.args"), "/etc/shadow");
	assert_string_equal(field("proc.cmdline"), "cat /etc/shadow");
	assert_string_equal(field("proc.pid"), "200");
	assert_string_equal(field("proc.ppid"), "100");
	assert_string_equal(field("proc.pname"), "bash");
	assert_string_equal(field("proc.pcmdline"), "bash -l");
	assert_string_equal(field("proc.pexepath"), "/usr/bin/bash");
	assert_string_equal(field("proc.aname[0]"), "cat");
	assert_string_equal(field("proc.aname[1]"), "bash");
	assert_string_equal(field("proc.aname[2]"), "sshd");
	assert_string_equal(field("proc.aname[3]"), "systemd");
	assert_string_equal(field("proc.aname[4]"), "<NA>");
	assert_string_equal(field("proc.aname"), "bash,sshd,systemd");
	assert_string_equal(field("proc.apid[2]"), "50");
	assert_string_equal(field("proc.cwd"), "/root/");
	assert_string_equal(field("proc.tty"), "34816");
	assert_string_equal(field("proc.sid"), "100");
	assert_string_equal(field("proc.sname"), "bash");
	assert_string_equal(field("proc.loginshellid"), "100");
	assert_string_equal(field("thread.tid"), "200");
	assert_string_equal(field("thread.ismain"), "true");
	assert_string_equal(field("thread.cap_effective"), "CAP_SYS_ADMIN");
	assert_string_equal(field("user.uid"), "0");
	assert_string_equal(field("user.name"), "root");
	assert_string_equal(field("user.homedir"), "/root");
	assert_string_equal(field("user.loginuid"), "1000");
	assert_string_equal(field("user.loginname"), "alice");
	assert_string_equal(field("group.name"), "root");
	assert_string_equal(field("container.id"), "host");
	assert_string_equal(field("container.name"), "host");
	assert_string_equal(field("container.image"), "<NA>");
	assert_true(matches("proc.aname=sshd and proc.aname[1]=bash and not proc.aname=cron"));
	assert_true(matches("thread.cap_effective contains CAP_SYS_ADMIN"));
	assert_true(matches("evt.arg.flags contains O_CLOEXEC and evt.rawres >= 0"));
}

static void fd_file_fields(void **unused)
{
	(void)unused;
	fork_exec_cat();
	EV(OPENAT, 200, 200, {"fd", 3}, {"dirfd", -100}, {"name", 0, "/etc/ssl/private/key.pem"},
	   {"flags", 0x241 /* O_WRONLY|O_CREAT|O_TRUNC */}, {"mode", 0755}, {"dev", 0x803}, {"ino", 4242});
	assert_string_equal(field("fd.num"), "3");
	assert_string_equal(field("fd.type"), "file");
	assert_string_equal(field("fd.typechar"), "f");
	assert_string_equal(field("fd.name"), "/etc/ssl/private/key.pem");
	assert_string_equal(field("fd.directory"), "/etc/ssl/private");
	assert_string_equal(field("fd.filename"), "key.pem");
	assert_string_equal(field("fd.ino"), "4242");
	assert_string_equal(field("evt.is_open_write"), "true");
	assert_string_equal(field("evt.is_open_read"), "false");
	assert_string_equal(field("evt.is_open_create"), "true");
	assert_string_equal(field("evt.is_open_exec"), "true");
	assert_string_equal(field("fd.l4proto"), "<NA>");
	/* a directory fd, then a relative open below it: the path is resolved against the dirfd */
	EV(OPENAT, 200, 200, {"fd", 4}, {"dirfd", -100}, {"name", 0, "/var/log"},
	   {"flags", 0x10000 /* O_DIRECTORY */});
	assert_string_equal(field("fd.type"), "directory");
	EV(OPENAT, 200, 200, {"fd", 5}, {"dirfd", 4}, {"name", 0, "../lib/./x.db"}, {"flags", 2});
	assert_string_equal(field("fd.name"), "/var/lib/x.db");
	assert_string_equal(field("evt.arg.name"), "/var/lib/x.db");
	assert_string_equal(field("evt.rawarg.name"), "../lib/./x.db");
	assert_string_equal(field("evt.abspath"), "/var/lib/x.db");
	/* relative to the cwd */
	EV(OPEN, 200, 200, {"fd", 6}, {"name", 0, "notes.txt"}, {"flags", 0});
	assert_string_equal(field("fd.name"), "/root/notes.txt");
	/* a failed open has no fd */
	EV(OPENAT, 200, 200, {"fd", -2}, {"dirfd", -100}, {"name", 0, "/nope"}, {"flags", 0});
	assert_string_equal(field("evt.res"), "ENOENT");
	assert_string_equal(field("evt.rawres"), "-2");
	assert_string_equal(field("evt.failed"), "true");
	/* ... but, as in Falco, fd.name is the path it asked for, so rules see failed attempts */
	assert_string_equal(field("fd.name"), "/nope");
	assert_string_equal(field("fd.directory"), "/");
	assert_string_equal(field("fd.filename"), "nope");
	/* and it is a file numbered -1, as sysdig 0.29.3 prints it (libs_curl_google's expected lines) */
	assert_string_equal(field("fd.num"), "-1");
	assert_string_equal(field("fd.typechar"), "f");
	assert_true(matches("fd.type = file"));
	assert_false(matches("fd.typechar != f"));
	/* close: the closed fd is still what fd.* show for this event */
	EV(CLOSE, 200, 200, {"res", 0}, {"fd", 3});
	assert_string_equal(field("fd.name"), "/etc/ssl/private/key.pem");
	EV(CLOSE, 200, 200, {"res", -9}, {"fd", 3});
	assert_string_equal(field("evt.res"), "EBADF");
	/* an fd kite has no entry for: sysdig 0.29.3's number, "o" and an empty name */
	assert_string_equal(field("fd.name"), "");
	assert_string_equal(field("fd.num"), "3");
	assert_string_equal(field("fd.typechar"), "o");
	assert_string_equal(field("fd.type"), "<NA>");
	/* fds inherited from the parent survive the fork and the exec */
	EV(CLOSE, 200, 200, {"res", 0}, {"fd", 0});
	assert_string_equal(field("fd.name"), "/dev/pts/0");
	assert_string_equal(field("fd.types[5]"), "file");
}

static void fd_socket_fields(void **unused)
{
	(void)unused;
	fork_exec_cat();
	static const uint8_t me[4] = {10, 0, 0, 1}, web[4] = {93, 184, 216, 34};
	uint8_t t[64];
	EV(SOCKET, 200, 200, {"fd", 7}, {"domain", 2}, {"type", 1}, {"proto", 0});
	assert_string_equal(field("fd.type"), "ipv4");
	assert_string_equal(field("fd.typechar"), "4");
	size_t n = tuple4(t, me, 40000, web, 443);
	EV(CONNECT, 200, 200, {"res", 0}, {"tuple", 0, (const char *)t, n}, {"fd", 7});
	assert_string_equal(field("fd.name"), "10.0.0.1:40000->93.184.216.34:443");
	assert_string_equal(field("fd.cip"), "10.0.0.1");
	assert_string_equal(field("fd.sip"), "93.184.216.34");
	assert_string_equal(field("fd.lip"), "10.0.0.1");
	assert_string_equal(field("fd.rip"), "93.184.216.34");
	assert_string_equal(field("fd.cport"), "40000");
	assert_string_equal(field("fd.sport"), "443");
	assert_string_equal(field("fd.lport"), "40000");
	assert_string_equal(field("fd.rport"), "443");
	assert_string_equal(field("fd.l4proto"), "tcp");
	assert_string_equal(field("fd.sockfamily"), "ip");
	assert_string_equal(field("fd.is_server"), "false");
	assert_string_equal(field("fd.connected"), "true");
	assert_true(
	        matches("fd.sip = 93.184.216.34 and fd.snet = 93.184.0.0/16 and not fd.rnet = 10.0.0.0/8"));
	assert_true(matches("fd.ip = 10.0.0.1 and fd.port = 443 and fd.net in (192.168.0.0/16, 10.0.0.0/8)"));
	assert_true(matches("fd.rport in (80, 443) and fd.l4proto = tcp"));
	/* a connected UDP socket stays the client when a reply arrives (tuples are local end first) */
	static const uint8_t dns[4] = {8, 8, 8, 8};
	EV(SOCKET, 200, 200, {"fd", 9}, {"domain", 2}, {"type", 2}, {"proto", 0});
	EV(CONNECT, 200, 200, {"res", 0}, {"tuple", 0, (const char *)t, tuple4(t, me, 5353, dns, 53)},
	   {"fd", 9});
	EV(RECVFROM, 200, 200, {"res", 40}, {"tuple", 0, (const char *)t, tuple4(t, me, 5353, dns, 53)},
	   {"fd", 9});
	assert_string_equal(field("fd.l4proto"), "udp");
	assert_string_equal(field("fd.is_server"), "false");
	assert_string_equal(field("fd.sip"), "8.8.8.8");
	assert_string_equal(field("fd.rport"), "53");
	/* a server accepting: the remote client comes first in accept's tuple */
	EV(ACCEPT4, 100, 100, {"fd", 8}, {"tuple", 0, (const char *)t, tuple4(t, web, 51000, me, 22)},
	   {"flags", 0});
	assert_string_equal(field("fd.name"), "93.184.216.34:51000->10.0.0.1:22");
	assert_string_equal(field("fd.is_server"), "true");
	assert_string_equal(field("fd.lport"), "22");
	assert_string_equal(field("fd.rip"), "93.184.216.34");
	assert_string_equal(field("fd.cip"), "93.184.216.34");
}

static void missing_and_unknown(void **unused)
{
	(void)unused;
	/* a thread never seen before (its process started before a drop, say) */
	EV(UNLINK, 4242, 4242, {"res", 0}, {"path", 0, "/tmp/x"});
	assert_string_equal(field("proc.pid"), "4242");
	assert_string_equal(field("thread.tid"), "4242");
	assert_string_equal(field("proc.name"), "<NA>");
	assert_string_equal(field("proc.cmdline"), "<NA>");
	assert_string_equal(field("user.name"), "<NA>");
	assert_string_equal(field("evt.abspath"), "/tmp/x");
	assert_false(matches("proc.name != bash"));
	assert_true(matches("not proc.name = bash"));
	assert_false(matches("proc.name in (bash, sh)"));
	assert_true(matches("not proc.name in (bash, sh)"));
	/* output formats: <NA> with '*', skipped without */
	char err[128];
	struct kite_output *o = kite_output_new("*%proc.name %evt.type %fd.name", err, sizeof(err));
	assert_non_null(o);
	size_t len;
	assert_string_equal(kite_output_render(o, &F.c, 0, &len), "<NA> unlink <NA>");
	kite_output_free(o);
	o = kite_output_new("%proc.name %evt.type", err, sizeof(err));
	assert_null(kite_output_render(o, &F.c, 0, &len));
	assert_string_equal(kite_output_render(o, &F.c, 1, &len), "<NA> unlink");
	kite_output_free(o);
}

static void containers_and_exit(void **unused)
{
	(void)unused;
	EV(CLONE, 300, 300, {"res", 0}, {"exe", 0, "runc"}, {"tid", 300}, {"pid", 300}, {"ptid", 1},
	   {"cwd", 0, "/"}, {"comm", 0, "runc"}, {"cgroups", 0, docker_cg, sizeof(docker_cg)}, {"vtid", 1},
	   {"vpid", 1});
	assert_string_equal(field("container.id"), "3f4e5d6c7b8a");
	assert_string_equal(field("container.name"), "<NA>");
	assert_string_equal(field("proc.vpid"), "1");
	assert_string_equal(field("proc.pname"), "systemd");
	EV(PROCEXIT, 300, 300, {"status", 256}, {"ret", 1}, {"sig", 0});
	assert_string_equal(field("proc.name"), "runc"); /* still visible for its own exit event */
	assert_string_equal(field("evt.type"), "procexit");
	assert_string_equal(field("fd.name"), "<NA>");
	EV(KILL, 100, 100, {"res", 0}, {"pid", 300}, {"sig", 9});
	assert_string_equal(field("evt.arg.sig"), "SIGKILL");
	assert_string_equal(field("evt.args"), "res=0 pid=300 sig=9(SIGKILL)");
}

/* The hand-written number and time formatting of outputs agrees with printf's, edges included. */
static void text_formats(void **unused)
{
	(void)unused;
	struct kite_arena a = {0};
	size_t len;
	assert_string_equal(kite_arena_u64(&a, 0, 0, &len), "0");
	assert_int_equal(len, 1);
	assert_string_equal(kite_arena_u64(&a, UINT64_MAX, 0, &len), "18446744073709551615");
	assert_int_equal(len, 20);
	assert_string_equal(kite_arena_u64(&a, 0, 1, NULL), "0x0");
	assert_string_equal(kite_arena_u64(&a, 0xfe00, 1, NULL), "0xfe00");
	assert_string_equal(kite_arena_u64(&a, UINT64_MAX, 1, NULL), "0xffffffffffffffff");
	assert_string_equal(kite_arena_i64(&a, -1, &len), "-1");
	assert_int_equal(len, 2);
	assert_string_equal(kite_arena_i64(&a, INT64_MIN, NULL), "-9223372036854775808");
	assert_string_equal(kite_arena_i64(&a, INT64_MAX, NULL), "9223372036854775807");
	kite_arena_free(&a);

	fork_exec_cat();
	/* evt.args: a negative fd with its errno, a resolved fd, hex flags with their names */
	EV(OPENAT, 200, 200, {"fd", -2}, {"dirfd", -100}, {"name", 0, "/nope"}, {"flags", 0x80000},
	   {"mode", 0});
	assert_string_equal(
	        field("evt.args"),
	        "fd=-2(ENOENT) dirfd=-100(AT_FDCWD) name=/nope flags=0x80000(O_RDONLY|O_CLOEXEC) mode=00 "
	        "dev= ino=");
	EV(OPENAT, 200, 200, {"fd", 3}, {"dirfd", -100}, {"name", 0, "/etc/shadow"}, {"flags", 0},
	   {"mode", 0});
	assert_string_equal(field("evt.arg.fd"), "<f>/etc/shadow");
	/* a pid the state knows resolves to its process's name (libsinsp's PT_PID); one it does not, to itself */
	EV(KILL, 200, 200, {"res", 0}, {"pid", 100}, {"sig", 15});
	assert_string_equal(field("evt.arg.pid"), "bash");
	assert_string_equal(field("evt.rawarg.pid"), "100");
	assert_string_equal(field("evt.args"), "res=0 pid=100(bash) sig=15(SIGTERM)");
	EV(KILL, 200, 200, {"res", -3}, {"pid", 4242}, {"sig", 9});
	assert_string_equal(field("evt.arg.pid"), "4242");
	assert_string_equal(field("evt.args"), "res=-3(ESRCH) pid=4242 sig=9(SIGKILL)");

	/* times: the cached second must follow the event, and the date form must not reuse the time form */
	setenv("TZ", "UTC", 1);
	tzset();
	F.ts = UINT64_C(1700000000) * 1000000000 - 2000; /* 2023-11-14 22:13:20 UTC, less 2 µs */
	EV(CLOSE, 200, 200, {"res", 0}, {"fd", 3});      /* ts: 1 µs before the second */
	assert_string_equal(field("evt.time"), "22:13:19.999999000");
	assert_string_equal(field("evt.datetime"), "2023-11-14 22:13:19.999999000");
	assert_string_equal(field("evt.time"), "22:13:19.999999000");
	EV(CLOSE, 200, 200, {"res", 0}, {"fd", 3}); /* the second itself */
	assert_string_equal(field("evt.time"), "22:13:20.000000000");
	assert_string_equal(field("evt.datetime.s"), "2023-11-14 22:13:20");
	assert_string_equal(field("evt.time.s"), "22:13:20");
}

/*
 * Fields of libsinsp kite lacked: fs.path.* (libsinsp's per-call argument
 * map, only on success, relative paths against the cwd), syscall.type, the
 * evt.count.error family, proc.aenv, proc.pid.ts / proc.ppid.ts.
 */
static void falco_compat_fields(void **unused)
{
	(void)unused;
	fork_exec_cat();
	assert_string_equal(field("syscall.type"), "execve");
	assert_string_equal(field("evt.count.exit"), "1");
	assert_string_equal(field("evt.count.error"), "<NA>");
	assert_string_equal(field("proc.pid.ts"), field("proc.start_ts"));
	assert_string_equal(field("proc.ppid.ts"), "1690000000000000000");
	/* unlinkat relative to a dirfd: fs.path.name joins the cwd (libsinsp), evt.abspath the dirfd */
	EV(OPENAT, 200, 200, {"fd", 4}, {"dirfd", -100}, {"name", 0, "/var/log"}, {"flags", 0x10000});
	assert_string_equal(field("fs.path.name"), "/var/log");
	EV(UNLINKAT, 200, 200, {"res", 0}, {"dirfd", 4}, {"name", 0, "old.log"}, {"flags", 0});
	assert_string_equal(field("fs.path.nameraw"), "old.log");
	assert_string_equal(field("fs.path.name"), "/root/old.log");
	assert_string_equal(field("evt.abspath"), "/var/log/old.log");
	assert_string_equal(field("fs.path.source"), "<NA>");
	assert_true(matches("fs.path.name startswith /root/"));
	/* a failed call has no fs.path, but counts as an error (file: a failed open has no fd) */
	EV(OPENAT, 200, 200, {"fd", -13}, {"dirfd", -100}, {"name", 0, "/etc/shadow"}, {"flags", 0});
	assert_string_equal(field("fs.path.name"), "<NA>");
	assert_string_equal(field("evt.count.error"), "1");
	assert_string_equal(field("evt.count.error.file"), "1");
	assert_string_equal(field("evt.count.error.net"), "<NA>");
	assert_string_equal(field("evt.count.error.other"), "<NA>");
	/* link: the source is newpath and the target oldpath, as libsinsp maps them */
	EV(LINKAT, 200, 200, {"res", 0}, {"olddir", -100}, {"oldpath", 0, "/etc/passwd"}, {"newdir", -100},
	   {"newpath", 0, "pw"}, {"flags", 0});
	assert_string_equal(field("fs.path.source"), "/root/pw");
	assert_string_equal(field("fs.path.sourceraw"), "pw");
	assert_string_equal(field("fs.path.target"), "/etc/passwd");
	assert_string_equal(field("fs.path.name"), "<NA>");
	EV(RENAMEAT2, 200, 200, {"res", 0}, {"olddirfd", -100}, {"oldpath", 0, "/tmp/a"}, {"newdirfd", -100},
	   {"newpath", 0, "/tmp/b"}, {"flags", 0});
	assert_string_equal(field("fs.path.source"), "/tmp/a");
	assert_string_equal(field("fs.path.target"), "/tmp/b");
	/* a failed mmap is a memory error */
	EV(MMAP, 200, 200, {"res", -12});
	assert_string_equal(field("evt.count.error.memory"), "1");
	assert_string_equal(field("evt.count.error.file"), "<NA>");
	/* a write on /dev/log is syslog */
	EV(OPENAT, 200, 200, {"fd", 7}, {"dirfd", -100}, {"name", 0, "/dev/log"}, {"flags", 1});
	EV(WRITE, 200, 200, {"res", 3}, {"data", 0, "hi\n"}, {"fd", 7}, {"size", 3});
	assert_string_equal(field("evt.is_syslog"), "true");
	EV(WRITE, 200, 200, {"res", 3}, {"data", 0, "hi\n"}, {"fd", 0}, {"size", 3});
	assert_string_equal(field("evt.is_syslog"), "false");
	/* proc.aenv: the parent's environment (bash from the snapshot has none: missing or empty) */
	assert_string_equal(field("proc.aenv[HOME]"), "<NA>");
	EV(PROCEXIT, 200, 200, {"status", 0}, {"ret", 0}, {"sig", 0});
	assert_string_equal(field("syscall.type"), "<NA>");
	assert_string_equal(field("evt.count.exit"), "<NA>");
}

/*
 * Fields Falco has whose data kite never records parse with Falco's type and
 * are missing on every event, and `kite fields` says so: a rule using them
 * loads and never matches on them (as Falco without that metadata).
 */
static void fields_without_data(void **unused)
{
	(void)unused;
	fork_exec_cat();
	static const char *const na[] = {
	        "k8s.rs.name",
	        "k8s.deployment.name",
	        "k8s.svc.name",
	        "k8s.rc.name",
	        "k8s.ns.labels",
	        "k8s.ns.label.team",
	        "k8s.pod.ip",
	        "container.healthcheck",
	        "container.liveness_probe",
	        "container.readiness_probe",
	        "container.ip",
	        "container.cni.json",
	        "container.image.digest",
	        "container.mount.mode[0]",
	        "fdlist.names",
	        "fd.sproto",
	        "fd.is_upper_layer",
	        "proc.vmrss",
	        "thread.vmsize",
	        "evt.latency.s",
	        "evt.plugininfo",
	        "proc.pidns_init_start_ts",
	};
	size_t n;
	const struct kite_field_def *t = kite_fields_table(&n);
	for (size_t i = 0; i < sizeof(na) / sizeof(na[0]); i++) {
		assert_string_equal(field(na[i]), "<NA>");
		struct kite_field f;
		char err[128];
		assert_true(kite_field_parse(na[i], strlen(na[i]), &f, err, sizeof(err)) > 0);
		assert_true(f.def >= t && f.def < t + n);
		if (strncmp(f.def->desc, "missing: ", 9) != 0)
			fail_msg("%s: the description does not say it is always missing: %s", na[i],
			         f.def->desc);
		kite_field_release(&f);
	}
	assert_false(matches("k8s.rs.name = x"));
	assert_false(matches("k8s.rs.name != x"));
	assert_true(matches("not k8s.deployment.name in (a, b)"));
	assert_string_equal(field("proc.is_container_liveness_probe"), "false");
	/* label keys after a dot may hold '/' and '-', as libsinsp reads them (outputs; conditions use [...]) */
	struct kite_field f;
	char err[128];
	const char *lbl = "k8s.pod.label.app.kubernetes.io/name-x";
	assert_int_equal(kite_field_parse(lbl, strlen(lbl), &f, err, sizeof(err)), strlen(lbl));
	assert_string_equal(f.argstr, "app.kubernetes.io/name-x");
	kite_field_release(&f);
	assert_true(matches("not k8s.pod.label[app.kubernetes.io/name] = x"));
}

static void field_references(void **unused)
{
	(void)unused;
	struct kite_field f;
	char err[256];
	assert_int_equal(kite_field_parse("proc.aname[2] = x", 17, &f, err, sizeof(err)), 13);
	assert_int_equal(f.argn, 2);
	kite_field_release(&f);
	assert_int_equal(kite_field_parse("evt.arg.name)", 13, &f, err, sizeof(err)), 12);
	assert_string_equal(f.argstr, "name");
	kite_field_release(&f);
	assert_int_equal(kite_field_parse("fd.nameraw", 10, &f, err, sizeof(err)), 10);
	assert_string_equal(f.def->name, "fd.nameraw");
	kite_field_release(&f);
	assert_int_equal(kite_field_parse("proc.nmae", 9, &f, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "unknown field 'proc.nmae'"));
	assert_int_equal(kite_field_parse("evt.arg", 7, &f, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "needs an argument"));
	assert_int_equal(kite_field_parse("proc.name[1]", 12, &f, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "takes no argument"));
	assert_int_equal(kite_field_parse("proc.aname[x]", 13, &f, err, sizeof(err)), 0);
	/* every field in the table parses as itself */
	size_t n;
	const struct kite_field_def *t = kite_fields_table(&n);
	assert_true(n > 150);
	for (size_t i = 0; i < n; i++) {
		char name[128];
		snprintf(name, sizeof(name), "%s%s", t[i].name, t[i].flags & KITE_FF_ARG_REQ ? "[1]" : "");
		if ((t[i].flags & KITE_FF_ARG_REQ) && !(t[i].flags & KITE_FF_ARG_INDEX))
			snprintf(name, sizeof(name), "%s.x", t[i].name);
		size_t used = kite_field_parse(name, strlen(name), &f, err, sizeof(err));
		if (used != strlen(name) || f.def != &t[i])
			fail_msg("%s: %s", name, used ? f.def->name : err);
		kite_field_release(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(evt_and_proc_fields, setup, teardown),
	        cmocka_unit_test_setup_teardown(fd_file_fields, setup, teardown),
	        cmocka_unit_test_setup_teardown(fd_socket_fields, setup, teardown),
	        cmocka_unit_test_setup_teardown(missing_and_unknown, setup, teardown),
	        cmocka_unit_test_setup_teardown(containers_and_exit, setup, teardown),
	        cmocka_unit_test_setup_teardown(text_formats, setup, teardown),
	        cmocka_unit_test_setup_teardown(falco_compat_fields, setup, teardown),
	        cmocka_unit_test_setup_teardown(fields_without_data, setup, teardown),
	        cmocka_unit_test(field_references),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_schema.c - the event table: completeness against the recorder's syscall list, Falco names, serialisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "events.h"
#include "schema.h"

/* The default syscall set of kite-record (issue "eBPF driver"), plus the --io group. */
static const char *const required_syscalls[] = {
        "execve",   "execveat",     "clone",       "clone3",         "fork",         "vfork",
        "open",     "openat",       "openat2",     "creat",          "close",        "close_range",
        "dup",      "dup2",         "dup3",        "fcntl",          "pipe",         "pipe2",
        "socket",   "socketpair",   "connect",     "accept",         "accept4",      "bind",
        "listen",   "sendto",       "sendmsg",     "recvfrom",       "recvmsg",      "shutdown",
        "chdir",    "fchdir",       "chroot",      "mkdir",          "mkdirat",      "rmdir",
        "unlink",   "unlinkat",     "rename",      "renameat",       "renameat2",    "link",
        "linkat",   "symlink",      "symlinkat",   "chmod",          "fchmod",       "fchmodat",
        "chown",    "fchown",       "fchownat",    "lchown",         "setuid",       "setgid",
        "setreuid", "setregid",     "setresuid",   "setresgid",      "capset",       "prctl",
        "ptrace",   "mount",        "umount2",     "init_module",    "finit_module", "delete_module",
        "bpf",      "memfd_create", "mmap",        "mprotect",       "setns",        "unshare",
        "kill",     "tgkill",       "userfaultfd", "io_uring_setup", "read",         "write",
        "pread",    "pwrite",       "readv",       "writev",         "sendfile",
};

static void builtin_passes_self_check(void **state)
{
	(void)state;
	char err[256] = "";
	int rc = kite_schema_check(kite_schema_builtin(), err, sizeof(err));
	if (rc)
		fail_msg("%s", err);
}

static void every_required_syscall_has_a_row(void **state)
{
	(void)state;
	const struct kite_schema *s = kite_schema_builtin();
	for (size_t i = 0; i < sizeof(required_syscalls) / sizeof(required_syscalls[0]); i++) {
		const struct kite_event_desc *d = kite_schema_find(s, required_syscalls[i]);
		if (!d)
			fail_msg("no table row for syscall %s", required_syscalls[i]);
		assert_true(d->flags & KITE_EF_SYSCALL);
		assert_true(d->nparams > 0);
	}
	/* and the non-syscall events */
	const char *const meta[] = {"procexit", "drop",       "syscall",     "state_proc",
	                            "state_fd", "state_user", "state_group", "state_iface"};
	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
		assert_non_null(kite_schema_find(s, meta[i]));
}

static void assert_params(const char *event, const char *const *names, size_t n)
{
	const struct kite_event_desc *d = kite_schema_find(kite_schema_builtin(), event);
	assert_non_null(d);
	assert_int_equal(d->nparams, n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(d->params[i].name, names[i]))
			fail_msg("%s param %zu is '%s', Falco calls it '%s'", event, i, d->params[i].name,
			         names[i]);
}

#define PARAMS_ARE(ev, ...)                                                                                  \
	do {                                                                                                 \
		const char *const n_[] = {__VA_ARGS__};                                                      \
		assert_params(ev, n_, sizeof(n_) / sizeof(n_[0]));                                           \
	} while (0)

static void falco_parameter_names(void **state)
{
	(void)state;
	PARAMS_ARE("openat", "fd", "dirfd", "name", "flags", "mode", "dev", "ino");
	PARAMS_ARE("close", "res", "fd");
	PARAMS_ARE("connect", "res", "tuple", "fd", "addr");
	PARAMS_ARE("read", "res", "data", "fd", "size");
	PARAMS_ARE("dup2", "res", "oldfd", "newfd");
	PARAMS_ARE("socket", "fd", "domain", "type", "proto");
	PARAMS_ARE("renameat2", "res", "olddirfd", "oldpath", "newdirfd", "newpath", "flags");
	const struct kite_event_desc *ex = kite_schema_find(kite_schema_builtin(), "execve");
	assert_int_equal(kite_param_index(ex, "res"), 0);
	assert_true(kite_param_index(ex, "exe") > 0);
	assert_true(kite_param_index(ex, "args") > 0);
	assert_true(kite_param_index(ex, "comm") > 0);
	assert_true(kite_param_index(ex, "cwd") > 0);
	assert_int_equal(kite_param_index(ex, "nonexistent"), -1);
	/* a relative path names its dirfd */
	const struct kite_event_desc *o = kite_schema_find(kite_schema_builtin(), "openat");
	assert_int_equal(o->params[2].kind, KITE_K_RELPATH);
	assert_int_equal(o->params[2].ref, 1);
	assert_true(o->params[2].src & KITE_SRC_ENTRY);
}

static void serialise_round_trip(void **state)
{
	(void)state;
	const struct kite_schema *s = kite_schema_builtin();
	size_t len = 0, len2 = 0;
	uint8_t *a = kite_schema_serialize(s, &len);
	assert_non_null(a);
	char err[256];
	struct kite_schema *p = kite_schema_parse(a, len, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(kite_schema_check(p, err, sizeof(err)), 0);
	uint8_t *b = kite_schema_serialize(p, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(a, b, len);
	/* lookups in the parsed schema agree with the built-in one */
	const struct kite_event_desc *d = kite_schema_find(p, "openat");
	assert_non_null(d);
	assert_int_equal(d->id, KITE_EVT_OPENAT);
	assert_string_equal(kite_schema_table(p, KITE_TBL_OPEN_FLAGS)->name,
	                    kite_schema_table(s, KITE_TBL_OPEN_FLAGS)->name);
	kite_schema_free(p);
	free(a);
	free(b);
}

static void parse_rejects_every_truncation(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *a = kite_schema_serialize(kite_schema_builtin(), &len);
	char err[256];
	for (size_t cut = 0; cut < len; cut++) {
		err[0] = '\0';
		struct kite_schema *p = kite_schema_parse(a, cut, err, sizeof(err));
		if (p)
			fail_msg("schema cut at %zu of %zu bytes was accepted", cut, len);
		assert_true(strncmp(err, "schema:", 7) == 0);
	}
	free(a);
}

static void parse_rejects_bad_refs_and_duplicates(void **state)
{
	(void)state;
	/* version, categories (none), no tables, two events with the same id */
	uint8_t dup[] = {1, 0, 0, 0, 0,   0, 0, 0, 0, 2, 0, 0, 0,   7, 0,
	                 1, 0, 0, 1, 'a', 0, 7, 0, 1, 0, 0, 1, 'b', 0};
	char err[256];
	assert_null(kite_schema_parse(dup, sizeof(dup), err, sizeof(err)));
	assert_non_null(strstr(err, "appears twice"));
	/* one event whose only param refers to param 5 */
	uint8_t ref[] = {1, 0, 0, 0, 0, 0,   0, 0, 0,   1,         0, 0, 0, 7,
	                 0, 1, 0, 0, 1, 'a', 1, 1, 'x', KITE_K_FD, 0, 5, 0, 0};
	assert_null(kite_schema_parse(ref, sizeof(ref), err, sizeof(err)));
	assert_non_null(strstr(err, "refers to param 5"));
}

static void flags_render_like_strace(void **state)
{
	(void)state;
	const struct kite_schema *s = kite_schema_builtin();
	const struct kite_flag_table *of = kite_schema_table(s, KITE_TBL_OPEN_FLAGS);
	char out[256];
	kite_flags_format(of, 01 | 0100 | 01000, out, sizeof(out));
	assert_string_equal(out, "O_WRONLY|O_CREAT|O_TRUNC");
	kite_flags_format(of, 0, out, sizeof(out));
	assert_string_equal(out, "O_RDONLY");
	const struct kite_flag_table *prot = kite_schema_table(s, KITE_TBL_PROT_FLAGS);
	kite_flags_format(prot, 0x1 | 0x4 | 0x10000000, out, sizeof(out));
	assert_string_equal(out, "PROT_READ|PROT_EXEC|0x10000000"); /* unknown bits stay visible */
	const struct kite_flag_table *sig = kite_schema_table(s, KITE_TBL_SIGNALS);
	kite_flags_format(sig, 9, out, sizeof(out));
	assert_string_equal(out, "SIGKILL");
	kite_flags_format(sig, 200, out, sizeof(out));
	assert_string_equal(out, "200");
	/* a short buffer truncates but reports the full length */
	size_t need = kite_flags_format(of, 01 | 0100 | 01000, out, 5);
	assert_int_equal(need, strlen("O_WRONLY|O_CREAT|O_TRUNC"));
	assert_string_equal(out, "O_WR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(builtin_passes_self_check),
	        cmocka_unit_test(every_required_syscall_has_a_row),
	        cmocka_unit_test(falco_parameter_names),
	        cmocka_unit_test(serialise_round_trip),
	        cmocka_unit_test(parse_rejects_every_truncation),
	        cmocka_unit_test(parse_rejects_bad_refs_and_duplicates),
	        cmocka_unit_test(flags_render_like_strace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

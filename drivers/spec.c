/* spec.c - compiles kite's event table into per-syscall capture specs: what both drivers record, and how. */
#include "spec.h"

#include <string.h>

#include "events.h"

/* Parameters computed by driver code, by (event, parameter) name; a NULL event matches any. */
static const struct {
	const char *event;
	const char *param;
	uint8_t special;
	uint8_t arg;
} specials[] = {
        {"accept", "tuple", KB_SP_TUPLE_RET, 0},
        {"accept4", "tuple", KB_SP_TUPLE_RET, 0},
        {NULL, "tuple", KB_SP_TUPLE_ARG0, 0},
        {"pipe", "ino", KB_SP_PIPE_INO, 0},
        {"pipe2", "ino", KB_SP_PIPE_INO, 0},
        {NULL, "dev", KB_SP_DEV_RET, 0},
        {NULL, "ino", KB_SP_INO_RET, 0},
        {"readv", "data", KB_SP_IOV_ARG1, 0},
        {"writev", "data", KB_SP_IOV_ARG1, 0},
        {"sendmsg", "data", KB_SP_MSG_ARG1, 0},
        {"recvmsg", "data", KB_SP_MSG_ARG1, 0},
        {NULL, "data", KB_SP_DATA_ARG1, 0},
        {"pipe", "fd1", KB_SP_PIPE_FD0, 0},
        {"pipe", "fd2", KB_SP_PIPE_FD1, 0},
        {"pipe2", "fd1", KB_SP_PIPE_FD0, 0},
        {"pipe2", "fd2", KB_SP_PIPE_FD1, 0},
        {"socketpair", "fd1", KB_SP_PAIR_FD0, 0},
        {"socketpair", "fd2", KB_SP_PAIR_FD1, 0},
        {"openat2", "flags", KB_SP_HOW_FLAGS, 0},
        {"openat2", "mode", KB_SP_HOW_MODE, 0},
        {"openat2", "resolve", KB_SP_HOW_RESOLVE, 0},
        {"execve", "flags", KB_SP_EXE_FLAGS, 0},
        {"execveat", "flags", KB_SP_EXE_FLAGS, 0},
        {"clone", "flags", KB_SP_CLONE_FLAGS, KB_CLONE_ARG0},
        {"clone3", "flags", KB_SP_CLONE_FLAGS, KB_CLONE_ARGS_STRUCT},
        {"fork", "flags", KB_SP_CLONE_FLAGS, KB_CLONE_FORK},
        {"vfork", "flags", KB_SP_CLONE_FLAGS, KB_CLONE_VFORK},
        {"procexit", "status", KB_SP_EXIT_STATUS, 0},
        {"procexit", "ret", KB_SP_EXIT_RET, 0},
        {"procexit", "sig", KB_SP_EXIT_SIG, 0},
        {"procexit", "core", KB_SP_EXIT_CORE, 0},
        {"procexit", "reaper_tid", KB_SP_REAPER_TID, 0},
        {"creat", "creat_flags", KB_SP_CREAT_FLAGS, 0},
        /* size, as Falco: what was asked for on the write side, what came in on the read side */
        {"writev", "size", KB_SP_IOV_SIZE, 0},
        {"sendmsg", "size", KB_SP_MSG_SIZE, 0},
        {"readv", "size", KB_SP_RET_SIZE, 0},
        {"recvmsg", "size", KB_SP_RET_SIZE, 0},
        {"recvmsg", "msgcontrol", KB_SP_MSG_CONTROL, 0},
        {"syscall", "id", KB_SP_SYSCALL_NR, 0},
        {"prctl", "arg2_str", KB_SP_PRCTL_STR, 0},
        {"prctl", "arg2_int", KB_SP_PRCTL_INT, 0},
        {"sendfile", "offset", KB_SP_SENDFILE_OFFSET, 0},
        {"socketpair", "source", KB_SP_PAIR_SOURCE, 0},
        {"socketpair", "peer", KB_SP_PAIR_PEER, 0},
        {NULL, "vm_rss", KB_SP_VM_RSS, 0},
        {NULL, "vm_swap", KB_SP_VM_SWAP, 0},
        {NULL, "tty", KB_SP_TTY, 0},
        {NULL, "queuelen", KB_SP_QUEUE_LEN, 0},
        {NULL, "queuemax", KB_SP_QUEUE_MAX, 0},
        {NULL, "queuepct", KB_SP_QUEUE_PCT, 0},
        {"io_uring_setup", "sq_entries", KB_SP_URING_PARAM, 0},
        {"io_uring_setup", "cq_entries", KB_SP_URING_PARAM, 1},
        {"io_uring_setup", "flags", KB_SP_URING_PARAM, 2},
        {"io_uring_setup", "sq_thread_cpu", KB_SP_URING_PARAM, 3},
        {"io_uring_setup", "sq_thread_idle", KB_SP_URING_PARAM, 4},
        {"io_uring_setup", "features", KB_SP_URING_PARAM, 5},
        {NULL, "pidns_init_start_ts", KB_SP_PIDNS_START, 0},
        {"syscall", "args", KB_SP_RAW_ARGS, 0},
        /* what describes the process (execve, clone family, mmap, capset) */
        {NULL, "exe", KB_SP_EXE, 0},
        {NULL, "args", KB_SP_ARGS, 0},
        {NULL, "env", KB_SP_ENV, 0},
        {NULL, "tid", KB_SP_TID, 0},
        {NULL, "pid", KB_SP_PID, 0},
        {NULL, "ptid", KB_SP_PTID, 0},
        {NULL, "cwd", KB_SP_CWD, 0},
        {NULL, "fdlimit", KB_SP_FDLIMIT, 0},
        {NULL, "pgft_maj", KB_SP_PGFT_MAJ, 0},
        {NULL, "pgft_min", KB_SP_PGFT_MIN, 0},
        {NULL, "vm_size", KB_SP_VM_SIZE, 0},
        {NULL, "comm", KB_SP_COMM, 0},
        {NULL, "cgroups", KB_SP_CGROUPS, 0},
        {NULL, "vpgid", KB_SP_PGID, 0},
        {NULL, "pgid", KB_SP_PGID, 0},
        {NULL, "loginuid", KB_SP_LOGINUID, 0},
        {NULL, "cap_inheritable", KB_SP_CAP_INH, 0},
        {NULL, "cap_permitted", KB_SP_CAP_PRM, 0},
        {NULL, "cap_effective", KB_SP_CAP_EFF, 0},
        {NULL, "exe_ino", KB_SP_EXE_INO, 0},
        {NULL, "exe_ino_ctime", KB_SP_EXE_CTIME, 0},
        {NULL, "exe_ino_mtime", KB_SP_EXE_MTIME, 0},
        {NULL, "uid", KB_SP_UID, 0},
        {NULL, "gid", KB_SP_GID, 0},
        {NULL, "trusted_exepath", KB_SP_EXEPATH, 0},
        {NULL, "vtid", KB_SP_VTID, 0},
        {NULL, "vpid", KB_SP_VPID, 0},
};

static int find_special(const char *event, const char *param, uint8_t *arg)
{
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		if ((!specials[i].event || strcmp(specials[i].event, event) == 0) &&
		    strcmp(specials[i].param, param) == 0) {
			*arg = specials[i].arg;
			return specials[i].special;
		}
	return KB_SP_UNAVAILABLE;
}

static int is_string_kind(uint8_t kind)
{
	return kind == KITE_K_PATH || kind == KITE_K_RELPATH || kind == KITE_K_STRING;
}

struct kb_param kb_compile_param(const struct kite_event_desc *d, const struct kite_param_desc *p)
{
	struct kb_param k = {.width = (uint8_t)kite_param_width(p)};
	uint8_t src = p->src & ~KITE_SRC_ENTRY;
	if (src == KITE_SRC_SPECIAL) {
		k.op = KB_OP_SPECIAL;
		k.special = (uint8_t)find_special(d->name, p->name, &k.arg);
		return k;
	}
	k.arg = src == KITE_SRC_RET ? KB_ARG_RET : (uint8_t)(src - KITE_SRC_ARG0);
	if (p->src & KITE_SRC_ENTRY)
		k.special = KB_SP_ENTRY;
	if (is_string_kind(p->kind))
		k.op = KB_OP_USTR;
	else if (p->kind == KITE_K_SOCKADDR)
		k.op = KB_OP_USOCKADDR;
	else if (k.width) {
		k.op = KB_OP_INT;
		/* fds, pids and ints are 32-bit in the syscall ABI; the return value is already a long */
		int is_int = p->kind == KITE_K_FD || p->kind == KITE_K_PID || p->kind == KITE_K_INT ||
		             p->kind == KITE_K_ERRNO;
		if (is_int && src != KITE_SRC_RET)
			k.special = KB_INT_SEXT32;
	} else
		k.op = KB_OP_EMPTY; /* a buffer or list from a register: no generic rule */
	return k;
}

/* Memory calls are only interesting when they make memory executable (argument 2 is prot). */
static const char *const exec_prot_only[] = {"mmap", "mprotect"};

static void compile_event(struct kb_spec *s, const struct kite_event_desc *d)
{
	memset(s, 0, sizeof(*s));
	s->event = d->id;
	s->nparams = d->nparams;
	s->flags = (d->flags & KITE_EF_MODIFIES_STATE) ? KB_F_KEEP : 0;
	for (size_t i = 0; i < sizeof(exec_prot_only) / sizeof(exec_prot_only[0]); i++)
		if (strcmp(d->name, exec_prot_only[i]) == 0)
			s->flags |= KB_F_PROT_EXEC;
	for (unsigned i = 0; i < d->nparams && i < KB_MAX_PARAMS; i++)
		s->params[i] = kb_compile_param(d, &d->params[i]);
}

int kb_compile_specs(const struct kite_schema *s, int io, int all, struct kb_spec *out)
{
	int n = 0;
	memset(out, 0, KB_NSLOTS * sizeof(*out));
	for (uint32_t id = 0; id <= s->max_event_id; id++) {
		const struct kite_event_desc *d = s->events[id];
		if (!d || d->nparams > KB_MAX_PARAMS)
			continue;
		if (d->id == KITE_EVT_PROCEXIT) {
			compile_event(&out[KB_SLOT_PROCEXIT], d);
			continue;
		}
		if (d->id == KITE_EVT_SYSCALL) {
			compile_event(&out[KB_SLOT_GENERIC], d);
			continue;
		}
		if (!(d->flags & KITE_EF_SYSCALL) || d->sysnr < 0 || d->sysnr >= KB_MAX_SYSCALLS)
			continue;
		if ((d->flags & KITE_EF_IO) && !io)
			continue;
		compile_event(&out[d->sysnr], d);
		n++;
	}
	if (all)
		for (int nr = 0; nr < KB_MAX_SYSCALLS; nr++)
			if (!out[nr].event && out[KB_SLOT_GENERIC].event) {
				out[nr] = out[KB_SLOT_GENERIC];
				n++;
			}
	return n;
}

int kb_compile_entry(const struct kite_schema *s, const struct kb_spec *specs, uint8_t *how)
{
	int n = 0;
	memset(how, 0, KB_MAX_SYSCALLS);
	for (int nr = 0; nr < KB_MAX_SYSCALLS; nr++) {
		const struct kite_event_desc *d = kite_schema_event(s, specs[nr].event);
		if (!d || d->sysnr != nr)
			continue;
		for (unsigned i = 0; i < d->nparams; i++) {
			const struct kite_param_desc *p = &d->params[i];
			if (!(p->src & KITE_SRC_ENTRY))
				continue;
			uint8_t arg = (uint8_t)((p->src & ~KITE_SRC_ENTRY) - KITE_SRC_ARG0);
			how[nr] = p->kind == KITE_K_SOCKADDR ? (uint8_t)(KB_ENTRY_SOCKADDR | arg)
			                                     : (uint8_t)(1 + arg);
			n++;
			break; /* one saved argument per syscall */
		}
	}
	return n;
}

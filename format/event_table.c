/* event_table.c - every event type kite records: Falco name, category, flags, syscall number, typed params. */

/*
 * Parameter names and order follow the exit events of Falco's
 * driver/event_table.c (falcosecurity/libs, 2025 form, where each exit event
 * also carries the arguments that used to travel only on the enter event), so
 * rules using evt.arg.<name> / evt.rawarg.<name> keep working.  Events Falco
 * lacks (the generic `syscall` record, drops, state records) use names in the
 * same style.
 *
 * `src` tells drivers where each value comes from: the return value, syscall
 * argument n (read at exit, or at entry when flagged ENTRY because the kernel
 * may reread user memory), or SPECIAL: computed by driver code (tuples,
 * dev/ino, process info, buffers whose length depends on the result, ...).
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "schema.h"
#include "events.h"

/* Host syscall numbers, -1 where this architecture (or an older libc) lacks the call. */
/* clang-format off: hand-aligned tables read better than any automatic layout */
#ifndef SYS_execve
#define SYS_execve (-1)
#endif
#ifndef SYS_execveat
#define SYS_execveat (-1)
#endif
#ifndef SYS_clone
#define SYS_clone (-1)
#endif
#ifndef SYS_clone3
#define SYS_clone3 (-1)
#endif
#ifndef SYS_fork
#define SYS_fork (-1)
#endif
#ifndef SYS_vfork
#define SYS_vfork (-1)
#endif
#ifndef SYS_open
#define SYS_open (-1)
#endif
#ifndef SYS_openat
#define SYS_openat (-1)
#endif
#ifndef SYS_openat2
#define SYS_openat2 (-1)
#endif
#ifndef SYS_creat
#define SYS_creat (-1)
#endif
#ifndef SYS_close
#define SYS_close (-1)
#endif
#ifndef SYS_close_range
#define SYS_close_range (-1)
#endif
#ifndef SYS_dup
#define SYS_dup (-1)
#endif
#ifndef SYS_dup2
#define SYS_dup2 (-1)
#endif
#ifndef SYS_dup3
#define SYS_dup3 (-1)
#endif
#ifndef SYS_fcntl
#define SYS_fcntl (-1)
#endif
#ifndef SYS_pipe
#define SYS_pipe (-1)
#endif
#ifndef SYS_pipe2
#define SYS_pipe2 (-1)
#endif
#ifndef SYS_socket
#define SYS_socket (-1)
#endif
#ifndef SYS_socketpair
#define SYS_socketpair (-1)
#endif
#ifndef SYS_connect
#define SYS_connect (-1)
#endif
#ifndef SYS_accept
#define SYS_accept (-1)
#endif
#ifndef SYS_accept4
#define SYS_accept4 (-1)
#endif
#ifndef SYS_bind
#define SYS_bind (-1)
#endif
#ifndef SYS_listen
#define SYS_listen (-1)
#endif
#ifndef SYS_sendto
#define SYS_sendto (-1)
#endif
#ifndef SYS_sendmsg
#define SYS_sendmsg (-1)
#endif
#ifndef SYS_recvfrom
#define SYS_recvfrom (-1)
#endif
#ifndef SYS_recvmsg
#define SYS_recvmsg (-1)
#endif
#ifndef SYS_shutdown
#define SYS_shutdown (-1)
#endif
#ifndef SYS_chdir
#define SYS_chdir (-1)
#endif
#ifndef SYS_fchdir
#define SYS_fchdir (-1)
#endif
#ifndef SYS_chroot
#define SYS_chroot (-1)
#endif
#ifndef SYS_mkdir
#define SYS_mkdir (-1)
#endif
#ifndef SYS_mkdirat
#define SYS_mkdirat (-1)
#endif
#ifndef SYS_rmdir
#define SYS_rmdir (-1)
#endif
#ifndef SYS_unlink
#define SYS_unlink (-1)
#endif
#ifndef SYS_unlinkat
#define SYS_unlinkat (-1)
#endif
#ifndef SYS_rename
#define SYS_rename (-1)
#endif
#ifndef SYS_renameat
#define SYS_renameat (-1)
#endif
#ifndef SYS_renameat2
#define SYS_renameat2 (-1)
#endif
#ifndef SYS_link
#define SYS_link (-1)
#endif
#ifndef SYS_linkat
#define SYS_linkat (-1)
#endif
#ifndef SYS_symlink
#define SYS_symlink (-1)
#endif
#ifndef SYS_symlinkat
#define SYS_symlinkat (-1)
#endif
#ifndef SYS_chmod
#define SYS_chmod (-1)
#endif
#ifndef SYS_fchmod
#define SYS_fchmod (-1)
#endif
#ifndef SYS_fchmodat
#define SYS_fchmodat (-1)
#endif
#ifndef SYS_chown
#define SYS_chown (-1)
#endif
#ifndef SYS_fchown
#define SYS_fchown (-1)
#endif
#ifndef SYS_fchownat
#define SYS_fchownat (-1)
#endif
#ifndef SYS_lchown
#define SYS_lchown (-1)
#endif
#ifndef SYS_mount
#define SYS_mount (-1)
#endif
#ifndef SYS_umount2
#define SYS_umount2 (-1)
#endif
#ifndef SYS_setuid
#define SYS_setuid (-1)
#endif
#ifndef SYS_setgid
#define SYS_setgid (-1)
#endif
#ifndef SYS_setreuid
#define SYS_setreuid (-1)
#endif
#ifndef SYS_setregid
#define SYS_setregid (-1)
#endif
#ifndef SYS_setresuid
#define SYS_setresuid (-1)
#endif
#ifndef SYS_setresgid
#define SYS_setresgid (-1)
#endif
#ifndef SYS_capset
#define SYS_capset (-1)
#endif
#ifndef SYS_prctl
#define SYS_prctl (-1)
#endif
#ifndef SYS_ptrace
#define SYS_ptrace (-1)
#endif
#ifndef SYS_init_module
#define SYS_init_module (-1)
#endif
#ifndef SYS_finit_module
#define SYS_finit_module (-1)
#endif
#ifndef SYS_delete_module
#define SYS_delete_module (-1)
#endif
#ifndef SYS_bpf
#define SYS_bpf (-1)
#endif
#ifndef SYS_setns
#define SYS_setns (-1)
#endif
#ifndef SYS_unshare
#define SYS_unshare (-1)
#endif
#ifndef SYS_kill
#define SYS_kill (-1)
#endif
#ifndef SYS_tgkill
#define SYS_tgkill (-1)
#endif
#ifndef SYS_userfaultfd
#define SYS_userfaultfd (-1)
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup (-1)
#endif
#ifndef SYS_memfd_create
#define SYS_memfd_create (-1)
#endif
#ifndef SYS_mmap
#define SYS_mmap (-1)
#endif
#ifndef SYS_mprotect
#define SYS_mprotect (-1)
#endif
#ifndef SYS_read
#define SYS_read (-1)
#endif
#ifndef SYS_write
#define SYS_write (-1)
#endif
#ifndef SYS_pread64
#define SYS_pread64 (-1)
#endif
#ifndef SYS_pwrite64
#define SYS_pwrite64 (-1)
#endif
#ifndef SYS_readv
#define SYS_readv (-1)
#endif
#ifndef SYS_writev
#define SYS_writev (-1)
#endif
#ifndef SYS_sendfile
#define SYS_sendfile (-1)
#endif

/* ---- parameter builders: every field explicit, so ref defaults to KITE_NOREF ---- */

#define PD(n, k, f, r, s, t)                                                                                 \
	{                                                                                                    \
		.name = (n), .kind = (k), .fmt = (f), .ref = (r), .src = (s), .table = (t)                   \
	}

/* Where a value comes from. */
#define RET      KITE_SRC_RET
#define ARG(n)   KITE_SRC_ARG(n)
#define ENTRY(n) (KITE_SRC_ARG(n) | KITE_SRC_ENTRY) /* argument n, read at syscall entry */
#define SPECIAL  KITE_SRC_SPECIAL

#define P(n, k, s)           PD(n, k, KITE_FMT_DEC, KITE_NOREF, s, KITE_NOTABLE)
#define PHEX(n, k, s)        PD(n, k, KITE_FMT_HEX, KITE_NOREF, s, KITE_NOTABLE)
#define RES                  P("res", KITE_K_ERRNO, RET)
#define FD(n, s)             P(n, KITE_K_FD, s)
#define PID(n, s)            P(n, KITE_K_PID, s)
#define INT(n, s)            P(n, KITE_K_INT, s)
#define UINT(n, s)           P(n, KITE_K_UINT, s)
#define UID(n, s)            P(n, KITE_K_UID, s)
#define GID(n, s)            P(n, KITE_K_GID, s)
#define STR(n, s)            P(n, KITE_K_STRING, s)
#define STRLIST(n, s)        P(n, KITE_K_STRLIST, s)
#define BYTES(n, s)          P(n, KITE_K_BYTES, s)
#define PATH(n, s)           P(n, KITE_K_PATH, s)
#define RELPATH(n, dirfd, s) PD(n, KITE_K_RELPATH, KITE_FMT_DEC, dirfd, s, KITE_NOTABLE)
#define SOCKADDR(n, s)       P(n, KITE_K_SOCKADDR, s)
#define TUPLE(n, s)          P(n, KITE_K_TUPLE, s)
#define ABSTIME(n, s)        P(n, KITE_K_ABSTIME, s)
#define MODE(n, s)           PD(n, KITE_K_MODE, KITE_FMT_OCT, KITE_NOREF, s, KITE_NOTABLE)
/* chmod's mode: Falco names its bits (evt.arg.mode = S_IXOTH|...|S_ISUID), open's and mkdir's stay octal */
#define CHMOD_MODE(n, s)     PD(n, KITE_K_MODE, KITE_FMT_OCT, KITE_NOREF, s, KITE_TBL_MODE_FLAGS)
#define DEV(n, s)            PHEX(n, KITE_K_DEV, s)
#define ADDR(n, s)           PHEX(n, KITE_K_ADDR, s)
#define FLAGS(n, tbl, s)     PD(n, KITE_K_FLAGS, KITE_FMT_HEX, KITE_NOREF, s, KITE_TBL_##tbl)
#define ENUM(n, tbl, s)      PD(n, KITE_K_ENUM, KITE_FMT_DEC, KITE_NOREF, s, KITE_TBL_##tbl)
#define SIG(n, s)            PD(n, KITE_K_SIGNAL, KITE_FMT_DEC, KITE_NOREF, s, KITE_TBL_SIGNALS)

/* ---- event flags ---- */

#define SC         KITE_EF_SYSCALL
#define SC_STATE   (KITE_EF_SYSCALL | KITE_EF_MODIFIES_STATE)
#define SC_NEWFD   (KITE_EF_SYSCALL | KITE_EF_CREATES_FD | KITE_EF_MODIFIES_STATE)
#define SC_CLOSEFD (KITE_EF_SYSCALL | KITE_EF_CLOSES_FD | KITE_EF_MODIFIES_STATE)
#define SC_FORK    (KITE_EF_SYSCALL | KITE_EF_FORK | KITE_EF_MODIFIES_STATE)
#define SC_EXEC    (KITE_EF_SYSCALL | KITE_EF_EXEC | KITE_EF_MODIFIES_STATE)
#define SC_IO      (KITE_EF_SYSCALL | KITE_EF_IO)
#define STATE_REC  (KITE_EF_STATE | KITE_EF_MODIFIES_STATE)

/* ---- one row: id, Falco evt.type, category, flags, syscall number, params ---- */

#define PARAMS(...) ((const struct kite_param_desc[]){__VA_ARGS__})
#define EVENT(id_, name_, cat_, flags_, nr_, ...)                                                            \
	{                                                                                                    \
		.id = KITE_EVT_##id_, .category = KITE_CAT_##cat_,                                           \
		.nparams = sizeof(PARAMS(__VA_ARGS__)) / sizeof(struct kite_param_desc), .flags = (flags_),  \
		.sysnr = (nr_), .name = (name_), .params = PARAMS(__VA_ARGS__)                               \
	}

/*
 * execve/execveat exit (Falco's EXECVE_19_X / EXECVEAT_X); execve appends
 * `filename`.  All computed from the task after the exec.
 */
#define EXEC_PARAMS                                                                                          \
	RES, STR("exe", SPECIAL), STRLIST("args", SPECIAL), PID("tid", SPECIAL), PID("pid", SPECIAL),        \
	        PID("ptid", SPECIAL), PATH("cwd", SPECIAL), UINT("fdlimit", SPECIAL),                        \
	        UINT("pgft_maj", SPECIAL), UINT("pgft_min", SPECIAL), UINT("vm_size", SPECIAL),              \
	        UINT("vm_rss", SPECIAL), UINT("vm_swap", SPECIAL), STR("comm", SPECIAL),                     \
	        STRLIST("cgroups", SPECIAL), STRLIST("env", SPECIAL), UINT("tty", SPECIAL),                  \
	        PID("vpgid", SPECIAL), UID("loginuid", SPECIAL), FLAGS("flags", EXECVE_FLAGS, SPECIAL),      \
	        FLAGS("cap_inheritable", CAPS, SPECIAL), FLAGS("cap_permitted", CAPS, SPECIAL),              \
	        FLAGS("cap_effective", CAPS, SPECIAL), UINT("exe_ino", SPECIAL),                             \
	        ABSTIME("exe_ino_ctime", SPECIAL), ABSTIME("exe_ino_mtime", SPECIAL), UID("uid", SPECIAL),   \
	        PATH("trusted_exepath", SPECIAL), PID("pgid", SPECIAL), GID("gid", SPECIAL)

/*
 * clone/clone3/fork/vfork exit (Falco's *_20_X / CLONE3_X), in parent (res =
 * child tid) and child (res = 0).  `flags` is SPECIAL: clone3 passes it in a
 * struct and fork/vfork have none.
 */
#define CLONE_PARAMS                                                                                         \
	P("res", KITE_K_PID, RET), STR("exe", SPECIAL), STRLIST("args", SPECIAL), PID("tid", SPECIAL),       \
	        PID("pid", SPECIAL), PID("ptid", SPECIAL), PATH("cwd", SPECIAL), INT("fdlimit", SPECIAL),    \
	        UINT("pgft_maj", SPECIAL), UINT("pgft_min", SPECIAL), UINT("vm_size", SPECIAL),              \
	        UINT("vm_rss", SPECIAL), UINT("vm_swap", SPECIAL), STR("comm", SPECIAL),                     \
	        STRLIST("cgroups", SPECIAL), FLAGS("flags", CLONE_FLAGS, SPECIAL), UID("uid", SPECIAL),      \
	        GID("gid", SPECIAL), PID("vtid", SPECIAL), PID("vpid", SPECIAL),                             \
	        UINT("pidns_init_start_ts", SPECIAL)

const struct kite_event_desc kite_event_table[] = {
        /* ---- process life cycle ---- */
        EVENT(EXECVE, "execve", PROCESS, SC_EXEC, SYS_execve, EXEC_PARAMS,
              /* the new image replaces the memory holding the path: read it at entry */
              PATH("filename", ENTRY(0))),
        EVENT(EXECVEAT, "execveat", PROCESS, SC_EXEC, SYS_execveat, EXEC_PARAMS),
        EVENT(CLONE, "clone", PROCESS, SC_FORK, SYS_clone, CLONE_PARAMS),
        EVENT(CLONE3, "clone3", PROCESS, SC_FORK, SYS_clone3, CLONE_PARAMS),
        EVENT(FORK, "fork", PROCESS, SC_FORK, SYS_fork, CLONE_PARAMS),
        EVENT(VFORK, "vfork", PROCESS, SC_FORK, SYS_vfork, CLONE_PARAMS),
        /* from the sched_process_exit tracepoint */
        EVENT(PROCEXIT, "procexit", PROCESS, KITE_EF_MODIFIES_STATE, -1, INT("status", SPECIAL),
              P("ret", KITE_K_ERRNO, SPECIAL), SIG("sig", SPECIAL), UINT("core", SPECIAL),
              PID("reaper_tid", SPECIAL)),

        /* ---- files and fds ---- */
        EVENT(OPEN, "open", FILE, SC_NEWFD, SYS_open, FD("fd", RET), PATH("name", ENTRY(0)),
              FLAGS("flags", OPEN_FLAGS, ARG(1)), MODE("mode", ARG(2)), DEV("dev", SPECIAL),
              UINT("ino", SPECIAL)),
        EVENT(OPENAT, "openat", FILE, SC_NEWFD, SYS_openat, FD("fd", RET), FD("dirfd", ARG(0)),
              RELPATH("name", 1, ENTRY(1)), FLAGS("flags", OPEN_FLAGS, ARG(2)), MODE("mode", ARG(3)),
              DEV("dev", SPECIAL), UINT("ino", SPECIAL)),
        /* flags, mode and resolve come from the struct open_how at argument 2 */
        EVENT(OPENAT2, "openat2", FILE, SC_NEWFD, SYS_openat2, FD("fd", RET), FD("dirfd", ARG(0)),
              RELPATH("name", 1, ENTRY(1)), FLAGS("flags", OPEN_FLAGS, SPECIAL), MODE("mode", SPECIAL),
              FLAGS("resolve", RESOLVE_FLAGS, SPECIAL), DEV("dev", SPECIAL), UINT("ino", SPECIAL)),
        /* creat_flags: Falco's overlay-layer bits of the new file (1: upper layer, 2: lower) */
        EVENT(CREAT, "creat", FILE, SC_NEWFD, SYS_creat, FD("fd", RET), PATH("name", ENTRY(0)),
              MODE("mode", ARG(1)), DEV("dev", SPECIAL), UINT("ino", SPECIAL),
              PHEX("creat_flags", KITE_K_UINT, SPECIAL)),
        EVENT(CLOSE, "close", IO_OTHER, SC_CLOSEFD, SYS_close, RES, FD("fd", ARG(0))),
        /* first/last are unsigned: last is often ~0U */
        EVENT(CLOSE_RANGE, "close_range", IO_OTHER, SC_CLOSEFD, SYS_close_range, RES, UINT("first", ARG(0)),
              UINT("last", ARG(1)), FLAGS("flags", CLOSE_RANGE_FLAGS, ARG(2))),
        EVENT(DUP, "dup", IO_OTHER, SC_NEWFD, SYS_dup, FD("res", RET), FD("oldfd", ARG(0))),
        EVENT(DUP2, "dup2", IO_OTHER, SC_NEWFD, SYS_dup2, FD("res", RET), FD("oldfd", ARG(0)),
              FD("newfd", ARG(1))),
        EVENT(DUP3, "dup3", IO_OTHER, SC_NEWFD, SYS_dup3, FD("res", RET), FD("oldfd", ARG(0)),
              FD("newfd", ARG(1)), FLAGS("flags", OPEN_FLAGS, ARG(2))),
        /* F_DUPFD* make fds, F_SETFD sets FD_CLOEXEC: replay looks at cmd */
        EVENT(FCNTL, "fcntl", IO_OTHER, SC_STATE, SYS_fcntl, FD("res", RET), FD("fd", ARG(0)),
              ENUM("cmd", FCNTL_CMD, ARG(1))),
        /* fd1/fd2 are read from the int[2] at argument 0 */
        EVENT(PIPE, "pipe", IPC, SC_NEWFD, SYS_pipe, RES, FD("fd1", SPECIAL), FD("fd2", SPECIAL),
              UINT("ino", SPECIAL)),
        EVENT(PIPE2, "pipe2", IPC, SC_NEWFD, SYS_pipe2, RES, FD("fd1", SPECIAL), FD("fd2", SPECIAL),
              UINT("ino", SPECIAL), FLAGS("flags", OPEN_FLAGS, ARG(1))),

        /* ---- network ---- */
        EVENT(SOCKET, "socket", NET, SC_NEWFD, SYS_socket, FD("fd", RET), ENUM("domain", SOCK_DOMAIN, ARG(0)),
              FLAGS("type", SOCK_TYPE, ARG(1)), ENUM("proto", SOCKET_PROTO, ARG(2))),
        /* fd1/fd2 from the int[2] at argument 3; source/peer are kernel socket addresses */
        EVENT(SOCKETPAIR, "socketpair", IPC, SC_NEWFD, SYS_socketpair, RES, FD("fd1", SPECIAL),
              FD("fd2", SPECIAL), ADDR("source", SPECIAL), ADDR("peer", SPECIAL),
              ENUM("domain", SOCK_DOMAIN, ARG(0)), FLAGS("type", SOCK_TYPE, ARG(1)),
              ENUM("proto", SOCKET_PROTO, ARG(2))),
        EVENT(CONNECT, "connect", NET, SC_STATE, SYS_connect, RES, TUPLE("tuple", SPECIAL), FD("fd", ARG(0)),
              SOCKADDR("addr", ENTRY(1))),
        EVENT(ACCEPT, "accept", NET, SC_NEWFD, SYS_accept, FD("fd", RET), TUPLE("tuple", SPECIAL),
              UINT("queuepct", SPECIAL), UINT("queuelen", SPECIAL), UINT("queuemax", SPECIAL)),
        EVENT(ACCEPT4, "accept4", NET, SC_NEWFD, SYS_accept4, FD("fd", RET), TUPLE("tuple", SPECIAL),
              UINT("queuepct", SPECIAL), UINT("queuelen", SPECIAL), UINT("queuemax", SPECIAL),
              FLAGS("flags", SOCK_TYPE, ARG(3))),
        EVENT(BIND, "bind", NET, SC_STATE, SYS_bind, RES, SOCKADDR("addr", ARG(1)), FD("fd", ARG(0))),
        EVENT(LISTEN, "listen", NET, SC, SYS_listen, RES, FD("fd", ARG(0)), INT("backlog", ARG(1))),
        EVENT(SENDTO, "sendto", IO_WRITE, SC_STATE, SYS_sendto, RES, BYTES("data", SPECIAL), FD("fd", ARG(0)),
              UINT("size", ARG(2)), TUPLE("tuple", SPECIAL)),
        /* size is the sum of the iovec lengths */
        EVENT(SENDMSG, "sendmsg", IO_WRITE, SC_STATE, SYS_sendmsg, RES, BYTES("data", SPECIAL),
              FD("fd", ARG(0)), UINT("size", SPECIAL), TUPLE("tuple", SPECIAL)),
        EVENT(RECVFROM, "recvfrom", IO_READ, SC_STATE, SYS_recvfrom, RES, BYTES("data", SPECIAL),
              TUPLE("tuple", SPECIAL), FD("fd", ARG(0)), UINT("size", ARG(2))),
        /* size: the bytes received (res, 0 on an error), as Falco; msgcontrol: the control data
         * (SCM_RIGHTS fds, credentials) as the call left it */
        EVENT(RECVMSG, "recvmsg", IO_READ, SC_STATE, SYS_recvmsg, RES, UINT("size", SPECIAL),
              BYTES("data", SPECIAL), TUPLE("tuple", SPECIAL), BYTES("msgcontrol", SPECIAL),
              FD("fd", ARG(0))),
        EVENT(SHUTDOWN, "shutdown", NET, SC_STATE, SYS_shutdown, RES, FD("fd", ARG(0)),
              ENUM("how", SHUTDOWN_HOW, ARG(1))),

        /* ---- file system ---- */
        EVENT(CHDIR, "chdir", FILE, SC_STATE, SYS_chdir, RES, PATH("path", ARG(0))),
        EVENT(FCHDIR, "fchdir", FILE, SC_STATE, SYS_fchdir, RES, FD("fd", ARG(0))),
        EVENT(CHROOT, "chroot", PROCESS, SC_STATE, SYS_chroot, RES, PATH("path", ARG(0))),
        EVENT(MKDIR, "mkdir", FILE, SC, SYS_mkdir, RES, PATH("path", ARG(0)), MODE("mode", ARG(1))),
        EVENT(MKDIRAT, "mkdirat", FILE, SC, SYS_mkdirat, RES, FD("dirfd", ARG(0)), RELPATH("path", 1, ARG(1)),
              MODE("mode", ARG(2))),
        EVENT(RMDIR, "rmdir", FILE, SC, SYS_rmdir, RES, PATH("path", ARG(0))),
        EVENT(UNLINK, "unlink", FILE, SC, SYS_unlink, RES, PATH("path", ARG(0))),
        EVENT(UNLINKAT, "unlinkat", FILE, SC, SYS_unlinkat, RES, FD("dirfd", ARG(0)),
              RELPATH("name", 1, ARG(1)), FLAGS("flags", AT_FLAGS, ARG(2))),
        EVENT(RENAME, "rename", FILE, SC, SYS_rename, RES, PATH("oldpath", ARG(0)), PATH("newpath", ARG(1))),
        EVENT(RENAMEAT, "renameat", FILE, SC, SYS_renameat, RES, FD("olddirfd", ARG(0)),
              RELPATH("oldpath", 1, ARG(1)), FD("newdirfd", ARG(2)), RELPATH("newpath", 3, ARG(3))),
        EVENT(RENAMEAT2, "renameat2", FILE, SC, SYS_renameat2, RES, FD("olddirfd", ARG(0)),
              RELPATH("oldpath", 1, ARG(1)), FD("newdirfd", ARG(2)), RELPATH("newpath", 3, ARG(3)),
              FLAGS("flags", RENAME_FLAGS, ARG(4))),
        EVENT(LINK, "link", FILE, SC, SYS_link, RES, PATH("oldpath", ARG(0)), PATH("newpath", ARG(1))),
        EVENT(LINKAT, "linkat", FILE, SC, SYS_linkat, RES, FD("olddir", ARG(0)),
              RELPATH("oldpath", 1, ARG(1)), FD("newdir", ARG(2)), RELPATH("newpath", 3, ARG(3)),
              FLAGS("flags", AT_FLAGS, ARG(4))),
        EVENT(SYMLINK, "symlink", FILE, SC, SYS_symlink, RES, STR("target", ARG(0)),
              PATH("linkpath", ARG(1))),
        EVENT(SYMLINKAT, "symlinkat", FILE, SC, SYS_symlinkat, RES, STR("target", ARG(0)),
              FD("linkdirfd", ARG(1)), RELPATH("linkpath", 2, ARG(2))),
        EVENT(CHMOD, "chmod", FILE, SC, SYS_chmod, RES, PATH("filename", ARG(0)), CHMOD_MODE("mode", ARG(1))),
        EVENT(FCHMOD, "fchmod", FILE, SC, SYS_fchmod, RES, FD("fd", ARG(0)), CHMOD_MODE("mode", ARG(1))),
        EVENT(FCHMODAT, "fchmodat", FILE, SC, SYS_fchmodat, RES, FD("dirfd", ARG(0)),
              RELPATH("filename", 1, ARG(1)), CHMOD_MODE("mode", ARG(2))),
        EVENT(CHOWN, "chown", FILE, SC, SYS_chown, RES, PATH("path", ARG(0)), UID("uid", ARG(1)),
              GID("gid", ARG(2))),
        EVENT(FCHOWN, "fchown", FILE, SC, SYS_fchown, RES, FD("fd", ARG(0)), UID("uid", ARG(1)),
              GID("gid", ARG(2))),
        EVENT(FCHOWNAT, "fchownat", FILE, SC, SYS_fchownat, RES, FD("dirfd", ARG(0)),
              RELPATH("pathname", 1, ARG(1)), UID("uid", ARG(2)), GID("gid", ARG(3)),
              FLAGS("flags", AT_FLAGS, ARG(4))),
        EVENT(LCHOWN, "lchown", FILE, SC, SYS_lchown, RES, PATH("path", ARG(0)), UID("uid", ARG(1)),
              GID("gid", ARG(2))),
        /* dev is the source string (a device, a directory for binds, or "none") */
        EVENT(MOUNT, "mount", FILE, SC_STATE, SYS_mount, RES, STR("dev", ARG(0)), PATH("dir", ARG(1)),
              STR("type", ARG(2)), FLAGS("flags", MOUNT_FLAGS, ARG(3))),
        EVENT(UMOUNT2, "umount2", FILE, SC_STATE, SYS_umount2, RES, PATH("name", ARG(0)),
              FLAGS("flags", UMOUNT_FLAGS, ARG(1))),

        /* ---- credentials and security ---- */
        EVENT(SETUID, "setuid", USER, SC_STATE, SYS_setuid, RES, UID("uid", ARG(0))),
        EVENT(SETGID, "setgid", USER, SC_STATE, SYS_setgid, RES, GID("gid", ARG(0))),
        EVENT(SETREUID, "setreuid", USER, SC_STATE, SYS_setreuid, RES, UID("ruid", ARG(0)),
              UID("euid", ARG(1))),
        EVENT(SETREGID, "setregid", USER, SC_STATE, SYS_setregid, RES, GID("rgid", ARG(0)),
              GID("egid", ARG(1))),
        EVENT(SETRESUID, "setresuid", USER, SC_STATE, SYS_setresuid, RES, UID("ruid", ARG(0)),
              UID("euid", ARG(1)), UID("suid", ARG(2))),
        EVENT(SETRESGID, "setresgid", USER, SC_STATE, SYS_setresgid, RES, GID("rgid", ARG(0)),
              GID("egid", ARG(1)), GID("sgid", ARG(2))),
        /* the thread's capability sets after the call */
        EVENT(CAPSET, "capset", PROCESS, SC_STATE, SYS_capset, RES, FLAGS("cap_inheritable", CAPS, SPECIAL),
              FLAGS("cap_permitted", CAPS, SPECIAL), FLAGS("cap_effective", CAPS, SPECIAL)),
        /* arg2 as a string (PR_SET_NAME, PR_GET_NAME) or an integer, depending on option */
        EVENT(PRCTL, "prctl", PROCESS, SC_STATE, SYS_prctl, RES, ENUM("option", PRCTL_OPT, ARG(0)),
              STR("arg2_str", SPECIAL), INT("arg2_int", SPECIAL)),
        EVENT(PTRACE, "ptrace", PROCESS, SC, SYS_ptrace, RES, ADDR("addr", ARG(2)), ADDR("data", ARG(3)),
              ENUM("request", PTRACE_REQ, ARG(0)), PID("pid", ARG(1))),
        /* img: the module image at argument 0, argument 1 bytes long */
        EVENT(INIT_MODULE, "init_module", SYSTEM, SC, SYS_init_module, RES, BYTES("img", SPECIAL),
              UINT("length", ARG(1)), STR("uargs", ARG(2))),
        EVENT(FINIT_MODULE, "finit_module", SYSTEM, SC, SYS_finit_module, RES, FD("fd", ARG(0)),
              STR("uargs", ARG(1)), FLAGS("flags", MODULE_FLAGS, ARG(2))),
        EVENT(DELETE_MODULE, "delete_module", SYSTEM, SC, SYS_delete_module, RES, STR("name", ARG(0)),
              FLAGS("flags", MODULE_FLAGS, ARG(1))),
        /* the result is an fd for some commands only */
        EVENT(BPF, "bpf", SYSTEM, SC, SYS_bpf, FD("fd", RET), ENUM("cmd", BPF_CMD, ARG(0))),
        EVENT(SETNS, "setns", PROCESS, SC, SYS_setns, RES, FD("fd", ARG(0)),
              FLAGS("nstype", CLONE_FLAGS, ARG(1))),
        /* CLONE_FILES / CLONE_FS unshare the fd table and cwd between threads */
        EVENT(UNSHARE, "unshare", PROCESS, SC_STATE, SYS_unshare, RES, FLAGS("flags", CLONE_FLAGS, ARG(0))),
        EVENT(KILL, "kill", SIGNAL, SC, SYS_kill, RES, PID("pid", ARG(0)), SIG("sig", ARG(1))),
        EVENT(TGKILL, "tgkill", SIGNAL, SC, SYS_tgkill, RES, PID("pid", ARG(0)), PID("tid", ARG(1)),
              SIG("sig", ARG(2))),
        EVENT(USERFAULTFD, "userfaultfd", FILE, SC_NEWFD, SYS_userfaultfd, FD("res", RET),
              FLAGS("flags", OPEN_FLAGS, ARG(0))),
        /* all but entries come from the struct io_uring_params at argument 1, after the call */
        EVENT(IO_URING_SETUP, "io_uring_setup", IO_OTHER, SC_NEWFD, SYS_io_uring_setup, FD("res", RET),
              UINT("entries", ARG(0)), UINT("sq_entries", SPECIAL), UINT("cq_entries", SPECIAL),
              FLAGS("flags", IO_URING_FLAGS, SPECIAL), UINT("sq_thread_cpu", SPECIAL),
              UINT("sq_thread_idle", SPECIAL), PHEX("features", KITE_K_UINT, SPECIAL)),

        /* ---- memory ---- */
        EVENT(MEMFD_CREATE, "memfd_create", MEMORY, SC_NEWFD, SYS_memfd_create, FD("fd", RET),
              STR("name", ARG(0)), FLAGS("flags", MEMFD_FLAGS, ARG(1))),
        EVENT(MMAP, "mmap", MEMORY, SC, SYS_mmap, PHEX("res", KITE_K_ERRNO, RET), UINT("vm_size", SPECIAL),
              UINT("vm_rss", SPECIAL), UINT("vm_swap", SPECIAL), ADDR("addr", ARG(0)), UINT("length", ARG(1)),
              FLAGS("prot", PROT_FLAGS, ARG(2)), FLAGS("flags", MMAP_FLAGS, ARG(3)), FD("fd", ARG(4)),
              UINT("offset", ARG(5))),
        EVENT(MPROTECT, "mprotect", MEMORY, SC, SYS_mprotect, RES, ADDR("addr", ARG(0)),
              UINT("length", ARG(1)), FLAGS("prot", PROT_FLAGS, ARG(2))),

        /* ---- I/O (--io); data is cut at the snaplen and, for reads, at res ---- */
        EVENT(READ, "read", IO_READ, SC_IO, SYS_read, RES, BYTES("data", SPECIAL), FD("fd", ARG(0)),
              UINT("size", ARG(2))),
        EVENT(WRITE, "write", IO_WRITE, SC_IO, SYS_write, RES, BYTES("data", SPECIAL), FD("fd", ARG(0)),
              UINT("size", ARG(2))),
        EVENT(PREAD, "pread", IO_READ, SC_IO, SYS_pread64, RES, BYTES("data", SPECIAL), FD("fd", ARG(0)),
              UINT("size", ARG(2)), UINT("pos", ARG(3))),
        EVENT(PWRITE, "pwrite", IO_WRITE, SC_IO, SYS_pwrite64, RES, BYTES("data", SPECIAL), FD("fd", ARG(0)),
              UINT("size", ARG(2)), UINT("pos", ARG(3))),
        /* size, as Falco: readv's the bytes read (res, 0 on an error), writev's the sum of the
         * iovec lengths */
        EVENT(READV, "readv", IO_READ, SC_IO, SYS_readv, RES, UINT("size", SPECIAL), BYTES("data", SPECIAL),
              FD("fd", ARG(0))),
        EVENT(WRITEV, "writev", IO_WRITE, SC_IO, SYS_writev, RES, BYTES("data", SPECIAL), FD("fd", ARG(0)),
              UINT("size", SPECIAL)),
        /* offset: the value *argument 2 holds after the call */
        EVENT(SENDFILE, "sendfile", IO_WRITE, SC_IO, SYS_sendfile, RES, UINT("offset", SPECIAL),
              FD("out_fd", ARG(0)), FD("in_fd", ARG(1)), UINT("size", ARG(3))),

        /* ---- any other syscall (--all): its number and the six raw u64 arguments ---- */
        EVENT(SYSCALL, "syscall", UNKNOWN, SC, -1, UINT("id", SPECIAL), RES, BYTES("args", SPECIAL)),

        /* ---- records about the capture: events lost on one CPU (the header's cpu) ---- */
        EVENT(DROP, "drop", META, KITE_EF_MODIFIES_STATE, -1, UINT("nevents", SPECIAL),
              ABSTIME("first_ts", SPECIAL), ABSTIME("last_ts", SPECIAL)),

        /* ---- state snapshot records ---- */
        EVENT(STATE_PROC, "state_proc", STATE, STATE_REC, -1, PID("tid", SPECIAL), PID("pid", SPECIAL),
              PID("ppid", SPECIAL), STR("comm", SPECIAL), STR("exe", SPECIAL), PATH("exepath", SPECIAL),
              STRLIST("args", SPECIAL), PATH("cwd", SPECIAL), UID("uid", SPECIAL), GID("gid", SPECIAL),
              UID("euid", SPECIAL), GID("egid", SPECIAL), UID("suid", SPECIAL), GID("sgid", SPECIAL),
              UID("loginuid", SPECIAL), UINT("tty", SPECIAL), STRLIST("cgroups", SPECIAL),
              STRLIST("env", SPECIAL), ABSTIME("start_ts", SPECIAL), FLAGS("cap_permitted", CAPS, SPECIAL),
              FLAGS("cap_effective", CAPS, SPECIAL), FLAGS("cap_inheritable", CAPS, SPECIAL),
              PID("vpid", SPECIAL), PID("vtid", SPECIAL), PID("pgid", SPECIAL), PID("sid", SPECIAL),
              UINT("exe_ino", SPECIAL), FLAGS("flags", EXECVE_FLAGS, SPECIAL)),
        EVENT(STATE_FD, "state_fd", STATE, STATE_REC, -1, PID("pid", SPECIAL), FD("fd", SPECIAL),
              ENUM("type", FD_TYPE, SPECIAL), PATH("name", SPECIAL), FLAGS("flags", OPEN_FLAGS, SPECIAL),
              TUPLE("tuple", SPECIAL), UINT("ino", SPECIAL), DEV("dev", SPECIAL)),
        EVENT(STATE_USER, "state_user", STATE, STATE_REC, -1, UID("uid", SPECIAL), GID("gid", SPECIAL),
              STR("name", SPECIAL), STR("home", SPECIAL), STR("shell", SPECIAL)),
        EVENT(STATE_GROUP, "state_group", STATE, STATE_REC, -1, GID("gid", SPECIAL), STR("name", SPECIAL)),
        EVENT(STATE_IFACE, "state_iface", STATE, STATE_REC, -1, STR("name", SPECIAL),
              ENUM("family", SOCK_DOMAIN, SPECIAL), SOCKADDR("addr", SPECIAL), SOCKADDR("netmask", SPECIAL),
              UINT("ifindex", SPECIAL)),
};

const size_t kite_event_table_len = sizeof(kite_event_table) / sizeof(kite_event_table[0]);

/* clang-format on */

/* kite_bpf.h - what the BPF programs and their loader share: the per-syscall capture specs and limits. */
#ifndef KITE_BPF_H
#define KITE_BPF_H

/*
 * The BPF side is generic: user space fills one spec per syscall number from
 * kite's event table (format/event_table.c), and the program fills each
 * parameter according to its spec.  Parameters no generic rule covers are
 * computed by code named by a KB_SP_* number.
 */

#define KB_MAX_SYSCALLS  512             /* syscall numbers below this can be recorded */
#define KB_SLOT_PROCEXIT KB_MAX_SYSCALLS /* spec slots for non-syscall events */
#define KB_SLOT_GENERIC  (KB_MAX_SYSCALLS + 1)
#define KB_NSLOTS        (KB_MAX_SYSCALLS + 2)
#define KB_MAX_PARAMS    32 /* a power of two >= the largest nparams */

#define KB_HALF         32768       /* a record never grows past this many bytes */
#define KB_STR_MAX      4096        /* paths, strings */
#define KB_DATA_MAX     8192        /* I/O data (snaplen is clamped to it) */
#define KB_ENTRY_MAX    4096        /* bytes saved at syscall entry */
#define KB_ENTRY_UNREAD 0xffffffffu /* entry_save.len: the entry hook could not read the memory */
#define KB_CTL_MAX      4096        /* recvmsg's control data (SCM_RIGHTS of up to SCM_MAX_FD fds fits) */

/* Where a parameter comes from, when no generic rule does it. */
enum kb_special {
	KB_SP_NONE = 0,    /* generic: by kind, from a register or the return value */
	KB_SP_UNAVAILABLE, /* not captured by this driver yet: length 0 */
	KB_SP_ENTRY,       /* the bytes saved at entry (path or sockaddr); src tells the arg */
	KB_SP_TUPLE_ARG0,  /* both ends of the socket whose fd is argument 0 */
	KB_SP_TUPLE_RET,   /* ... whose fd is the return value (accept) */
	KB_SP_DEV_RET,     /* device of the file behind the returned fd */
	KB_SP_INO_RET,     /* inode number of the file behind the returned fd */
	KB_SP_DATA_ARG1,   /* the buffer at argument 1, min(return value, snaplen) bytes */
	KB_SP_IOV_ARG1,    /* the first iovec of the array at argument 1 */
	KB_SP_MSG_ARG1,    /* the first iovec of the msghdr at argument 1 */
	KB_SP_PIPE_FD0,    /* int[2] at argument 0 (pipe, pipe2) */
	KB_SP_PIPE_FD1,
	KB_SP_PIPE_INO, /* inode of the pipe created */
	KB_SP_PAIR_FD0, /* int[2] at argument 3 (socketpair) */
	KB_SP_PAIR_FD1,
	KB_SP_HOW_FLAGS, /* struct open_how at argument 2 (openat2) */
	KB_SP_HOW_MODE,
	KB_SP_HOW_RESOLVE,
	KB_SP_CLONE_FLAGS, /* clone: arg 0; clone3: clone_args.flags; fork/vfork: implied */
	/* the process (the task the event is about) */
	KB_SP_EXE,
	KB_SP_ARGS,
	KB_SP_TID,
	KB_SP_PID,
	KB_SP_PTID,
	KB_SP_CWD,
	KB_SP_FDLIMIT,
	KB_SP_PGFT_MAJ,
	KB_SP_PGFT_MIN,
	KB_SP_VM_SIZE,
	KB_SP_COMM,
	KB_SP_CGROUPS,
	KB_SP_ENV,
	KB_SP_TTY,
	KB_SP_PGID,
	KB_SP_LOGINUID,
	KB_SP_EXE_FLAGS,
	KB_SP_CAP_INH,
	KB_SP_CAP_PRM,
	KB_SP_CAP_EFF,
	KB_SP_EXE_INO,
	KB_SP_UID,
	KB_SP_GID,
	KB_SP_EXEPATH,
	KB_SP_VTID,
	KB_SP_VPID,
	KB_SP_VM_RSS,
	KB_SP_VM_SWAP,
	KB_SP_PRCTL_STR,
	KB_SP_PRCTL_INT,       /* prctl's second argument: a name for PR_SET/GET_NAME, else a number */
	KB_SP_SENDFILE_OFFSET, /* the offset sendfile left at its argument 2 pointer */
	KB_SP_PAIR_SOURCE,
	KB_SP_PAIR_PEER,   /* socketpair: the kernel addresses of its two sockets */
	KB_SP_QUEUE_LEN,   /* accept: the listening socket's backlog ... */
	KB_SP_QUEUE_MAX,   /* ... its limit ... */
	KB_SP_QUEUE_PCT,   /* ... and how full it is, in percent */
	KB_SP_URING_PARAM, /* io_uring_setup: u32 number `arg` of the io_uring_params at argument 1 */
	KB_SP_PIDNS_START, /* start time of the init process of the task's pid namespace */
	KB_SP_EXE_CTIME,   /* ctime and mtime of the executable's inode (mm->exe_file), epoch ns */
	KB_SP_EXE_MTIME,
	KB_SP_CREAT_FLAGS, /* overlayfs layer of the file behind the returned fd (Falco's creat_flags) */
	KB_SP_IOV_SIZE,    /* sum of the iov_len of the iovec array at argument 1 (count: argument 2) */
	KB_SP_MSG_SIZE,    /* ... of the iovecs of the msghdr at argument 1 */
	KB_SP_RET_SIZE,    /* the bytes transferred: the return value, 0 on an error */
	KB_SP_MSG_CONTROL, /* the control buffer (ancillary data) of the msghdr at argument 1, after the call */
	/* process exit */
	KB_SP_EXIT_STATUS,
	KB_SP_EXIT_RET,
	KB_SP_EXIT_SIG,
	KB_SP_EXIT_CORE,
	KB_SP_REAPER_TID, /* who inherits the exiting task's children (0: it has none; -1: not found in bounds) */
	/* the generic syscall event */
	KB_SP_SYSCALL_NR,
	KB_SP_RAW_ARGS,
	KB_SP_COUNT
};

/* What the program does for one parameter; user space compiles the event table into these. */
enum kb_op {
	KB_OP_EMPTY = 0, /* length 0 */
	KB_OP_INT,       /* register `arg` (or the return value) as a width-byte integer */
	KB_OP_USTR,      /* NUL-terminated user string at register `arg` */
	KB_OP_USOCKADDR, /* user struct sockaddr at register `arg`, its length in `arg` + 1 */
	KB_OP_SPECIAL,   /* computed by the code for `special` */
};

#define KB_ARG_RET    6 /* `arg` value meaning the return value */
#define KB_INT_SEXT32 1 /* KB_OP_INT with this in `special`: sign-extend the low 32 bits (int arguments) */

struct kb_param {
	unsigned char op;      /* enum kb_op */
	unsigned char arg;     /* 0-5: syscall argument; KB_ARG_RET */
	unsigned char width;   /* of integers: 1, 2, 4 or 8 */
	unsigned char special; /* enum kb_special */
};

struct kb_spec {
	unsigned short event; /* kite event id; 0: not recorded */
	unsigned char nparams;
	unsigned char flags; /* KB_F_* */
	struct kb_param params[KB_MAX_PARAMS];
};

/* For KB_SP_CLONE_FLAGS, `arg` says where the flags come from. */
enum kb_clone_src { KB_CLONE_ARG0 = 0, KB_CLONE_ARGS_STRUCT = 1, KB_CLONE_FORK = 2, KB_CLONE_VFORK = 3 };

#define KB_F_KEEP      0x1 /* changes state replay tracks: kept by source filters */
#define KB_F_PROT_EXEC 0x2 /* only when argument 2 (prot) asks for PROT_EXEC: mmap, mprotect */

/* entry_how[nr]: 1 + n saves the string at argument n; this bit | n, the sockaddr at n (length in n + 1). */
#define KB_ENTRY_SOCKADDR 0x80

/* Per-CPU count of events lost because the ring was full. */
struct kb_drops {
	unsigned long long n;
	unsigned long long first_ts, last_ts;
};

#endif

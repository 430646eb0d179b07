/* flag_tables.c - named values of every flag and enum table (O_*, CLONE_*, AF_*, SIG*, CAP_*, ...). */

/*
 * Values come from the host's headers, so a table describes the raw numbers
 * this host's kernel takes; the table travels in every capture file, so
 * readers on any architecture decode them right.  A constant an older header
 * lacks is defined below with its Linux x86_64 value.
 *
 * Matching: a value shows an entry's name when (value & mask) == entry.value.
 * Single bits have mask == value; multi-bit fields (O_ACCMODE, the socket
 * type, MAP_TYPE) use the field as mask; enum tables use an all-ones mask.
 * An entry whose bits include another entry's bits (O_TMPFILE, O_SYNC,
 * MS_MGC_VAL) comes before it, so a formatter that clears matched bits
 * prints the wider name only.
 */

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>       /* RENAME_* (_GNU_SOURCE) */
#include <linux/memfd.h> /* before <sys/mman.h>, which then skips its MFD_* */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/ptrace.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <linux/capability.h>
#include <linux/bpf.h>
#include <linux/openat2.h>
#include <linux/io_uring.h>
#include <linux/close_range.h>
#include <linux/module.h>

#include "schema.h"
#include "events.h"

/* ---- constants older headers may lack (Linux x86_64 values) ---- */

/* clang-format off: hand-aligned tables read better than any automatic layout */
#ifndef O_PATH
#define O_PATH 010000000
#endif
#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif
/* glibc defines O_LARGEFILE as 0 on 64-bit hosts; the kernel's bit still shows in fdinfo. */
#if O_LARGEFILE != 0
#define KITE_O_LARGEFILE O_LARGEFILE
#elif defined(__aarch64__) || defined(__arm__)
#define KITE_O_LARGEFILE 0400000
#elif defined(__powerpc__) || defined(__powerpc64__)
#define KITE_O_LARGEFILE 0200000
#else
#define KITE_O_LARGEFILE 0100000
#endif

#ifndef AT_NO_AUTOMOUNT
#define AT_NO_AUTOMOUNT 0x800
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef AT_STATX_FORCE_SYNC
#define AT_STATX_FORCE_SYNC 0x2000
#endif
#ifndef AT_STATX_DONT_SYNC
#define AT_STATX_DONT_SYNC 0x4000
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT (1 << 2)
#endif

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#endif
#ifndef F_OFD_SETLK
#define F_OFD_SETLK 37
#endif
#ifndef F_OFD_SETLKW
#define F_OFD_SETLKW 38
#endif
#ifndef F_GETOWNER_UIDS
#define F_GETOWNER_UIDS 17
#endif
#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027
#endif
#ifndef F_CREATED_QUERY
#define F_CREATED_QUERY 1028
#endif
#ifndef F_CANCELLK
#define F_CANCELLK 1029
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#endif
#ifndef F_GET_SEALS
#define F_GET_SEALS 1034
#endif
#ifndef F_GET_RW_HINT
#define F_GET_RW_HINT 1035
#endif
#ifndef F_SET_RW_HINT
#define F_SET_RW_HINT 1036
#endif
#ifndef F_GET_FILE_RW_HINT
#define F_GET_FILE_RW_HINT 1037
#endif
#ifndef F_SET_FILE_RW_HINT
#define F_SET_FILE_RW_HINT 1038
#endif

#ifndef AF_IB
#define AF_IB 27
#endif
#ifndef AF_MPLS
#define AF_MPLS 28
#endif
#ifndef AF_KCM
#define AF_KCM 41
#endif
#ifndef AF_QIPCRTR
#define AF_QIPCRTR 42
#endif
#ifndef AF_SMC
#define AF_SMC 43
#endif
#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef AF_MCTP
#define AF_MCTP 45
#endif

#ifndef SOCK_DCCP
#define SOCK_DCCP 6
#endif

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif

#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif
#ifndef MS_MGC_VAL
#define MS_MGC_VAL 0xc0ed0000
#endif
#ifndef MS_MGC_MSK
#define MS_MGC_MSK 0xffff0000
#endif
#ifndef UMOUNT_NOFOLLOW
#define UMOUNT_NOFOLLOW 8
#endif

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#ifndef RESOLVE_CACHED
#define RESOLVE_CACHED 0x20
#endif

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

#ifndef IORING_SETUP_SUBMIT_ALL
#define IORING_SETUP_SUBMIT_ALL (1U << 7)
#endif
#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#endif
#ifndef IORING_SETUP_TASKRUN_FLAG
#define IORING_SETUP_TASKRUN_FLAG (1U << 9)
#endif
#ifndef IORING_SETUP_SQE128
#define IORING_SETUP_SQE128 (1U << 10)
#endif
#ifndef IORING_SETUP_CQE32
#define IORING_SETUP_CQE32 (1U << 11)
#endif
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif
#ifndef IORING_SETUP_NO_MMAP
#define IORING_SETUP_NO_MMAP (1U << 14)
#endif
#ifndef IORING_SETUP_REGISTERED_FD_ONLY
#define IORING_SETUP_REGISTERED_FD_ONLY (1U << 15)
#endif
#ifndef IORING_SETUP_NO_SQARRAY
#define IORING_SETUP_NO_SQARRAY (1U << 16)
#endif
#ifndef IORING_SETUP_HYBRID_IOPOLL
#define IORING_SETUP_HYBRID_IOPOLL (1U << 17)
#endif

/* ---- entry builders ---- */

#define BIT(x)                                                                                               \
	{                                                                                                    \
		(uint64_t)(x), (uint64_t)(x), #x                                                             \
	} /* one flag bit (or bit group) */
#define FIELD(m, x)                                                                                          \
	{                                                                                                    \
		(uint64_t)(m), (uint64_t)(x), #x                                                             \
	} /* value x of the field masked by m */
#define ENUMV(x)                                                                                             \
	{                                                                                                    \
		UINT64_MAX, (uint64_t)(x), #x                                                                \
	} /* exact value */
#define ENUMN(v, name)                                                                                       \
	{                                                                                                    \
		UINT64_MAX, (uint64_t)(v), name                                                              \
	} /* exact value, numeric */
#define BITN(v, name)                                                                                        \
	{                                                                                                    \
		(uint64_t)(v), (uint64_t)(v), name                                                           \
	} /* flag bit, numeric */
#define CAP(x)                                                                                               \
	{                                                                                                    \
		1ULL << (x), 1ULL << (x), #x                                                                 \
	} /* capability number -> bit */

/* ---- the tables ---- */

static const struct kite_flag_entry open_flags[] = {
        FIELD(O_ACCMODE, O_RDONLY),
        FIELD(O_ACCMODE, O_WRONLY),
        FIELD(O_ACCMODE, O_RDWR),
        BIT(O_CREAT),
        BIT(O_EXCL),
        BIT(O_NOCTTY),
        BIT(O_TRUNC),
        BIT(O_APPEND),
        BIT(O_NONBLOCK),
        BIT(O_SYNC), /* includes O_DSYNC's bit */
        BIT(O_DSYNC),
        BIT(O_ASYNC),
        BIT(O_DIRECT),
        BITN(KITE_O_LARGEFILE, "O_LARGEFILE"),
        BIT(O_TMPFILE), /* includes O_DIRECTORY's bits */
        BIT(O_DIRECTORY),
        BIT(O_NOFOLLOW),
        BIT(O_NOATIME),
        BIT(O_CLOEXEC),
        BIT(O_PATH),
};

static const struct kite_flag_entry resolve_flags[] = {
        BIT(RESOLVE_NO_XDEV), BIT(RESOLVE_NO_MAGICLINKS), BIT(RESOLVE_NO_SYMLINKS),
        BIT(RESOLVE_BENEATH), BIT(RESOLVE_IN_ROOT),       BIT(RESOLVE_CACHED),
};

/* The low byte of clone(2) flags is the exit signal; CLONE_NEWTIME (0x80) is clone3-only. */
static const struct kite_flag_entry clone_flags[] = {
        BIT(CLONE_NEWTIME),
        BIT(CLONE_VM),
        BIT(CLONE_FS),
        BIT(CLONE_FILES),
        BIT(CLONE_SIGHAND),
        BIT(CLONE_PIDFD),
        BIT(CLONE_PTRACE),
        BIT(CLONE_VFORK),
        BIT(CLONE_PARENT),
        BIT(CLONE_THREAD),
        BIT(CLONE_NEWNS),
        BIT(CLONE_SYSVSEM),
        BIT(CLONE_SETTLS),
        BIT(CLONE_PARENT_SETTID),
        BIT(CLONE_CHILD_CLEARTID),
        BIT(CLONE_DETACHED),
        BIT(CLONE_UNTRACED),
        BIT(CLONE_CHILD_SETTID),
        BIT(CLONE_NEWCGROUP),
        BIT(CLONE_NEWUTS),
        BIT(CLONE_NEWIPC),
        BIT(CLONE_NEWUSER),
        BIT(CLONE_NEWPID),
        BIT(CLONE_NEWNET),
        BIT(CLONE_IO),
        BIT(CLONE_CLEAR_SIGHAND),
        BIT(CLONE_INTO_CGROUP),
};

static const struct kite_flag_entry at_flags[] = {
        BIT(AT_SYMLINK_NOFOLLOW), BIT(AT_REMOVEDIR),        BIT(AT_SYMLINK_FOLLOW),  BIT(AT_NO_AUTOMOUNT),
        BIT(AT_EMPTY_PATH),       BIT(AT_STATX_FORCE_SYNC), BIT(AT_STATX_DONT_SYNC), BIT(AT_RECURSIVE),
};

static const struct kite_flag_entry rename_flags[] = {
        BIT(RENAME_NOREPLACE),
        BIT(RENAME_EXCHANGE),
        BIT(RENAME_WHITEOUT),
};

static const struct kite_flag_entry fcntl_cmd[] = {
        ENUMV(F_DUPFD),
        ENUMV(F_GETFD),
        ENUMV(F_SETFD),
        ENUMV(F_GETFL),
        ENUMV(F_SETFL),
        ENUMV(F_GETLK),
        ENUMV(F_SETLK),
        ENUMV(F_SETLKW),
        ENUMV(F_SETOWN),
        ENUMV(F_GETOWN),
        ENUMV(F_SETSIG),
        ENUMV(F_GETSIG),
#if F_GETLK64 != F_GETLK /* 32-bit hosts: separate 64-bit lock commands */
        ENUMV(F_GETLK64),
        ENUMV(F_SETLK64),
        ENUMV(F_SETLKW64),
#endif
        ENUMV(F_SETOWN_EX),
        ENUMV(F_GETOWN_EX),
        ENUMV(F_GETOWNER_UIDS),
        ENUMV(F_OFD_GETLK),
        ENUMV(F_OFD_SETLK),
        ENUMV(F_OFD_SETLKW),
        ENUMV(F_SETLEASE),
        ENUMV(F_GETLEASE),
        ENUMV(F_NOTIFY),
        ENUMV(F_DUPFD_QUERY),
        ENUMV(F_CREATED_QUERY),
        ENUMV(F_CANCELLK),
        ENUMV(F_DUPFD_CLOEXEC),
        ENUMV(F_SETPIPE_SZ),
        ENUMV(F_GETPIPE_SZ),
        ENUMV(F_ADD_SEALS),
        ENUMV(F_GET_SEALS),
        ENUMV(F_GET_RW_HINT),
        ENUMV(F_SET_RW_HINT),
        ENUMV(F_GET_FILE_RW_HINT),
        ENUMV(F_SET_FILE_RW_HINT),
};

static const struct kite_flag_entry sock_domain[] = {
        ENUMV(AF_UNSPEC),    ENUMV(AF_UNIX),       ENUMV(AF_INET),    ENUMV(AF_AX25),    ENUMV(AF_IPX),
        ENUMV(AF_APPLETALK), ENUMV(AF_NETROM),     ENUMV(AF_BRIDGE),  ENUMV(AF_ATMPVC),  ENUMV(AF_X25),
        ENUMV(AF_INET6),     ENUMV(AF_ROSE),       ENUMV(AF_DECnet),  ENUMV(AF_NETBEUI), ENUMV(AF_SECURITY),
        ENUMV(AF_KEY),       ENUMV(AF_NETLINK),    ENUMV(AF_PACKET),  ENUMV(AF_ASH),     ENUMV(AF_ECONET),
        ENUMV(AF_ATMSVC),    ENUMV(AF_RDS),        ENUMV(AF_SNA),     ENUMV(AF_IRDA),    ENUMV(AF_PPPOX),
        ENUMV(AF_WANPIPE),   ENUMV(AF_LLC),        ENUMV(AF_IB),      ENUMV(AF_MPLS),    ENUMV(AF_CAN),
        ENUMV(AF_TIPC),      ENUMV(AF_BLUETOOTH),  ENUMV(AF_IUCV),    ENUMV(AF_RXRPC),   ENUMV(AF_ISDN),
        ENUMV(AF_PHONET),    ENUMV(AF_IEEE802154), ENUMV(AF_CAIF),    ENUMV(AF_ALG),     ENUMV(AF_NFC),
        ENUMV(AF_VSOCK),     ENUMV(AF_KCM),        ENUMV(AF_QIPCRTR), ENUMV(AF_SMC),     ENUMV(AF_XDP),
        ENUMV(AF_MCTP),
};

/* socket(2) type: the low 4 bits are the type, SOCK_NONBLOCK/SOCK_CLOEXEC are bits (also accept4 flags). */
#define SOCK_TYPE_MASK 0xf
static const struct kite_flag_entry sock_type[] = {
        FIELD(SOCK_TYPE_MASK, SOCK_STREAM),
        FIELD(SOCK_TYPE_MASK, SOCK_DGRAM),
        FIELD(SOCK_TYPE_MASK, SOCK_RAW),
        FIELD(SOCK_TYPE_MASK, SOCK_RDM),
        FIELD(SOCK_TYPE_MASK, SOCK_SEQPACKET),
        FIELD(SOCK_TYPE_MASK, SOCK_DCCP),
        FIELD(SOCK_TYPE_MASK, SOCK_PACKET),
        BIT(SOCK_NONBLOCK),
        BIT(SOCK_CLOEXEC),
};

static const struct kite_flag_entry shutdown_how[] = {
        ENUMV(SHUT_RD),
        ENUMV(SHUT_WR),
        ENUMV(SHUT_RDWR),
};

static const struct kite_flag_entry prot_flags[] = {
        FIELD(PROT_READ | PROT_WRITE | PROT_EXEC, PROT_NONE),
        BIT(PROT_READ),
        BIT(PROT_WRITE),
        BIT(PROT_EXEC),
        BIT(PROT_SEM),
        BIT(PROT_GROWSDOWN),
        BIT(PROT_GROWSUP),
};

static const struct kite_flag_entry mmap_flags[] = {
        FIELD(MAP_TYPE, MAP_SHARED),
        FIELD(MAP_TYPE, MAP_PRIVATE),
        FIELD(MAP_TYPE, MAP_SHARED_VALIDATE),
        FIELD(MAP_TYPE, MAP_DROPPABLE),
        BIT(MAP_FIXED),
        BIT(MAP_ANONYMOUS),
#ifdef MAP_32BIT
        BIT(MAP_32BIT),
#endif
        BIT(MAP_GROWSDOWN),
        BIT(MAP_DENYWRITE),
        BIT(MAP_EXECUTABLE),
        BIT(MAP_LOCKED),
        BIT(MAP_NORESERVE),
        BIT(MAP_POPULATE),
        BIT(MAP_NONBLOCK),
        BIT(MAP_STACK),
        BIT(MAP_HUGETLB),
        BIT(MAP_SYNC),
        BIT(MAP_FIXED_NOREPLACE),
        BIT(MAP_UNINITIALIZED),
};

/*
 * glibc declares PTRACE_* as enum constants; the old requests exist on every
 * architecture, the newer ones also have #defines we can test, and the rest
 * are written as numbers.
 */
static const struct kite_flag_entry ptrace_req[] = {
        ENUMV(PTRACE_TRACEME),
        ENUMV(PTRACE_PEEKTEXT),
        ENUMV(PTRACE_PEEKDATA),
        ENUMV(PTRACE_PEEKUSER),
        ENUMV(PTRACE_POKETEXT),
        ENUMV(PTRACE_POKEDATA),
        ENUMV(PTRACE_POKEUSER),
        ENUMV(PTRACE_CONT),
        ENUMV(PTRACE_KILL),
        ENUMV(PTRACE_SINGLESTEP),
#if defined(__x86_64__) || defined(__i386__)
        ENUMV(PTRACE_GETREGS),
        ENUMV(PTRACE_SETREGS),
        ENUMV(PTRACE_GETFPREGS),
        ENUMV(PTRACE_SETFPREGS),
#endif
        ENUMV(PTRACE_ATTACH),
        ENUMV(PTRACE_DETACH),
#if defined(__x86_64__) || defined(__i386__)
        ENUMV(PTRACE_GETFPXREGS),
        ENUMV(PTRACE_SETFPXREGS),
        ENUMN(21, "PTRACE_OLDSETOPTIONS"),
#endif
        ENUMV(PTRACE_SYSCALL),
#if defined(__x86_64__) || defined(__i386__)
        ENUMV(PTRACE_GET_THREAD_AREA),
        ENUMV(PTRACE_SET_THREAD_AREA),
        ENUMN(30, "PTRACE_ARCH_PRCTL"),
        ENUMN(31, "PTRACE_SYSEMU"),
        ENUMN(32, "PTRACE_SYSEMU_SINGLESTEP"),
        ENUMN(33, "PTRACE_SINGLEBLOCK"),
#endif
        ENUMV(PTRACE_SETOPTIONS),
        ENUMV(PTRACE_GETEVENTMSG),
        ENUMV(PTRACE_GETSIGINFO),
        ENUMV(PTRACE_SETSIGINFO),
        ENUMN(0x4204, "PTRACE_GETREGSET"),
        ENUMN(0x4205, "PTRACE_SETREGSET"),
        ENUMN(0x4206, "PTRACE_SEIZE"),
        ENUMN(0x4207, "PTRACE_INTERRUPT"),
        ENUMN(0x4208, "PTRACE_LISTEN"),
        ENUMN(0x4209, "PTRACE_PEEKSIGINFO"),
        ENUMN(0x420a, "PTRACE_GETSIGMASK"),
        ENUMN(0x420b, "PTRACE_SETSIGMASK"),
        ENUMN(0x420c, "PTRACE_SECCOMP_GET_FILTER"),
        ENUMN(0x420d, "PTRACE_SECCOMP_GET_METADATA"),
        ENUMN(0x420e, "PTRACE_GET_SYSCALL_INFO"),
        ENUMN(0x420f, "PTRACE_GET_RSEQ_CONFIGURATION"),
        ENUMN(0x4210, "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG"),
        ENUMN(0x4211, "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG"),
        ENUMN(0x4212, "PTRACE_SET_SYSCALL_INFO"),
};

static const struct kite_flag_entry prctl_opt[] = {
        ENUMV(PR_SET_PDEATHSIG),
        ENUMV(PR_GET_PDEATHSIG),
        ENUMV(PR_GET_DUMPABLE),
        ENUMV(PR_SET_DUMPABLE),
        ENUMV(PR_GET_UNALIGN),
        ENUMV(PR_SET_UNALIGN),
        ENUMV(PR_GET_KEEPCAPS),
        ENUMV(PR_SET_KEEPCAPS),
        ENUMV(PR_GET_FPEMU),
        ENUMV(PR_SET_FPEMU),
        ENUMV(PR_GET_FPEXC),
        ENUMV(PR_SET_FPEXC),
        ENUMV(PR_GET_TIMING),
        ENUMV(PR_SET_TIMING),
        ENUMV(PR_SET_NAME),
        ENUMV(PR_GET_NAME),
        ENUMV(PR_GET_ENDIAN),
        ENUMV(PR_SET_ENDIAN),
        ENUMV(PR_GET_SECCOMP),
        ENUMV(PR_SET_SECCOMP),
        ENUMV(PR_CAPBSET_READ),
        ENUMV(PR_CAPBSET_DROP),
        ENUMV(PR_GET_TSC),
        ENUMV(PR_SET_TSC),
        ENUMV(PR_GET_SECUREBITS),
        ENUMV(PR_SET_SECUREBITS),
        ENUMV(PR_SET_TIMERSLACK),
        ENUMV(PR_GET_TIMERSLACK),
        ENUMV(PR_TASK_PERF_EVENTS_DISABLE),
        ENUMV(PR_TASK_PERF_EVENTS_ENABLE),
        ENUMV(PR_MCE_KILL),
        ENUMV(PR_MCE_KILL_GET),
        ENUMV(PR_SET_MM),
        ENUMV(PR_SET_CHILD_SUBREAPER),
        ENUMV(PR_GET_CHILD_SUBREAPER),
        ENUMV(PR_SET_NO_NEW_PRIVS),
        ENUMV(PR_GET_NO_NEW_PRIVS),
        ENUMV(PR_GET_TID_ADDRESS),
        ENUMV(PR_SET_THP_DISABLE),
        ENUMV(PR_GET_THP_DISABLE),
        ENUMN(43, "PR_MPX_ENABLE_MANAGEMENT"),
        ENUMN(44, "PR_MPX_DISABLE_MANAGEMENT"),
        ENUMN(45, "PR_SET_FP_MODE"),
        ENUMN(46, "PR_GET_FP_MODE"),
        ENUMN(47, "PR_CAP_AMBIENT"),
        ENUMN(50, "PR_SVE_SET_VL"),
        ENUMN(51, "PR_SVE_GET_VL"),
        ENUMN(52, "PR_GET_SPECULATION_CTRL"),
        ENUMN(53, "PR_SET_SPECULATION_CTRL"),
        ENUMN(54, "PR_PAC_RESET_KEYS"),
        ENUMN(55, "PR_SET_TAGGED_ADDR_CTRL"),
        ENUMN(56, "PR_GET_TAGGED_ADDR_CTRL"),
        ENUMN(57, "PR_SET_IO_FLUSHER"),
        ENUMN(58, "PR_GET_IO_FLUSHER"),
        ENUMN(59, "PR_SET_SYSCALL_USER_DISPATCH"),
        ENUMN(60, "PR_PAC_SET_ENABLED_KEYS"),
        ENUMN(61, "PR_PAC_GET_ENABLED_KEYS"),
        ENUMN(62, "PR_SCHED_CORE"),
        ENUMN(63, "PR_SME_SET_VL"),
        ENUMN(64, "PR_SME_GET_VL"),
        ENUMN(65, "PR_SET_MDWE"),
        ENUMN(66, "PR_GET_MDWE"),
        ENUMN(67, "PR_SET_MEMORY_MERGE"),
        ENUMN(68, "PR_GET_MEMORY_MERGE"),
        ENUMN(69, "PR_RISCV_V_SET_CONTROL"),
        ENUMN(70, "PR_RISCV_V_GET_CONTROL"),
        ENUMN(71, "PR_RISCV_SET_ICACHE_FLUSH_CTX"),
        ENUMN(72, "PR_PPC_GET_DEXCR"),
        ENUMN(73, "PR_PPC_SET_DEXCR"),
        ENUMN(74, "PR_GET_SHADOW_STACK_STATUS"),
        ENUMN(75, "PR_SET_SHADOW_STACK_STATUS"),
        ENUMN(76, "PR_LOCK_SHADOW_STACK_STATUS"),
        ENUMN(77, "PR_TIMER_CREATE_RESTORE_IDS"),
        ENUMN(78, "PR_FUTEX_HASH"),
        ENUMN(0x41555856, "PR_GET_AUXV"),
        ENUMN(0x53564d41, "PR_SET_VMA"),
        ENUMN(0x59616d61, "PR_SET_PTRACER"),
};

/* Standard signals; the numbers of SIGBUS, SIGUSR1, ... differ between architectures. */
static const struct kite_flag_entry signals[] = {
        ENUMV(SIGHUP),    ENUMV(SIGINT),   ENUMV(SIGQUIT), ENUMV(SIGILL),  ENUMV(SIGTRAP),
        ENUMV(SIGABRT),   ENUMV(SIGBUS),   ENUMV(SIGFPE),  ENUMV(SIGKILL), ENUMV(SIGUSR1),
        ENUMV(SIGSEGV),   ENUMV(SIGUSR2),  ENUMV(SIGPIPE), ENUMV(SIGALRM), ENUMV(SIGTERM),
#ifdef SIGSTKFLT
        ENUMV(SIGSTKFLT),
#endif
        ENUMV(SIGCHLD),   ENUMV(SIGCONT),  ENUMV(SIGSTOP), ENUMV(SIGTSTP), ENUMV(SIGTTIN),
        ENUMV(SIGTTOU),   ENUMV(SIGURG),   ENUMV(SIGXCPU), ENUMV(SIGXFSZ), ENUMV(SIGVTALRM),
        ENUMV(SIGPROF),   ENUMV(SIGWINCH), ENUMV(SIGIO),   ENUMV(SIGPWR),  ENUMV(SIGSYS),
};

static const struct kite_flag_entry mount_flags[] = {
        FIELD(MS_MGC_MSK, MS_MGC_VAL), /* old magic in the top 16 bits */
        BIT(MS_RDONLY),
        BIT(MS_NOSUID),
        BIT(MS_NODEV),
        BIT(MS_NOEXEC),
        BIT(MS_SYNCHRONOUS),
        BIT(MS_REMOUNT),
        BIT(MS_MANDLOCK),
        BIT(MS_DIRSYNC),
        BIT(MS_NOSYMFOLLOW),
        BIT(MS_NOATIME),
        BIT(MS_NODIRATIME),
        BIT(MS_BIND),
        BIT(MS_MOVE),
        BIT(MS_REC),
        BIT(MS_SILENT),
        BIT(MS_POSIXACL),
        BIT(MS_UNBINDABLE),
        BIT(MS_PRIVATE),
        BIT(MS_SLAVE),
        BIT(MS_SHARED),
        BIT(MS_RELATIME),
        BIT(MS_KERNMOUNT),
        BIT(MS_I_VERSION),
        BIT(MS_STRICTATIME),
        BIT(MS_LAZYTIME),
        BIT(MS_ACTIVE),
        BIT(MS_NOUSER),
};

static const struct kite_flag_entry umount_flags[] = {
        BIT(MNT_FORCE),
        BIT(MNT_DETACH),
        BIT(MNT_EXPIRE),
        BIT(UMOUNT_NOFOLLOW),
};

static const struct kite_flag_entry memfd_flags[] = {
        BIT(MFD_CLOEXEC), BIT(MFD_ALLOW_SEALING), BIT(MFD_HUGETLB), BIT(MFD_NOEXEC_SEAL), BIT(MFD_EXEC),
};

/* enum bpf_cmd: constants (not macros) up to BPF_PROG_BIND_MAP, numbers after. */
static const struct kite_flag_entry bpf_cmd[] = {
        ENUMV(BPF_MAP_CREATE),
        ENUMV(BPF_MAP_LOOKUP_ELEM),
        ENUMV(BPF_MAP_UPDATE_ELEM),
        ENUMV(BPF_MAP_DELETE_ELEM),
        ENUMV(BPF_MAP_GET_NEXT_KEY),
        ENUMV(BPF_PROG_LOAD),
        ENUMV(BPF_OBJ_PIN),
        ENUMV(BPF_OBJ_GET),
        ENUMV(BPF_PROG_ATTACH),
        ENUMV(BPF_PROG_DETACH),
        ENUMV(BPF_PROG_TEST_RUN),
        ENUMV(BPF_PROG_GET_NEXT_ID),
        ENUMV(BPF_MAP_GET_NEXT_ID),
        ENUMV(BPF_PROG_GET_FD_BY_ID),
        ENUMV(BPF_MAP_GET_FD_BY_ID),
        ENUMV(BPF_OBJ_GET_INFO_BY_FD),
        ENUMV(BPF_PROG_QUERY),
        ENUMV(BPF_RAW_TRACEPOINT_OPEN),
        ENUMV(BPF_BTF_LOAD),
        ENUMV(BPF_BTF_GET_FD_BY_ID),
        ENUMV(BPF_TASK_FD_QUERY),
        ENUMV(BPF_MAP_LOOKUP_AND_DELETE_ELEM),
        ENUMV(BPF_MAP_FREEZE),
        ENUMV(BPF_BTF_GET_NEXT_ID),
        ENUMV(BPF_MAP_LOOKUP_BATCH),
        ENUMV(BPF_MAP_LOOKUP_AND_DELETE_BATCH),
        ENUMV(BPF_MAP_UPDATE_BATCH),
        ENUMV(BPF_MAP_DELETE_BATCH),
        ENUMV(BPF_LINK_CREATE),
        ENUMV(BPF_LINK_UPDATE),
        ENUMV(BPF_LINK_GET_FD_BY_ID),
        ENUMV(BPF_LINK_GET_NEXT_ID),
        ENUMV(BPF_ENABLE_STATS),
        ENUMV(BPF_ITER_CREATE),
        ENUMV(BPF_LINK_DETACH),
        ENUMV(BPF_PROG_BIND_MAP),
        ENUMN(36, "BPF_TOKEN_CREATE"),
        ENUMN(37, "BPF_PROG_STREAM_READ_BY_FD"),
};

/* Capability sets as bit masks: capability N is bit N. */
static const struct kite_flag_entry caps[] = {
        CAP(CAP_CHOWN),
        CAP(CAP_DAC_OVERRIDE),
        CAP(CAP_DAC_READ_SEARCH),
        CAP(CAP_FOWNER),
        CAP(CAP_FSETID),
        CAP(CAP_KILL),
        CAP(CAP_SETGID),
        CAP(CAP_SETUID),
        CAP(CAP_SETPCAP),
        CAP(CAP_LINUX_IMMUTABLE),
        CAP(CAP_NET_BIND_SERVICE),
        CAP(CAP_NET_BROADCAST),
        CAP(CAP_NET_ADMIN),
        CAP(CAP_NET_RAW),
        CAP(CAP_IPC_LOCK),
        CAP(CAP_IPC_OWNER),
        CAP(CAP_SYS_MODULE),
        CAP(CAP_SYS_RAWIO),
        CAP(CAP_SYS_CHROOT),
        CAP(CAP_SYS_PTRACE),
        CAP(CAP_SYS_PACCT),
        CAP(CAP_SYS_ADMIN),
        CAP(CAP_SYS_BOOT),
        CAP(CAP_SYS_NICE),
        CAP(CAP_SYS_RESOURCE),
        CAP(CAP_SYS_TIME),
        CAP(CAP_SYS_TTY_CONFIG),
        CAP(CAP_MKNOD),
        CAP(CAP_LEASE),
        CAP(CAP_AUDIT_WRITE),
        CAP(CAP_AUDIT_CONTROL),
        CAP(CAP_SETFCAP),
        CAP(CAP_MAC_OVERRIDE),
        CAP(CAP_MAC_ADMIN),
        CAP(CAP_SYSLOG),
        CAP(CAP_WAKE_ALARM),
        CAP(CAP_BLOCK_SUSPEND),
        CAP(CAP_AUDIT_READ),
        CAP(CAP_PERFMON),
        CAP(CAP_BPF),
        CAP(CAP_CHECKPOINT_RESTORE),
};

static const struct kite_flag_entry fd_type[] = {
        ENUMN(KITE_FD_UNKNOWN, "unknown"),
        ENUMN(KITE_FD_FILE, "file"),
        ENUMN(KITE_FD_DIRECTORY, "directory"),
        ENUMN(KITE_FD_IPV4_SOCK, "ipv4"),
        ENUMN(KITE_FD_IPV6_SOCK, "ipv6"),
        ENUMN(KITE_FD_UNIX_SOCK, "unix"),
        ENUMN(KITE_FD_PIPE, "pipe"),
        ENUMN(KITE_FD_EVENT, "event"),
        ENUMN(KITE_FD_SIGNALFD, "signalfd"),
        ENUMN(KITE_FD_EVENTPOLL, "eventpoll"),
        ENUMN(KITE_FD_INOTIFY, "inotify"),
        ENUMN(KITE_FD_TIMERFD, "timerfd"),
        ENUMN(KITE_FD_NETLINK, "netlink"),
        ENUMN(KITE_FD_BPF, "bpf"),
        ENUMN(KITE_FD_USERFAULTFD, "userfaultfd"),
        ENUMN(KITE_FD_IO_URING, "io_uring"),
        ENUMN(KITE_FD_MEMFD, "memfd"),
        ENUMN(KITE_FD_PIDFD, "pidfd"),
        ENUMN(KITE_FD_OTHER_SOCK, "socket"),
};

/* finit_module flags, and delete_module's O_NONBLOCK/O_TRUNC (no overlap). */
static const struct kite_flag_entry module_flags[] = {
        BIT(MODULE_INIT_IGNORE_MODVERSIONS),
        BIT(MODULE_INIT_IGNORE_VERMAGIC),
        BIT(MODULE_INIT_COMPRESSED_FILE),
        BIT(O_TRUNC),
        BIT(O_NONBLOCK),
};

static const struct kite_flag_entry io_uring_flags[] = {
        BIT(IORING_SETUP_IOPOLL),        BIT(IORING_SETUP_SQPOLL),
        BIT(IORING_SETUP_SQ_AFF),        BIT(IORING_SETUP_CQSIZE),
        BIT(IORING_SETUP_CLAMP),         BIT(IORING_SETUP_ATTACH_WQ),
        BIT(IORING_SETUP_R_DISABLED),    BIT(IORING_SETUP_SUBMIT_ALL),
        BIT(IORING_SETUP_COOP_TASKRUN),  BIT(IORING_SETUP_TASKRUN_FLAG),
        BIT(IORING_SETUP_SQE128),        BIT(IORING_SETUP_CQE32),
        BIT(IORING_SETUP_SINGLE_ISSUER), BIT(IORING_SETUP_DEFER_TASKRUN),
        BIT(IORING_SETUP_NO_MMAP),       BIT(IORING_SETUP_REGISTERED_FD_ONLY),
        BIT(IORING_SETUP_NO_SQARRAY),    BIT(IORING_SETUP_HYBRID_IOPOLL),
};

/* Protocol numbers of AF_INET/AF_INET6 sockets (0 is also the default of every other family). */
static const struct kite_flag_entry socket_proto[] = {
        ENUMV(IPPROTO_IP),      ENUMV(IPPROTO_ICMP),        ENUMV(IPPROTO_IGMP),
        ENUMV(IPPROTO_IPIP),    ENUMV(IPPROTO_TCP),         ENUMV(IPPROTO_EGP),
        ENUMV(IPPROTO_PUP),     ENUMV(IPPROTO_UDP),         ENUMV(IPPROTO_IDP),
        ENUMV(IPPROTO_TP),      ENUMV(IPPROTO_DCCP),        ENUMV(IPPROTO_IPV6),
        ENUMV(IPPROTO_RSVP),    ENUMV(IPPROTO_GRE),         ENUMV(IPPROTO_ESP),
        ENUMV(IPPROTO_AH),      ENUMV(IPPROTO_ICMPV6),      ENUMV(IPPROTO_MTP),
        ENUMV(IPPROTO_BEETPH),  ENUMV(IPPROTO_ENCAP),       ENUMV(IPPROTO_PIM),
        ENUMV(IPPROTO_COMP),    ENUMN(115, "IPPROTO_L2TP"), ENUMV(IPPROTO_SCTP),
        ENUMV(IPPROTO_UDPLITE), ENUMV(IPPROTO_MPLS),        ENUMN(143, "IPPROTO_ETHERNET"),
        ENUMV(IPPROTO_RAW),     ENUMN(256, "IPPROTO_SMC"),  ENUMN(262, "IPPROTO_MPTCP"),
};

static const struct kite_flag_entry execve_flags[] = {
        BITN(KITE_EXE_WRITABLE, "EXE_WRITABLE"),
        BITN(KITE_EXE_UPPER_LAYER, "EXE_UPPER_LAYER"),
        BITN(KITE_EXE_FROM_MEMFD, "EXE_FROM_MEMFD"),
        BITN(KITE_EXE_LOWER_LAYER, "EXE_LOWER_LAYER"),
};

static const struct kite_flag_entry close_range_flags[] = {
        BIT(CLOSE_RANGE_UNSHARE),
        BIT(CLOSE_RANGE_CLOEXEC),
};

/* chmod modes, in Falco's order (its mode_flags): the low bits first, so names read S_IXOTH|...|S_ISUID. */
static const struct kite_flag_entry mode_flags[] = {
        BIT(S_IXOTH), BIT(S_IWOTH), BIT(S_IROTH), BIT(S_IXGRP), BIT(S_IWGRP), BIT(S_IRGRP),
        BIT(S_IXUSR), BIT(S_IWUSR), BIT(S_IRUSR), BIT(S_ISVTX), BIT(S_ISGID), BIT(S_ISUID),
};

/* ---- the list, in table-id order ---- */

#define TABLE(id_, kind_, name_, arr)                                                                        \
	{                                                                                                    \
		.id = (id_), .kind = (kind_), .name = (name_), .nentries = sizeof(arr) / sizeof((arr)[0]),   \
		.entries = (arr)                                                                             \
	}
#define FLAGS KITE_TABLE_FLAGS
#define ENUM  KITE_TABLE_ENUM

const struct kite_flag_table kite_flag_tables[] = {
        TABLE(KITE_TBL_OPEN_FLAGS, FLAGS, "open_flags", open_flags),
        TABLE(KITE_TBL_RESOLVE_FLAGS, FLAGS, "resolve_flags", resolve_flags),
        TABLE(KITE_TBL_CLONE_FLAGS, FLAGS, "clone_flags", clone_flags),
        TABLE(KITE_TBL_AT_FLAGS, FLAGS, "at_flags", at_flags),
        TABLE(KITE_TBL_RENAME_FLAGS, FLAGS, "rename_flags", rename_flags),
        TABLE(KITE_TBL_FCNTL_CMD, ENUM, "fcntl_cmd", fcntl_cmd),
        TABLE(KITE_TBL_SOCK_DOMAIN, ENUM, "sock_domain", sock_domain),
        TABLE(KITE_TBL_SOCK_TYPE, FLAGS, "sock_type", sock_type),
        TABLE(KITE_TBL_SHUTDOWN_HOW, ENUM, "shutdown_how", shutdown_how),
        TABLE(KITE_TBL_PROT_FLAGS, FLAGS, "prot_flags", prot_flags),
        TABLE(KITE_TBL_MMAP_FLAGS, FLAGS, "mmap_flags", mmap_flags),
        TABLE(KITE_TBL_PTRACE_REQ, ENUM, "ptrace_req", ptrace_req),
        TABLE(KITE_TBL_PRCTL_OPT, ENUM, "prctl_opt", prctl_opt),
        TABLE(KITE_TBL_SIGNALS, ENUM, "signals", signals),
        TABLE(KITE_TBL_MOUNT_FLAGS, FLAGS, "mount_flags", mount_flags),
        TABLE(KITE_TBL_UMOUNT_FLAGS, FLAGS, "umount_flags", umount_flags),
        TABLE(KITE_TBL_MEMFD_FLAGS, FLAGS, "memfd_flags", memfd_flags),
        TABLE(KITE_TBL_BPF_CMD, ENUM, "bpf_cmd", bpf_cmd),
        TABLE(KITE_TBL_CAPS, FLAGS, "caps", caps),
        TABLE(KITE_TBL_FD_TYPE, ENUM, "fd_type", fd_type),
        TABLE(KITE_TBL_MODULE_FLAGS, FLAGS, "module_flags", module_flags),
        TABLE(KITE_TBL_IO_URING_FLAGS, FLAGS, "io_uring_flags", io_uring_flags),
        TABLE(KITE_TBL_SOCKET_PROTO, ENUM, "socket_proto", socket_proto),
        TABLE(KITE_TBL_EXECVE_FLAGS, FLAGS, "execve_flags", execve_flags),
        TABLE(KITE_TBL_CLOSE_RANGE_FLAGS, FLAGS, "close_range_flags", close_range_flags),
        TABLE(KITE_TBL_MODE_FLAGS, FLAGS, "mode_flags", mode_flags),
};

const size_t kite_flag_tables_len = sizeof(kite_flag_tables) / sizeof(kite_flag_tables[0]);

_Static_assert(sizeof(kite_flag_tables) / sizeof(kite_flag_tables[0]) == KITE_TBL_MAX_BUILTIN - 1,
               "one flag table per enum kite_table_id");

/* clang-format on */

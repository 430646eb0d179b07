/* scap.h - sysdig/Falco .scap captures: the ppm event table, and a streaming reader of their blocks (see docs/dev/scap-notes.md). */
#ifndef KITE_SCAP_H
#define KITE_SCAP_H

#include <stddef.h>
#include <stdint.h>

/* ---- the ppm event table (scap_table.c, generated from docs/dev/scap-notes.md section 3) ---- */

/* Parameter types (enum ppm_param_type) and print formats (PF_*), with libscap's numbers. */
enum {
	SCAP_PT_NONE = 0,
	SCAP_PT_INT8 = 1,
	SCAP_PT_INT16 = 2,
	SCAP_PT_INT32 = 3,
	SCAP_PT_INT64 = 4,
	SCAP_PT_UINT8 = 5,
	SCAP_PT_UINT16 = 6,
	SCAP_PT_UINT32 = 7,
	SCAP_PT_UINT64 = 8,
	SCAP_PT_CHARBUF = 9,
	SCAP_PT_BYTEBUF = 10,
	SCAP_PT_ERRNO = 11,
	SCAP_PT_SOCKADDR = 12,
	SCAP_PT_SOCKTUPLE = 13,
	SCAP_PT_FD = 14,
	SCAP_PT_PID = 15,
	SCAP_PT_FDLIST = 16,
	SCAP_PT_FSPATH = 17,
	SCAP_PT_SYSCALLID = 18,
	SCAP_PT_SIGTYPE = 19,
	SCAP_PT_RELTIME = 20,
	SCAP_PT_ABSTIME = 21,
	SCAP_PT_PORT = 22,
	SCAP_PT_L4PROTO = 23,
	SCAP_PT_SOCKFAMILY = 24,
	SCAP_PT_BOOL = 25,
	SCAP_PT_IPV4ADDR = 26,
	SCAP_PT_DYN = 27,
	SCAP_PT_FLAGS8 = 28,
	SCAP_PT_FLAGS16 = 29,
	SCAP_PT_FLAGS32 = 30,
	SCAP_PT_UID = 31,
	SCAP_PT_GID = 32,
	SCAP_PT_DOUBLE = 33,
	SCAP_PT_SIGSET = 34,
	SCAP_PT_CHARBUFARRAY = 35,
	SCAP_PT_CHARBUF_PAIR_ARRAY = 36,
	SCAP_PT_IPV4NET = 37,
	SCAP_PT_IPV6ADDR = 38,
	SCAP_PT_IPV6NET = 39,
	SCAP_PT_IPADDR = 40,
	SCAP_PT_IPNET = 41,
	SCAP_PT_MODE = 42,
	SCAP_PT_FSRELPATH = 43,
	SCAP_PT_ENUMFLAGS8 = 44,
	SCAP_PT_ENUMFLAGS16 = 45,
	SCAP_PT_ENUMFLAGS32 = 46
};
enum {
	SCAP_PF_NA = 0,
	SCAP_PF_DEC = 1,
	SCAP_PF_HEX = 2,
	SCAP_PF_10_PADDED_DEC = 3,
	SCAP_PF_ID = 4,
	SCAP_PF_DIR = 5,
	SCAP_PF_OCT = 6
};
/* Event flags used by kite (enum ppm_event_flags). */
#define SCAP_EF_CREATES_FD     1u
#define SCAP_EF_DESTROYS_FD    2u
#define SCAP_EF_USES_FD        4u
#define SCAP_EF_MODIFIES_STATE 32u
#define SCAP_EF_UNUSED         64u
#define SCAP_EF_OLD_VERSION    512u
#define SCAP_EF_LARGE_PAYLOAD  2048u
/* The other ppm_event_flags the table carries (DROP_SIMPLE_CONS is 0.29.3-only, CONVERTER_MANAGED newest-only). */
#define SCAP_EF_NONE              0u
#define SCAP_EF_READS_FROM_FD     8u
#define SCAP_EF_WRITES_TO_FD      16u
#define SCAP_EF_WAITS             128u
#define SCAP_EF_SKIPPARSERESET    256u
#define SCAP_EF_DROP_SIMPLE_CONS  1024u
#define SCAP_EF_CONVERTER_MANAGED 4096u

/*
 * Event categories (enum ppm_event_category): the low values are exclusive
 * (mask SCAP_EC_CLASS), the higher ones are bits saying where the event comes from.
 */
#define SCAP_EC_UNKNOWN    0u
#define SCAP_EC_OTHER      1u
#define SCAP_EC_FILE       2u
#define SCAP_EC_NET        3u
#define SCAP_EC_IPC        4u
#define SCAP_EC_MEMORY     5u
#define SCAP_EC_PROCESS    6u
#define SCAP_EC_SLEEP      7u
#define SCAP_EC_SYSTEM     8u
#define SCAP_EC_SIGNAL     9u
#define SCAP_EC_USER       10u
#define SCAP_EC_TIME       11u
#define SCAP_EC_PROCESSING 12u
#define SCAP_EC_IO_BASE    32u
#define SCAP_EC_IO_READ    32u
#define SCAP_EC_IO_WRITE   33u
#define SCAP_EC_IO_OTHER   34u
#define SCAP_EC_WAIT       64u
#define SCAP_EC_SCHEDULER  128u
#define SCAP_EC_INTERNAL   256u
#define SCAP_EC_CLASS      511u /* the exclusive part */
#define SCAP_EC_SYSCALL    512u
#define SCAP_EC_TRACEPOINT 1024u
#define SCAP_EC_PLUGIN     2048u
#define SCAP_EC_METAEVENT  4096u
#define SCAP_EC_ITER       8192u

struct scap_param_info {
	const char *name; /* Falco's evt.arg name */
	uint8_t type;     /* SCAP_PT_* */
	uint8_t fmt;      /* SCAP_PF_* */
	const char *info; /* flag table name ("file_flags"), "DIRFD_PARAM(n)", a dynamic table, or NULL */
};

struct scap_event_info {
	const char *name;  /* Falco's evt.type ("open"); "NA" for unused codes */
	char dir;          /* 'E' (even codes) or 'X' (odd) */
	uint32_t category; /* SCAP_EC_*: one class value, or-ed with source bits */
	uint32_t flags;    /* SCAP_EF_* bits */
	uint8_t nparams;
	const struct scap_param_info *params;
};

/* The table of the current libs (codes 0..scap_event_max-1); NULL for a code beyond it. */
const struct scap_event_info *scap_event_info(uint16_t code);
extern const uint16_t scap_event_max;
/*
 * The number of parameters sysdig 0.29.3's table has for a code (what a writer for it must write);
 * 0 for codes at or beyond scap_event_max_0293 (336), which its reader skips.
 */
uint8_t scap_event_nparams_0293(uint16_t code);
extern const uint16_t scap_event_max_0293;

/*
 * Parameters of kite's events that ppm's table names otherwise: the old dup
 * pair (what sysdig 0.29.3 writes for dup, dup2 and dup3) calls kite's
 * "oldfd" "fd".  The ppm name of kite parameter `kite` of kite event `event`,
 * or NULL; and the other way round.
 */
const char *scap_alias_ppm(const char *event, const char *kite);
const char *scap_alias_kite(const char *event, const char *ppm);

/* ---- flag values: ppm's and kite's (Linux's) for the tables kite decodes (scap_flags.c) ---- */

enum scap_flagset {
	SCAP_FLAGS_NONE = -1,
	SCAP_FLAGS_OPEN,     /* file_flags: PPM_O_* and O_* */
	SCAP_FLAGS_CLONE,    /* clone_flags: PPM_CL_* and CLONE_* */
	SCAP_FLAGS_EXECVE,   /* execve_flags: PPM_EXE_* and kite's EXE_* */
	SCAP_FLAGS_PROT,     /* prot_flags: PPM_PROT_* and PROT_* */
	SCAP_FLAGS_MMAP,     /* mmap_flags: PPM_MAP_* and MAP_* */
	SCAP_FLAGS_RESOLVE,  /* openat2_flags (resolve): PPM_RESOLVE_* and RESOLVE_* */
	SCAP_FLAGS_IO_URING, /* io_uring_setup_flags: PPM_IORING_SETUP_* and IORING_SETUP_* */
	SCAP_FLAGS_DELMOD,   /* delete_module_flags: PPM_DELETE_MODULE_O_* and O_TRUNC/O_NONBLOCK */
	SCAP_ENUM_FCNTL,     /* fcntl_commands: PPM_FCNTL_F_* and F_* (one value, not bits) */
	SCAP_ENUM_PTRACE     /* ptrace_requests: PPM_PTRACE_* and PTRACE_* (one value) */
};
uint64_t scap_flags_from_ppm(enum scap_flagset set, uint64_t ppm);
uint64_t scap_flags_to_ppm(enum scap_flagset set, uint64_t kite);
/*
 * The set a ppm parameter's table (its info name: "mmap_flags") translates
 * with, SCAP_FLAGS_NONE when ppm's numbers are Linux's (modes, mount flags,
 * socket families, ...).
 */
enum scap_flagset scap_flagset_of(const char *info);

/*
 * Falco's drivers write the tuple of a receive (recvfrom, recvmsg) remote end
 * first; kite's are local end first, as for every other socket call.  Swaps
 * the two ends of an inet tuple of n bytes into out (n bytes); 0 when it is
 * not one (unix tuples keep their order).
 */
int scap_tuple_swap(const uint8_t *in, uint32_t n, uint8_t *out);
int scap_tuple_inbound(const char *event_name);

/* ---- the reader (scap_read.c) ---- */

/* Block types (scap_savefile.h), the legacy "_INT" ids included. */
#define SCAP_BLK_SHB          0x0A0D0D0Au
#define SCAP_BLK_MI           0x201u
#define SCAP_BLK_PL_V1        0x202u
#define SCAP_BLK_FDL          0x203u
#define SCAP_BLK_EV           0x204u
#define SCAP_BLK_IL           0x205u
#define SCAP_BLK_UL           0x206u
#define SCAP_BLK_PL_V2        0x207u
#define SCAP_BLK_EVF          0x208u
#define SCAP_BLK_PL_V3        0x209u
#define SCAP_BLK_PL_V4        0x210u
#define SCAP_BLK_PL_V5        0x211u
#define SCAP_BLK_PL_V6        0x212u
#define SCAP_BLK_PL_V7        0x213u
#define SCAP_BLK_PL_V8        0x214u
#define SCAP_BLK_PL_V9        0x215u
#define SCAP_BLK_EV_V2        0x216u
#define SCAP_BLK_EVF_V2       0x217u
#define SCAP_BLK_FDL_V2       0x218u
#define SCAP_BLK_IL_V2        0x219u
#define SCAP_BLK_UL_V2        0x220u
#define SCAP_BLK_EV_V2_LARGE  0x221u
#define SCAP_BLK_EVF_V2_LARGE 0x222u
/* The legacy ids (pre-release numbers, still accepted): the reader maps them to the ones above. */
#define SCAP_BLK_PL_V1_INT 0x8000ABCDu
#define SCAP_BLK_FDL_INT   0x8001ABCDu
#define SCAP_BLK_MI_INT    0x8002ABCDu
#define SCAP_BLK_EV_INT    0x8010ABCDu
#define SCAP_BLK_IL_INT    0x8011ABCDu
#define SCAP_BLK_UL_INT    0x8012ABCDu
#define SCAP_BLK_PL_V2_INT 0x8013ABCDu
#define SCAP_BLK_PL_V3_INT 0x8014ABCDu
/* The reader refuses blocks bigger than this (an error, as no real capture has them). */
#define SCAP_MAX_BLOCK (256u << 20)

#define SCAP_MAX_PARAMS 64

struct scap_machine {
	uint32_t ncpus;
	uint64_t memory, max_pid, boot_ts;
	char hostname[129];
};

/*
 * One thread of the process list (fields absent from older versions are 0 / empty,
 * except loginuid: 0xffffffff, "none", as libscap sets it).
 */
struct scap_proc {
	uint64_t tid, pid, ptid, sid, vpgid;
	int64_t vtid, vpid;
	const char *comm, *exe, *exepath, *cwd, *root; /* NUL-terminated copies, never NULL */
	const uint8_t *args, *env, *cgroups;           /* NUL-separated lists */
	uint32_t args_len, env_len, cgroups_len;
	uint64_t fdlimit, pfmajor, pfminor;
	uint32_t flags; /* PPM_CL_* */
	uint32_t uid, gid, loginuid, tty;
	uint32_t vmsize_kb, vmrss_kb, vmswap_kb;
	uint64_t pidns_init_start_ts, cap_inheritable, cap_permitted, cap_effective;
	uint64_t exe_ino, exe_ino_ctime, exe_ino_mtime;
	uint8_t exe_writable, exe_upper_layer, exe_from_memfd;
};

/* scap_fd_type values */
enum {
	SCAP_FD_UNKNOWN = 0,
	SCAP_FD_FILE = 1,
	SCAP_FD_DIRECTORY = 2,
	SCAP_FD_IPV4_SOCK = 3,
	SCAP_FD_IPV6_SOCK = 4,
	SCAP_FD_IPV4_SERVSOCK = 5,
	SCAP_FD_IPV6_SERVSOCK = 6,
	SCAP_FD_FIFO = 7,
	SCAP_FD_UNIX_SOCK = 8,
	SCAP_FD_EVENT = 9,
	SCAP_FD_UNSUPPORTED = 10,
	SCAP_FD_SIGNALFD = 11,
	SCAP_FD_EVENTPOLL = 12,
	SCAP_FD_INOTIFY = 13,
	SCAP_FD_TIMERFD = 14,
	SCAP_FD_NETLINK = 15,
	SCAP_FD_FILE_V2 = 16,
	SCAP_FD_BPF = 17,
	SCAP_FD_USERFAULTFD = 18,
	SCAP_FD_IOURING = 19,
	SCAP_FD_MEMFD = 20,
	SCAP_FD_PIDFD = 21
};

/* One fd of a thread's fd list. */
struct scap_fdinfo {
	uint64_t tid;
	int64_t fd;
	uint64_t ino;
	uint8_t type;        /* SCAP_FD_* */
	uint32_t open_flags; /* FILE_V2: PPM_O_* */
	uint32_t dev;
	uint8_t sip[16], dip[16]; /* sockets: IPv4 in the first 4 bytes (network order) */
	uint16_t sport, dport;    /* host order; server sockets: the bound address in dip/dport */
	uint8_t l4proto;          /* scap_l4_proto: 0 unknown, 1 NA, 2 TCP, 3 UDP, 4 ICMP, 5 RAW */
	uint64_t unix_src, unix_dst;
	const char *name; /* never NULL */
};

struct scap_user {
	uint32_t uid, gid;
	const char *name, *home, *shell;
};

struct scap_group {
	uint32_t gid;
	const char *name;
};

struct scap_iface {
	uint16_t type; /* 1 IPv4, 2 IPv6, 3 IPv4 without link speed, 4 IPv6 without */
	uint8_t addr[16], netmask[16], bcast[16];
	uint64_t linkspeed;
	const char *name;
};

/*
 * One event, v1 headers already converted (nparams inferred as libscap does; a
 * v1 event of a code beyond the table whose count cannot be inferred has 0).
 * Parameters point into the event as stored: the values one after the other,
 * right after their lengths (u32 on disk for SCAP_EF_LARGE_PAYLOAD codes, u16
 * otherwise), so param[0] - nparams * that size is where the lengths start.
 */
struct scap_evt {
	uint64_t ts, tid;
	uint16_t type, cpu;
	uint32_t flags; /* EVF blocks: SCAP_DF_* (1: state only, do not show) */
	/* as in the event; an event claiming more than SCAP_MAX_PARAMS is skipped (warned) */
	uint32_t nparams;
	uint32_t size; /* the event's length, header included: its values add up to less */
	/* where the lengths start (as stored: u32 for SCAP_EF_LARGE_PAYLOAD codes, u16 otherwise) */
	const uint8_t *lens;
	/* param[] and len[] are filled (always, but for codes named to scap_file_set_lazy) */
	int split;
	const uint8_t *param[SCAP_MAX_PARAMS];
	uint32_t len[SCAP_MAX_PARAMS];
};

enum scap_item_kind {
	SCAP_ITEM_MACHINE = 1,
	SCAP_ITEM_PROC,
	SCAP_ITEM_FD,
	SCAP_ITEM_USER,
	SCAP_ITEM_GROUP,
	SCAP_ITEM_IFACE,
	SCAP_ITEM_EVENT,
	SCAP_ITEM_SECTION /* a later section header: state read so far no longer applies */
};

/* A section header after the first one (files can be concatenated captures). */
struct scap_section {
	uint16_t major, minor;
};

/* What scap_file_next hands out; pointers stay valid until the next call. */
struct scap_item {
	enum scap_item_kind kind;
	uint64_t offset; /* of the block it came from (decompressed offset for gzip files) */
	union {
		struct scap_machine machine;
		struct scap_proc proc;
		struct scap_fdinfo fd;
		struct scap_user user;
		struct scap_group group;
		struct scap_iface iface;
		struct scap_evt evt;
		struct scap_section section;
	} u;
};

typedef struct scap_file scap_file;
/* Receives warnings ("NAME: offset N: what happened"). */
typedef void (*scap_warn_fn)(void *ctx, const char *msg);

/*
 * 1 when the first n bytes of a file look like a .scap capture: gzip, or a
 * pcapng SHB (byte order 0x1A2B3C4D, major 1) followed by a scap block (MI, a
 * list or an event block, legacy ids too).  kite's .kcap files are pcapng too
 * but follow their SHB with an IDB and kite's own blocks: 0 for them, and 0
 * when n does not reach past the SHB to the next block's type.
 */
int scap_sniff(const uint8_t *p, size_t n);

/*
 * Opens a capture on fd (owned from then on; gzip or plain, detected), reads
 * the section header (versions 1.0 to 1.2, options skipped).  NULL with "NAME:
 * offset N: what" in err.
 */
scap_file *scap_file_open(int fd, const char *name, scap_warn_fn warn, void *warn_ctx, char *err,
                          size_t errlen);
/*
 * The next item in file order: 1, 0 at the end, -1 on a fatal error
 * (scap_file_error: a block over SCAP_MAX_BLOCK, out of memory).  A truncated
 * file (or a cut or damaged gzip stream) ends (0) after a warning naming the
 * offset; a malformed block is skipped with a warning (after a framing error
 * the reader resumes at the next well-framed block); a malformed list entry is
 * skipped with the rest of its block (or alone, when the entry has a length
 * prefix); unknown blocks are skipped silently.  Both kinds of skipped blocks
 * are counted.  Items of lists (one per thread, fd, user, group, interface) are
 * handed out one at a time.
 */
int scap_file_next(scap_file *f, struct scap_item *it);
/*
 * The bytes items point to (an event's parameters) stay where they are after
 * the call that handed them out, until the reader moves its window: before it
 * may (inside a later scap_file_next, when it reads more input), it calls
 * fn(ctx), so that a caller keeping pointers into earlier events can copy
 * what it still needs.  fn must not call the reader.  NULL: no call.
 */
typedef void (*scap_move_fn)(void *ctx);
void scap_file_on_move(scap_file *f, scap_move_fn fn, void *ctx);
/*
 * lazy 1: from now on the events of ppm code `code` (one with 2-byte lengths;
 * others are ignored) may be handed out unsplit (split 0): their lengths are
 * checked as always (damage is reported the same), but param[] and len[] are
 * only filled by scap_file_split.  For a caller that needs the values of only
 * some of them: splitting costs more than checking.  lazy 0: split again.
 */
void scap_file_set_lazy(scap_file *f, uint16_t code, int lazy);
/* Fills param[] and len[] of an event f handed out unsplit (split 0); nothing for one split. */
void scap_file_split(const scap_file *f, struct scap_evt *ev);
const char *scap_file_error(const scap_file *f);
/* Section header version (of the latest section), and counters for kite info. */
void scap_file_version(const scap_file *f, uint16_t *major, uint16_t *minor);
int scap_file_truncated(const scap_file *f);
uint64_t scap_file_skipped_blocks(const scap_file *f);
void scap_file_close(scap_file *f);

#endif

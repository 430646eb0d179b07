/* tables.h - the SQL tables over captures: every table and column defined once, for the vtab, export and docs. */
#ifndef KITE_QUERY_TABLES_H
#define KITE_QUERY_TABLES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Column types, as sqlite declares them. */
enum kq_type { KQ_INT, KQ_TEXT };

/* Column flags. */
#define KQ_IDX  0x01 /* the exported database gets an index on it */
#define KQ_TS   0x02 /* the time constraints (=, <, <=, >, >=) on it are pushed down */
#define KQ_TYPE 0x04 /* event type constraints (=, IN) are pushed down */
#define KQ_PID  0x08 /* pid = is pushed down */

struct kq_col {
	const char *name;
	uint8_t type;  /* enum kq_type */
	uint8_t flags; /* KQ_* */
	const char *doc;
};

struct kq_table {
	const char *name; /* the table in `kite sql` and export; the module is "kite_" + name */
	const char *doc;
	const struct kq_col *cols;
	unsigned ncols;
	int ts_col, type_col, pid_col; /* pushdown columns, -1 if none */
};

/*
 * The columns of each table, as X-macros: X(ENUM, name, type, flags, doc).
 * One list makes both the column numbers the row builders use and the
 * definitions the schema, the export DDL and docs/SQL.md come from.
 */
#define KQ_EVENTS_COLS(X)                                                                                    \
	X(EV_TS, "ts", KQ_INT, KQ_TS | KQ_IDX, "time of the event, ns since the epoch")                      \
	X(EV_NUM, "evt_num", KQ_INT, 0, "1-based position in the replay (kite show's evt.num)")              \
	X(EV_HOST, "host", KQ_TEXT, 0, "host name of the capture the event comes from")                      \
	X(EV_CPU, "cpu", KQ_INT, 0, "CPU the event ran on")                                                  \
	X(EV_TID, "tid", KQ_INT, 0, "thread id")                                                             \
	X(EV_PID, "pid", KQ_INT, KQ_PID | KQ_IDX, "process id (thread group)")                               \
	X(EV_PROC_ID, "proc_id", KQ_INT, KQ_IDX,                                                             \
	  "the process lifetime: processes.id (NULL for an event of no thread)")                             \
	X(EV_COMM, "comm", KQ_TEXT, 0, "process name, the task comm (proc.name)")                            \
	X(EV_TYPE, "type", KQ_TEXT, KQ_TYPE | KQ_IDX,                                                        \
	  "event type, Falco's evt.type name (openat, execve, ...)")                                         \
	X(EV_DIR, "dir", KQ_TEXT, 0,                                                                         \
	  "Falco's evt.dir: '<' (exit: every syscall), '>' for events Falco has only as enter events "       \
	  "(procexit, ...)")                                                                                 \
	X(EV_CATEGORY, "category", KQ_TEXT, 0, "Falco's evt.category (file, net, process, ...)")             \
	X(EV_RES, "res", KQ_INT, 0, "return value (evt.rawres); NULL for events without one")                \
	X(EV_ERRNO, "errno", KQ_TEXT, 0, "error name (ENOENT, ...) when res is negative, else NULL")         \
	X(EV_FD, "fd", KQ_INT, 0, "the fd the event works on (fd.num), NULL if none")                        \
	X(EV_FD_TYPE, "fd_type", KQ_TEXT, 0, "its type: file, directory, ipv4, ipv6, unix, pipe, ...")       \
	X(EV_FD_NAME, "fd_name", KQ_TEXT, 0,                                                                 \
	  "its name (fd.name): path, or cip:cport->sip:sport for sockets")                                   \
	X(EV_UID, "uid", KQ_INT, 0, "the thread's user id")                                                  \
	X(EV_CONTAINER, "container_id", KQ_TEXT, 0, "container id (12 chars), 'host' outside containers")    \
	X(EV_ARGS, "args", KQ_TEXT, 0, "the arguments as a JSON object, named as Falco's evt.arg.NAME")

#define KQ_PROCESSES_COLS(X)                                                                                 \
	X(PR_ID, "id", KQ_INT, KQ_IDX, "surrogate id of this process lifetime (pids recycle), from 1")       \
	X(PR_HOST, "host", KQ_TEXT, 0, "host name of the capture")                                           \
	X(PR_PID, "pid", KQ_INT, KQ_PID | KQ_IDX, "process id")                                              \
	X(PR_PPID, "ppid", KQ_INT, 0, "parent pid when the process started (or was first seen)")             \
	X(PR_PARENT_ID, "parent_id", KQ_INT, KQ_IDX, "the parent's processes.id, NULL when unknown")         \
	X(PR_COMM, "comm", KQ_TEXT, 0, "task comm at the end of the lifetime (after the last exec)")         \
	X(PR_EXE, "exe", KQ_TEXT, 0, "argv[0] (Falco's proc.exe)")                                           \
	X(PR_EXEPATH, "exepath", KQ_TEXT, 0, "path of the executable")                                       \
	X(PR_CMDLINE, "cmdline", KQ_TEXT, 0, "comm and arguments (Falco's proc.cmdline)")                    \
	X(PR_CWD, "cwd", KQ_TEXT, 0, "working directory (last known)")                                       \
	X(PR_UID, "uid", KQ_INT, 0, "real user id")                                                          \
	X(PR_GID, "gid", KQ_INT, 0, "real group id")                                                         \
	X(PR_EUID, "euid", KQ_INT, 0, "effective user id")                                                   \
	X(PR_LOGINUID, "loginuid", KQ_INT, 0, "audit login uid, NULL when unknown")                          \
	X(PR_TTY, "tty", KQ_INT, 0, "controlling terminal (device number), NULL when unknown")               \
	X(PR_CONTAINER, "container_id", KQ_TEXT, 0, "container id, 'host' outside containers")               \
	X(PR_EXECS, "execs", KQ_INT, 0, "successful execs during the lifetime")                              \
	X(PR_SNAPSHOT, "from_snapshot", KQ_INT, 0,                                                           \
	  "1 when the process was already running at the capture's start")                                   \
	X(PR_START, "start_ts", KQ_INT, KQ_IDX,                                                              \
	  "creation time (ns); NULL when unknown (running at the start)")                                    \
	X(PR_END, "end_ts", KQ_INT, 0, "exit time (ns); NULL when still running at the capture's end")       \
	X(PR_STATUS, "exit_status", KQ_INT, 0, "raw wait status at exit, NULL when it did not exit")         \
	X(PR_EXIT_CODE, "exit_code", KQ_INT, 0, "exit code when it exited normally, else NULL")              \
	X(PR_SIGNAL, "exit_signal", KQ_INT, 0, "signal that killed it, else NULL")

#define KQ_THREADS_COLS(X)                                                                                   \
	X(TH_HOST, "host", KQ_TEXT, 0, "host name of the capture")                                           \
	X(TH_TID, "tid", KQ_INT, 0, "thread id")                                                             \
	X(TH_PID, "pid", KQ_INT, KQ_PID | KQ_IDX, "its process")                                             \
	X(TH_PROC_ID, "proc_id", KQ_INT, KQ_IDX, "processes.id of its process")                              \
	X(TH_MAIN, "main", KQ_INT, 0, "1 for the process's main thread (tid = pid)")                         \
	X(TH_START, "start_ts", KQ_INT, 0, "creation time (ns), NULL when unknown")                          \
	X(TH_END, "end_ts", KQ_INT, 0, "exit time (ns), NULL when alive at the end")

#define KQ_FDS_COLS(X)                                                                                       \
	X(FD_HOST, "host", KQ_TEXT, 0, "host name of the capture")                                           \
	X(FD_PROC_ID, "proc_id", KQ_INT, KQ_IDX, "processes.id of the owner")                                \
	X(FD_PID, "pid", KQ_INT, KQ_PID | KQ_IDX, "owner pid")                                               \
	X(FD_FD, "fd", KQ_INT, 0, "fd number")                                                               \
	X(FD_TYPE, "type", KQ_TEXT, 0, "file, directory, ipv4, ipv6, unix, pipe, event, memfd, ...")         \
	X(FD_NAME, "name", KQ_TEXT, 0, "fd.name: path, socket tuple, pipe:[ino], ...")                       \
	X(FD_FLAGS, "flags", KQ_TEXT, 0, "open flags (O_RDONLY|O_CLOEXEC...), NULL when none")               \
	X(FD_L4, "l4proto", KQ_TEXT, 0, "tcp, udp, icmp, raw for inet sockets")                              \
	X(FD_CIP, "cip", KQ_TEXT, 0, "client address of an inet socket")                                     \
	X(FD_CPORT, "cport", KQ_INT, 0, "client port")                                                       \
	X(FD_SIP, "sip", KQ_TEXT, 0, "server address")                                                       \
	X(FD_SPORT, "sport", KQ_INT, 0, "server port")                                                       \
	X(FD_ROLE, "role", KQ_TEXT, 0, "client or server (who initiated), NULL when unknown")                \
	X(FD_OPEN, "open_ts", KQ_INT, 0, "when it was opened; NULL when it came from the snapshot")          \
	X(FD_CLOSE, "close_ts", KQ_INT, 0,                                                                   \
	  "when it was closed (or its process exited); NULL if open at the end")

#define KQ_FILES_COLS(X)                                                                                     \
	X(FI_TS, "ts", KQ_INT, KQ_TS | KQ_IDX, "time of the operation (ns)")                                 \
	X(FI_NUM, "evt_num", KQ_INT, 0, "events.evt_num of the syscall")                                     \
	X(FI_HOST, "host", KQ_TEXT, 0, "host name of the capture")                                           \
	X(FI_PROC_ID, "proc_id", KQ_INT, KQ_IDX, "processes.id of the caller")                               \
	X(FI_PID, "pid", KQ_INT, KQ_PID, "caller pid")                                                       \
	X(FI_TID, "tid", KQ_INT, 0, "caller thread")                                                         \
	X(FI_COMM, "comm", KQ_TEXT, 0, "caller comm")                                                        \
	X(FI_TYPE, "type", KQ_TEXT, KQ_TYPE | KQ_IDX,                                                        \
	  "the syscall: open, openat, creat, rename, unlink, ...")                                           \
	X(FI_RES, "res", KQ_INT, 0, "return value")                                                          \
	X(FI_ERRNO, "errno", KQ_TEXT, 0, "error name when it failed")                                        \
	X(FI_PATH, "path", KQ_TEXT, KQ_IDX,                                                                  \
	  "the file, absolute (old path of rename/link, link path of symlink)")                              \
	X(FI_PATH2, "path2", KQ_TEXT, 0, "new path of rename/link, target of symlink, else NULL")            \
	X(FI_FLAGS, "flags", KQ_TEXT, 0, "open flags, or the AT_/RENAME_ flags")                             \
	X(FI_MODE, "mode", KQ_INT, 0, "mode argument (open with O_CREAT, creat, chmod, mkdir)")              \
	X(FI_UID, "uid", KQ_INT, 0, "new owner of chown-family calls")                                       \
	X(FI_GID, "gid", KQ_INT, 0, "new group of chown-family calls")                                       \
	X(FI_WRITE, "write", KQ_INT, 0,                                                                      \
	  "1 when the call may change the file: opened for writing or created, or any rename, unlink, "      \
	  "link, chmod, ...")

#define KQ_CONNECTIONS_COLS(X)                                                                               \
	X(CO_HOST, "host", KQ_TEXT, 0, "host name of the capture")                                           \
	X(CO_PROC_ID, "proc_id", KQ_INT, KQ_IDX, "processes.id of the owner")                                \
	X(CO_PID, "pid", KQ_INT, KQ_PID, "owner pid")                                                        \
	X(CO_COMM, "comm", KQ_TEXT, 0, "owner comm")                                                         \
	X(CO_FD, "fd", KQ_INT, 0, "socket fd")                                                               \
	X(CO_FAMILY, "family", KQ_TEXT, 0, "ipv4, ipv6 or unix")                                             \
	X(CO_PROTO, "proto", KQ_TEXT, 0, "tcp, udp, icmp, raw; NULL for unix sockets")                       \
	X(CO_ROLE, "role", KQ_TEXT, 0, "client (connected out) or server (accepted), NULL when unknown")     \
	X(CO_LIP, "local_ip", KQ_TEXT, 0, "this end's address")                                              \
	X(CO_LPORT, "local_port", KQ_INT, 0, "this end's port")                                              \
	X(CO_RIP, "remote_ip", KQ_TEXT, KQ_IDX, "the other end's address")                                   \
	X(CO_RPORT, "remote_port", KQ_INT, 0, "the other end's port")                                        \
	X(CO_NAME, "name", KQ_TEXT, 0, "fd.name: cip:cport->sip:sport, or the unix path")                    \
	X(CO_OPEN, "open_ts", KQ_INT, 0, "socket creation (ns), NULL from the snapshot")                     \
	X(CO_CLOSE, "close_ts", KQ_INT, 0, "close (ns), NULL when open at the end")

#define KQ_EXECS_COLS(X)                                                                                     \
	X(EX_TS, "ts", KQ_INT, KQ_TS | KQ_IDX, "time of the exec (ns)")                                      \
	X(EX_NUM, "evt_num", KQ_INT, 0, "events.evt_num of the execve/execveat")                             \
	X(EX_HOST, "host", KQ_TEXT, 0, "host name of the capture")                                           \
	X(EX_PROC_ID, "proc_id", KQ_INT, KQ_IDX, "processes.id")                                             \
	X(EX_PID, "pid", KQ_INT, KQ_PID, "pid")                                                              \
	X(EX_TID, "tid", KQ_INT, 0, "calling thread")                                                        \
	X(EX_TYPE, "type", KQ_TEXT, KQ_TYPE, "execve or execveat")                                           \
	X(EX_PARENT_ID, "parent_id", KQ_INT, KQ_IDX, "processes.id of the parent")                           \
	X(EX_PPID, "ppid", KQ_INT, 0, "parent pid")                                                          \
	X(EX_PCOMM, "parent_comm", KQ_TEXT, 0, "parent's comm")                                              \
	X(EX_PEXEPATH, "parent_exepath", KQ_TEXT, 0, "parent's executable")                                  \
	X(EX_COMM, "comm", KQ_TEXT, 0, "new comm")                                                           \
	X(EX_EXE, "exe", KQ_TEXT, 0, "argv[0]")                                                              \
	X(EX_EXEPATH, "exepath", KQ_TEXT, 0, "executable path")                                              \
	X(EX_CMDLINE, "cmdline", KQ_TEXT, 0, "comm and arguments")                                           \
	X(EX_CWD, "cwd", KQ_TEXT, 0, "working directory")                                                    \
	X(EX_UID, "uid", KQ_INT, 0, "real uid")                                                              \
	X(EX_EUID, "euid", KQ_INT, 0, "effective uid")                                                       \
	X(EX_CONTAINER, "container_id", KQ_TEXT, 0, "container id, 'host' outside containers")

#define KQ_DROPS_COLS(X)                                                                                     \
	X(DR_TS, "ts", KQ_INT, KQ_TS, "time of the drop record (ns)")                                        \
	X(DR_HOST, "host", KQ_TEXT, 0, "host name of the capture")                                           \
	X(DR_CPU, "cpu", KQ_INT, 0, "CPU whose events were lost")                                            \
	X(DR_N, "nevents", KQ_INT, 0, "how many events were lost")                                           \
	X(DR_FIRST, "first_ts", KQ_INT, 0, "the gap: first lost event's time (ns)")                          \
	X(DR_LAST, "last_ts", KQ_INT, 0, "the gap: last lost event's time (ns)")

#define KQ_CAPTURES_COLS(X)                                                                                  \
	X(CA_PATH, "path", KQ_TEXT, 0, "the file as given")                                                  \
	X(CA_FORMAT, "format", KQ_TEXT, 0, "kcap or scap")                                                   \
	X(CA_HOST, "host", KQ_TEXT, 0, "host name")                                                          \
	X(CA_KERNEL, "kernel", KQ_TEXT, 0, "kernel release (uname -r)")                                      \
	X(CA_ARCH, "arch", KQ_TEXT, 0, "machine architecture")                                               \
	X(CA_DRIVER, "driver", KQ_TEXT, 0, "the recorder's driver (ebpf, ...)")                              \
	X(CA_RECORDER, "recorder", KQ_TEXT, 0, "the recorder and its version")                               \
	X(CA_CMDLINE, "cmdline", KQ_TEXT, 0, "the recorder's command line")                                  \
	X(CA_CPUS, "cpus", KQ_INT, 0, "CPUs of the host")                                                    \
	X(CA_START, "start_ts", KQ_INT, 0, "capture start (header), ns")                                     \
	X(CA_FIRST, "first_ts", KQ_INT, 0, "first event (index, else as read)")                              \
	X(CA_LAST, "last_ts", KQ_INT, 0, "last event (index, else as read)")                                 \
	X(CA_EVENTS, "events", KQ_INT, 0, "events in the file (index, else as read)")                        \
	X(CA_DROPS, "drops", KQ_INT, 0, "events the driver lost (index), NULL when unknown")                 \
	X(CA_BYTES, "bytes", KQ_INT, 0, "file size")                                                         \
	X(CA_INDEXED, "indexed", KQ_INT, 0, "1 when the file has a valid index")

#define KQ_ALERTS_COLS(X)                                                                                    \
	X(AL_TS, "ts", KQ_INT, KQ_TS | KQ_IDX, "time of the event (ns)")                                     \
	X(AL_NUM, "evt_num", KQ_INT, 0, "events.evt_num of the event")                                       \
	X(AL_HOST, "host", KQ_TEXT, 0, "host name (Falco's hostname)")                                       \
	X(AL_RULE, "rule", KQ_TEXT, KQ_IDX, "rule name")                                                     \
	X(AL_PRIORITY, "priority", KQ_TEXT, 0, "Falco priority: Emergency ... Debug")                        \
	X(AL_PRIO_NUM, "priority_num", KQ_INT, 0, "0 (Emergency) ... 7 (Debug): lower is more severe")       \
	X(AL_SOURCE, "source", KQ_TEXT, 0, "the rule's source (syscall)")                                    \
	X(AL_TAGS, "tags", KQ_TEXT, 0, "the rule's tags, a JSON array")                                      \
	X(AL_OUTPUT, "output", KQ_TEXT, 0, "the rendered output text")                                       \
	X(AL_FIELDS, "output_fields", KQ_TEXT, 0, "the output's fields and values, a JSON object")           \
	X(AL_PROC_ID, "proc_id", KQ_INT, 0, "processes.id")                                                  \
	X(AL_PID, "pid", KQ_INT, KQ_PID, "pid")                                                              \
	X(AL_TID, "tid", KQ_INT, 0, "thread")                                                                \
	X(AL_TYPE, "type", KQ_TEXT, KQ_TYPE, "event type")

#define KQ_ENUM(e, n, t, f, d) e,
enum { KQ_EVENTS_COLS(KQ_ENUM) EV_NCOLS };
enum { KQ_PROCESSES_COLS(KQ_ENUM) PR_NCOLS };
enum { KQ_THREADS_COLS(KQ_ENUM) TH_NCOLS };
enum { KQ_FDS_COLS(KQ_ENUM) FD_NCOLS };
enum { KQ_FILES_COLS(KQ_ENUM) FI_NCOLS };
enum { KQ_CONNECTIONS_COLS(KQ_ENUM) CO_NCOLS };
enum { KQ_EXECS_COLS(KQ_ENUM) EX_NCOLS };
enum { KQ_DROPS_COLS(KQ_ENUM) DR_NCOLS };
enum { KQ_CAPTURES_COLS(KQ_ENUM) CA_NCOLS };
enum { KQ_ALERTS_COLS(KQ_ENUM) AL_NCOLS };
#undef KQ_ENUM

enum kq_table_id {
	KQ_EVENTS,
	KQ_PROCESSES,
	KQ_THREADS,
	KQ_FDS,
	KQ_FILES,
	KQ_CONNECTIONS,
	KQ_EXECS,
	KQ_DROPS,
	KQ_CAPTURES,
	KQ_ALERTS,
	KQ_NTABLES
};
#define KQ_MAX_COLS 32

extern const struct kq_table kq_tables[KQ_NTABLES];

/* A table by name ("events"), or NULL. */
const struct kq_table *kq_table_find(const char *name);
/*
 * The table's columns as SQL: "ts INTEGER, evt_num INTEGER, ..." (with
 * hidden, the vtab's argument columns are appended: "file HIDDEN, rules
 * HIDDEN").  Returns a malloc'd string.
 */
char *kq_table_columns_sql(const struct kq_table *t, int hidden);
/* The tables and columns as Markdown (docs/SQL.md's reference section), to f. */
void kq_tables_markdown(FILE *f);

#endif

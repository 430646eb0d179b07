/* fields.c - the field table (Falco's names, types, descriptions), field references and their text form. */
#include "fields.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields_int.h"

#define ROW(fn, name, type, flags, id, desc)                                                                 \
	{                                                                                                    \
		name, KITE_VT_##type, flags, id, fn, desc                                                    \
	}
#define E(name, type, flags, id, desc) ROW(kite_evt_fields, name, type, flags, id, desc)
#define P(name, type, flags, id, desc) ROW(kite_proc_fields, name, type, flags, id, desc)
#define F(name, type, flags, id, desc) ROW(kite_fd_fields, name, type, flags, id, desc)
#define U(name, type, flags, id, desc) ROW(kite_ugc_fields, name, type, flags, id, desc)
/* A field Falco has and kite cannot compute: accepted with Falco's type, always missing (<NA>). */
#define NA(name, type, flags, desc) ROW(kite_na_fields, name, type, (flags) | NOFD, 0, "missing: " desc)

#define IDX  KITE_FF_ARG_INDEX
#define KEY  KITE_FF_ARG_KEY
#define REQ  KITE_FF_ARG_REQ
#define LIST KITE_FF_LIST
#define OUT  KITE_FF_NO_FILTER
#define LBL  KITE_FF_ARG_LABEL
#define NOFD KITE_FF_NO_FDS

/* Why the NA fields are missing, once each. */
#define NO_LATENCY  "an exit-only capture has no call duration"
#define NO_USAGE    "kite does not record memory, page-fault or CPU usage"
#define NO_SCHED    "kite does not record scheduler switches"
#define NO_PIDNS    "kite does not record pid namespace start times"
#define NO_POLL     "kite does not record poll's fd lists"
#define NO_LAYER    "kite does not record the overlayfs layer of opened files"
#define NO_PROTO    "kite resolves no port to a service name"
#define NO_CTMETA   "kite captures carry no such container metadata"
#define NO_K8S_API  "needs the Kubernetes API server, which kite never queries"
#define NO_K8S_META "kite captures carry no pod sandbox metadata"

/* clang-format off */
static const struct kite_field_def field_table[] = {
	/* ---- evt.*: the event itself ---- */
	E("evt.num", UINT, NOFD, EF_NUM, "event number, from 1, across all files of the replay; for one .scap, sysdig's (enter events counted)"),
	E("evt.time", STR, NOFD, EF_TIME, "event time as HH:MM:SS.nnnnnnnnn (local time)"),
	E("evt.time.s", STR, NOFD, EF_TIME_S, "event time as HH:MM:SS"),
	E("evt.time.iso8601", STR, NOFD, EF_TIME_ISO, "event time as 2026-11-22T04:47:00.123456789+0000"),
	E("evt.datetime", STR, NOFD, EF_DATETIME, "event date and time as YYYY-MM-DD HH:MM:SS.nnnnnnnnn"),
	E("evt.datetime.s", STR, NOFD, EF_DATETIME_S, "event date and time as YYYY-MM-DD HH:MM:SS"),
	E("evt.rawtime", ABSTIME, NOFD, EF_RAWTIME, "event time in ns since the epoch"),
	E("evt.rawtime.s", UINT, NOFD, EF_RAWTIME_S, "integer seconds of evt.rawtime"),
	E("evt.rawtime.ns", UINT, NOFD, EF_RAWTIME_NS, "fractional part of evt.rawtime, in ns"),
	E("evt.reltime", RELTIME, NOFD, EF_RELTIME, "ns since the start of the capture"),
	E("evt.reltime.s", UINT, NOFD, EF_RELTIME_S, "integer seconds of evt.reltime"),
	E("evt.reltime.ns", UINT, NOFD, EF_RELTIME_NS, "fractional part of evt.reltime, in ns"),
	E("evt.outputtime", STR, NOFD, EF_OUTPUTTIME, "event time as printed in outputs (as evt.time)"),
	E("evt.deltatime", RELTIME, NOFD, EF_DELTATIME, "ns since the previous event"),
	E("evt.dir", STR, NOFD, EF_DIR, "'<' (exit): kite records each system call once, at its exit; procexit is '>' as in Falco"),
	E("evt.type", STR, NOFD, EF_TYPE, "event type: the system call's name (open, execve, ...) or procexit"),
	E("evt.type.is", BOOL, KEY | REQ | NOFD, EF_TYPE_IS, "evt.type.is.open: true when the type is open"),
	E("evt.cpu", UINT, NOFD, EF_CPU, "CPU the event happened on"),
	E("evt.args", STR, OUT, EF_ARGS, "all arguments as name=value text"),
	E("evt.info", STR, OUT, EF_INFO, "the arguments, as sysdig shows them (evt.args)"),
	E("evt.arg", STR, KEY | IDX | REQ, EF_ARG,
	  "one argument by name (evt.arg.name) or position (evt.arg[0]), as text with values resolved: "
	  "flag names, user names, absolute paths, <f>/path for fds"),
	E("evt.rawarg", ANY, KEY | REQ, EF_RAWARG, "one argument by name, unresolved: numbers stay numbers"),
	E("evt.res", STR, NOFD, EF_RES, "result: SUCCESS, or the errno name (ENOENT, ...)"),
	E("evt.rawres", INT, NOFD, EF_RAWRES, "result as a number: >= 0 success, -errno on failure"),
	E("evt.failed", BOOL, NOFD, EF_FAILED, "true when the call returned an error"),
	E("evt.is_io", BOOL, 0, EF_IS_IO, "true for events that read or write data"),
	E("evt.is_io_read", BOOL, 0, EF_IS_IO_READ, "true for events that read data"),
	E("evt.is_io_write", BOOL, 0, EF_IS_IO_WRITE, "true for events that write data"),
	E("evt.io_dir", STR, 0, EF_IO_DIR, "r or w for I/O events"),
	E("evt.category", STR, NOFD, EF_CATEGORY, "event category: file, net, ipc, process, memory, ..."),
	E("evt.count", UINT, NOFD, EF_COUNT, "1 for every event (for sums)"),
	E("evt.hostname", STR, NOFD, EF_HOSTNAME, "host the capture was recorded on"),
	E("evt.is_open_read", BOOL, 0, EF_IS_OPEN_READ, "an open that asks for reading"),
	E("evt.is_open_write", BOOL, 0, EF_IS_OPEN_WRITE, "an open that asks for writing (creat included)"),
	E("evt.is_open_exec", BOOL, 0, EF_IS_OPEN_EXEC, "an open that creates a file with execute permission"),
	E("evt.is_open_create", BOOL, 0, EF_IS_OPEN_CREATE, "an open with O_CREAT (creat included)"),
	E("evt.buffer", BYTES, 0, EF_BUFFER, "the data of an I/O event (cut at the capture's snaplen)"),
	E("evt.buflen", UINT, 0, EF_BUFLEN, "bytes read or written by an I/O event"),
	E("evt.abspath", STR, 0, EF_ABSPATH, "absolute path of the file an event names (unlink, mkdir, ...)"),
	E("evt.abspath.src", STR, 0, EF_ABSPATH_SRC, "absolute source path of rename, link, symlink"),
	E("evt.abspath.dst", STR, 0, EF_ABSPATH_DST, "absolute destination path of rename, link, symlink"),
	E("evt.source", STR, NOFD, EF_SOURCE, "event source: syscall"),
	E("evt.is_async", BOOL, 0, EF_IS_ASYNC, "false: every kite event is synchronous"),
	E("evt.latency", RELTIME, 0, EF_LATENCY, "missing: an exit-only capture has no call duration"),
	E("evt.pluginname", STR, 0, EF_PLUGINNAME, "missing: kite has no plugins"),
	E("syscall.type", STR, NOFD, EF_SYSCALL_TYPE, "the system call's name; missing for other events (procexit, ...)"),
	E("evt.deltatime.s", RELTIME, NOFD, EF_DELTATIME_S, "integer seconds of evt.deltatime"),
	E("evt.deltatime.ns", RELTIME, NOFD, EF_DELTATIME_NS, "fractional part of evt.deltatime, in ns"),
	E("evt.is_syslog", BOOL, 0, EF_IS_SYSLOG, "a write on an fd whose name contains /dev/log"),
	E("evt.count.error", UINT, 0, EF_COUNT_ERROR, "1 for a call that failed, else missing"),
	E("evt.count.error.file", UINT, 0, EF_COUNT_ERROR_FILE, "1 for a failed call on a file or directory (or a failed open), else missing"),
	E("evt.count.error.net", UINT, 0, EF_COUNT_ERROR_NET, "1 for a failed call on a socket (or a failed network call without one), else missing"),
	E("evt.count.error.memory", UINT, 0, EF_COUNT_ERROR_MEMORY, "1 for a failed memory call (mmap, brk, ...), else missing"),
	E("evt.count.error.other", UINT, 0, EF_COUNT_ERROR_OTHER, "1 for a failed call of none of the families above, else missing"),
	E("evt.count.exit", UINT, 0, EF_COUNT_EXIT, "1 for exit events (every syscall: kite records exits), missing for procexit"),
	NA("evt.latency.s", RELTIME, 0, NO_LATENCY),
	NA("evt.latency.ns", RELTIME, 0, NO_LATENCY),
	NA("evt.latency.human", STR, 0, NO_LATENCY),
	NA("evt.wait_latency", RELTIME, 0, NO_LATENCY),
	NA("evt.plugininfo", STR, 0, "kite has no plugins"),
	NA("evt.asynctype", STR, 0, "kite captures have no asynchronous events"),
	NA("evt.count.procinfo", UINT, 0, "kite captures have no procinfo events"),
	NA("evt.count.threadinfo", UINT, 0, "kite captures have no procinfo events"),

	/* ---- fs.path.*: the paths file system calls name, only when they succeed ---- */
	E("fs.path.name", STR, 0, FS_NAME, "the path a file call works on (mkdir, unlink, open, chmod, ...), absolute (relative paths join the cwd)"),
	E("fs.path.nameraw", STR, 0, FS_NAMERAW, "fs.path.name as the call gave it"),
	E("fs.path.source", STR, 0, FS_SOURCE, "the source path of rename, link, symlink, mount, absolute"),
	E("fs.path.sourceraw", STR, 0, FS_SOURCERAW, "fs.path.source as the call gave it"),
	E("fs.path.target", STR, 0, FS_TARGET, "the target path of rename, link, symlink, mount, absolute"),
	E("fs.path.targetraw", STR, 0, FS_TARGETRAW, "fs.path.target as the call gave it"),

	/* ---- proc.*: the process (thread group) ---- */
	P("proc.pid", INT, NOFD, PF_PID, "process id (thread group id)"),
	P("proc.exe", STR, NOFD, PF_EXE, "argv[0] of the last exec"),
	P("proc.name", STR, NOFD, PF_NAME, "the task's comm (at most 15 characters)"),
	P("proc.args", STR, NOFD, PF_ARGS, "argv[1..] joined with spaces"),
	P("proc.env", STR, KEY | NOFD, PF_ENV, "the environment (space-separated), or one variable: proc.env[HOME]"),
	P("proc.cmdline", STR, NOFD, PF_CMDLINE, "proc.name followed by proc.args"),
	P("proc.exeline", STR, NOFD, PF_EXELINE, "proc.exe followed by proc.args"),
	P("proc.cmdnargs", UINT, NOFD, PF_CMDNARGS, "number of arguments"),
	P("proc.cmdlenargs", UINT, NOFD, PF_CMDLENARGS, "total length of the arguments"),
	P("proc.cwd", STR, 0, PF_CWD, "working directory (ends with /)"),
	P("proc.nthreads", UINT, NOFD, PF_NTHREADS, "live threads of the process"),
	P("proc.nchilds", UINT, NOFD, PF_NCHILDS, "live child processes"),
	P("proc.ppid", INT, NOFD, PF_PPID, "parent process id (after reparenting)"),
	P("proc.pname", STR, NOFD, PF_PNAME, "parent's proc.name"),
	P("proc.pcmdline", STR, NOFD, PF_PCMDLINE, "parent's proc.cmdline"),
	P("proc.pexe", STR, NOFD, PF_PEXE, "parent's proc.exe"),
	P("proc.pexepath", STR, 0, PF_PEXEPATH, "parent's proc.exepath"),
	P("proc.ppid.duration", RELTIME, 0, PF_PPID_DURATION, "ns the parent has existed"),
	P("proc.apid", INT, IDX | LIST | NOFD, PF_APID, "pid of the Nth ancestor (proc.apid[1] is the parent); alone: any ancestor"),
	P("proc.aname", STR, IDX | LIST | NOFD, PF_ANAME, "name of the Nth ancestor (proc.aname[1] is the parent); alone: any ancestor"),
	P("proc.aexe", STR, IDX | LIST | NOFD, PF_AEXE, "proc.exe of the Nth ancestor; alone: any ancestor"),
	P("proc.aexepath", STR, IDX | LIST, PF_AEXEPATH, "proc.exepath of the Nth ancestor; alone: any ancestor"),
	P("proc.acmdline", STR, IDX | LIST | NOFD, PF_ACMDLINE, "proc.cmdline of the Nth ancestor; alone: any ancestor"),
	P("proc.loginshellid", INT, 0, PF_LOGINSHELLID, "pid of the oldest shell ancestor"),
	P("proc.duration", RELTIME, 0, PF_DURATION, "ns since the process started"),
	P("proc.fdopencount", UINT, 0, PF_FDOPENCOUNT, "open fds of the process"),
	P("proc.fdlimit", UINT, 0, PF_FDLIMIT, "the process's fd limit (RLIMIT_NOFILE)"),
	P("proc.vpid", INT, NOFD, PF_VPID, "pid in the process's own pid namespace"),
	P("proc.pvpid", INT, NOFD, PF_PVPID, "parent's proc.vpid"),
	P("proc.sid", INT, NOFD, PF_SID, "session id"),
	P("proc.sname", STR, 0, PF_SNAME, "name of the session leader"),
	P("proc.sid.exe", STR, 0, PF_SID_EXE, "proc.exe of the session leader"),
	P("proc.sid.exepath", STR, 0, PF_SID_EXEPATH, "proc.exepath of the session leader"),
	P("proc.vpgid", INT, 0, PF_VPGID, "process group id (in the process's pid namespace)"),
	P("proc.vpgid.name", STR, 0, PF_VPGID_NAME, "name of the process group leader"),
	P("proc.vpgid.exe", STR, 0, PF_VPGID_EXE, "proc.exe of the process group leader"),
	P("proc.vpgid.exepath", STR, 0, PF_VPGID_EXEPATH, "proc.exepath of the process group leader"),
	P("proc.tty", UINT, NOFD, PF_TTY, "controlling terminal (0: none)"),
	P("proc.exepath", STR, 0, PF_EXEPATH, "full path of the executable"),
	P("proc.is_exe_writable", BOOL, 0, PF_IS_EXE_WRITABLE, "the executable is writable by the process's user"),
	P("proc.is_exe_upper_layer", BOOL, 0, PF_IS_EXE_UPPER, "the executable is in an overlayfs upper layer"),
	P("proc.is_exe_lower_layer", BOOL, 0, PF_IS_EXE_LOWER, "the executable is in an overlayfs lower layer"),
	P("proc.is_exe_from_memfd", BOOL, 0, PF_IS_EXE_MEMFD, "the executable is a memfd (fileless execution)"),
	P("proc.exe_ino", UINT, 0, PF_EXE_INO, "inode of the executable"),
	P("proc.exe_ino.ctime", ABSTIME, 0, PF_EXE_INO_CTIME, "ctime of the executable's inode"),
	P("proc.exe_ino.mtime", ABSTIME, 0, PF_EXE_INO_MTIME, "mtime of the executable's inode"),
	P("proc.exe_ino.ctime_duration_proc_start", RELTIME, 0, PF_EXE_INO_CTIME_DUR,
	  "ns between the executable's ctime and the process start"),
	P("proc.is_sid_leader", BOOL, 0, PF_IS_SID_LEADER, "the process leads its session"),
	P("proc.is_vpgid_leader", BOOL, 0, PF_IS_VPGID_LEADER, "the process leads its process group"),
	P("proc.is_container_healthcheck", BOOL, 0, PF_IS_CONTAINER_HEALTHCHECK,
	  "false: kite captures carry no health-check metadata"),
	P("proc.start_ts", ABSTIME, 0, PF_START_TS, "when the process started"),
	P("proc.pid.ts", ABSTIME, 0, PF_START_TS, "when the process started (as proc.start_ts)"),
	P("proc.ppid.ts", ABSTIME, 0, PF_PPID_TS, "when the parent process started"),
	P("proc.aenv", STR, IDX | KEY | LIST, PF_AENV,
	  "proc.aenv[N]: proc.env of the Nth ancestor; proc.aenv[NAME]: NAME's value in the nearest ancestor that has it; alone: any ancestor"),
	P("proc.is_container_liveness_probe", BOOL, 0, PF_IS_CONTAINER_HEALTHCHECK,
	  "false: kite captures carry no probe metadata"),
	P("proc.is_container_readiness_probe", BOOL, 0, PF_IS_CONTAINER_HEALTHCHECK,
	  "false: kite captures carry no probe metadata"),
	NA("proc.exe_ino.ctime_duration_pidns_start", ABSTIME, 0, NO_PIDNS),
	NA("proc.pidns_init_start_ts", UINT, 0, NO_PIDNS),
	NA("proc.vmsize", UINT, 0, NO_USAGE),
	NA("proc.vmrss", UINT, 0, NO_USAGE),
	NA("proc.vmswap", UINT, 0, NO_USAGE),
	P("proc.exit_status", INT, NOFD, PF_EXIT_STATUS, "exit status (procexit events)"),
	P("proc.stdin.type", STR, 0, PF_STDIN_TYPE, "fd.type of fd 0"),
	P("proc.stdin.name", STR, 0, PF_STDIN_NAME, "fd.name of fd 0"),
	P("proc.stdout.type", STR, 0, PF_STDOUT_TYPE, "fd.type of fd 1"),
	P("proc.stdout.name", STR, 0, PF_STDOUT_NAME, "fd.name of fd 1"),
	P("proc.stderr.type", STR, 0, PF_STDERR_TYPE, "fd.type of fd 2"),
	P("proc.stderr.name", STR, 0, PF_STDERR_NAME, "fd.name of fd 2"),

	/* ---- thread.* ---- */
	P("thread.tid", INT, NOFD, TF_TID, "thread id"),
	P("thread.vtid", INT, NOFD, TF_VTID, "thread id in its pid namespace"),
	P("thread.ismain", BOOL, NOFD, TF_ISMAIN, "the thread is its process's main thread"),
	P("thread.cap_permitted", STR, 0, TF_CAP_PERMITTED, "permitted capabilities (CAP_* names)"),
	P("thread.cap_effective", STR, 0, TF_CAP_EFFECTIVE, "effective capabilities (CAP_* names)"),
	P("thread.cap_inheritable", STR, 0, TF_CAP_INHERITABLE, "inheritable capabilities (CAP_* names)"),
	P("thread.cgroups", STR, 0, TF_CGROUPS, "every cgroup: subsys=path, space-separated"),
	P("thread.cgroup", STR, KEY | REQ, TF_CGROUP, "the cgroup of one subsystem: thread.cgroup[memory]"),
	P("thread.nametid", STR, 0, TF_NAMETID, "proc.name and thread.tid, as name(tid)"),
	NA("thread.pfmajor", UINT, 0, NO_USAGE),
	NA("thread.pfminor", UINT, 0, NO_USAGE),
	NA("thread.vmsize", UINT, 0, NO_USAGE),
	NA("thread.vmrss", UINT, 0, NO_USAGE),
	NA("thread.vmsize.b", UINT, 0, NO_USAGE),
	NA("thread.vmrss.b", UINT, 0, NO_USAGE),
	NA("thread.exectime", RELTIME, 0, NO_SCHED),
	NA("thread.totexectime", RELTIME, 0, NO_SCHED),

	/* ---- fd.*: the fd the event works on ---- */
	F("fd.num", INT, 0, FF_NUM, "fd number"),
	F("fd.type", STR, 0, FF_TYPE, "file, directory, ipv4, ipv6, unix, pipe, event, signalfd, eventpoll, "
	  "inotify, timerfd, netlink, bpf, userfaultfd, io_uring, memfd, pidfd"),
	F("fd.typechar", STR, 0, FF_TYPECHAR, "one letter for fd.type: f d 4 6 u p e s l i t n b u r m P o"),
	F("fd.name", STR, 0, FF_NAME, "path of a file; cip:cport->sip:sport of a socket"),
	F("fd.nameraw", STR, 0, FF_NAMERAW, "the path as the call gave it, before resolution"),
	F("fd.directory", STR, 0, FF_DIRECTORY, "directory of a file's path"),
	F("fd.filename", STR, 0, FF_FILENAME, "last component of a file's path"),
	F("fd.ip", IPADDR, 0, FF_IP, "either address of a socket"),
	F("fd.cip", IPADDR, 0, FF_CIP, "client address"),
	F("fd.sip", IPADDR, 0, FF_SIP, "server address"),
	F("fd.lip", IPADDR, 0, FF_LIP, "local address"),
	F("fd.rip", IPADDR, 0, FF_RIP, "remote address"),
	F("fd.port", UINT, 0, FF_PORT, "either port of a socket"),
	F("fd.cport", UINT, 0, FF_CPORT, "client port"),
	F("fd.sport", UINT, 0, FF_SPORT, "server port"),
	F("fd.lport", UINT, 0, FF_LPORT, "local port"),
	F("fd.rport", UINT, 0, FF_RPORT, "remote port"),
	F("fd.l4proto", STR, 0, FF_L4PROTO, "tcp, udp, icmp or raw"),
	F("fd.sockfamily", STR, 0, FF_SOCKFAMILY, "ip or unix"),
	F("fd.is_server", BOOL, 0, FF_IS_SERVER, "the process is the server end of the socket"),
	F("fd.net", IPNET, 0, FF_NET, "either address, compared with a network (fd.net=10.0.0.0/8)"),
	F("fd.cnet", IPNET, 0, FF_CNET, "client address, compared with a network"),
	F("fd.snet", IPNET, 0, FF_SNET, "server address, compared with a network"),
	F("fd.lnet", IPNET, 0, FF_LNET, "local address, compared with a network"),
	F("fd.rnet", IPNET, 0, FF_RNET, "remote address, compared with a network"),
	F("fd.connected", BOOL, 0, FF_CONNECTED, "the socket is connected"),
	F("fd.name_changed", BOOL, 0, FF_NAME_CHANGED, "this event changed fd.name (a connect on a socket)"),
	F("fd.cip.name", STR, 0, FF_CIP_NAME, "missing: a syscall capture has no DNS names"),
	F("fd.sip.name", STR, 0, FF_SIP_NAME, "missing: a syscall capture has no DNS names"),
	F("fd.lip.name", STR, 0, FF_LIP_NAME, "missing: a syscall capture has no DNS names"),
	F("fd.rip.name", STR, 0, FF_RIP_NAME, "missing: a syscall capture has no DNS names"),
	F("fd.dev", UINT, 0, FF_DEV, "device of a file"),
	F("fd.dev.major", UINT, 0, FF_DEV_MAJOR, "major number of fd.dev"),
	F("fd.dev.minor", UINT, 0, FF_DEV_MINOR, "minor number of fd.dev"),
	F("fd.ino", UINT, 0, FF_INO, "inode of a file"),
	F("fd.types", STR, IDX | LIST, FF_TYPES, "fd.type of every fd of the process; fd.types[N]: of fd N"),
	F("fd.containername", STR, 0, FF_CONTAINERNAME, "container.id:fd.name"),
	F("fd.containerdirectory", STR, 0, FF_CONTAINERDIRECTORY, "container.id:fd.directory"),
	F("fd.uid", STR, 0, FF_UID, "process id followed by the fd number (unique while open)"),
	NA("fd.is_upper_layer", BOOL, 0, NO_LAYER),
	NA("fd.is_lower_layer", BOOL, 0, NO_LAYER),
	NA("fd.proto", STR, 0, NO_PROTO),
	NA("fd.cproto", STR, 0, NO_PROTO),
	NA("fd.sproto", STR, 0, NO_PROTO),
	NA("fd.lproto", STR, 0, NO_PROTO),
	NA("fd.rproto", STR, 0, NO_PROTO),
	NA("fdlist.nums", STR, 0, NO_POLL),
	NA("fdlist.names", STR, 0, NO_POLL),
	NA("fdlist.cips", STR, 0, NO_POLL),
	NA("fdlist.sips", STR, 0, NO_POLL),
	NA("fdlist.cports", STR, 0, NO_POLL),
	NA("fdlist.sports", STR, 0, NO_POLL),

	/* ---- user.*, group.* ---- */
	U("user.uid", UINT, NOFD, UF_UID, "effective user id"),
	U("user.name", STR, NOFD, UF_NAME, "effective user's name"),
	U("user.homedir", STR, NOFD, UF_HOMEDIR, "effective user's home directory"),
	U("user.shell", STR, NOFD, UF_SHELL, "effective user's shell"),
	U("user.loginuid", INT, NOFD, UF_LOGINUID, "audit login uid (-1: not set)"),
	U("user.loginname", STR, NOFD, UF_LOGINNAME, "name of the login uid's user"),
	U("user.euid", UINT, NOFD, UF_EUID, "effective user id (as user.uid)"),
	U("group.gid", UINT, NOFD, GF_GID, "effective group id"),
	U("group.name", STR, NOFD, GF_NAME, "effective group's name"),

	/* ---- container.* and k8s.*: from cgroups; the rest only when a capture has metadata ---- */
	U("container.id", STR, NOFD, CF_ID, "12-character container id, or host"),
	U("container.full_id", STR, NOFD, CF_FULL_ID, "full container id, or host"),
	U("container.name", STR, NOFD, CF_NAME, "container name (host on the host)"),
	U("container.image", STR, NOFD, CF_IMAGE, "container image"),
	U("container.image.id", STR, NOFD, CF_IMAGE_ID, "container image id"),
	U("container.image.repository", STR, NOFD, CF_IMAGE_REPOSITORY, "container image repository"),
	U("container.image.tag", STR, NOFD, CF_IMAGE_TAG, "container image tag"),
	U("container.type", STR, NOFD, CF_TYPE, "container runtime (docker, containerd, cri-o, podman)"),
	U("container.privileged", BOOL, NOFD, CF_PRIVILEGED, "the container is privileged"),
	U("container.mounts", STR, 0, CF_MOUNTS, "the container's mounts"),
	U("container.mount", STR, KEY | IDX | REQ, CF_MOUNT, "one mount, by index or source path"),
	U("container.mount.source", STR, KEY | IDX | REQ, CF_MOUNT_SOURCE, "a mount's source, by index or dest path"),
	U("container.mount.dest", STR, KEY | IDX | REQ, CF_MOUNT_DEST, "a mount's destination, by index or source path"),
	U("container.start_ts", ABSTIME, 0, CF_START_TS, "when the container started"),
	U("container.duration", RELTIME, 0, CF_DURATION, "ns since the container started"),
	U("k8s.pod.name", STR, 0, KF_POD_NAME, "Kubernetes pod name (from container metadata)"),
	U("k8s.ns.name", STR, 0, KF_NS_NAME, "Kubernetes namespace (from container metadata)"),
	U("k8s.pod.id", STR, 0, KF_POD_ID, "Kubernetes pod id (from container metadata)"),
	U("k8s.pod.uid", STR, 0, KF_POD_UID, "Kubernetes pod uid (from container metadata)"),
	U("k8s.pod.label", STR, KEY | REQ | LBL, KF_POD_LABEL, "one pod label (from container metadata)"),
	U("k8s.pod.labels", STR, 0, KF_POD_LABELS, "pod labels (from container metadata)"),
	NA("container.image.digest", STR, 0, NO_CTMETA),
	NA("container.healthcheck", STR, 0, NO_CTMETA),
	NA("container.liveness_probe", STR, 0, NO_CTMETA),
	NA("container.readiness_probe", STR, 0, NO_CTMETA),
	NA("container.ip", STR, 0, NO_CTMETA),
	NA("container.cni.json", STR, 0, NO_CTMETA),
	NA("container.user", STR, 0, NO_CTMETA),
	NA("container.host_pid", BOOL, 0, NO_CTMETA),
	NA("container.host_network", BOOL, 0, NO_CTMETA),
	NA("container.host_ipc", BOOL, 0, NO_CTMETA),
	NA("container.label", STR, KEY | REQ | LBL, NO_CTMETA),
	NA("container.labels", STR, 0, NO_CTMETA),
	NA("container.mount.mode", STR, KEY | IDX | REQ, NO_CTMETA),
	NA("container.mount.rdwr", STR, KEY | IDX | REQ, NO_CTMETA),
	NA("container.mount.propagation", STR, KEY | IDX | REQ, NO_CTMETA),
	NA("container.k8s.pod.name", STR, 0, NO_CTMETA),
	NA("container.k8s.pod.id", STR, 0, NO_CTMETA),
	NA("container.k8s.pod.label", STR, KEY | REQ | LBL, NO_CTMETA),
	NA("container.k8s.pod.labels", STR, 0, NO_CTMETA),
	NA("container.k8s.ns.name", STR, 0, NO_CTMETA),
	NA("k8s.pod.ip", STR, 0, NO_K8S_META),
	NA("k8s.pod.cni.json", STR, 0, NO_K8S_META),
	NA("k8s.pod.sandbox_id", STR, 0, NO_K8S_META),
	NA("k8s.pod.full_sandbox_id", STR, 0, NO_K8S_META),
	NA("k8s.ns.id", STR, 0, NO_K8S_API),
	NA("k8s.ns.label", STR, KEY | REQ | LBL, NO_K8S_API),
	NA("k8s.ns.labels", STR, 0, NO_K8S_API),
	NA("k8s.rc.name", STR, 0, NO_K8S_API),
	NA("k8s.rc.id", STR, 0, NO_K8S_API),
	NA("k8s.rc.label", STR, KEY | REQ | LBL, NO_K8S_API),
	NA("k8s.rc.labels", STR, 0, NO_K8S_API),
	NA("k8s.rs.name", STR, 0, NO_K8S_API),
	NA("k8s.rs.id", STR, 0, NO_K8S_API),
	NA("k8s.rs.label", STR, KEY | REQ | LBL, NO_K8S_API),
	NA("k8s.rs.labels", STR, 0, NO_K8S_API),
	NA("k8s.svc.name", STR, 0, NO_K8S_API),
	NA("k8s.svc.id", STR, 0, NO_K8S_API),
	NA("k8s.svc.label", STR, KEY | REQ | LBL, NO_K8S_API),
	NA("k8s.svc.labels", STR, 0, NO_K8S_API),
	NA("k8s.deployment.name", STR, 0, NO_K8S_API),
	NA("k8s.deployment.id", STR, 0, NO_K8S_API),
	NA("k8s.deployment.label", STR, KEY | REQ | LBL, NO_K8S_API),
	NA("k8s.deployment.labels", STR, 0, NO_K8S_API),
};
/* clang-format on */

unsigned kite_na_fields(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o, unsigned max)
{
	(void)f, (void)c, (void)o, (void)max;
	return 0;
}

const struct kite_field_def *kite_fields_table(size_t *n)
{
	*n = sizeof(field_table) / sizeof(field_table[0]);
	return field_table;
}

static int is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* The longest table name that text starts with, ending at a boundary the row allows. */
static const struct kite_field_def *longest_match(const char *text, size_t len)
{
	const struct kite_field_def *best = NULL;
	size_t bestlen = 0;
	for (size_t i = 0; i < sizeof(field_table) / sizeof(field_table[0]); i++) {
		const struct kite_field_def *d = &field_table[i];
		size_t n = strlen(d->name);
		if (n > len || n <= bestlen || memcmp(text, d->name, n))
			continue;
		char next = n < len ? text[n] : '\0';
		int ok = !is_name_char(next) || next == '[' || ((d->flags & KITE_FF_ARG_KEY) && next == '.');
		if (next == '.' && !(d->flags & KITE_FF_ARG_KEY))
			ok = 0;
		if (ok) {
			best = d;
			bestlen = n;
		}
	}
	return best;
}

static size_t name_extent(const char *text, size_t len)
{
	size_t n = 0;
	while (n < len && is_name_char(text[n]))
		n++;
	return n;
}

/* A label key after a dot (k8s.pod.label.app.kubernetes.io/name): libsinsp also takes '/' and '-'. */
static size_t label_extent(const char *text, size_t len)
{
	size_t n = 0;
	while (n < len && (is_name_char(text[n]) || text[n] == '/' || text[n] == '-'))
		n++;
	return n;
}

/* Parses "[arg]" or ".arg" after the name; returns bytes used, or 0 with err set. */
static size_t parse_arg(const char *text, size_t len, struct kite_field *f, char *err, size_t errlen)
{
	const struct kite_field_def *d = f->def;
	size_t n;
	const char *a;
	if (text[0] == '[') {
		const char *close = memchr(text, ']', len);
		if (!close) {
			snprintf(err, errlen, "'%s': missing ']'", d->name);
			return 0;
		}
		a = text + 1;
		n = (size_t)(close - a);
	} else {
		a = text + 1;
		n = (d->flags & KITE_FF_ARG_LABEL) ? label_extent(a, len - 1) : name_extent(a, len - 1);
		/* a key may itself contain dots (evt.type.is.open is fine; evt.arg.a.b is not) */
	}
	if (n == 0) {
		snprintf(err, errlen, "'%s': empty argument", d->name);
		return 0;
	}
	char *end = NULL;
	errno = 0;
	long long v = strtoll(a, &end, 10);
	int numeric = end == a + n && errno == 0;
	if (numeric && (d->flags & KITE_FF_ARG_INDEX)) {
		if (v < 0) {
			snprintf(err, errlen, "'%s': negative index %lld", d->name, v);
			return 0;
		}
		f->argn = v;
	} else if (d->flags & KITE_FF_ARG_KEY) {
		f->argstr = strndup(a, n);
		if (!f->argstr) {
			snprintf(err, errlen, "out of memory");
			return 0;
		}
	} else {
		snprintf(err, errlen, "'%s' takes a number in brackets, not '%.*s'", d->name, (int)n, a);
		return 0;
	}
	f->has_arg = 1;
	return text[0] == '[' ? n + 2 : n + 1;
}

size_t kite_field_parse(const char *text, size_t len, struct kite_field *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	const struct kite_field_def *d = longest_match(text, len);
	if (!d) {
		snprintf(err, errlen, "unknown field '%.*s'", (int)name_extent(text, len), text);
		return 0;
	}
	out->def = d;
	out->type = d->type;
	out->argn = -1;
	size_t used = strlen(d->name);
	int takes = d->flags & (KITE_FF_ARG_INDEX | KITE_FF_ARG_KEY);
	if (used < len && (text[used] == '[' || text[used] == '.') && takes) {
		size_t n = parse_arg(text + used, len - used, out, err, errlen);
		if (!n) {
			kite_field_release(out);
			return 0;
		}
		used += n;
	} else if (used < len && text[used] == '[') {
		snprintf(err, errlen, "'%s' takes no argument", d->name);
		return 0;
	}
	if ((d->flags & KITE_FF_ARG_REQ) && !out->has_arg) {
		snprintf(err, errlen, "'%s' needs an argument (%s[...])", d->name, d->name);
		return 0;
	}
	return used;
}

int kite_field_reads_fds(const struct kite_field *f)
{
	return !f->def || !(f->def->flags & KITE_FF_NO_FDS);
}

void kite_field_release(struct kite_field *f)
{
	free(f->argstr);
	free(f->cache);
	f->argstr = NULL;
	f->cache = NULL;
}

unsigned kite_field_extract(const struct kite_field *f, struct kite_ctx *c, struct kite_val *out,
                            unsigned max)
{
	if (max == 0)
		return 0;
	return f->def->extract(f, c, out, max);
}

const char *kite_field_text(const struct kite_field *f, struct kite_ctx *c, size_t *len)
{
	struct kite_val v[16];
	unsigned n = kite_field_extract(f, c, v, 16);
	if (n == 0)
		return NULL;
	if (n == 1)
		return kite_val_text(&c->arena, &v[0], len);
	size_t total = 0;
	const char *parts[16];
	size_t plen[16];
	for (unsigned i = 0; i < n; i++) {
		parts[i] = kite_val_text(&c->arena, &v[i], &plen[i]);
		total += plen[i] + 1;
	}
	char *s = kite_arena_alloc(&c->arena, total);
	size_t off = 0;
	for (unsigned i = 0; i < n; i++) {
		if (i)
			s[off++] = ',';
		memcpy(s + off, parts[i], plen[i]);
		off += plen[i];
	}
	s[off] = '\0';
	if (len)
		*len = off;
	return s;
}

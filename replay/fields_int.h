/* fields_int.h - what the field families (fields_evt.c, fields_proc.c, fields_fd.c) share: ids and value helpers. */
#ifndef KITE_FIELDS_INT_H
#define KITE_FIELDS_INT_H

#include <string.h>

#include "fields.h"

/* Field ids, one enum per family: the extractor of a family switches on them. */
enum evt_field {
	EF_NUM,
	EF_TIME,
	EF_TIME_S,
	EF_TIME_ISO,
	EF_DATETIME,
	EF_DATETIME_S,
	EF_RAWTIME,
	EF_RAWTIME_S,
	EF_RAWTIME_NS,
	EF_RELTIME,
	EF_RELTIME_S,
	EF_RELTIME_NS,
	EF_OUTPUTTIME,
	EF_DELTATIME,
	EF_DIR,
	EF_TYPE,
	EF_TYPE_IS,
	EF_CPU,
	EF_ARGS,
	EF_INFO,
	EF_ARG,
	EF_RAWARG,
	EF_RES,
	EF_RAWRES,
	EF_FAILED,
	EF_IS_IO,
	EF_IS_IO_READ,
	EF_IS_IO_WRITE,
	EF_IO_DIR,
	EF_CATEGORY,
	EF_COUNT,
	EF_HOSTNAME,
	EF_IS_OPEN_READ,
	EF_IS_OPEN_WRITE,
	EF_IS_OPEN_EXEC,
	EF_IS_OPEN_CREATE,
	EF_BUFFER,
	EF_BUFLEN,
	EF_ABSPATH,
	EF_ABSPATH_SRC,
	EF_ABSPATH_DST,
	EF_SOURCE,
	EF_IS_ASYNC,
	EF_LATENCY,
	EF_PLUGINNAME,
	EF_SYSCALL_TYPE,
	EF_DELTATIME_S,
	EF_DELTATIME_NS,
	EF_IS_SYSLOG,
	EF_COUNT_ERROR,
	EF_COUNT_ERROR_FILE,
	EF_COUNT_ERROR_NET,
	EF_COUNT_ERROR_MEMORY,
	EF_COUNT_ERROR_OTHER,
	EF_COUNT_EXIT,
	/* fs.path.*: the path arguments of file system calls, by event type (libsinsp's fspath checks) */
	FS_NAME,
	FS_NAMERAW,
	FS_SOURCE,
	FS_SOURCERAW,
	FS_TARGET,
	FS_TARGETRAW,
};

enum proc_field {
	PF_PID,
	PF_EXE,
	PF_NAME,
	PF_ARGS,
	PF_ENV,
	PF_CMDLINE,
	PF_EXELINE,
	PF_CMDNARGS,
	PF_CMDLENARGS,
	PF_CWD,
	PF_NTHREADS,
	PF_NCHILDS,
	PF_PPID,
	PF_PNAME,
	PF_PCMDLINE,
	PF_PEXE,
	PF_PEXEPATH,
	PF_PPID_DURATION,
	PF_APID,
	PF_ANAME,
	PF_AEXE,
	PF_AEXEPATH,
	PF_ACMDLINE,
	PF_LOGINSHELLID,
	PF_DURATION,
	PF_FDOPENCOUNT,
	PF_FDLIMIT,
	PF_VPID,
	PF_PVPID,
	PF_SID,
	PF_SNAME,
	PF_SID_EXE,
	PF_SID_EXEPATH,
	PF_VPGID,
	PF_VPGID_NAME,
	PF_VPGID_EXE,
	PF_VPGID_EXEPATH,
	PF_TTY,
	PF_EXEPATH,
	PF_IS_EXE_WRITABLE,
	PF_IS_EXE_UPPER,
	PF_IS_EXE_LOWER,
	PF_IS_EXE_MEMFD,
	PF_EXE_INO,
	PF_EXE_INO_CTIME,
	PF_EXE_INO_MTIME,
	PF_EXE_INO_CTIME_DUR,
	PF_IS_SID_LEADER,
	PF_IS_VPGID_LEADER,
	PF_IS_CONTAINER_HEALTHCHECK,
	PF_START_TS,
	PF_EXIT_STATUS,
	PF_STDIN_TYPE,
	PF_STDIN_NAME,
	PF_STDOUT_TYPE,
	PF_STDOUT_NAME,
	PF_STDERR_TYPE,
	PF_STDERR_NAME,
	PF_PPID_TS,
	PF_AENV,
	/* thread.* */
	TF_TID,
	TF_VTID,
	TF_ISMAIN,
	TF_CAP_PERMITTED,
	TF_CAP_EFFECTIVE,
	TF_CAP_INHERITABLE,
	TF_CGROUPS,
	TF_CGROUP,
	TF_NAMETID,
};

enum fd_field {
	FF_NUM,
	FF_TYPE,
	FF_TYPECHAR,
	FF_NAME,
	FF_NAMERAW,
	FF_DIRECTORY,
	FF_FILENAME,
	FF_IP,
	FF_CIP,
	FF_SIP,
	FF_LIP,
	FF_RIP,
	FF_PORT,
	FF_CPORT,
	FF_SPORT,
	FF_LPORT,
	FF_RPORT,
	FF_L4PROTO,
	FF_SOCKFAMILY,
	FF_IS_SERVER,
	FF_NET,
	FF_CNET,
	FF_SNET,
	FF_LNET,
	FF_RNET,
	FF_CONNECTED,
	FF_NAME_CHANGED,
	FF_CIP_NAME,
	FF_SIP_NAME,
	FF_LIP_NAME,
	FF_RIP_NAME,
	FF_DEV,
	FF_DEV_MAJOR,
	FF_DEV_MINOR,
	FF_INO,
	FF_TYPES,
	FF_CONTAINERNAME,
	FF_CONTAINERDIRECTORY,
	FF_UID,
};

enum ugc_field {
	UF_UID,
	UF_NAME,
	UF_HOMEDIR,
	UF_SHELL,
	UF_LOGINUID,
	UF_LOGINNAME,
	UF_EUID,
	GF_GID,
	GF_NAME,
	CF_ID,
	CF_FULL_ID,
	CF_NAME,
	CF_IMAGE,
	CF_IMAGE_ID,
	CF_IMAGE_REPOSITORY,
	CF_IMAGE_TAG,
	CF_TYPE,
	CF_PRIVILEGED,
	CF_MOUNTS,
	CF_MOUNT,
	CF_MOUNT_SOURCE,
	CF_MOUNT_DEST,
	CF_START_TS,
	CF_DURATION,
	KF_POD_NAME,
	KF_NS_NAME,
	KF_POD_ID,
	KF_POD_UID,
	KF_POD_LABEL,
	KF_POD_LABELS,
};

unsigned kite_evt_fields(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o, unsigned max);
unsigned kite_proc_fields(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o, unsigned max);
unsigned kite_fd_fields(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o, unsigned max);
/* Fields Falco has whose data kite never records (Kubernetes API, memory usage, ...): always missing. */
unsigned kite_na_fields(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o, unsigned max);
unsigned kite_ugc_fields(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o, unsigned max);

/* Value constructors: each returns 1 (one value), so an extractor can `return put_u(o, x);`. */
static inline unsigned put_str(struct kite_val *o, const char *s, size_t len)
{
	o->type = KITE_VT_STR;
	o->s = s;
	o->len = (uint32_t)len;
	return 1;
}

/* A NUL-terminated string, or missing when s is NULL. */
static inline unsigned put_cstr(struct kite_val *o, const char *s)
{
	return s ? put_str(o, s, strlen(s)) : 0;
}

static inline unsigned put_u(struct kite_val *o, uint64_t u)
{
	o->type = KITE_VT_UINT;
	o->u = u;
	return 1;
}

static inline unsigned put_i(struct kite_val *o, int64_t i)
{
	o->type = KITE_VT_INT;
	o->i = i;
	return 1;
}

static inline unsigned put_bool(struct kite_val *o, int b)
{
	o->type = KITE_VT_BOOL;
	o->u = b ? 1 : 0;
	return 1;
}

static inline unsigned put_typed_u(struct kite_val *o, uint8_t type, uint64_t u)
{
	o->type = type;
	o->u = u;
	return 1;
}

/* The text of a process's command line: comm + args (Falco's proc.cmdline), in the arena. */
const char *kite_proc_cmdline(struct kite_ctx *c, const struct kite_proc *p, size_t *len);
/* argv[1..] joined with spaces, in the arena. */
const char *kite_proc_args(struct kite_ctx *c, const struct kite_proc *p, size_t *len);
/* Capability bits as Falco prints them: names separated by spaces. */
const char *kite_caps_text(struct kite_ctx *c, uint64_t caps, size_t *len);
/* Path param i of the event, absolute (resolved against the cwd or dirfd when relative); NULL if absent. */
const char *kite_evt_path(struct kite_ctx *c, int i, size_t *len);
/* The event's result as a signed number: 1, or 0 when the event has none. */
int kite_evt_res(const struct kite_ctx *c, int64_t *res);
/* The name of an fd type ("file", "ipv4", ...) and its one-letter code. */
const char *kite_fd_type_name(unsigned type);
char kite_fd_typechar(unsigned type);
/* Falco's fd.l4proto text of an IPPROTO_* number ("tcp", "udp", "icmp", "raw"), NULL for others. */
const char *kite_l4proto_name(unsigned proto);

#endif

/* schema.h - the event table: every event type kite knows, its Falco name and its typed parameters. */
#ifndef KITE_SCHEMA_H
#define KITE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

/*
 * How a parameter's bytes are encoded and what they mean.  Integer kinds are
 * little-endian with the width given by the parameter's length (1, 2, 4 or 8
 * bytes); signed kinds sign-extend.  The numbers are written into every file,
 * so they never change: only append.
 */
enum kite_kind {
	KITE_K_NONE = 0,
	KITE_K_INT = 1,       /* signed integer */
	KITE_K_UINT = 2,      /* unsigned integer */
	KITE_K_FD = 3,        /* file descriptor (signed; negative = -errno or none) */
	KITE_K_PID = 4,       /* process or thread id (signed) */
	KITE_K_ERRNO = 5,     /* syscall return: >= 0 success, < 0 is -errno */
	KITE_K_UID = 6,       /* user id (unsigned 32) */
	KITE_K_GID = 7,       /* group id (unsigned 32) */
	KITE_K_MODE = 8,      /* file mode bits (unsigned, shown in octal) */
	KITE_K_FLAGS = 9,     /* bit set, decoded with a flag table */
	KITE_K_ENUM = 10,     /* one value, decoded with an enum table */
	KITE_K_PATH = 11,     /* path, relative ones against the thread's cwd */
	KITE_K_RELPATH = 12,  /* path, relative ones against the dirfd in param `ref` */
	KITE_K_STRING = 13,   /* text, not NUL-terminated */
	KITE_K_BYTES = 14,    /* raw data, cut at the capture's snaplen */
	KITE_K_SOCKADDR = 15, /* one socket address (see docs/FORMAT.md) */
	KITE_K_TUPLE = 16,    /* both ends of a socket (see docs/FORMAT.md) */
	KITE_K_STRLIST = 17,  /* NUL-separated strings (argv, env, cgroups) */
	KITE_K_ABSTIME = 18,  /* nanoseconds since the Unix epoch */
	KITE_K_RELTIME = 19,  /* a duration in nanoseconds */
	KITE_K_SIGNAL = 20,   /* signal number (enum table of signal names) */
	KITE_K_DEV = 21,      /* device number (new_encode_dev layout) */
	KITE_K_ADDR = 22,     /* a user-space address or size (unsigned, hex) */
	KITE_K_KIND_MAX = 22
};

/* How to print an integer parameter. */
enum kite_fmt { KITE_FMT_DEC = 0, KITE_FMT_HEX = 1, KITE_FMT_OCT = 2 };

/*
 * Where a driver takes a parameter from.  Not written to files: readers need
 * only the kind.  Drivers are generic over this.
 */
enum kite_src {
	KITE_SRC_SPECIAL = 0, /* computed by driver code for this event */
	KITE_SRC_RET = 1,     /* the syscall's return value */
	KITE_SRC_ARG0 = 2,    /* syscall argument n is KITE_SRC_ARG0 + n */
};
#define KITE_SRC_ARG(n) (KITE_SRC_ARG0 + (n))
/* Flag on src: read at syscall entry (the kernel may reread it later). */
#define KITE_SRC_ENTRY 0x80

/* Event categories (Falco's evt.category names). */
enum kite_category {
	KITE_CAT_UNKNOWN = 0,
	KITE_CAT_FILE,
	KITE_CAT_NET,
	KITE_CAT_IPC,
	KITE_CAT_MEMORY,
	KITE_CAT_PROCESS,
	KITE_CAT_SIGNAL,
	KITE_CAT_USER,
	KITE_CAT_SYSTEM,
	KITE_CAT_IO_READ,
	KITE_CAT_IO_WRITE,
	KITE_CAT_IO_OTHER,
	KITE_CAT_STATE, /* snapshot records, not events */
	KITE_CAT_META,  /* drops and other records about the capture itself */
	KITE_CAT_COUNT
};

/* Event flags. */
#define KITE_EF_SYSCALL        0x0001 /* a system call, recorded at its exit */
#define KITE_EF_CREATES_FD     0x0002 /* on success, the result is a new fd */
#define KITE_EF_CLOSES_FD      0x0004
#define KITE_EF_FORK           0x0008 /* creates a thread or process */
#define KITE_EF_EXEC           0x0010
#define KITE_EF_STATE          0x0020 /* a state-snapshot record */
#define KITE_EF_IO             0x0040 /* only recorded with --io */
#define KITE_EF_MODIFIES_STATE 0x0080 /* kept by source filters: replay needs it */
#define KITE_EF_ENTER          0x0100 /* an event Falco has only as an enter event (evt.dir '>') */

#define KITE_NOREF      0xff
#define KITE_MAX_PARAMS 64 /* no event has more parameters */
#define KITE_NOTABLE    0

struct kite_param_desc {
	const char *name; /* Falco's evt.arg name */
	uint8_t kind;     /* enum kite_kind */
	uint8_t fmt;      /* enum kite_fmt */
	uint8_t ref;      /* index of a related param (the dirfd of a relpath) */
	uint8_t src;      /* enum kite_src, | KITE_SRC_ENTRY; not serialised */
	uint16_t table;   /* flag/enum table id, KITE_NOTABLE if none */
};

struct kite_event_desc {
	uint16_t id;
	uint8_t category; /* enum kite_category */
	uint8_t nparams;
	uint16_t flags;   /* KITE_EF_* */
	int16_t sysnr;    /* host syscall number, -1 if not a syscall; not serialised */
	const char *name; /* Falco's evt.type name */
	const struct kite_param_desc *params;
};

/* One named value of a flag or enum table. */
struct kite_flag_entry {
	uint64_t mask; /* a flag matches when (value & mask) == this.value */
	uint64_t value;
	const char *name;
};

enum kite_table_kind { KITE_TABLE_FLAGS = 0, KITE_TABLE_ENUM = 1 };

struct kite_flag_table {
	uint16_t id;
	uint8_t kind; /* enum kite_table_kind */
	const char *name;
	uint16_t nentries;
	const struct kite_flag_entry *entries;
};

/*
 * A schema: the built-in one, or one read from a file.  Events are looked up
 * by id through a dense array (NULL where an id is unused).
 */
struct kite_schema {
	uint32_t max_event_id; /* events[] has max_event_id+1 slots */
	const struct kite_event_desc **events;
	uint32_t ntables;
	const struct kite_flag_table **tables; /* indexed by table id, may hold NULLs */
	uint32_t max_table_id;
	void *owned; /* storage of a deserialised schema */
	/*
	 * Unique in the process (kite_schema_serial): what caches keyed by schema
	 * compare, since a freed schema's address can come back for another one.
	 */
	uint64_t serial;
};

/* A new serial for a schema being made. */
uint64_t kite_schema_serial(void);

/* The schema compiled into this kite. */
const struct kite_schema *kite_schema_builtin(void);

static inline const struct kite_event_desc *kite_schema_event(const struct kite_schema *s, uint32_t id)
{
	return id <= s->max_event_id ? s->events[id] : NULL;
}

static inline const struct kite_flag_table *kite_schema_table(const struct kite_schema *s, uint32_t id)
{
	return (id && id <= s->max_table_id) ? s->tables[id] : NULL;
}

const struct kite_event_desc *kite_schema_find(const struct kite_schema *s, const char *name);
int kite_param_index(const struct kite_event_desc *d, const char *name); /* -1 if absent */
const char *kite_kind_name(unsigned kind);
/*
 * The width in bytes drivers write an integer parameter with (1, 2, 4 or 8),
 * or 0 for variable-length kinds.  Readers accept any of the four widths.
 */
unsigned kite_param_width(const struct kite_param_desc *p);
const char *kite_category_name(unsigned cat);

/* Serialise to the SCHEMA block's content; returns a malloc'd buffer. */
uint8_t *kite_schema_serialize(const struct kite_schema *s, size_t *len);
/* Parse a SCHEMA block's content; NULL and a message in err on malformed input. */
struct kite_schema *kite_schema_parse(const uint8_t *buf, size_t len, char *err, size_t errlen);
void kite_schema_free(struct kite_schema *s);

/* Render a flag/enum value as "A|B|0x40" (flags) or "NAME" (enum) into out. */
size_t kite_flags_format(const struct kite_flag_table *t, uint64_t v, char *out, size_t outlen);

/* Validate the built-in table (unique ids and names, refs in range); for tests. */
int kite_schema_check(const struct kite_schema *s, char *err, size_t errlen);

#endif

/* scap_flags.c - where ppm and kite differ: flag values (one table per set, both directions) and parameter names. */
#include <string.h>

#include "scap.h"

#include "events.h"

/* {ppm bit(s), kite value}; a kite value may span several bits (SYNC includes DSYNC). */
struct pair {
	uint64_t ppm, kite;
};

/* Open flags but the access mode (ppm: RDONLY 1, WRONLY 2, RDWR 3; Linux: 0, 1, 2). */
static const struct pair open_pairs[] = {
        {1u << 2, 0100},       /* CREAT */
        {1u << 3, 02000},      /* APPEND */
        {1u << 4, 010000},     /* DSYNC */
        {1u << 5, 0200},       /* EXCL */
        {1u << 6, 04000},      /* NONBLOCK */
        {1u << 7, 04010000},   /* SYNC (includes DSYNC) */
        {1u << 8, 01000},      /* TRUNC */
        {1u << 9, 040000},     /* DIRECT */
        {1u << 10, 0200000},   /* DIRECTORY */
        {1u << 11, 0100000},   /* LARGEFILE */
        {1u << 12, 02000000},  /* CLOEXEC */
        {1u << 13, 020200000}, /* TMPFILE (includes DIRECTORY) */
};

static const struct pair clone_pairs[] = {
        {1u << 0, 0x400},       {1u << 1, 0x200},      {1u << 2, 0x80000000u}, {1u << 3, 0x8000000},
        {1u << 4, 0x40000000},  {1u << 5, 0x20000},    {1u << 6, 0x20000000},  {1u << 7, 0x4000000},
        {1u << 8, 0x8000},      {1u << 9, 0x100000},   {1u << 10, 0x2000},     {1u << 11, 0x800},
        {1u << 12, 0x40000},    {1u << 13, 0x10000},   {1u << 14, 0x800000},   {1u << 15, 0x100},
        {1u << 20, 0x10000000}, {1u << 23, 0x200000},  {1u << 24, 0x1000000},  {1u << 25, 0x80000},
        {1u << 27, 0x4000},     {1u << 28, 0x2000000},
};

/* PPM_EXE_WRITABLE 1, UPPER_LAYER 2, FROM_MEMFD 4, LOWER_LAYER 8: kite's EXE_* bits */
static const struct pair execve_pairs[] = {
        {1, KITE_EXE_WRITABLE},
        {2, KITE_EXE_UPPER_LAYER},
        {4, KITE_EXE_FROM_MEMFD},
        {8, KITE_EXE_LOWER_LAYER},
};

static const struct pair prot_pairs[] = {
        {1u << 0, 0x1},       /* READ */
        {1u << 1, 0x2},       /* WRITE */
        {1u << 2, 0x4},       /* EXEC */
        {1u << 3, 0x8},       /* SEM */
        {1u << 4, 0x1000000}, /* GROWSDOWN */
        {1u << 5, 0x2000000}, /* GROWSUP */
};

static const struct pair mmap_pairs[] = {
        {1u << 0, 0x01},    /* SHARED */
        {1u << 1, 0x02},    /* PRIVATE */
        {1u << 2, 0x10},    /* FIXED */
        {1u << 3, 0x20},    /* ANONYMOUS */
        {1u << 4, 0x40},    /* 32BIT */
        {1u << 6, 0x4000},  /* NORESERVE */
        {1u << 7, 0x8000},  /* POPULATE */
        {1u << 8, 0x10000}, /* NONBLOCK */
        {1u << 9, 0x0100},  /* GROWSDOWN */
        {1u << 10, 0x0800}, /* DENYWRITE */
        {1u << 11, 0x1000}, /* EXECUTABLE */
        {1u << 14, 0x2000}, /* LOCKED */
};

static const struct pair resolve_pairs[] = {
        {1u << 0, 0x08}, /* BENEATH */
        {1u << 1, 0x10}, /* IN_ROOT */
        {1u << 2, 0x02}, /* NO_MAGICLINKS */
        {1u << 3, 0x04}, /* NO_SYMLINKS */
        {1u << 4, 0x01}, /* NO_XDEV */
        {1u << 5, 0x20}, /* CACHED */
};

/* ppm has SQ_NEED_WAKEUP at bit 2, so the setup flags from SQ_AFF on sit one bit higher than Linux's */
static const struct pair io_uring_pairs[] = {
        {1u << 0, 1u << 0}, {1u << 1, 1u << 1}, {1u << 3, 1u << 2}, {1u << 4, 1u << 3},
        {1u << 5, 1u << 4}, {1u << 6, 1u << 5}, {1u << 7, 1u << 6},
};

static const struct pair delmod_pairs[] = {
        {1u << 0, 01000}, /* O_TRUNC */
        {1u << 1, 04000}, /* O_NONBLOCK */
};

/* Enumerations: {ppm value, Linux value}, matched whole. */
static const struct pair fcntl_values[] = {
        {1, 0},   {2, 1},     {3, 2},     {4, 3},     {5, 4},     {6, 5},     {8, 6},     {9, 7},
        {10, 8},  {12, 9},    {13, 10},   {15, 11},   {21, 15},   {22, 16},   {30, 36},   {31, 37},
        {32, 38}, {23, 1024}, {24, 1025}, {27, 1026}, {25, 1029}, {26, 1030}, {28, 1031}, {29, 1032},
};

static const struct pair ptrace_values[] = {
        {1, 0},       {2, 1},       {3, 2},       {4, 3},       {5, 4},       {6, 5},       {7, 6},
        {8, 7},       {9, 8},       {10, 9},      {11, 16},     {12, 17},     {13, 24},     {14, 0x4200},
        {15, 0x4201}, {16, 0x4202}, {17, 0x4203}, {18, 0x4204}, {19, 0x4205}, {20, 0x4206}, {21, 0x4207},
        {22, 0x4208}, {23, 0x4209}, {24, 0x420a}, {25, 0x420b}, {26, 12},     {27, 13},     {28, 14},
        {29, 15},     {30, 18},     {31, 19},     {32, 21},     {33, 25},     {34, 26},     {35, 30},
        {36, 31},     {37, 32},     {38, 33},
};

#define PAIRS(a) (*n = sizeof(a) / sizeof(a[0]), a)

static const struct pair *pairs_of(enum scap_flagset set, size_t *n)
{
	switch (set) {
	case SCAP_FLAGS_OPEN: return PAIRS(open_pairs);
	case SCAP_FLAGS_CLONE: return PAIRS(clone_pairs);
	case SCAP_FLAGS_EXECVE: return PAIRS(execve_pairs);
	case SCAP_FLAGS_PROT: return PAIRS(prot_pairs);
	case SCAP_FLAGS_MMAP: return PAIRS(mmap_pairs);
	case SCAP_FLAGS_RESOLVE: return PAIRS(resolve_pairs);
	case SCAP_FLAGS_IO_URING: return PAIRS(io_uring_pairs);
	case SCAP_FLAGS_DELMOD: return PAIRS(delmod_pairs);
	case SCAP_ENUM_FCNTL: return PAIRS(fcntl_values);
	case SCAP_ENUM_PTRACE: return PAIRS(ptrace_values);
	default: *n = 0; return NULL;
	}
}

static int is_enum(enum scap_flagset set)
{
	return set == SCAP_ENUM_FCNTL || set == SCAP_ENUM_PTRACE;
}

/*
 * An enumeration value with no counterpart: ppm's "unknown" (0) has none in
 * Linux, where 0 means F_DUPFD or PTRACE_TRACEME, so it becomes a number no
 * call uses rather than a wrong name.
 */
#define ENUM_UNKNOWN_LINUX 0xffffu

static uint64_t enum_map(const struct pair *p, size_t n, uint64_t v, int to_ppm)
{
	for (size_t i = 0; i < n; i++)
		if (v == (to_ppm ? p[i].kite : p[i].ppm))
			return to_ppm ? p[i].ppm : p[i].kite;
	return to_ppm ? 0 : ENUM_UNKNOWN_LINUX;
}

enum scap_flagset scap_flagset_of(const char *info)
{
	static const struct {
		const char *info;
		enum scap_flagset set;
	} by_info[] = {
	        {"file_flags", SCAP_FLAGS_OPEN},
	        {"clone_flags", SCAP_FLAGS_CLONE},
	        {"execve_flags", SCAP_FLAGS_EXECVE},
	        {"execveat_flags", SCAP_FLAGS_EXECVE},
	        {"prot_flags", SCAP_FLAGS_PROT},
	        {"mmap_flags", SCAP_FLAGS_MMAP},
	        {"openat2_flags", SCAP_FLAGS_RESOLVE},
	        {"io_uring_setup_flags", SCAP_FLAGS_IO_URING},
	        {"delete_module_flags", SCAP_FLAGS_DELMOD},
	        {"fcntl_commands", SCAP_ENUM_FCNTL},
	        {"ptrace_requests", SCAP_ENUM_PTRACE},
	};
	for (size_t i = 0; info && i < sizeof(by_info) / sizeof(by_info[0]); i++)
		if (!strcmp(info, by_info[i].info))
			return by_info[i].set;
	return SCAP_FLAGS_NONE;
}

uint64_t scap_flags_from_ppm(enum scap_flagset set, uint64_t v)
{
	size_t n;
	const struct pair *p = pairs_of(set, &n);
	if (is_enum(set))
		return enum_map(p, n, v, 0);
	uint64_t out = 0;
	for (size_t i = 0; i < n; i++)
		if ((v & p[i].ppm) == p[i].ppm)
			out |= p[i].kite;
	if (set == SCAP_FLAGS_OPEN)
		out |= (v & 3) == 3 ? 02 : (v & 3) == 2 ? 01 : 0;
	return out;
}

uint64_t scap_flags_to_ppm(enum scap_flagset set, uint64_t v)
{
	size_t n;
	const struct pair *p = pairs_of(set, &n);
	if (is_enum(set))
		return enum_map(p, n, v, 1);
	uint64_t out = 0;
	for (size_t i = 0; i < n; i++)
		if ((v & p[i].kite) == p[i].kite)
			out |= p[i].ppm;
	if (set != SCAP_FLAGS_OPEN)
		return out;
	/* a wider Linux value also matched the narrower one it includes */
	if (out & (1u << 13))
		out &= ~(uint64_t)(1u << 10);
	if (out & (1u << 7))
		out &= ~(uint64_t)(1u << 4);
	switch (v & 3) {
	case 0: return out | 1; /* RDONLY */
	case 1: return out | 2; /* WRONLY */
	default: return out | 3;
	}
}

int scap_tuple_swap(const uint8_t *in, uint32_t n, uint8_t *out)
{
	uint32_t half;
	if (n == 1 + 2 * (4 + 2) && in[0] == 2)
		half = 4 + 2;
	else if (n == 1 + 2 * (16 + 2) && in[0] == 10)
		half = 16 + 2;
	else
		return 0;
	out[0] = in[0];
	memcpy(out + 1, in + 1 + half, half);
	memcpy(out + 1 + half, in + 1, half);
	return 1;
}

int scap_tuple_inbound(const char *event_name)
{
	return !strcmp(event_name, "recvfrom") || !strcmp(event_name, "recvmsg");
}

/* ---- parameter names: kite's that ppm's table calls otherwise ---- */

static const struct {
	const char *event, *kite, *ppm;
} param_aliases[] = {
        {"dup", "oldfd", "fd"},
        {"dup2", "oldfd", "fd"},
        {"dup3", "oldfd", "fd"},
};

const char *scap_alias_ppm(const char *event, const char *kite)
{
	for (size_t i = 0; i < sizeof(param_aliases) / sizeof(param_aliases[0]); i++)
		if (!strcmp(param_aliases[i].event, event) && !strcmp(param_aliases[i].kite, kite))
			return param_aliases[i].ppm;
	return NULL;
}

const char *scap_alias_kite(const char *event, const char *ppm)
{
	for (size_t i = 0; i < sizeof(param_aliases) / sizeof(param_aliases[0]); i++)
		if (!strcmp(param_aliases[i].event, event) && !strcmp(param_aliases[i].ppm, ppm))
			return param_aliases[i].kite;
	return NULL;
}

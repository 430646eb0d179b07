/* scap_flags.c - ppm flag values and kite's (Linux's) for the tables kite decodes: one table per set, both directions. */
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

static const struct pair *pairs_of(enum scap_flagset set, size_t *n)
{
	switch (set) {
	case SCAP_FLAGS_OPEN: *n = sizeof(open_pairs) / sizeof(open_pairs[0]); return open_pairs;
	case SCAP_FLAGS_CLONE: *n = sizeof(clone_pairs) / sizeof(clone_pairs[0]); return clone_pairs;
	default: *n = sizeof(execve_pairs) / sizeof(execve_pairs[0]); return execve_pairs;
	}
}

uint64_t scap_flags_from_ppm(enum scap_flagset set, uint64_t v)
{
	size_t n;
	const struct pair *p = pairs_of(set, &n);
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

/* options.h - kite-record's command line: what it accepts, parsed and checked. */
#ifndef KITE_RECORD_OPTIONS_H
#define KITE_RECORD_OPTIONS_H

#include <stdint.h>

#include "rotate.h"

struct options {
	const char *path;
	uint32_t snaplen;
	int io, all, no_env, verbose;
	double duration;
	double keyframe; /* seconds between keyframes (state snapshots mid-file); 0: none */
	uint64_t max_events;
	uint32_t ring_mb;
	const char *driver;
	char **command;
	struct rotation rot;
	int32_t pids[64];
	unsigned npids;
	int follow;
	const char *comm;
	const char *container;
};

/*
 * Parses argv into o.  Returns -1 to go on recording, or the exit status to
 * end with at once (0 after --help or --version, 2 on a usage error, 1 when
 * a --pid does not exist).
 */
int parse_options(int argc, char **argv, struct options *o);

/* The --pid processes and, with --follow, those now descending from them; returns how many. */
unsigned collect_pids(const struct options *o, int32_t *out, unsigned max);
/* The filters as the capture header records them (malloc'd). */
char *describe_filters(const struct options *o);

#endif

/* rotate.c - names and opens kite-record's output files, rotating by size or time without clobbering others' files. */
#include "rotate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* FILE, FILE1, FILE2 ... as tcpdump -C; with -W, FILE0 .. FILE(W-1), padded to one width. */
static void make_name(const struct rotation *r, char *out, size_t len)
{
	char base[4096];
	if (r->period_ns && strchr(r->base, '%')) {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		if (strftime(base, sizeof(base), r->base, &tm) == 0)
			snprintf(base, sizeof(base), "%s", r->base);
		if (!r->max_bytes && !r->count) { /* the time in the name tells the files apart */
			snprintf(out, len, "%s", base);
			return;
		}
	} else {
		snprintf(base, sizeof(base), "%s", r->base);
	}
	if (r->count) {
		int width = snprintf(NULL, 0, "%u", r->count - 1);
		snprintf(out, len, "%s%0*u", base, width, r->seq % r->count);
	} else if (r->seq == 0) {
		snprintf(out, len, "%s", base);
	} else {
		snprintf(out, len, "%s%u", base, r->seq);
	}
}

static int is_mine(const struct rotation *r, const char *name)
{
	for (uint32_t i = 0; i < r->nmine; i++)
		if (strcmp(r->mine[i], name) == 0)
			return 1;
	return 0;
}

static void remember(struct rotation *r, const char *name)
{
	if (is_mine(r, name))
		return;
	char **m = realloc(r->mine, (r->nmine + 1) * sizeof(*m));
	if (!m)
		return;
	r->mine = m;
	r->mine[r->nmine] = strdup(name);
	if (r->mine[r->nmine])
		r->nmine++;
}

int rotation_open_next(struct rotation *r, char *name, size_t namelen, char *err, size_t errlen)
{
	make_name(r, name, namelen);
	int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	if (rotation_on(r) && !is_mine(r, name))
		flags |= O_EXCL; /* never clobber a file this run did not write */
	int fd = open(name, flags, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			snprintf(err, errlen,
			         "%s exists and was not written by this run: kite-record does not "
			         "overwrite it when rotating (move it away, or pick another -w name)",
			         name);
		else
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	fchmod(fd, 0600); /* a file this run wrote before keeps its mode otherwise */
	remember(r, name);
	r->seq++;
	return fd;
}

void rotation_free(struct rotation *r)
{
	for (uint32_t i = 0; i < r->nmine; i++)
		free(r->mine[i]);
	free(r->mine);
	r->mine = NULL;
	r->nmine = 0;
}

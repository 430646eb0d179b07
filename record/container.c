/* container.c - maps a container id to the cgroups its processes live in, by walking cgroupfs. */
#define _XOPEN_SOURCE 700
#include "container.h"

#include <ftw.h>
#include <stdio.h>
#include <string.h>

static const char *want_id;
static uint64_t *found;
static unsigned nfound, maxfound;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D && strstr(path, want_id) && nfound < maxfound)
		found[nfound++] = (uint64_t)st->st_ino; /* a cgroup's inode number is its kernfs id */
	return 0;
}

int container_id_check(const char *id, char *err, size_t errlen)
{
	size_t n = strlen(id);
	if (n < 12 || n > 64 || strspn(id, "0123456789abcdef") != n) {
		snprintf(err, errlen,
		         "--container wants a container id: 12 to 64 lowercase hex digits, not '%s'", id);
		return -1;
	}
	return 0;
}

int find_container_cgroups(const char *id, uint64_t *ids, unsigned max, char *err, size_t errlen)
{
	if (container_id_check(id, err, errlen))
		return -1;
	want_id = id;
	found = ids;
	nfound = 0;
	maxfound = max;
	nftw("/sys/fs/cgroup", visit, 32, FTW_PHYS);
	return (int)nfound;
}

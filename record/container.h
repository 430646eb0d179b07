/* container.h - finding a running container's cgroups, for kite-record --container. */
#ifndef KITE_CONTAINER_H
#define KITE_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

/* 0 if id looks like a container id (12 to 64 lowercase hex digits), else -1 with a message. */
int container_id_check(const char *id, char *err, size_t errlen);

/*
 * Fills ids with the kernfs ids (the inode numbers in cgroupfs) of every
 * cgroup directory below /sys/fs/cgroup whose path contains the container id
 * (docker, containerd, podman and CRI-O all name their cgroups after it).
 * Returns how many, or -1 with a message (a malformed id).
 */
int find_container_cgroups(const char *id, uint64_t *ids, unsigned max, char *err, size_t errlen);

#endif

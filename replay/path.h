/* path.h - path arithmetic as Falco does it: join a relative path to a directory and normalise . and .. */
#ifndef KITE_PATH_H
#define KITE_PATH_H

#include <stddef.h>

/*
 * Writes the absolute, normalised form of path (plen bytes) into out: path
 * itself when it is absolute, else base + "/" + path.  "." and empty
 * components vanish, ".." removes the previous component (never above "/").
 * A trailing '/' of the input is dropped (except for "/" itself).  Returns
 * the length written; out always gets a NUL when outlen > 0 (the result is
 * cut to outlen - 1 bytes).
 */
size_t kite_path_join(const char *base, size_t blen, const char *path, size_t plen, char *out, size_t outlen);

#endif

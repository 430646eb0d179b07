/* path.c - path arithmetic: joining relative paths to a directory and normalising . and .. like Falco. */
#include "path.h"

#include <string.h>

/* Appends one component to out (which holds an absolute path of *n bytes), handling . and .. */
static void push_component(char *out, size_t outlen, size_t *n, const char *c, size_t clen)
{
	if (clen == 0 || (clen == 1 && c[0] == '.'))
		return;
	if (clen == 2 && c[0] == '.' && c[1] == '.') {
		while (*n > 1 && out[*n - 1] != '/')
			(*n)--;
		if (*n > 1)
			(*n)--; /* the slash before the removed component */
		return;
	}
	if (*n > 1 && *n < outlen)
		out[(*n)++] = '/';
	for (size_t i = 0; i < clen && *n < outlen; i++)
		out[(*n)++] = c[i];
}

/* Splits s into '/'-separated components and pushes each. */
static void push_all(char *out, size_t outlen, size_t *n, const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && s[j] != '/' && s[j] != '\0')
			j++;
		push_component(out, outlen, n, s + i, j - i);
		if (j < len && s[j] == '\0')
			break;
		i = j + 1;
	}
}

size_t kite_path_join(const char *base, size_t blen, const char *path, size_t plen, char *out, size_t outlen)
{
	if (outlen == 0)
		return 0;
	size_t cap = outlen - 1, n = 0;
	if (cap == 0) {
		out[0] = '\0';
		return 0;
	}
	out[n++] = '/';
	if (!(plen > 0 && path[0] == '/') && base)
		push_all(out, cap, &n, base, blen);
	push_all(out, cap, &n, path, plen);
	out[n] = '\0';
	return n;
}

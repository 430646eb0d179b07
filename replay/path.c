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

/*
 * push_all when out has room for all of s (at least len + 1 bytes past *n):
 * one pass that copies each component as it finds its end, then takes it
 * back when it was "." or "..".  No bound checks per byte.
 */
static size_t push_all_roomy(char *out, size_t n, const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		char ch = s[i];
		if (ch == '/') {
			i++;
			continue;
		}
		if (ch == '\0')
			break;
		size_t before = n; /* a component starts at i */
		if (n > 1)
			out[n++] = '/';
		size_t start = n;
		do {
			out[n++] = ch;
		} while (++i < len && (ch = s[i]) != '/' && ch != '\0');
		size_t clen = n - start;
		if (out[start] == '.' && (clen == 1 || (clen == 2 && out[start + 1] == '.'))) {
			n = before;
			if (clen == 2) { /* ".." takes the previous component away, never "/" */
				while (n > 1 && out[n - 1] != '/')
					n--;
				if (n > 1)
					n--;
			}
		}
	}
	return n;
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
	/* when the result cannot be cut at cap (see push_all_roomy), the bound checks can go */
	if (!(plen > 0 && path[0] == '/') && base) {
		if (cap >= 3 && blen <= cap - 3 && plen <= cap - 3 - blen)
			n = push_all_roomy(out, push_all_roomy(out, n, base, blen), path, plen);
		else {
			push_all(out, cap, &n, base, blen);
			push_all(out, cap, &n, path, plen);
		}
	} else if (cap >= 2 && plen <= cap - 2) {
		n = push_all_roomy(out, n, path, plen);
	} else {
		push_all(out, cap, &n, path, plen);
	}
	out[n] = '\0';
	return n;
}

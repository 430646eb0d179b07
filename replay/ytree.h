/* ytree.h - a YAML file as a small tree of scalars, sequences and mappings, each node with its line and column (built with libyaml). */
#ifndef KITE_YTREE_H
#define KITE_YTREE_H

#include <stddef.h>

enum ynode_kind { YN_NULL, YN_SCALAR, YN_SEQ, YN_MAP };

struct ynode {
	enum ynode_kind kind;
	unsigned line, col; /* 1-based, where the node starts in the file */
	int quoted;         /* a scalar written in quotes (so "true" is a string, not a boolean) */
	char *str;          /* scalar text, NUL-terminated (may contain NULs: see len) */
	size_t len;
	struct ynode **kid; /* sequence: the items; mapping: key, value, key, value, ... */
	size_t n;           /* number of entries in kid */
};

/*
 * Parses every document of a YAML stream.  Returns an array of document roots
 * (*ndocs of them; an empty document is a YN_NULL node), or NULL with
 * "line L column C: what" in err.  Aliases are expanded as copies; the whole
 * tree is limited to a million nodes and a nesting depth of 64 so that hostile
 * input cannot exhaust memory or the stack.
 */
struct ynode **ytree_parse(const char *text, size_t len, size_t *ndocs, char *err, size_t errlen);
void ytree_free_docs(struct ynode **docs, size_t ndocs);

/* The value of key in a mapping, NULL when absent (or when map is not a mapping). */
const struct ynode *ymap_get(const struct ynode *map, const char *key);
/* 1/0 for a YAML boolean scalar (true/false/yes/no/on/off, any case), -1 otherwise. */
int ynode_bool(const struct ynode *n);
/* "a scalar", "a sequence", "a mapping" or "empty", for messages. */
const char *ynode_kind_name(const struct ynode *n);

#endif

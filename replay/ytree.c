/* ytree.c - builds a ytree from libyaml's event stream: positions kept, aliases copied, size and depth bounded. */
#include "ytree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define YT_MAX_NODES 1000000u
#define YT_MAX_DEPTH 64

struct anchor {
	char *name;
	struct ynode *node;
};

struct builder {
	yaml_parser_t p;
	struct anchor *anchors;
	size_t nanchors;
	size_t nodes;
	char *err;
	size_t errlen;
};

static void yt_err(struct builder *b, const yaml_mark_t *m, const char *what)
{
	snprintf(b->err, b->errlen, "line %zu column %zu: %s", m->line + 1, m->column + 1, what);
}

static void node_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		node_free(n->kid[i]);
	free(n->kid);
	free(n->str);
	free(n);
}

static struct ynode *node_new(struct builder *b, enum ynode_kind k, const yaml_mark_t *m)
{
	if (++b->nodes > YT_MAX_NODES) {
		yt_err(b, m, "more than a million YAML nodes (alias expansion?)");
		return NULL;
	}
	struct ynode *n = calloc(1, sizeof(*n));
	if (!n) {
		yt_err(b, m, "out of memory");
		return NULL;
	}
	n->kind = k;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	return n;
}

static int node_add(struct builder *b, struct ynode *parent, struct ynode *kid, const yaml_mark_t *m)
{
	if ((parent->n & (parent->n - 1)) == 0) { /* grow at powers of two */
		size_t cap = parent->n ? parent->n * 2 : 4;
		struct ynode **k = realloc(parent->kid, cap * sizeof(*k));
		if (!k) {
			yt_err(b, m, "out of memory");
			return -1;
		}
		parent->kid = k;
	}
	parent->kid[parent->n++] = kid;
	return 0;
}

static struct ynode *node_copy(struct builder *b, const struct ynode *src, const yaml_mark_t *m)
{
	struct ynode *n = node_new(b, src->kind, m);
	if (!n)
		return NULL;
	n->line = src->line;
	n->col = src->col;
	n->quoted = src->quoted;
	if (src->str) {
		n->str = malloc(src->len + 1);
		if (!n->str) {
			node_free(n);
			return NULL;
		}
		memcpy(n->str, src->str, src->len + 1);
		n->len = src->len;
	}
	for (size_t i = 0; i < src->n; i++) {
		struct ynode *k = node_copy(b, src->kid[i], m);
		if (!k || node_add(b, n, k, m) < 0) {
			node_free(k);
			node_free(n);
			return NULL;
		}
	}
	return n;
}

static int remember_anchor(struct builder *b, const yaml_char_t *name, struct ynode *n)
{
	if (!name)
		return 0;
	struct anchor *a = realloc(b->anchors, (b->nanchors + 1) * sizeof(*a));
	if (!a)
		return -1;
	b->anchors = a;
	a[b->nanchors].name = strdup((const char *)name);
	a[b->nanchors].node = n;
	return a[b->nanchors++].name ? 0 : -1;
}

static struct ynode *lookup_anchor(struct builder *b, const char *name)
{
	for (size_t i = b->nanchors; i-- > 0;)
		if (!strcmp(b->anchors[i].name, name))
			return b->anchors[i].node;
	return NULL;
}

static struct ynode *parse_node(struct builder *b, yaml_event_t *ev, int depth);

/* Reads the items of a sequence or mapping until its end event. */
static struct ynode *parse_children(struct builder *b, struct ynode *n, yaml_event_type_t end, int depth)
{
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&b->p, &ev)) {
			yt_err(b, &b->p.problem_mark, b->p.problem ? b->p.problem : "malformed YAML");
			node_free(n);
			return NULL;
		}
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return n;
		}
		yaml_mark_t m = ev.start_mark;
		struct ynode *k = parse_node(b, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!k || node_add(b, n, k, &m) < 0) {
			node_free(k);
			node_free(n);
			return NULL;
		}
	}
}

static struct ynode *parse_scalar(struct builder *b, yaml_event_t *ev)
{
	struct ynode *n = node_new(b, YN_SCALAR, &ev->start_mark);
	if (!n)
		return NULL;
	size_t len = ev->data.scalar.length;
	n->str = malloc(len + 1);
	if (!n->str) {
		node_free(n);
		return NULL;
	}
	memcpy(n->str, ev->data.scalar.value, len);
	n->str[len] = 0;
	n->len = len;
	n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	            ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	/* a plain ~, null or empty scalar is YAML's null */
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (len == 0 || !strcmp(n->str, "~") || !strcasecmp(n->str, "null")))
		n->kind = YN_NULL;
	return n;
}

static struct ynode *parse_node(struct builder *b, yaml_event_t *ev, int depth)
{
	if (depth > YT_MAX_DEPTH) {
		yt_err(b, &ev->start_mark, "nested deeper than 64 levels");
		return NULL;
	}
	struct ynode *n = NULL;
	const yaml_char_t *anchor = NULL;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		n = parse_scalar(b, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		n = node_new(b, YN_SEQ, &ev->start_mark);
		n = n ? parse_children(b, n, YAML_SEQUENCE_END_EVENT, depth) : NULL;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		n = node_new(b, YN_MAP, &ev->start_mark);
		n = n ? parse_children(b, n, YAML_MAPPING_END_EVENT, depth) : NULL;
		break;
	case YAML_ALIAS_EVENT: {
		const struct ynode *src = lookup_anchor(b, (const char *)ev->data.alias.anchor);
		if (!src) {
			yt_err(b, &ev->start_mark, "alias to an unknown anchor");
			return NULL;
		}
		return node_copy(b, src, &ev->start_mark);
	}
	default: yt_err(b, &ev->start_mark, "unexpected YAML event"); return NULL;
	}
	if (n && remember_anchor(b, anchor, n) < 0) {
		yt_err(b, &ev->start_mark, "out of memory");
		node_free(n);
		return NULL;
	}
	return n;
}

/* One document: its root, or a YN_NULL node for an empty one. */
static struct ynode *parse_document(struct builder *b, const yaml_mark_t *start)
{
	yaml_event_t ev;
	if (!yaml_parser_parse(&b->p, &ev)) {
		yt_err(b, &b->p.problem_mark, b->p.problem ? b->p.problem : "malformed YAML");
		return NULL;
	}
	struct ynode *root;
	if (ev.type == YAML_DOCUMENT_END_EVENT)
		root = node_new(b, YN_NULL, start);
	else
		root = parse_node(b, &ev, 0);
	int was_end = ev.type == YAML_DOCUMENT_END_EVENT;
	yaml_event_delete(&ev);
	if (!root || was_end)
		return root;
	if (!yaml_parser_parse(&b->p, &ev) || ev.type != YAML_DOCUMENT_END_EVENT) {
		yt_err(b, &b->p.problem_mark,
		       b->p.problem ? b->p.problem : "expected the end of the document");
		if (ev.type != YAML_NO_EVENT)
			yaml_event_delete(&ev);
		node_free(root);
		return NULL;
	}
	yaml_event_delete(&ev);
	return root;
}

static void builder_done(struct builder *b)
{
	for (size_t i = 0; i < b->nanchors; i++)
		free(b->anchors[i].name);
	free(b->anchors);
	yaml_parser_delete(&b->p);
}

struct ynode **ytree_parse(const char *text, size_t len, size_t *ndocs, char *err, size_t errlen)
{
	struct builder b = {.err = err, .errlen = errlen};
	struct ynode **docs = NULL;
	size_t n = 0;
	*ndocs = 0;
	if (!yaml_parser_initialize(&b.p)) {
		snprintf(err, errlen, "cannot start the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&b.p, (const unsigned char *)text, len);
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&b.p, &ev)) {
			yt_err(&b, &b.p.problem_mark, b.p.problem ? b.p.problem : "malformed YAML");
			goto fail;
		}
		yaml_event_type_t t = ev.type;
		yaml_mark_t m = ev.start_mark;
		yaml_event_delete(&ev);
		if (t == YAML_STREAM_END_EVENT)
			break;
		if (t != YAML_DOCUMENT_START_EVENT)
			continue; /* stream start */
		struct ynode *root = parse_document(&b, &m);
		if (!root)
			goto fail;
		struct ynode **d = realloc(docs, (n + 1) * sizeof(*d));
		if (!d) {
			node_free(root);
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		docs = d;
		docs[n++] = root;
		/* anchors are per document */
		for (size_t i = 0; i < b.nanchors; i++)
			free(b.anchors[i].name);
		b.nanchors = 0;
	}
	builder_done(&b);
	*ndocs = n;
	if (!docs)
		docs = calloc(1, sizeof(*docs)); /* an empty stream is fine: no documents */
	return docs;
fail:
	builder_done(&b);
	ytree_free_docs(docs, n);
	return NULL;
}

void ytree_free_docs(struct ynode **docs, size_t ndocs)
{
	for (size_t i = 0; docs && i < ndocs; i++)
		node_free(docs[i]);
	free(docs);
}

const struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *k = map->kid[i];
		if (k->kind == YN_SCALAR && !strcmp(k->str, key))
			return map->kid[i + 1];
	}
	return NULL;
}

int ynode_bool(const struct ynode *n)
{
	static const char *const yes[] = {"true", "yes", "on", "y"};
	static const char *const no[] = {"false", "no", "off", "n"};
	if (!n || n->kind != YN_SCALAR || n->quoted)
		return -1;
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(n->str, yes[i]))
			return 1;
		if (!strcasecmp(n->str, no[i]))
			return 0;
	}
	return -1;
}

const char *ynode_kind_name(const struct ynode *n)
{
	if (!n)
		return "missing";
	switch (n->kind) {
	case YN_SCALAR: return "a scalar";
	case YN_SEQ: return "a sequence";
	case YN_MAP: return "a mapping";
	default: return "empty";
	}
}

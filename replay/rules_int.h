/* rules_int.h - what the rules loader, compiler and matcher share: the collected items and the diagnostics. */
#ifndef KITE_RULES_INT_H
#define KITE_RULES_INT_H

#include "rules.h"
#include "ytree.h"

/* Where an item (or one of its keys) is. */
struct rl_pos {
	const char *file;
	unsigned line, col;
};

/* A growable array of owned strings. */
struct rl_strv {
	char **v;
	size_t n;
};

struct rl_list {
	char *name;
	struct rl_pos pos;
	struct rl_strv items; /* as written (appends added) */
	unsigned index, visibility;
	int used;
	struct rl_strv expanded; /* compiled: nested lists replaced by their items, each quoted if needed */
};

struct rl_macro {
	char *name;
	struct rl_pos pos, cond_pos;
	char *cond; /* as written (appends joined with a space) */
	unsigned index, visibility;
	int used;
	char *cond_text;      /* compiled: after list substitution */
	struct kite_ast *ast; /* compiled: cond_text parsed, macros not yet expanded */
	char *compiled;       /* compiled: expanded, as libsinsp prints it */
	int bad;              /* did not compile */
};

/* One exception: fields and comps as written (a scalar or a sequence), values gathered over appends. */
struct rl_exception {
	char *name;
	struct rl_pos pos;
	const struct ynode *node; /* the exception's mapping */
	const struct ynode *fields, *comps;
	const struct ynode **values;
	size_t nvalues;
};

struct rl_rule {
	struct kite_rule pub;
	char *name, *desc, *output, *source, *cond;
	struct rl_pos pos, cond_pos;
	struct rl_strv tags;
	struct rl_exception *exc;
	size_t nexc;
	int enabled, warn_evttypes, skip_unknown;
	unsigned index;
	char *cond_text; /* compiled: with exceptions, after list substitution */
	char *compiled;  /* compiled: expanded, as libsinsp prints it */
	char *why;
	kite_filter *filter;
};

/* The per-schema index: for each event id, the active rules that can match it, in order. */
struct rl_index {
	uint64_t serial; /* of the schema it is for (kite_schema_serial) */
	uint32_t nids;
	uint32_t *start; /* nids+1 offsets into rules */
	struct rl_rule **rules;
};

struct kite_rules {
	struct rl_list **lists;
	size_t nlists;
	struct rl_macro **macros;
	size_t nmacros;
	struct rl_rule **rules;
	size_t nrules;
	unsigned counter; /* items seen so far: gives macros their index and visibility */
	struct kite_rules_diag *diags;
	size_t ndiags, nerrors;
	struct rl_strv files; /* names of the loaded files (positions point here) */
	struct ynode ***docs; /* every loaded file's documents, kept for exceptions' nodes */
	size_t *ndocs, nfiles_docs;
	int compiled;
	struct kite_rules_select sel;
	struct rl_index *idx;
	size_t nidx;
	struct rl_rule **active; /* the rules that run, in definition order */
	size_t nactive;
};

/* Memory: the loader treats running out of memory as fatal (it only ever holds rules text). */
void *rl_alloc(size_t n);
void *rl_grow(void *p, size_t n);
char *rl_strdup(const char *s);
char *rl_strndup(const char *s, size_t n);
char *rl_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rl_strv_push(struct rl_strv *v, const char *s);
void rl_strv_free(struct rl_strv *v);
int rl_strv_has(const struct rl_strv *v, const char *s);

/* Records an error or a warning. */
void rl_diag(kite_rules *r, int is_error, const char *code, const struct rl_pos *pos, const char *kind,
             const char *name, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

struct rl_list *rl_find_list(const kite_rules *r, const char *name);
struct rl_macro *rl_find_macro(const kite_rules *r, const char *name);
struct rl_rule *rl_find_rule(const kite_rules *r, const char *name);

/* Falco's quote_item: wraps an item in double quotes if it has a space and is not quoted yet. */
char *rl_quote_item(const char *s);

#endif

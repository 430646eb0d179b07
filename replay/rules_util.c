/* rules_util.c - the rules loader's small helpers: memory, string vectors, diagnostics, lookups, the engine object. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_int.h"

static void oom(void)
{
	fputs("kite: out of memory while loading rules\n", stderr);
	exit(1);
}

void *rl_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *rl_grow(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *rl_strndup(const char *s, size_t n)
{
	char *d = rl_alloc(n + 1);
	memcpy(d, s, n);
	return d;
}

char *rl_strdup(const char *s)
{
	return s ? rl_strndup(s, strlen(s)) : NULL;
}

char *rl_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = rl_alloc((size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

void rl_strv_push(struct rl_strv *v, const char *s)
{
	v->v = rl_grow(v->v, (v->n + 1) * sizeof(*v->v));
	v->v[v->n++] = rl_strdup(s);
}

void rl_strv_free(struct rl_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

int rl_strv_has(const struct rl_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return 1;
	return 0;
}

void rl_diag(kite_rules *r, int is_error, const char *code, const struct rl_pos *pos, const char *kind,
             const char *name, const char *fmt, ...)
{
	r->diags = rl_grow(r->diags, (r->ndiags + 1) * sizeof(*r->diags));
	struct kite_rules_diag *d = &r->diags[r->ndiags++];
	memset(d, 0, sizeof(*d));
	d->is_error = is_error;
	d->code = code;
	if (pos) {
		d->file = pos->file;
		d->line = pos->line;
		d->col = pos->col;
	}
	d->item_kind = kind;
	d->item_name = rl_strdup(name);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *m = rl_alloc((size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	vsnprintf(m, (size_t)n + 1, fmt, ap);
	va_end(ap);
	d->msg = m;
	if (is_error)
		r->nerrors++;
}

const struct kite_rules_diag *kite_rules_diags(const kite_rules *r, size_t *n)
{
	*n = r->ndiags;
	return r->diags;
}

void kite_rules_print_diags(const kite_rules *r, FILE *f, const char *prefix, int errors_only)
{
	for (size_t i = 0; i < r->ndiags; i++) {
		const struct kite_rules_diag *d = &r->diags[i];
		if (errors_only && !d->is_error)
			continue;
		fputs(prefix, f);
		if (d->file && d->line)
			fprintf(f, "%s:%u:%u: ", d->file, d->line, d->col);
		else if (d->file)
			fprintf(f, "%s: ", d->file);
		fprintf(f, "%s: ", d->is_error ? "error" : "warning");
		if (d->item_kind && d->item_name)
			fprintf(f, "%s '%s': ", d->item_kind, d->item_name);
		fprintf(f, "%s [%s]\n", d->msg, d->code);
	}
}

struct rl_list *rl_find_list(const kite_rules *r, const char *name)
{
	for (size_t i = 0; i < r->nlists; i++)
		if (!strcmp(r->lists[i]->name, name))
			return r->lists[i];
	return NULL;
}

struct rl_macro *rl_find_macro(const kite_rules *r, const char *name)
{
	for (size_t i = 0; i < r->nmacros; i++)
		if (!strcmp(r->macros[i]->name, name))
			return r->macros[i];
	return NULL;
}

struct rl_rule *rl_find_rule(const kite_rules *r, const char *name)
{
	for (size_t i = 0; i < r->nrules; i++)
		if (!strcmp(r->rules[i]->name, name))
			return r->rules[i];
	return NULL;
}

char *rl_quote_item(const char *s)
{
	if (strchr(s, ' ') && s[0] != '"' && s[0] != '\'')
		return rl_printf("\"%s\"", s);
	return rl_strdup(s);
}

/* ---- priorities ---- */

static const char *const prio_names[KITE_PRIO_COUNT] = {
        "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug",
};

int kite_priority_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < KITE_PRIO_COUNT; i++)
		if (!strcasecmp(s, prio_names[i]))
			return i;
	if (!strcasecmp(s, "info"))
		return KITE_PRIO_INFORMATIONAL;
	return -1;
}

const char *kite_priority_name(int p)
{
	return p >= 0 && p < KITE_PRIO_COUNT ? prio_names[p] : "Unknown";
}

/* ---- the engine object ---- */

kite_rules *kite_rules_new(void)
{
	return rl_alloc(sizeof(kite_rules));
}

static void free_list(struct rl_list *l)
{
	free(l->name);
	rl_strv_free(&l->items);
	rl_strv_free(&l->expanded);
	free(l);
}

static void free_macro(struct rl_macro *m)
{
	free(m->name);
	free(m->cond);
	free(m->cond_text);
	free(m->compiled);
	kite_ast_free(m->ast);
	free(m);
}

static void free_rule(struct rl_rule *ru)
{
	free(ru->name);
	free(ru->desc);
	free(ru->output);
	free(ru->source);
	free(ru->cond);
	free(ru->cond_text);
	free(ru->compiled);
	free(ru->why);
	rl_strv_free(&ru->tags);
	for (size_t i = 0; i < ru->nexc; i++) {
		free(ru->exc[i].name);
		free(ru->exc[i].values);
	}
	free(ru->exc);
	kite_filter_free(ru->filter);
	kite_output_free(ru->pub.out);
	free(ru);
}

void kite_rules_free(kite_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nlists; i++)
		free_list(r->lists[i]);
	for (size_t i = 0; i < r->nmacros; i++)
		free_macro(r->macros[i]);
	for (size_t i = 0; i < r->nrules; i++)
		free_rule(r->rules[i]);
	free(r->lists);
	free(r->macros);
	free(r->rules);
	for (size_t i = 0; i < r->ndiags; i++) {
		free((char *)r->diags[i].msg);
		free((char *)r->diags[i].item_name);
	}
	free(r->diags);
	for (size_t i = 0; i < r->nfiles_docs; i++)
		ytree_free_docs(r->docs[i], r->ndocs[i]);
	free(r->docs);
	free(r->ndocs);
	rl_strv_free(&r->files);
	for (size_t i = 0; i < r->nidx; i++) {
		free(r->idx[i].start);
		free(r->idx[i].rules);
	}
	free(r->idx);
	free(r->active);
	free(r);
}

size_t kite_rules_count(const kite_rules *r)
{
	return r->nrules;
}

struct kite_rule *kite_rules_get(kite_rules *r, size_t i)
{
	return i < r->nrules ? &r->rules[i]->pub : NULL;
}

struct kite_rule *kite_rules_find(kite_rules *r, const char *name)
{
	struct rl_rule *ru = rl_find_rule(r, name);
	return ru ? &ru->pub : NULL;
}

const char *kite_rules_condition_text(const kite_rules *r, const char *kind, const char *name)
{
	if (!strcmp(kind, "macro")) {
		struct rl_macro *m = rl_find_macro(r, name);
		return m && !m->bad ? m->cond_text : NULL;
	}
	struct rl_rule *ru = rl_find_rule(r, name);
	return ru ? ru->cond_text : NULL;
}

const char *kite_rules_compiled_condition(const kite_rules *r, const char *kind, const char *name)
{
	if (!strcmp(kind, "macro")) {
		struct rl_macro *m = rl_find_macro(r, name);
		return m && !m->bad ? m->compiled : NULL;
	}
	struct rl_rule *ru = rl_find_rule(r, name);
	return ru ? ru->compiled : NULL;
}

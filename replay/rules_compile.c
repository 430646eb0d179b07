/* rules_compile.c - turns collected items into filters: list substitution, exceptions, macro visibility, outputs, rule selection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

/* ---- lists ---- */

/*
 * As Falco: an item naming a list R visible to L (R.index < L.visibility) is
 * replaced by R's items as written; one level only, so R's own list
 * references stay names (and loops cannot happen).
 */
static void compile_lists(kite_rules *r)
{
	for (size_t i = 0; i < r->nlists; i++) {
		struct rl_list *l = r->lists[i];
		rl_strv_free(&l->expanded);
		for (size_t k = 0; k < l->items.n; k++) {
			struct rl_list *ref = rl_find_list(r, l->items.v[k]);
			if (ref && ref->index < l->visibility) {
				ref->used = 1;
				for (size_t m = 0; m < ref->items.n; m++)
					rl_strv_push(&l->expanded, ref->items.v[m]);
			} else {
				rl_strv_push(&l->expanded, l->items.v[k]);
			}
		}
	}
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_delim(char c)
{
	return is_blank(c) || c == '(' || c == ')' || c == ',' || c == '=';
}

/*
 * Falco's list substitution, as text: every occurrence of the list's name
 * that stands between delimiters (blanks, parentheses, commas, '=' or the
 * ends) is replaced, with the blanks around it, by " item1, item2 ".  An
 * empty list also takes a neighbouring comma with it.  Returns 1 if used.
 */
static int substitute_list(char **cond, const struct rl_list *l)
{
	size_t nlen = strlen(l->name);
	int used = 0;
	char *c = *cond;
	char *hit = strstr(c, l->name);
	while (hit) {
		size_t start = (size_t)(hit - c), end = start + nlen, len = strlen(c);
		if ((start == 0 || is_delim(c[start - 1])) && (end >= len || is_delim(c[end]))) {
			while (start > 0 && is_blank(c[start - 1]))
				start--;
			while (end < len && is_blank(c[end]))
				end++;
			size_t sublen = 0;
			for (size_t i = 0; i < l->expanded.n; i++)
				sublen += strlen(l->expanded.v[i]) + 4;
			char *sub = rl_alloc(sublen + 1);
			for (size_t i = 0; i < l->expanded.n; i++) {
				char *q = rl_quote_item(l->expanded.v[i]);
				if (i)
					strcat(sub, ", ");
				strcat(sub, q);
				free(q);
			}
			if (!l->expanded.n) {
				if (start > 0 && c[start - 1] == ',')
					start--;
				else if (end < len && c[end] == ',')
					end++;
			}
			char *n = rl_printf("%.*s%s%s %s", (int)start, c, start > 0 ? " " : "", sub, c + end);
			size_t next = start + strlen(sub) + 2; /* where Falco searches next, quirk included */
			free(sub);
			free(c);
			c = n;
			used = 1;
			hit = next < strlen(c) ? strstr(c + next, l->name) : NULL;
		} else {
			hit = strstr(hit + 1, l->name);
		}
	}
	*cond = c;
	return used;
}

/* The condition with every list substituted, in definition order. */
static char *substitute_lists(kite_rules *r, const char *cond)
{
	char *c = rl_strdup(cond);
	for (size_t i = 0; i < r->nlists; i++)
		if (substitute_list(&c, r->lists[i]))
			r->lists[i]->used = 1;
	return c;
}

/* ---- macros ---- */

struct macro_scope {
	kite_rules *r;
	unsigned visibility; /* macros with a smaller index are visible */
};

static const struct kite_ast *lookup_macro(void *ctx, const char *name)
{
	struct macro_scope *s = ctx;
	struct rl_macro *m = rl_find_macro(s->r, name);
	if (!m || m->index >= s->visibility || !m->ast)
		return NULL;
	m->used = 1;
	return m->ast;
}

/* A condition that does not compile; an unknown or looping macro is LOAD_ERR_VALIDATE, as in Falco. */
static void condition_error(kite_rules *r, const struct rl_pos *pos, const char *kind, const char *name,
                            const char *cond, const char *err)
{
	int macro = strstr(err, "undefined macro") || strstr(err, "refers to itself");
	rl_diag(r, 1, macro ? "LOAD_ERR_VALIDATE" : "LOAD_ERR_COMPILE_CONDITION", pos, kind, name,
	        "condition: %s (in \"%s\")", err, cond);
}

static void compile_macros(kite_rules *r)
{
	char err[512];
	for (size_t i = 0; i < r->nmacros; i++) {
		struct rl_macro *m = r->macros[i];
		m->cond_text = substitute_lists(r, m->cond);
		m->ast = kite_ast_parse(m->cond_text, err, sizeof(err));
		if (!m->ast) {
			m->bad = 1;
			condition_error(r, &m->cond_pos, "macro", m->name, m->cond_text, err);
		}
	}
	for (size_t i = 0; i < r->nmacros; i++) {
		struct rl_macro *m = r->macros[i];
		if (m->bad)
			continue;
		struct macro_scope scope = {r, m->visibility};
		struct kite_filter_opts o = {.macro = lookup_macro, .macro_ctx = &scope};
		struct kite_ast *x = kite_ast_expand(m->ast, &o, err, sizeof(err));
		if (!x) {
			m->bad = 1;
			condition_error(r, &m->cond_pos, "macro", m->name, m->cond_text, err);
			continue;
		}
		m->compiled = kite_ast_to_string(x);
		kite_ast_free(x);
	}
}

/* ---- exceptions ---- */

struct sbuf {
	char *s;
	size_t n;
};

static void sb_add(struct sbuf *b, const char *t)
{
	size_t l = strlen(t);
	b->s = rl_grow(b->s, b->n + l + 1);
	memcpy(b->s + b->n, t, l + 1);
	b->n += l;
}

static void sb_quoted(struct sbuf *b, const char *t)
{
	char *q = rl_quote_item(t);
	sb_add(b, q);
	free(q);
}

static int is_list_comp(const char *c)
{
	return !strcmp(c, "in") || !strcmp(c, "intersects") || !strcmp(c, "pmatch");
}

/* The operators an exception may use (libsinsp's, as Falco checks them; regex included). */
static int valid_comp(const char *c)
{
	static const char *const ops[] = {
	        "=",           "==",         "!=",     "<",        "<=",        ">",         ">=",
	        "in",          "intersects", "pmatch", "contains", "icontains", "bcontains", "startswith",
	        "bstartswith", "endswith",   "glob",   "iglob",    "regex",     "exists",    NULL};
	for (size_t i = 0; ops[i]; i++)
		if (!strcmp(ops[i], c))
			return 1;
	return 0;
}

static int exc_error(kite_rules *r, const struct rl_rule *ru, const struct rl_exception *e, const char *msg,
                     const char *arg)
{
	char buf[512];
	snprintf(buf, sizeof(buf), msg, arg ? arg : "");
	rl_diag(r, 1, "LOAD_ERR_VALIDATE", &e->pos, "exception", e->name, "%s (in rule '%s')", buf, ru->name);
	return -1;
}

static int check_field(kite_rules *r, const struct rl_rule *ru, const struct rl_exception *e, const char *f)
{
	struct kite_field fld;
	char err[256];
	size_t n = kite_field_parse(f, strlen(f), &fld, err, sizeof(err));
	if (n)
		kite_field_release(&fld);
	/* a transformer around a field, e.g. tolower(proc.name), is checked when the condition compiles */
	if ((n && n == strlen(f)) || strchr(f, '('))
		return 0;
	return exc_error(r, ru, e, "'%s' is not a supported filter field", f);
}

static const char *comp_at(const struct ynode *comps, size_t k)
{
	if (!comps || (comps->kind == YN_SEQ && comps->n == 0))
		return "=";
	return comps->kind == YN_SEQ && comps->kid[k]->kind == YN_SCALAR ? comps->kid[k]->str : "";
}

/* Validates a fields-list exception: comps default to "=", lengths agree, operators and fields exist. */
static int check_list_form(kite_rules *r, const struct rl_rule *ru, const struct rl_exception *e)
{
	const struct ynode *f = e->fields, *c = e->comps;
	if (c && !(c->kind == YN_SEQ && (c->n == f->n || c->n == 0)))
		return exc_error(r, ru, e, "Fields and comps lists must have equal length", NULL);
	for (size_t k = 0; k < f->n; k++) {
		if (!valid_comp(comp_at(c, k)))
			return exc_error(r, ru, e, "'%s' is not a supported comparison operator",
			                 comp_at(c, k));
		if (f->kid[k]->kind != YN_SCALAR)
			return exc_error(
			        r, ru, e,
			        "Rule exception item must have fields property with a list of fields", NULL);
		if (check_field(r, ru, e, f->kid[k]->str) < 0)
			return -1;
	}
	return 0;
}

/*
 * A fields-list exception as Falco writes it:
 * "(( f1 c1 v1 and  f2 c2 v2) or ( ...))".  A list value is "(a, b)"; a
 * scalar is quoted if needed, or, for in/intersects/pmatch, put in
 * parentheses (so a list name in it is substituted later).
 */
static int exception_list_form(kite_rules *r, const struct rl_rule *ru, const struct rl_exception *e,
                               struct sbuf *b)
{
	const struct ynode *f = e->fields;
	if (check_list_form(r, ru, e) < 0)
		return -1;
	sb_add(b, "(");
	for (size_t i = 0; i < e->nvalues; i++) {
		const struct ynode *v = e->values[i];
		if (v->kind != YN_SEQ || v->n != f->n)
			return exc_error(r, ru, e, "Fields and values lists must have equal length", NULL);
		sb_add(b, i ? " or (" : "(");
		for (size_t k = 0; k < f->n; k++) {
			const char *comp = comp_at(e->comps, k);
			const struct ynode *x = v->kid[k];
			sb_add(b, k ? " and " : "");
			sb_add(b, " ");
			sb_add(b, f->kid[k]->str);
			sb_add(b, " ");
			sb_add(b, comp);
			sb_add(b, " ");
			if (x->kind == YN_SEQ) {
				sb_add(b, "(");
				for (size_t m = 0; m < x->n; m++) {
					sb_add(b, m ? ", " : "");
					sb_quoted(b, x->kid[m]->kind == YN_SCALAR ? x->kid[m]->str : "");
				}
				sb_add(b, ")");
			} else {
				const char *t = x->kind == YN_SCALAR ? x->str : "";
				if (is_list_comp(comp) && t[0] != '(') {
					sb_add(b, "(");
					sb_add(b, t);
					sb_add(b, ")");
				} else if (is_list_comp(comp)) {
					sb_add(b, t);
				} else {
					sb_quoted(b, t);
				}
			}
		}
		sb_add(b, ")");
	}
	sb_add(b, ")");
	if (!strcmp(b->s, "()"))
		b->s[b->n = 0] = 0;
	return 0;
}

/* A single-field exception: "(field comp (v1, v2))"; comps default to "in". */
static int exception_scalar_form(kite_rules *r, const struct rl_rule *ru, const struct rl_exception *e,
                                 struct sbuf *b)
{
	const char *comp = "in";
	if (e->comps && e->comps->kind == YN_SEQ && e->comps->n)
		return exc_error(r, ru, e, "Fields and comps must both be strings", NULL);
	if (e->comps && e->comps->kind == YN_SCALAR && *e->comps->str)
		comp = e->comps->str;
	if (!is_list_comp(comp))
		return exc_error(
		        r, ru, e,
		        "When fields is a single value, comps must be one of (in, pmatch, intersects)", NULL);
	if (check_field(r, ru, e, e->fields->str) < 0)
		return -1;
	for (size_t i = 0; i < e->nvalues; i++) {
		const struct ynode *v = e->values[i];
		if (v->kind != YN_SCALAR)
			return exc_error(r, ru, e, "Expected values array to contain a list of strings",
			                 NULL);
		if (i == 0) {
			sb_add(b, "(");
			sb_add(b, e->fields->str);
			sb_add(b, " ");
			sb_add(b, comp);
			sb_add(b, " (");
		} else {
			sb_add(b, ", ");
		}
		sb_quoted(b, v->str);
	}
	if (e->nvalues)
		sb_add(b, "))");
	return 0;
}

/* The rule's condition with its exceptions: "(cond) and not (...) and not (...)", as Falco builds it. */
static char *condition_with_exceptions(kite_rules *r, const struct rl_rule *ru)
{
	if (!ru->nexc)
		return rl_strdup(ru->cond);
	struct sbuf b = {0};
	sb_add(&b, "(");
	sb_add(&b, ru->cond);
	sb_add(&b, ")");
	for (size_t i = 0; i < ru->nexc; i++) {
		const struct rl_exception *e = &ru->exc[i];
		if (!e->fields || (e->fields->kind == YN_SCALAR && !*e->fields->str) ||
		    (e->fields->kind == YN_SEQ && !e->fields->n)) {
			exc_error(r, ru, e,
			          "Rule exception item must have fields property with a list of fields",
			          NULL);
			free(b.s);
			return NULL;
		}
		struct sbuf x = {0};
		sb_add(&x, "");
		int rc = e->fields->kind == YN_SEQ ? exception_list_form(r, ru, e, &x)
		                                   : exception_scalar_form(r, ru, e, &x);
		if (rc < 0) {
			free(x.s);
			free(b.s);
			return NULL;
		}
		if (x.n) {
			sb_add(&b, " and not ");
			sb_add(&b, x.s);
		}
		free(x.s);
	}
	return b.s;
}

/* ---- rules ---- */

static void rule_status(struct rl_rule *ru, enum kite_rule_status st, char *why)
{
	ru->pub.status = st;
	free(ru->why);
	ru->why = why;
	ru->pub.why = why;
}

static int is_unknown_field_error(const char *err)
{
	return strstr(err, "unknown field") != NULL;
}

static void compile_rule(kite_rules *r, struct rl_rule *ru)
{
	char err[512];
	if (strcmp(ru->source, "syscall") != 0) {
		rl_diag(r, 0, "LOAD_UNKNOWN_SOURCE", &ru->pos, "rule", ru->name,
		        "source '%s' is not a syscall source: kite skips this rule", ru->source);
		rule_status(ru, KITE_RULE_SKIPPED,
		            rl_printf("event source '%s' (kite reads syscalls)", ru->source));
		return;
	}
	char *with_exc = condition_with_exceptions(r, ru);
	if (!with_exc) {
		rule_status(ru, KITE_RULE_INVALID, rl_strdup("invalid exceptions"));
		return;
	}
	ru->cond_text = substitute_lists(r, with_exc);
	free(with_exc);
	struct kite_ast *a = kite_ast_parse(ru->cond_text, err, sizeof(err));
	struct macro_scope scope = {r, (unsigned)-1};
	struct kite_filter_opts o = {.macro = lookup_macro, .macro_ctx = &scope};
	struct kite_ast *x = a ? kite_ast_expand(a, &o, err, sizeof(err)) : NULL;
	kite_ast_free(a);
	if (x) {
		ru->compiled = kite_ast_to_string(x);
		ru->filter = kite_filter_compile(x, NULL, err, sizeof(err));
		kite_ast_free(x);
	}
	if (!ru->filter) {
		if (ru->skip_unknown && is_unknown_field_error(err)) {
			rl_diag(r, 0, "LOAD_UNKNOWN_FILTER", &ru->cond_pos, "rule", ru->name,
			        "condition: %s; skipped (skip-if-unknown-filter)", err);
			rule_status(ru, KITE_RULE_SKIPPED, rl_printf("condition: %s", err));
		} else {
			condition_error(r, &ru->cond_pos, "rule", ru->name, ru->cond_text, err);
			rule_status(ru, KITE_RULE_INVALID, rl_printf("condition: %s", err));
		}
		return;
	}
	char *dep = strstr(ru->output, "%container.info");
	if (dep) {
		/* Falco drops it (the container fields are appended by its container plugin) */
		rl_diag(r, 0, "LOAD_DEPRECATED_ITEM", &ru->pos, "rule", ru->name,
		        "%%container.info is deprecated and no more useful, and will be dropped by Falco "
		        "1.0.0.");
		memmove(dep, dep + 15, strlen(dep + 15) + 1);
	}
	ru->pub.out = kite_output_new(ru->output, err, sizeof(err));
	if (!ru->pub.out) {
		if (ru->skip_unknown && is_unknown_field_error(err)) {
			rule_status(ru, KITE_RULE_SKIPPED, rl_printf("output: %s", err));
			return;
		}
		rl_diag(r, 1, "LOAD_ERR_COMPILE_OUTPUT", &ru->pos, "rule", ru->name, "output: %s", err);
		rule_status(ru, KITE_RULE_INVALID, rl_printf("output: %s", err));
		return;
	}
	uint8_t bits[(1u << 16) / 8];
	const struct kite_schema *s = kite_schema_builtin();
	size_t nbits = (size_t)s->max_event_id + 1;
	kite_filter_evttypes(ru->filter, s, bits, nbits);
	size_t set = 0;
	for (size_t i = 0; i < nbits; i++)
		set += (bits[i / 8] >> (i % 8)) & 1;
	/* Falco warns above 100 event codes, i.e. about 50 syscalls (an enter and an exit code each) */
	if ((set == 0 || set > 50) && ru->warn_evttypes)
		rl_diag(r, 0, "LOAD_NO_EVTTYPE", &ru->cond_pos, "rule", ru->name,
		        "Rule matches too many evt.type values. This has a significant performance penalty.");
	rule_status(ru, KITE_RULE_ACTIVE, NULL);
}

/* ---- selection ---- */

static int has_tag(const struct rl_rule *ru, const char **tags, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rl_strv_has(&ru->tags, tags[i]))
			return 1;
	return 0;
}

static char *deselect_reason(const struct rl_rule *ru, const struct kite_rules_select *s)
{
	if (!ru->enabled)
		return rl_strdup("enabled: false");
	if (ru->pub.priority > s->min_priority)
		return rl_printf("priority %s is below the threshold %s",
		                 kite_priority_name(ru->pub.priority), kite_priority_name(s->min_priority));
	if (s->nenable_tags && !has_tag(ru, s->enable_tags, s->nenable_tags))
		return rl_strdup("none of its tags is enabled");
	if (has_tag(ru, s->disable_tags, s->ndisable_tags))
		return rl_strdup("a tag of it is disabled");
	for (size_t i = 0; i < s->ndisable_rules; i++)
		if (strstr(ru->name, s->disable_rules[i]))
			return rl_printf("disabled by name ('%s')", s->disable_rules[i]);
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fills the public view of a rule: strings, sorted tags. */
static void publish(struct rl_rule *ru)
{
	ru->pub.name = ru->name;
	ru->pub.desc = ru->desc;
	ru->pub.source = ru->source;
	ru->pub.output = ru->output;
	ru->pub.file = ru->pos.file;
	ru->pub.line = ru->pos.line;
	if (ru->tags.n)
		qsort(ru->tags.v, ru->tags.n, sizeof(*ru->tags.v), cmp_str);
	ru->pub.tags = (const char *const *)ru->tags.v;
	ru->pub.ntags = ru->tags.n;
}

static void warn_unused(kite_rules *r)
{
	for (size_t i = 0; i < r->nmacros; i++)
		if (!r->macros[i]->used)
			rl_diag(r, 0, "LOAD_UNUSED_MACRO", &r->macros[i]->pos, "macro", r->macros[i]->name,
			        "Macro not referred to by any other rule/macro");
	for (size_t i = 0; i < r->nlists; i++)
		if (!r->lists[i]->used)
			rl_diag(r, 0, "LOAD_UNUSED_LIST", &r->lists[i]->pos, "list", r->lists[i]->name,
			        "List not referred to by any other rule/macro");
}

int kite_rules_compile(kite_rules *r, const struct kite_rules_select *sel)
{
	if (r->compiled)
		return -1;
	r->compiled = 1;
	r->sel = *sel;
	compile_lists(r);
	compile_macros(r);
	for (size_t i = 0; i < r->nrules; i++) {
		struct rl_rule *ru = r->rules[i];
		publish(ru);
		compile_rule(r, ru);
		if (ru->pub.status != KITE_RULE_ACTIVE)
			continue;
		char *why = deselect_reason(ru, sel);
		if (why) {
			rule_status(ru, KITE_RULE_DISABLED, why);
			continue;
		}
		r->active = rl_grow(r->active, (r->nactive + 1) * sizeof(*r->active));
		r->active[r->nactive++] = ru;
	}
	if (!r->nerrors) /* as Falco: only after a clean compile */
		warn_unused(r);
	return r->nerrors ? -1 : 0;
}

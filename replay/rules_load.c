/* rules_load.c - reads rules files into lists, macros and rules: Falco's items, keys, append, override, redefinition. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "rules_int.h"

/* One file being read. */
struct loader {
	kite_rules *r;
	const char *file;
	int failed;
};

static struct rl_pos pos_of(const struct loader *L, const struct ynode *n)
{
	struct rl_pos p = {L->file, n ? n->line : 0, n ? n->col : 0};
	return p;
}

/* Records a load error at node n; reading the file stops there, as in Falco. */
static int load_error(struct loader *L, const struct ynode *n, const char *kind, const char *name,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int load_error(struct loader *L, const struct ynode *n, const char *kind, const char *name,
                      const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct rl_pos p = pos_of(L, n);
	rl_diag(L->r, 1, "LOAD_ERR_YAML_VALIDATE", &p, kind, name, "%s", msg);
	L->failed = 1;
	return -1;
}

static void load_warning(struct loader *L, const struct ynode *n, const char *code, const char *kind,
                         const char *name, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void load_warning(struct loader *L, const struct ynode *n, const char *code, const char *kind,
                         const char *name, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct rl_pos p = pos_of(L, n);
	rl_diag(L->r, 0, code, &p, kind, name, "%s", msg);
}

/* The key node of `key` in a mapping (for positions). */
static const struct ynode *map_key(const struct ynode *map, const char *key)
{
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kid[i]->kind == YN_SCALAR && !strcmp(map->kid[i]->str, key))
			return map->kid[i];
	return map;
}

/*
 * A scalar value: *out is its text (NULL when the key is absent).  A present
 * key with a sequence or mapping, or (when !allow_null) an empty value, is an
 * error.
 */
static int get_scalar(struct loader *L, const struct ynode *item, const char *key, const char *kind,
                      const char *name, const char **out)
{
	const struct ynode *v = ymap_get(item, key);
	*out = NULL;
	if (!v)
		return 0;
	if (v->kind == YN_NULL) {
		*out = "";
		return 0;
	}
	if (v->kind != YN_SCALAR)
		return load_error(L, v, kind, name, "value of '%s' must be a scalar, not %s", key,
		                  ynode_kind_name(v));
	*out = v->str;
	return 0;
}

static int get_bool(struct loader *L, const struct ynode *item, const char *key, const char *kind,
                    const char *name, int *out)
{
	const struct ynode *v = ymap_get(item, key);
	if (!v)
		return 0;
	int b = ynode_bool(v);
	if (b < 0)
		return load_error(L, v, kind, name, "value of '%s' must be true or false", key);
	*out = b;
	return 0;
}

/* A sequence of scalars (tags, items); a missing key gives none. */
static int get_strings(struct loader *L, const struct ynode *item, const char *key, const char *kind,
                       const char *name, struct rl_strv *out)
{
	const struct ynode *v = ymap_get(item, key);
	if (!v || v->kind == YN_NULL)
		return 0;
	if (v->kind != YN_SEQ)
		return load_error(L, v, kind, name, "value of '%s' must be a sequence, not %s", key,
		                  ynode_kind_name(v));
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *s = v->kid[i];
		if (s->kind != YN_SCALAR)
			return load_error(L, s, kind, name, "items of '%s' must be scalars, not %s", key,
			                  ynode_kind_name(s));
		rl_strv_push(out, s->str);
	}
	return 0;
}

/* Warns about keys an item of this kind does not have. */
static void check_keys(struct loader *L, const struct ynode *item, const char *kind, const char *name,
                       const char *const *known)
{
	for (size_t i = 0; i + 1 < item->n; i += 2) {
		const struct ynode *k = item->kid[i];
		if (k->kind != YN_SCALAR)
			continue;
		int ok = 0;
		for (size_t j = 0; known[j] && !ok; j++)
			ok = !strcmp(k->str, known[j]);
		if (!ok)
			load_warning(L, k, "LOAD_UNKNOWN_ITEM", kind, name, "unknown key '%s' (ignored)",
			             k->str);
	}
}

/* ---- override: which keys may be appended or replaced ---- */

enum { OV_NONE, OV_APPEND, OV_REPLACE };

struct override {
	const struct ynode *node; /* the override mapping, or NULL */
	int legacy_append;        /* append: true */
	int nappend, nreplace;    /* entries of each kind */
	const char *first_append, *first_replace;
};

/* The override directive for key: OV_NONE, OV_APPEND or OV_REPLACE. */
static int override_of(const struct override *ov, const char *key)
{
	if (ov->legacy_append)
		return OV_APPEND;
	const struct ynode *v = ymap_get(ov->node, key);
	if (!v || v->kind != YN_SCALAR)
		return OV_NONE;
	return !strcmp(v->str, "append") ? OV_APPEND : OV_REPLACE;
}

static int in_set(const char *const *set, const char *k)
{
	for (size_t j = 0; set[j]; j++)
		if (!strcmp(set[j], k))
			return 1;
	return 0;
}

/* Checks one "key: operation" entry of an override mapping. */
static int check_override_entry(struct loader *L, const struct ynode *item, const struct ynode *k,
                                const struct ynode *v, const char *kind, const char *name,
                                const char *const *can_append, const char *const *can_replace,
                                struct override *ov)
{
	const char *key = k->kind == YN_SCALAR ? k->str : "?";
	const char *op = v->kind == YN_SCALAR ? v->str : "";
	if (!strcmp(op, "append") && in_set(can_append, key)) {
		ov->nappend++;
		ov->first_append = ov->first_append ? ov->first_append : key;
	} else if (!strcmp(op, "replace") && in_set(can_replace, key)) {
		ov->nreplace++;
		ov->first_replace = ov->first_replace ? ov->first_replace : key;
	} else if (!strcmp(op, "append") && in_set(can_replace, key)) {
		return load_error(L, v, kind, name, "Key '%s' cannot be appended to, use 'replace' instead",
		                  key);
	} else if (!strcmp(op, "replace") && in_set(can_append, key)) {
		return load_error(L, v, kind, name, "Key '%s' cannot be replaced", key);
	} else {
		return load_error(L, v, kind, name,
		                  "Invalid override operation for key '%s': '%s'. Allowed values are: %s%s",
		                  key, op, in_set(can_append, key) ? "append " : "",
		                  in_set(can_replace, key) ? "replace " : "");
	}
	if (!ymap_get(item, key))
		return load_error(L, k, kind, name,
		                  "An %s override for '%s' was specified but '%s' is not defined", op, key,
		                  key);
	return 0;
}

/*
 * Reads `append` and `override` as Falco does: `append: true` is deprecated;
 * not both; each override entry needs an operation its key allows and the key
 * itself; every overridable key the item has needs an override entry.
 */
static int read_override(struct loader *L, const struct ynode *item, const char *kind, const char *name,
                         const char *const *can_append, const char *const *can_replace, struct override *ov)
{
	int append = 0;
	memset(ov, 0, sizeof(*ov));
	if (get_bool(L, item, "append", kind, name, &append) < 0)
		return -1;
	if (append)
		load_warning(
		        L, map_key(item, "append"), "LOAD_DEPRECATED_ITEM", kind, name,
		        "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under "
		        "'override' instead.");
	ov->node = ymap_get(item, "override");
	ov->legacy_append = append;
	if (!ov->node || (ov->node->kind == YN_MAP && ov->node->n == 0))
		return (ov->node = NULL), 0;
	if (append)
		return load_error(
		        L, ov->node, kind, name,
		        "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry "
		        "(e.g. 'condition: append') under 'override' instead.");
	if (ov->node->kind != YN_MAP)
		return load_error(L, ov->node, kind, name,
		                  "'override' must be a mapping of key: append|replace");
	for (size_t i = 0; i + 1 < ov->node->n; i += 2)
		if (check_override_entry(L, item, ov->node->kid[i], ov->node->kid[i + 1], kind, name,
		                         can_append, can_replace, ov) < 0)
			return -1;
	for (size_t i = 0; i + 1 < item->n; i += 2) {
		const struct ynode *k = item->kid[i];
		if (k->kind != YN_SCALAR || !(in_set(can_append, k->str) || in_set(can_replace, k->str)))
			continue;
		if (!ymap_get(ov->node, k->str))
			return load_error(
			        L, item->kid[i + 1], kind, name,
			        "Unexpected key '%s': no corresponding entry under 'override' is defined.",
			        k->str);
	}
	return 0;
}

/* Falco's name rules: lists ([^()"'[:space:]=,]+), macros ([a-zA-Z]+[a-zA-Z0-9_]*). */
static int valid_list_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (strchr("()\"'=, \t\n\r\v\f", *s))
			return 0;
	return 1;
}

static int valid_macro_name(const char *s)
{
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

/* The item's name: a non-empty scalar. */
static int item_name(struct loader *L, const struct ynode *item, const char *kind, const char **name)
{
	if (get_scalar(L, item, kind, kind, NULL, name) < 0)
		return -1;
	if (!*name || !**name)
		return load_error(L, map_key(item, kind), kind, NULL, "Mapping for key '%s' is empty", kind);
	return 0;
}

/* ---- required_engine_version, required_plugin_versions ---- */

/* A bare integer N (meaning 0.N.0), else "x.y.z", as Falco reads required_engine_version. */
static int parse_version(const char *s, unsigned v[3])
{
	char *end;
	v[0] = v[1] = v[2] = 0;
	unsigned long n = strtoul(s, &end, 10);
	if (end != s && *end == 0 && s[0] != '-') {
		v[1] = (unsigned)n;
		return 0;
	}
	return sscanf(s, "%u.%u.%u", &v[0], &v[1], &v[2]) == 3 ? 0 : -1;
}

static int read_engine_version(struct loader *L, const struct ynode *item)
{
	const struct ynode *v = ymap_get(item, "required_engine_version");
	unsigned want[3], have[3];
	if (!v || v->kind != YN_SCALAR || parse_version(v->str, want) < 0)
		return load_error(
		        L, v ? v : item, "required_engine_version", NULL,
		        "Unable to parse engine version '%s' as a semver string. Expected \"x.y.z\" semver "
		        "format.",
		        v && v->kind == YN_SCALAR ? v->str : "");
	parse_version(KITE_RULES_ENGINE_VERSION, have);
	int ok = want[0] == have[0];
	for (int i = 1; ok && i < 3 && want[i] == have[i]; i++)
		;
	if (ok && (want[1] > have[1] || (want[1] == have[1] && want[2] > have[2])))
		ok = 0;
	if (!ok)
		return load_error(L, v, "required_engine_version", NULL,
		                  "Rules require engine version %u.%u.%u, but engine version is %s", want[0],
		                  want[1], want[2], KITE_RULES_ENGINE_VERSION);
	return 0;
}

static int read_plugin_versions(struct loader *L, const struct ynode *item)
{
	const struct ynode *v = ymap_get(item, "required_plugin_versions");
	if (!v || v->kind != YN_SEQ)
		return load_error(L, v ? v : item, "required_plugin_versions", NULL,
		                  "required_plugin_versions must be a sequence of {name, version}");
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *p = v->kid[i];
		const struct ynode *name = ymap_get(p, "name");
		if (!name || name->kind != YN_SCALAR || !ymap_get(p, "version"))
			return load_error(L, p, "required_plugin_versions", NULL,
			                  "each required plugin needs a name and a version");
		/* The container plugin's fields (container.*) are built into kite. */
		if (strcmp(name->str, "container") != 0)
			load_warning(
			        L, p, "LOAD_UNKNOWN_SOURCE", "required_plugin_versions", NULL,
			        "plugin '%s' is not available in kite: rules of its event source are skipped",
			        name->str);
	}
	return 0;
}

static void replace_str(char **dst, const char *src)
{
	free(*dst);
	*dst = rl_strdup(src);
}

static void append_str(char **dst, const char *src)
{
	char *s = *dst && **dst ? rl_printf("%s %s", *dst, src) : rl_strdup(src);
	free(*dst);
	*dst = s;
}

/* ---- lists ---- */

static const char *const list_keys[] = {"list", "items", "append", "override", NULL};
static const char *const list_append[] = {"items", NULL};

static int read_list(struct loader *L, const struct ynode *item)
{
	kite_rules *r = L->r;
	const char *name;
	struct override ov;
	if (item_name(L, item, "list", &name) < 0 ||
	    read_override(L, item, "list", name, list_append, list_append, &ov) < 0)
		return -1;
	check_keys(L, item, "list", name, list_keys);
	if (!valid_list_name(name))
		load_warning(L, item, "LOAD_INVALID_LIST_NAME", "list", name,
		             "List has an invalid name. List names should match a regular expression: "
		             "([^()\"'[:space:]=,]+)");
	if (!ymap_get(item, "items"))
		return load_error(L, item, "list", name, "Item has no mapping for key 'items'");
	struct rl_strv v = {0};
	if (get_strings(L, item, "items", "list", name, &v) < 0) {
		rl_strv_free(&v);
		return -1;
	}
	struct rl_list *l = rl_find_list(r, name);
	unsigned id = r->counter++;
	if (override_of(&ov, "items") == OV_APPEND) {
		if (!l) {
			rl_strv_free(&v);
			return load_error(
			        L, item, "list", name,
			        "List uses 'append' or 'override.items: append' but no list by that name "
			        "already exists");
		}
		for (size_t i = 0; i < v.n; i++)
			rl_strv_push(&l->items, v.v[i]);
		rl_strv_free(&v);
		l->visibility = id;
		return 0;
	}
	if (!l) { /* a definition, or a replace (which defines when there is nothing to replace) */
		l = rl_alloc(sizeof(*l));
		l->name = rl_strdup(name);
		l->index = id;
		r->lists = rl_grow(r->lists, (r->nlists + 1) * sizeof(*r->lists));
		r->lists[r->nlists++] = l;
	}
	l->pos = pos_of(L, item);
	rl_strv_free(&l->items); /* a redefinition: new items, same place */
	l->items = v;
	l->visibility = id;
	return 0;
}

/* ---- macros ---- */

static const char *const macro_keys[] = {"macro", "condition", "append", "override", NULL};
static const char *const macro_append[] = {"condition", NULL};

static int read_macro(struct loader *L, const struct ynode *item)
{
	kite_rules *r = L->r;
	const char *name, *cond;
	struct override ov;
	if (item_name(L, item, "macro", &name) < 0 ||
	    read_override(L, item, "macro", name, macro_append, macro_append, &ov) < 0 ||
	    get_scalar(L, item, "condition", "macro", name, &cond) < 0)
		return -1;
	check_keys(L, item, "macro", name, macro_keys);
	if (!valid_macro_name(name))
		load_warning(L, item, "LOAD_INVALID_MACRO_NAME", "macro", name,
		             "Macro has an invalid name. Macro names should match a regular expression: "
		             "([a-zA-Z]+[a-zA-Z0-9_]*)");
	if (!cond)
		return load_error(L, item, "macro", name, "Item has no mapping for key 'condition'");
	if (!*cond)
		return load_error(L, ymap_get(item, "condition"), "macro", name,
		                  "Mapping for key 'condition' is empty");
	struct rl_macro *m = rl_find_macro(r, name);
	unsigned id = r->counter++;
	if (override_of(&ov, "condition") == OV_APPEND) {
		if (!m)
			return load_error(L, item, "macro", name,
			                  "Macro uses 'append' or 'override.condition: append' but no macro "
			                  "by that name "
			                  "already exists");
		append_str(&m->cond, cond);
		m->visibility = id;
		return 0;
	}
	if (!m) {
		m = rl_alloc(sizeof(*m));
		m->name = rl_strdup(name);
		m->index = id;
		r->macros = rl_grow(r->macros, (r->nmacros + 1) * sizeof(*r->macros));
		r->macros[r->nmacros++] = m;
	}
	m->pos = pos_of(L, item);
	free(m->cond);
	m->cond = rl_strdup(cond);
	m->cond_pos = pos_of(L, ymap_get(item, "condition"));
	m->visibility = id;
	return 0;
}

/* ---- rules ---- */

static const char *const rule_keys[] = {"rule",
                                        "condition",
                                        "output",
                                        "desc",
                                        "priority",
                                        "tags",
                                        "enabled",
                                        "exceptions",
                                        "source",
                                        "append",
                                        "override",
                                        "warn_evttypes",
                                        "skip-if-unknown-filter",
                                        "capture",
                                        "capture_duration",
                                        "required_engine_version",
                                        NULL};
static const char *const rule_append[] = {"condition", "output", "desc", "tags", "exceptions", NULL};
static const char *const rule_replace[] = {"condition",
                                           "output",
                                           "desc",
                                           "priority",
                                           "tags",
                                           "exceptions",
                                           "enabled",
                                           "warn_evttypes",
                                           "skip-if-unknown-filter",
                                           "capture",
                                           "capture_duration",
                                           NULL};

/* Reads one exception; when appending (or overriding), `fields` may be left out. */
static int read_exception(struct loader *L, const struct ynode *e, const char *rule, int appending,
                          struct rl_exception *out)
{
	memset(out, 0, sizeof(*out));
	if (e->kind != YN_MAP)
		return load_error(L, e, "rule", rule, "Rule exception must be a mapping");
	const struct ynode *name = ymap_get(e, "name");
	if (!name || name->kind != YN_SCALAR || !*name->str)
		return load_error(L, e, "exception", NULL, "Item has no mapping for key 'name'");
	static const char *const keys[] = {"name", "fields", "comps", "values", NULL};
	check_keys(L, e, "exception", name->str, keys);
	out->name = rl_strdup(name->str);
	out->node = e;
	out->pos = pos_of(L, e);
	out->fields = ymap_get(e, "fields");
	out->comps = ymap_get(e, "comps");
	if (!out->fields && !appending)
		return load_error(L, e, "exception", out->name, "Item has no mapping for key 'fields'");
	if (out->fields && out->fields->kind != YN_SCALAR && out->fields->kind != YN_SEQ)
		return load_error(L, out->fields, "exception", out->name,
		                  "Rule exception item must have fields property with a list of fields");
	if (out->comps && out->comps->kind != YN_SCALAR && out->comps->kind != YN_SEQ)
		return load_error(L, out->comps, "exception", out->name,
		                  "'comps' must be an operator or a sequence of operators");
	const struct ynode *values = ymap_get(e, "values");
	if (values && values->kind != YN_SEQ && values->kind != YN_NULL)
		return load_error(L, values, "exception", out->name,
		                  "Rule exception values must be a sequence");
	if (!values && appending)
		load_warning(L, e, "LOAD_APPEND_NO_VALUES", "exception", out->name,
		             "Overriding/appending exception with no values");
	for (size_t i = 0; values && i < values->n; i++) {
		const struct ynode *v = values->kid[i];
		if (v->kind == YN_NULL || (v->kind == YN_SCALAR && !*v->str))
			return load_error(L, v, "exception", out->name, "Value must be non-empty");
		out->values = rl_grow(out->values, (out->nvalues + 1) * sizeof(*out->values));
		out->values[out->nvalues++] = v;
	}
	return 0;
}

static void exception_free(struct rl_exception *e)
{
	free(e->name);
	free(e->values);
}

static int read_exceptions(struct loader *L, const struct ynode *item, const char *rule, int appending,
                           struct rl_exception **out, size_t *nout)
{
	const struct ynode *v = ymap_get(item, "exceptions");
	*out = NULL;
	*nout = 0;
	if (!v || v->kind == YN_NULL)
		return 0;
	if (v->kind != YN_SEQ)
		return load_error(L, v, "rule", rule, "Rule exceptions must be a sequence");
	*out = rl_alloc(v->n * sizeof(**out));
	for (size_t i = 0; i < v->n; i++) {
		if (read_exception(L, v->kid[i], rule, appending, &(*out)[i]) < 0) {
			for (size_t k = 0; k <= i; k++)
				exception_free(&(*out)[k]);
			free(*out);
			*out = NULL;
			*nout = 0;
			return -1;
		}
		(*nout)++;
		for (size_t k = 0; k < i; k++)
			if (!strcmp((*out)[k].name, (*out)[i].name))
				load_warning(L, v->kid[i], "LOAD_EXCEPTION_NAME_NOT_UNIQUE", "exception",
				             (*out)[i].name,
				             "Multiple definitions of exception '%s' in the same rule",
				             (*out)[i].name);
	}
	return 0;
}

/* Appends exceptions: values of an existing exception (same name) are added, new ones are added whole. */
static int append_exceptions(struct loader *L, struct rl_rule *ru, struct rl_exception *ex, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rl_exception *old = NULL;
		for (size_t k = 0; k < ru->nexc && !old; k++)
			if (!strcmp(ru->exc[k].name, ex[i].name))
				old = &ru->exc[k];
		if (!old) {
			if (!ex[i].fields)
				return load_error(
				        L, ex[i].node, "exception", ex[i].name,
				        "Rule exception must have fields property with a list of fields");
			if (!ex[i].nvalues)
				return load_error(
				        L, ex[i].node, "exception", ex[i].name,
				        "Rule exception must have values property with a list of values");
			ru->exc = rl_grow(ru->exc, (ru->nexc + 1) * sizeof(*ru->exc));
			ru->exc[ru->nexc++] = ex[i];
			memset(&ex[i], 0, sizeof(ex[i]));
			continue;
		}
		if (ex[i].fields)
			return load_error(
			        L, ex[i].fields, "exception", ex[i].name,
			        "Can not append exception fields to existing exception, only values");
		if (ex[i].comps)
			return load_error(
			        L, ex[i].comps, "exception", ex[i].name,
			        "Can not append exception comps to existing exception, only values");
		if (!ex[i].nvalues)
			continue;
		old->values = rl_grow(old->values, (old->nvalues + ex[i].nvalues) * sizeof(*old->values));
		memcpy(old->values + old->nvalues, ex[i].values, ex[i].nvalues * sizeof(*old->values));
		old->nvalues += ex[i].nvalues;
	}
	return 0;
}

/* The keys of a rule item, read once. */
struct rule_item {
	const char *name, *cond, *output, *desc, *prio, *source;
	int enabled, warn_evttypes, skip_unknown; /* -1: absent */
	struct rl_strv tags;
	struct rl_exception *exc;
	size_t nexc;
	int has_tags, has_exc;
};

/* Reads the keys; a non-empty value is required for those present (Falco's decode_val). */
static int read_rule_keys(struct loader *L, const struct ynode *item, struct rule_item *it, int appending)
{
	const char *n = it->name;
	static const char *const scal[] = {"condition", "output", "desc", "priority", "source"};
	const char **dst[] = {&it->cond, &it->output, &it->desc, &it->prio, &it->source};
	it->enabled = it->warn_evttypes = it->skip_unknown = -1;
	it->has_tags = ymap_get(item, "tags") != NULL;
	it->has_exc = ymap_get(item, "exceptions") != NULL;
	for (int i = 0; i < 5; i++) {
		if (get_scalar(L, item, scal[i], "rule", n, dst[i]) < 0)
			return -1;
		if (*dst[i] && !**dst[i])
			return load_error(L, ymap_get(item, scal[i]), "rule", n,
			                  "Mapping for key '%s' is empty", scal[i]);
	}
	if (get_bool(L, item, "enabled", "rule", n, &it->enabled) < 0 ||
	    get_bool(L, item, "warn_evttypes", "rule", n, &it->warn_evttypes) < 0 ||
	    get_bool(L, item, "skip-if-unknown-filter", "rule", n, &it->skip_unknown) < 0 ||
	    get_strings(L, item, "tags", "rule", n, &it->tags) < 0 ||
	    read_exceptions(L, item, n, appending, &it->exc, &it->nexc) < 0)
		return -1;
	if (it->prio && kite_priority_parse(it->prio) < 0)
		return load_error(L, ymap_get(item, "priority"), "rule priority", n, "Invalid priority '%s'",
		                  it->prio);
	return 0;
}

static void rule_item_free(struct rule_item *it)
{
	rl_strv_free(&it->tags);
	for (size_t i = 0; i < it->nexc; i++)
		exception_free(&it->exc[i]);
	free(it->exc);
}

static void set_tags(struct rl_rule *ru, const struct rl_strv *tags, int append)
{
	if (!append)
		rl_strv_free(&ru->tags);
	for (size_t i = 0; i < tags->n; i++)
		if (!rl_strv_has(&ru->tags, tags->v[i]))
			rl_strv_push(&ru->tags, tags->v[i]);
}

static void set_exceptions(struct rl_rule *ru, struct rule_item *it)
{
	for (size_t i = 0; i < ru->nexc; i++)
		exception_free(&ru->exc[i]);
	free(ru->exc);
	ru->exc = it->exc;
	ru->nexc = it->nexc;
	it->exc = NULL;
	it->nexc = 0;
}

/* Output text as Falco keeps it: without leading and trailing blanks. */
static char *trimmed(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return rl_strndup(s, n);
}

/* The append half of an update (legacy `append: true` takes only condition and exceptions). */
static int append_rule(struct loader *L, const struct ynode *item, struct rl_rule *ru, struct rule_item *it,
                       const struct override *ov)
{
	int legacy = ov->legacy_append;
	if (legacy && !it->cond && !it->has_exc)
		return load_error(L, item, "rule", it->name,
		                  "Appended rule must have exceptions or condition property");
	if (it->cond && override_of(ov, "condition") == OV_APPEND)
		append_str(&ru->cond, it->cond);
	if (!legacy && it->output && override_of(ov, "output") == OV_APPEND) {
		char *o = trimmed(it->output);
		append_str(&ru->output, o);
		free(o);
	}
	if (!legacy && it->desc && override_of(ov, "desc") == OV_APPEND)
		append_str(&ru->desc, it->desc);
	if (!legacy && it->has_tags && override_of(ov, "tags") == OV_APPEND)
		set_tags(ru, &it->tags, 1);
	if (it->has_exc && override_of(ov, "exceptions") == OV_APPEND)
		return append_exceptions(L, ru, it->exc, it->nexc);
	return 0;
}

/* The replace half of an override: each replaced key overwrites the old value. */
static void replace_rule(struct loader *L, const struct ynode *item, struct rl_rule *ru, struct rule_item *it,
                         const struct override *ov)
{
	if (it->cond && override_of(ov, "condition") == OV_REPLACE) {
		replace_str(&ru->cond, it->cond);
		ru->cond_pos = pos_of(L, ymap_get(item, "condition"));
	}
	if (it->output && override_of(ov, "output") == OV_REPLACE) {
		free(ru->output);
		ru->output = trimmed(it->output);
	}
	if (it->desc && override_of(ov, "desc") == OV_REPLACE)
		replace_str(&ru->desc, it->desc);
	if (it->has_tags && override_of(ov, "tags") == OV_REPLACE)
		set_tags(ru, &it->tags, 0);
	if (it->has_exc && override_of(ov, "exceptions") == OV_REPLACE)
		set_exceptions(ru, it);
	if (it->prio && override_of(ov, "priority") == OV_REPLACE)
		ru->pub.priority = kite_priority_parse(it->prio);
	if (it->enabled >= 0 && override_of(ov, "enabled") == OV_REPLACE)
		ru->enabled = it->enabled;
	if (it->warn_evttypes >= 0 && override_of(ov, "warn_evttypes") == OV_REPLACE)
		ru->warn_evttypes = it->warn_evttypes;
	if (it->skip_unknown >= 0 && override_of(ov, "skip-if-unknown-filter") == OV_REPLACE)
		ru->skip_unknown = it->skip_unknown;
}

/* A full definition (new, or a redefinition that replaces the old one in place). */
static int define_rule(struct loader *L, const struct ynode *item, struct rl_rule *ru, struct rule_item *it)
{
	kite_rules *r = L->r;
	static const char *const required[] = {"condition", "output", "desc", "priority"};
	const char *vals[] = {it->cond, it->output, it->desc, it->prio};
	for (int i = 0; i < 4; i++)
		if (!vals[i])
			return load_error(L, item, "rule", it->name, "Item has no mapping for key '%s'",
			                  required[i]);
	const char *source = it->source ? it->source : "syscall";
	if (ru && strcmp(ru->source, source) != 0)
		return load_error(L, item, "rule", it->name,
		                  "Rule has been re-defined with a different source");
	if (!ru) {
		ru = rl_alloc(sizeof(*ru));
		ru->name = rl_strdup(it->name);
		ru->index = r->counter;
		r->rules = rl_grow(r->rules, (r->nrules + 1) * sizeof(*r->rules));
		r->rules[r->nrules++] = ru;
	}
	r->counter++;
	ru->pos = pos_of(L, item);
	ru->cond_pos = pos_of(L, ymap_get(item, "condition"));
	replace_str(&ru->cond, it->cond);
	free(ru->output);
	ru->output = trimmed(it->output);
	replace_str(&ru->desc, it->desc);
	replace_str(&ru->source, source);
	ru->pub.priority = kite_priority_parse(it->prio);
	ru->enabled = it->enabled >= 0 ? it->enabled : 1;
	ru->warn_evttypes = it->warn_evttypes >= 0 ? it->warn_evttypes : 1;
	ru->skip_unknown = it->skip_unknown >= 0 ? it->skip_unknown : 0;
	set_tags(ru, &it->tags, 0);
	set_exceptions(ru, it);
	return 0;
}

/* An item with append: true or an override: the rule must exist; appends, then replaces. */
static int update_rule(struct loader *L, const struct ynode *item, struct rule_item *it,
                       const struct override *ov)
{
	kite_rules *r = L->r;
	struct rl_rule *ru = rl_find_rule(r, it->name);
	if (ov->legacy_append || ov->nappend) {
		if (!ru)
			return load_error(L, item, "rule", it->name,
			                  "Rule uses 'append' or 'override.%s: append' but no rule by that "
			                  "name already exists",
			                  ov->legacy_append ? "condition" : ov->first_append);
		r->counter++;
		if (append_rule(L, item, ru, it, ov) < 0)
			return -1;
	}
	if (ov->nreplace) {
		if (!ru)
			return load_error(L, item, "rule", it->name,
			                  "An 'override.%s: replace' to a rule was requested but no rule by "
			                  "that name already "
			                  "exists",
			                  ov->first_replace);
		r->counter++;
		replace_rule(L, item, ru, it, ov);
	}
	return 0;
}

static int read_rule(struct loader *L, const struct ynode *item)
{
	kite_rules *r = L->r;
	struct rule_item it = {0};
	struct override ov;
	if (item_name(L, item, "rule", &it.name) < 0 ||
	    read_override(L, item, "rule", it.name, rule_append, rule_replace, &ov) < 0)
		return -1;
	check_keys(L, item, "rule", it.name, rule_keys);
	/* exceptions given to an append (not a replace) may leave out their fields */
	int appending = ov.legacy_append || override_of(&ov, "exceptions") == OV_APPEND;
	int rc = read_rule_keys(L, item, &it, appending);
	if (rc == 0 && (ov.legacy_append || ov.node)) {
		rc = update_rule(L, item, &it, &ov);
	} else if (rc == 0 && !it.cond && !it.output && !it.desc && !it.prio) {
		/* only `enabled`: switches an existing rule on or off (deprecated in Falco, still accepted) */
		struct rl_rule *ru = rl_find_rule(r, it.name);
		if (it.enabled < 0)
			rc = load_error(L, item, "rule", it.name, "Item has no mapping for key 'enabled'");
		else if (!ru)
			rc = load_error(L, item, "rule", it.name,
			                "Rule has 'enabled' key but no rule by that name already exists");
		else
			ru->enabled = it.enabled;
		if (rc == 0)
			load_warning(L, item, "LOAD_DEPRECATED_ITEM", "rule", it.name,
			             "The standalone 'enabled' key usage is deprecated. The correct approach "
			             "requires also a "
			             "'replace' entry under the 'override' key (i.e. 'enabled: replace').");
	} else if (rc == 0) {
		rc = define_rule(L, item, rl_find_rule(r, it.name), &it);
	}
	rule_item_free(&it);
	return rc;
}

/* ---- files ---- */

static int read_item(struct loader *L, const struct ynode *item)
{
	if (item->kind != YN_MAP)
		return load_error(
		        L, item, NULL, NULL,
		        "unexpected element of type %s: each item must be a mapping (list, macro, rule, ...)",
		        ynode_kind_name(item));
	if (ymap_get(item, "required_engine_version"))
		return read_engine_version(L, item);
	if (ymap_get(item, "required_plugin_versions"))
		return read_plugin_versions(L, item);
	if (ymap_get(item, "list"))
		return read_list(L, item);
	if (ymap_get(item, "macro"))
		return read_macro(L, item);
	if (ymap_get(item, "rule"))
		return read_rule(L, item);
	const struct ynode *k = item->n ? item->kid[0] : item;
	load_warning(L, item, "LOAD_UNKNOWN_ITEM", NULL, NULL, "unknown top level item '%s' (ignored)",
	             k->kind == YN_SCALAR ? k->str : "?");
	return 0;
}

static void keep_docs(kite_rules *r, struct ynode **docs, size_t n)
{
	r->docs = rl_grow(r->docs, (r->nfiles_docs + 1) * sizeof(*r->docs));
	r->ndocs = rl_grow(r->ndocs, (r->nfiles_docs + 1) * sizeof(*r->ndocs));
	r->docs[r->nfiles_docs] = docs;
	r->ndocs[r->nfiles_docs++] = n;
}

int kite_rules_load_text(kite_rules *r, const char *name, const char *text, size_t len)
{
	rl_strv_push(&r->files, name);
	struct loader L = {r, r->files.v[r->files.n - 1], 0};
	char err[256];
	size_t ndocs;
	struct ynode **docs = ytree_parse(text, len, &ndocs, err, sizeof(err));
	if (!docs) {
		struct rl_pos p = {L.file, 0, 0};
		unsigned line = 0, col = 0;
		if (sscanf(err, "line %u column %u", &line, &col) == 2) {
			p.line = line;
			p.col = col;
		}
		rl_diag(r, 1, "LOAD_ERR_YAML_PARSE", &p, NULL, NULL, "invalid YAML: %s", err);
		return -1;
	}
	keep_docs(r, docs, ndocs);
	for (size_t d = 0; d < ndocs && !L.failed; d++) {
		const struct ynode *root = docs[d];
		if (root->kind == YN_NULL)
			continue;
		if (root->kind != YN_SEQ) {
			load_error(&L, root, NULL, NULL, "rules content is not a YAML sequence of items");
			break;
		}
		for (size_t i = 0; i < root->n && !L.failed; i++)
			read_item(&L, root->kid[i]);
	}
	return L.failed ? -1 : 0;
}

int kite_rules_load_file(kite_rules *r, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int too_big = 0;
	if (f) {
		for (;;) {
			if (len == cap) {
				cap = cap ? cap * 2 : 65536;
				if (cap > (256u << 20)) {
					too_big = 1; /* a rules file over 256 MiB is not a rules file */
					break;
				}
				buf = rl_grow(buf, cap);
			}
			size_t got = fread(buf + len, 1, cap - len, f);
			len += got;
			if (got == 0)
				break;
		}
	}
	if (!f || ferror(f) || too_big) {
		int e = f && ferror(f) ? EIO : errno;
		rl_strv_push(&r->files, path);
		struct rl_pos p = {r->files.v[r->files.n - 1], 0, 0};
		rl_diag(r, 1, "LOAD_ERR_FILE_READ", &p, NULL, NULL, "cannot read the rules file: %s",
		        too_big ? "larger than 256 MiB" : strerror(e));
		if (f)
			fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	int rc = kite_rules_load_text(r, path, buf ? buf : "", len);
	free(buf);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kite_rules_load_path(kite_rules *r, const char *path)
{
	struct stat st;
	DIR *d = stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? opendir(path) : NULL;
	if (!d)
		return kite_rules_load_file(r, path);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if ((l > 5 && !strcmp(e->d_name + l - 5, ".yaml")) ||
		    (l > 4 && !strcmp(e->d_name + l - 4, ".yml"))) {
			char **nn = realloc(names, (n + 1) * sizeof(*names));
			if (!nn)
				break;
			names = nn;
			names[n++] = strdup(e->d_name);
		}
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char file[PATH_MAX];
		snprintf(file, sizeof(file), "%s/%s", path, names[i] ? names[i] : "");
		if (names[i] && kite_rules_load_file(r, file) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

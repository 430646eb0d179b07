/* filter_parse.c - the condition language as text: lexer, parser, tree copy/free, canonical text, macros. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_int.h"

static const char *const op_names[KOP_COUNT] = {
        [KOP_EQ] = "=",
        [KOP_NE] = "!=",
        [KOP_LT] = "<",
        [KOP_LE] = "<=",
        [KOP_GT] = ">",
        [KOP_GE] = ">=",
        [KOP_CONTAINS] = "contains",
        [KOP_ICONTAINS] = "icontains",
        [KOP_BCONTAINS] = "bcontains",
        [KOP_STARTSWITH] = "startswith",
        [KOP_BSTARTSWITH] = "bstartswith",
        [KOP_ENDSWITH] = "endswith",
        [KOP_GLOB] = "glob",
        [KOP_IGLOB] = "iglob",
        [KOP_REGEX] = "regex",
        [KOP_IN] = "in",
        [KOP_INTERSECTS] = "intersects",
        [KOP_PMATCH] = "pmatch",
        [KOP_EXISTS] = "exists",
};

static const char *const xf_names[KXF_COUNT] = {
        [KXF_TOLOWER] = "tolower", [KXF_TOUPPER] = "toupper", [KXF_BASENAME] = "basename",
        [KXF_LEN] = "len",         [KXF_B64] = "b64",
};

const char *kite_op_name(unsigned op)
{
	return op < KOP_COUNT ? op_names[op] : "?";
}

const char *kite_xf_name(unsigned xf)
{
	return xf < KXF_COUNT ? xf_names[xf] : "?";
}

int kite_op_is_list(unsigned op)
{
	return op == KOP_IN || op == KOP_INTERSECTS || op == KOP_PMATCH;
}

void kite_filter_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- the tree ---- */

static void field_clear(struct kite_ast_field *f)
{
	free(f->name);
	f->name = NULL;
}

void kite_ast_free(struct kite_ast *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; a->kids && i < a->n; i++)
		kite_ast_free(a->kids[i]);
	free(a->kids);
	field_clear(&a->lhs);
	if (a->rhs) {
		field_clear(a->rhs);
		free(a->rhs);
	}
	for (uint32_t i = 0; a->vals && i < a->n; i++)
		free(a->vals[i].s);
	free(a->vals);
	free(a->name);
	free(a);
}

static struct kite_ast *node_new(uint8_t kind, size_t at)
{
	struct kite_ast *a = calloc(1, sizeof(*a));
	if (a) {
		a->kind = kind;
		a->col = (uint32_t)(at + 1);
	}
	return a;
}

/* A NUL-terminated malloc'd copy of len bytes of s (which may hold NULs); shared with filter_eval.c. */
char *kite_memdup0(const char *s, size_t len)
{
	char *p = malloc(len + 1);
	if (p) {
		if (len)
			memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static int field_copy(struct kite_ast_field *dst, const struct kite_ast_field *src)
{
	*dst = *src;
	dst->name = src->name ? kite_memdup0(src->name, strlen(src->name)) : NULL;
	return !src->name || dst->name;
}

/* A deep copy; NULL when out of memory. */
static struct kite_ast *ast_clone(const struct kite_ast *a)
{
	struct kite_ast *c = node_new(a->kind, 0);
	if (!c)
		return NULL;
	*c = *a;
	c->kids = NULL;
	c->rhs = NULL;
	c->vals = NULL;
	c->name = NULL;
	c->lhs.name = NULL;
	int ok = field_copy(&c->lhs, &a->lhs);
	if (ok && a->name)
		ok = (c->name = kite_memdup0(a->name, strlen(a->name))) != NULL;
	if (ok && a->rhs) {
		ok = (c->rhs = calloc(1, sizeof(*c->rhs))) != NULL;
		ok = ok && field_copy(c->rhs, a->rhs);
	}
	if (ok && a->kids) {
		ok = (c->kids = calloc(a->n, sizeof(*c->kids))) != NULL;
		for (uint32_t i = 0; ok && i < a->n; i++)
			ok = (c->kids[i] = ast_clone(a->kids[i])) != NULL;
	}
	if (ok && a->vals) {
		ok = (c->vals = calloc(a->n ? a->n : 1, sizeof(*c->vals))) != NULL;
		for (uint32_t i = 0; ok && i < a->n; i++) {
			c->vals[i] = a->vals[i];
			ok = (c->vals[i].s = kite_memdup0(a->vals[i].s, a->vals[i].len)) != NULL;
		}
	}
	if (!ok) {
		kite_ast_free(c); /* the arrays are zero-filled past what was copied */
		return NULL;
	}
	return c;
}

/* ---- the lexer ---- */

struct parser {
	const char *t; /* the condition, NUL-terminated */
	size_t i, n;
	char *err;
	size_t errlen;
	int failed;
	int depth;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '\b';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_word(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

static char peek(const struct parser *p)
{
	return p->i < p->n ? p->t[p->i] : '\0';
}

static void skip_blank(struct parser *p)
{
	while (p->i < p->n && is_blank(p->t[p->i]))
		p->i++;
}

static size_t word_len(const struct parser *p, size_t at)
{
	size_t k = at;
	while (k < p->n && is_word(p->t[k]))
		k++;
	return k - at;
}

/* The word at `at` is exactly kw. */
static int word_is(const struct parser *p, size_t at, const char *kw)
{
	size_t l = strlen(kw);
	return word_len(p, at) == l && memcmp(p->t + at, kw, l) == 0;
}

/* and/or/not: the word, then a blank, '(' or the end (as Falco requires). */
static int keyword_at(const struct parser *p, const char *kw)
{
	if (!word_is(p, p->i, kw))
		return 0;
	size_t k = p->i + strlen(kw);
	return k >= p->n || is_blank(p->t[k]) || p->t[k] == '(';
}

/* What stands at `at`, for messages: up to 20 bytes of the next token, or "end of condition". */
static const char *excerpt(const struct parser *p, size_t at, char buf[32])
{
	if (at >= p->n)
		return "end of condition";
	size_t k = 0;
	buf[k++] = '\'';
	do {
		char c = p->t[at];
		buf[k++] = (c >= 0x20 && c < 0x7f) ? c : '?';
		at++;
	} while (at < p->n && k < 21 && !is_blank(p->t[at]));
	buf[k++] = '\'';
	buf[k] = '\0';
	return buf;
}

static void perr(struct parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void perr(struct parser *p, size_t at, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = 1;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kite_filter_seterr(p->err, p->errlen, "column %zu: %s", at + 1, msg);
}

static int depth_enter(struct parser *p)
{
	if (++p->depth > KITE_FILTER_MAX_DEPTH) {
		perr(p, p->i, "nesting deeper than %d levels", KITE_FILTER_MAX_DEPTH);
		return 0;
	}
	return 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One escape after a backslash at p->i; appends the byte to out.  0 on a bad escape. */
static int lex_escape(struct parser *p, char *out, size_t *k)
{
	size_t at = p->i;
	char e = p->i + 1 < p->n ? p->t[p->i + 1] : '\0';
	char c;
	switch (e) {
	case '\\': c = '\\'; break;
	case '"': c = '"'; break;
	case '\'': c = '\''; break;
	case '/': c = '/'; break;
	case 'n': c = '\n'; break;
	case 't': c = '\t'; break;
	case 'r': c = '\r'; break;
	case 'b': c = '\b'; break;
	case 'f': c = '\f'; break;
	case ' ': c = '\\'; break; /* Falco reads "\ " as a backslash; some old rules rely on it */
	case 'x': {
		int hi = p->i + 2 < p->n ? hexval(p->t[p->i + 2]) : -1;
		int lo = p->i + 3 < p->n ? hexval(p->t[p->i + 3]) : -1;
		if (hi < 0 || lo < 0) {
			perr(p, at, "\\x needs two hex digits");
			return 0;
		}
		out[(*k)++] = (char)(hi << 4 | lo);
		p->i += 4;
		return 1;
	}
	default:
		if (e >= 0x21 && e < 0x7f)
			perr(p, at, "unknown escape '\\%c'", e);
		else
			perr(p, at, "unknown escape after '\\'");
		return 0;
	}
	out[(*k)++] = c;
	p->i += 2;
	return 1;
}

/* A 'single' or "double" quoted string at p->i, unescaped into v. */
static int lex_quoted(struct parser *p, struct kite_ast_value *v)
{
	size_t start = p->i;
	char q = p->t[p->i++];
	char *out = malloc(p->n - start + 1); /* never longer than the text */
	if (!out) {
		perr(p, start, "out of memory");
		return 0;
	}
	size_t k = 0;
	while (p->i < p->n) {
		char c = p->t[p->i];
		if (c == q) {
			p->i++;
			out[k] = '\0';
			v->s = out;
			v->len = (uint32_t)k;
			v->col = (uint32_t)(start + 1);
			return 1;
		}
		if (c == '\\') {
			if (!lex_escape(p, out, &k))
				break;
			continue;
		}
		out[k++] = c;
		p->i++;
	}
	free(out);
	perr(p, start, "unterminated string");
	return 0;
}

static int bare_char(char c)
{
	return c && !is_blank(c) && c != '(' && c != ')' && c != ',';
}

/* A value: quoted string or bare word.  0 (no error set) when none stands at p->i. */
static int lex_value(struct parser *p, struct kite_ast_value *v)
{
	char c = peek(p);
	if (c == '"' || c == '\'')
		return lex_quoted(p, v);
	if (!bare_char(c))
		return 0;
	size_t start = p->i;
	while (p->i < p->n && bare_char(p->t[p->i]))
		p->i++;
	v->s = kite_memdup0(p->t + start, p->i - start);
	if (!v->s) {
		perr(p, start, "out of memory");
		return 0;
	}
	v->len = (uint32_t)(p->i - start);
	v->col = (uint32_t)(start + 1);
	return 1;
}

static int xf_lookup(const char *s, size_t len)
{
	for (int x = 0; x < KXF_COUNT; x++)
		if (strlen(xf_names[x]) == len && memcmp(xf_names[x], s, len) == 0)
			return x;
	return -1;
}

/* The operator at p->i (consumed), or -1. */
static int lex_op(struct parser *p)
{
	static const struct {
		const char *s;
		uint8_t op;
	} sym[] = {
	        {"==", KOP_EQ}, {"=", KOP_EQ},  {"!=", KOP_NE}, {"<=", KOP_LE},
	        {"<", KOP_LT},  {">=", KOP_GE}, {">", KOP_GT},
	};
	/* longest first, so that `evt.dir=>` is `=` then the value `>` and `x>=1` is `>=` */
	for (size_t k = 0; k < sizeof(sym) / sizeof(sym[0]); k++) {
		size_t l = strlen(sym[k].s);
		if (p->n - p->i >= l && memcmp(p->t + p->i, sym[k].s, l) == 0) {
			p->i += l;
			return sym[k].op;
		}
	}
	size_t wl = word_len(p, p->i);
	for (int op = KOP_CONTAINS; op < KOP_COUNT; op++) {
		if (strlen(op_names[op]) == wl && memcmp(op_names[op], p->t + p->i, wl) == 0) {
			p->i += wl;
			return op;
		}
	}
	return -1;
}

/* ---- the parser ---- */

static struct kite_ast *parse_or(struct parser *p);

/* Field name, optional [arg]; the arg is a bare word or a quoted string. */
static int parse_field_name(struct parser *p, struct kite_ast_field *f)
{
	size_t at = p->i;
	size_t k = at + word_len(p, at);
	while (k + 1 < p->n && p->t[k] == '.' && is_word(p->t[k + 1]))
		k += 1 + word_len(p, k + 1);
	f->col = (uint32_t)(at + 1);
	f->baselen = (uint32_t)(k - at);
	p->i = k;
	if (peek(p) != '[') {
		f->name = kite_memdup0(p->t + at, k - at);
		if (!f->name)
			perr(p, at, "out of memory");
		return f->name != NULL;
	}
	p->i++;
	struct kite_ast_value arg = {0};
	char c = peek(p);
	if (c == '"' || c == '\'') {
		if (!lex_quoted(p, &arg))
			return 0;
	} else {
		size_t s = p->i;
		while (p->i < p->n && !is_blank(p->t[p->i]) && !strchr("[]\"'", p->t[p->i]))
			p->i++;
		if (p->i == s) {
			perr(p, p->i, "expected an argument for field '%.*s'", (int)(k - at), p->t + at);
			return 0;
		}
		arg.s = kite_memdup0(p->t + s, p->i - s);
		arg.len = (uint32_t)(p->i - s);
	}
	if (arg.s && memchr(arg.s, '\0', arg.len)) {
		perr(p, at, "the argument of '%.*s' holds a NUL byte", (int)(k - at), p->t + at);
		free(arg.s);
		return 0;
	}
	if (!arg.s || peek(p) != ']') {
		if (arg.s)
			perr(p, p->i, "expected ']' after the argument of '%.*s'", (int)(k - at), p->t + at);
		else
			perr(p, p->i, "out of memory");
		free(arg.s);
		return 0;
	}
	p->i++;
	size_t len = (k - at) + 1 + arg.len + 1;
	f->name = malloc(len + 1);
	if (f->name) {
		memcpy(f->name, p->t + at, k - at);
		f->name[k - at] = '[';
		memcpy(f->name + (k - at) + 1, arg.s, arg.len);
		f->name[len - 1] = ']';
		f->name[len] = '\0';
	} else {
		perr(p, at, "out of memory");
	}
	free(arg.s);
	return f->name != NULL;
}

/* A field, possibly inside transformers: tolower(basename(proc.exe)). */
static int parse_field(struct parser *p, struct kite_ast_field *f)
{
	size_t at = p->i;
	size_t wl = word_len(p, at);
	if (!wl || !is_alpha(p->t[at])) {
		perr(p, at, "expected a field name, got %s", excerpt(p, at, (char[32]){0}));
		return 0;
	}
	int xf = p->t[at + wl] == '(' ? xf_lookup(p->t + at, wl) : -1;
	if (xf < 0)
		return parse_field_name(p, f);
	if (f->nxf >= KITE_XF_MAX) {
		perr(p, at, "more than %d transformers on one field", KITE_XF_MAX);
		return 0;
	}
	f->xf[f->nxf++] = (uint8_t)xf;
	p->i = at + wl + 1;
	skip_blank(p);
	if (!parse_field(p, f))
		return 0;
	skip_blank(p);
	if (peek(p) != ')') {
		perr(p, p->i, "expected ')' to close '%s(' at column %zu, got %s", xf_names[xf], at + 1,
		     excerpt(p, p->i, (char[32]){0}));
		return 0;
	}
	p->i++;
	return 1;
}

/* At p->i: `val(` or a transformer followed by `(`: the right side is a field. */
static int rhs_is_field(const struct parser *p)
{
	size_t wl = word_len(p, p->i);
	if (p->t[p->i + wl] != '(')
		return 0;
	return word_is(p, p->i, "val") || xf_lookup(p->t + p->i, wl) >= 0;
}

static int parse_rhs_field(struct parser *p, struct kite_ast *a)
{
	a->rhs = calloc(1, sizeof(*a->rhs));
	if (!a->rhs) {
		perr(p, p->i, "out of memory");
		return 0;
	}
	size_t at = p->i;
	if (!word_is(p, at, "val"))
		return parse_field(p, a->rhs);
	a->rhs->val = 1;
	p->i += 4;
	skip_blank(p);
	if (!parse_field(p, a->rhs))
		return 0;
	skip_blank(p);
	if (peek(p) != ')') {
		perr(p, p->i, "expected ')' to close 'val(' at column %zu, got %s", at + 1,
		     excerpt(p, p->i, (char[32]){0}));
		return 0;
	}
	p->i++;
	return 1;
}

static int push_value(struct parser *p, struct kite_ast *a, uint32_t *cap, const struct kite_ast_value *v)
{
	if (a->n == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 4;
		struct kite_ast_value *nv = realloc(a->vals, nc * sizeof(*nv));
		if (!nv) {
			perr(p, p->i, "out of memory");
			return 0;
		}
		a->vals = nv;
		*cap = nc;
	}
	a->vals[a->n++] = *v;
	return 1;
}

/* A list at '(': values separated by commas; nested lists are flattened into a->vals. */
static int parse_list(struct parser *p, struct kite_ast *a, uint32_t *cap)
{
	size_t open = p->i;
	if (!depth_enter(p))
		return 0;
	p->i++;
	skip_blank(p);
	if (peek(p) == ')') {
		p->i++;
		p->depth--;
		return 1;
	}
	for (;;) {
		skip_blank(p);
		if (peek(p) == '(') {
			if (!parse_list(p, a, cap))
				return 0;
		} else {
			struct kite_ast_value v = {0};
			if (!lex_value(p, &v)) {
				perr(p, p->i, "expected a value in the list, got %s",
				     excerpt(p, p->i, (char[32]){0}));
				return 0;
			}
			if (!push_value(p, a, cap, &v)) {
				free(v.s);
				return 0;
			}
		}
		skip_blank(p);
		char c = peek(p);
		p->i++;
		if (c == ')')
			break;
		if (c != ',') {
			perr(p, p->i - 1, "expected ',' or ')' in the list opened at column %zu, got %s",
			     open + 1, excerpt(p, p->i - 1, (char[32]){0}));
			return 0;
		}
	}
	p->depth--;
	return 1;
}

/* After the left side of a check: the operator and its right side. */
static int parse_check_rest(struct parser *p, struct kite_ast *a)
{
	skip_blank(p);
	size_t at = p->i;
	int op = lex_op(p);
	if (op < 0) {
		perr(p, at, "expected an operator after '%s', got %s", a->lhs.name,
		     excerpt(p, at, (char[32]){0}));
		return 0;
	}
	a->op = (uint8_t)op;
	a->opcol = (uint32_t)(at + 1);
	if (op == KOP_EXISTS)
		return 1;
	skip_blank(p);
	if (rhs_is_field(p))
		return parse_rhs_field(p, a);
	if (kite_op_is_list((unsigned)op)) {
		uint32_t cap = 0;
		a->list = 1;
		if (peek(p) == '(')
			return parse_list(p, a, &cap);
		perr(p, p->i, "expected a list '(...)' after '%s', got %s", op_names[op],
		     excerpt(p, p->i, (char[32]){0}));
		return 0;
	}
	struct kite_ast_value v = {0};
	if (!lex_value(p, &v)) {
		perr(p, p->i, "expected a value after '%s', got %s", op_names[op],
		     excerpt(p, p->i, (char[32]){0}));
		return 0;
	}
	a->vals = malloc(sizeof(*a->vals));
	if (!a->vals) {
		free(v.s);
		perr(p, at, "out of memory");
		return 0;
	}
	a->vals[0] = v;
	a->n = 1;
	return 1;
}

static struct kite_ast *parse_check(struct parser *p)
{
	struct kite_ast *a = node_new(KA_CHECK, p->i);
	if (!a) {
		perr(p, p->i, "out of memory");
		return NULL;
	}
	if (!parse_field(p, &a->lhs) || !parse_check_rest(p, a)) {
		kite_ast_free(a);
		return NULL;
	}
	return a;
}

/* A bare name with no dots, not followed by an operator, is a macro. */
static struct kite_ast *parse_name(struct parser *p)
{
	size_t at = p->i;
	size_t wl = word_len(p, at);
	char next = p->t[at + wl];
	if (word_is(p, at, "not") || word_is(p, at, "and") || word_is(p, at, "or")) {
		/* `not` right before something other than a blank or '(' (a reserved word, never a name) */
		perr(p, at, "expected a field check, a macro, 'not' or '(', got %s",
		     excerpt(p, at, (char[32]){0}));
		return NULL;
	}
	if (next == '.' || next == '[' || (next == '(' && xf_lookup(p->t + at, wl) >= 0))
		return parse_check(p);
	if (next == '(') {
		perr(p, at, "'%.*s' is not a transformer (tolower, toupper, basename, len, b64)", (int)wl,
		     p->t + at);
		return NULL;
	}
	/* `foo = 1`: a check on an unknown field, reported as such when compiled */
	struct parser look = *p;
	look.i = at + wl;
	skip_blank(&look);
	if (lex_op(&look) >= 0)
		return parse_check(p);
	struct kite_ast *a = node_new(KA_MACRO, at);
	if (!a || !(a->name = kite_memdup0(p->t + at, wl))) {
		free(a);
		perr(p, at, "out of memory");
		return NULL;
	}
	p->i = at + wl;
	return a;
}

static struct kite_ast *parse_primary(struct parser *p)
{
	skip_blank(p);
	size_t at = p->i;
	char c = peek(p);
	if (c == '(') {
		if (!depth_enter(p))
			return NULL;
		p->i++;
		struct kite_ast *a = parse_or(p);
		if (!a)
			return NULL;
		skip_blank(p);
		if (peek(p) != ')') {
			perr(p, p->i, "expected ')' to close '(' at column %zu, got %s", at + 1,
			     excerpt(p, p->i, (char[32]){0}));
			kite_ast_free(a);
			return NULL;
		}
		p->i++;
		p->depth--;
		return a;
	}
	if (is_alpha(c))
		return parse_name(p);
	if (c == ')')
		perr(p, at, "unbalanced ')'");
	else
		perr(p, at, "expected a field check, a macro, 'not' or '(', got %s",
		     excerpt(p, at, (char[32]){0}));
	return NULL;
}

static struct kite_ast *parse_not(struct parser *p)
{
	skip_blank(p);
	size_t at = p->i;
	if (!keyword_at(p, "not"))
		return parse_primary(p);
	if (!depth_enter(p))
		return NULL;
	p->i += 3;
	struct kite_ast *kid = parse_not(p);
	p->depth--;
	if (!kid)
		return NULL;
	struct kite_ast *a = node_new(KA_NOT, at);
	struct kite_ast **kids = malloc(sizeof(*kids));
	if (!a || !kids) {
		free(a);
		free(kids);
		kite_ast_free(kid);
		perr(p, at, "out of memory");
		return NULL;
	}
	kids[0] = kid;
	a->kids = kids;
	a->n = 1;
	return a;
}

/* sub ("kw" sub)*: one node with every operand as a child (Falco's n-ary and/or). */
static struct kite_ast *parse_chain(struct parser *p, uint8_t kind, const char *kw,
                                    struct kite_ast *(*sub)(struct parser *))
{
	skip_blank(p);
	size_t at = p->i;
	struct kite_ast *first = sub(p);
	if (!first)
		return NULL;
	skip_blank(p);
	if (!keyword_at(p, kw))
		return first;
	struct kite_ast *a = node_new(kind, at);
	uint32_t cap = 4;
	if (a)
		a->kids = malloc(cap * sizeof(*a->kids));
	if (!a || !a->kids) {
		free(a);
		kite_ast_free(first);
		perr(p, at, "out of memory");
		return NULL;
	}
	a->kids[a->n++] = first;
	while (keyword_at(p, kw)) {
		p->i += strlen(kw);
		struct kite_ast *kid = sub(p);
		if (!kid)
			goto fail;
		if (a->n == cap) {
			struct kite_ast **nk = realloc(a->kids, cap * 2 * sizeof(*nk));
			if (!nk) {
				kite_ast_free(kid);
				perr(p, p->i, "out of memory");
				goto fail;
			}
			a->kids = nk;
			cap *= 2;
		}
		a->kids[a->n++] = kid;
		skip_blank(p);
	}
	return a;
fail:
	kite_ast_free(a);
	return NULL;
}

static struct kite_ast *parse_and(struct parser *p)
{
	return parse_chain(p, KA_AND, "and", parse_not);
}

static struct kite_ast *parse_or(struct parser *p)
{
	return parse_chain(p, KA_OR, "or", parse_and);
}

struct kite_ast *kite_ast_parse(const char *text, char *err, size_t errlen)
{
	struct parser p = {.t = text ? text : "", .err = err, .errlen = errlen};
	p.n = strlen(p.t);
	skip_blank(&p);
	if (p.i == p.n) {
		perr(&p, p.i, "empty condition");
		return NULL;
	}
	struct kite_ast *a = parse_or(&p);
	if (!a)
		return NULL;
	skip_blank(&p);
	if (p.i < p.n) {
		if (p.t[p.i] == ')')
			perr(&p, p.i, "unbalanced ')'");
		else
			perr(&p, p.i, "unexpected %s, expected 'and', 'or' or the end",
			     excerpt(&p, p.i, (char[32]){0}));
		kite_ast_free(a);
		return NULL;
	}
	return a;
}

/* ---- canonical text ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 64;
		while (nc < b->len + n + 1)
			nc *= 2;
		char *np = realloc(b->p, nc);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* Bare when the lexer would read it back as one bare word; else double-quoted with escapes. */
static int needs_quotes(const char *s, size_t len, const char *special)
{
	if (!len || s[0] == '"' || s[0] == '\'')
		return 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c == 0x7f || strchr(special, c))
			return 1;
	}
	return 0;
}

static void sb_quoted(struct sbuf *b, const char *s, size_t len, const char *special)
{
	if (!needs_quotes(s, len, special)) {
		sb_put(b, s, len);
		return;
	}
	sb_put(b, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		switch (c) {
		case '\\': sb_str(b, "\\\\"); break;
		case '"': sb_str(b, "\\\""); break;
		case '\n': sb_str(b, "\\n"); break;
		case '\t': sb_str(b, "\\t"); break;
		case '\r': sb_str(b, "\\r"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof(esc), "\\x%02x", c);
				sb_str(b, esc);
			} else {
				sb_put(b, (const char *)&s[i], 1);
			}
		}
	}
	sb_put(b, "\"", 1);
}

static void sb_field(struct sbuf *b, const struct kite_ast_field *f)
{
	if (f->val)
		sb_str(b, "val(");
	for (unsigned i = 0; i < f->nxf; i++) {
		sb_str(b, kite_xf_name(f->xf[i]));
		sb_str(b, "(");
	}
	size_t len = strlen(f->name);
	sb_put(b, f->name, f->baselen);
	if (len >= (size_t)f->baselen + 2) {
		/* the argument, without the brackets the name carries */
		sb_str(b, "[");
		sb_quoted(b, f->name + f->baselen + 1, len - f->baselen - 2, "[]");
		sb_str(b, "]");
	}
	for (unsigned i = 0; i < f->nxf; i++)
		sb_str(b, ")");
	if (f->val)
		sb_str(b, ")");
}

static void sb_check(struct sbuf *b, const struct kite_ast *a)
{
	sb_field(b, &a->lhs);
	sb_str(b, " ");
	sb_str(b, kite_op_name(a->op));
	if (a->op == KOP_EXISTS)
		return;
	sb_str(b, " ");
	if (a->rhs) {
		sb_field(b, a->rhs);
		return;
	}
	if (!a->list) {
		sb_quoted(b, a->vals[0].s, a->vals[0].len, "(),");
		return;
	}
	sb_str(b, "(");
	for (uint32_t i = 0; i < a->n; i++) {
		if (i)
			sb_str(b, ", ");
		sb_quoted(b, a->vals[i].s, a->vals[i].len, "(),");
	}
	sb_str(b, ")");
}

static void sb_ast(struct sbuf *b, const struct kite_ast *a)
{
	switch (a->kind) {
	case KA_AND:
	case KA_OR:
		sb_str(b, "(");
		for (uint32_t i = 0; i < a->n; i++) {
			if (i)
				sb_str(b, a->kind == KA_AND ? " and " : " or ");
			sb_ast(b, a->kids[i]);
		}
		sb_str(b, ")");
		break;
	case KA_NOT:
		sb_str(b, "not ");
		sb_ast(b, a->kids[0]);
		break;
	case KA_CHECK: sb_check(b, a); break;
	default: sb_str(b, a->name); break;
	}
}

char *kite_ast_to_string(const struct kite_ast *a)
{
	struct sbuf b = {0};
	if (a)
		sb_ast(&b, a);
	else
		sb_str(&b, "");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	if (!b.p)
		return kite_memdup0("", 0);
	return b.p;
}

/* ---- fields and macros ---- */

static void foreach_field(const struct kite_ast *a, void (*fn)(void *ctx, const char *field), void *ctx)
{
	if (a->kind == KA_CHECK) {
		fn(ctx, a->lhs.name);
		if (a->rhs)
			fn(ctx, a->rhs->name);
		return;
	}
	for (uint32_t i = 0; a->kids && i < a->n; i++)
		foreach_field(a->kids[i], fn, ctx);
}

void kite_ast_foreach_field(const struct kite_ast *a, void (*fn)(void *ctx, const char *field), void *ctx)
{
	if (a && fn)
		foreach_field(a, fn, ctx);
}

/* The macros being expanded, innermost first: a name found here refers to itself. */
struct macro_stack {
	const char *name;
	const struct macro_stack *up;
	int depth;
};

static struct kite_ast *expand(const struct kite_ast *a, const struct kite_filter_opts *o,
                               const struct macro_stack *st, char *err, size_t errlen);

static struct kite_ast *expand_macro(const struct kite_ast *a, const struct kite_filter_opts *o,
                                     const struct macro_stack *st, char *err, size_t errlen)
{
	for (const struct macro_stack *s = st; s; s = s->up) {
		if (strcmp(s->name, a->name) == 0) {
			kite_filter_seterr(err, errlen, "column %u: macro '%s' refers to itself", a->col,
			                   a->name);
			return NULL;
		}
	}
	int depth = st ? st->depth + 1 : 1;
	if (depth > KITE_MACRO_MAX_DEPTH) {
		kite_filter_seterr(err, errlen, "column %u: macros nested deeper than %d at '%s'", a->col,
		                   KITE_MACRO_MAX_DEPTH, a->name);
		return NULL;
	}
	const struct kite_ast *m = o && o->macro ? o->macro(o->macro_ctx, a->name) : NULL;
	if (!m) {
		kite_filter_seterr(err, errlen, "column %u: undefined macro '%s'", a->col, a->name);
		return NULL;
	}
	struct macro_stack here = {a->name, st, depth};
	char inner[512] = "";
	struct kite_ast *e = expand(m, o, &here, inner, sizeof(inner));
	if (!e)
		kite_filter_seterr(err, errlen, "column %u: in macro '%s': %s", a->col, a->name, inner);
	return e;
}

static struct kite_ast *expand(const struct kite_ast *a, const struct kite_filter_opts *o,
                               const struct macro_stack *st, char *err, size_t errlen)
{
	if (a->kind == KA_MACRO)
		return expand_macro(a, o, st, err, errlen);
	if (a->kind == KA_CHECK) {
		struct kite_ast *c = ast_clone(a);
		if (!c)
			kite_filter_seterr(err, errlen, "out of memory");
		return c;
	}
	struct kite_ast *c = node_new(a->kind, 0);
	if (c)
		c->kids = calloc(a->n, sizeof(*c->kids));
	if (!c || !c->kids) {
		free(c);
		kite_filter_seterr(err, errlen, "out of memory");
		return NULL;
	}
	c->col = a->col;
	c->n = a->n;
	for (uint32_t i = 0; i < a->n; i++) {
		c->kids[i] = expand(a->kids[i], o, st, err, errlen);
		if (!c->kids[i]) {
			kite_ast_free(c);
			return NULL;
		}
	}
	return c;
}

struct kite_ast *kite_ast_expand(const struct kite_ast *a, const struct kite_filter_opts *o, char *err,
                                 size_t errlen)
{
	if (!a) {
		kite_filter_seterr(err, errlen, "no condition");
		return NULL;
	}
	return expand(a, o, NULL, err, errlen);
}

/* filter_eval.c - the condition language compiled: type checks, parsed constants, matching without malloc. */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "decode.h"
#include "filter_int.h"

#define MAXV 64 /* values taken from one field per event; more are ignored */
/* Nesting of and/or/not across a condition and all its macros (each text alone is limited by the parser). */
#define MAX_COMPILE_DEPTH 1000

/* A number as sign and magnitude, so int64 and uint64 values compare without overflow. */
struct knum {
	uint64_t mag;
	uint8_t neg; /* never set for zero */
};

/* A constant, parsed once in every way the field's type may need. */
struct cval {
	const char *s; /* text; for bcontains/bstartswith the decoded bytes.  NUL-terminated */
	uint32_t len;
	uint8_t has_num, has_net;
	struct knum num;
	struct kite_ip net; /* prefix is the network's (32 or 128 for a plain address) */
};

/* A field with its transformers, ready to extract. */
struct xfield {
	struct kite_field f;
	uint8_t live;  /* f holds a parsed field, to release */
	uint8_t count; /* len() right on a multi-valued field: the number of values */
	uint8_t type;  /* enum kite_vtype of the values after the transformers (may be ANY) */
	uint8_t nxf;
	uint8_t xf[KITE_XF_MAX]; /* innermost first: the order they apply in */
};

struct sref {
	const char *s;
	uint32_t len;
};

struct check {
	struct xfield lhs, rhs;
	uint8_t has_rhs; /* the right side is a field (val()) */
	uint8_t op;
	uint8_t evttype; /* evt.type = X or evt.type in (...): kite_filter_evttypes reads the names */
	uint8_t by_type; /* its fields depend on the event type alone: the result is looked up (struct typecache) */
	uint32_t tslot;  /* by_type: its row in typecache.checks */
	uint8_t pm_root; /* pmatch: "/" is in the list */
	uint8_t one;     /* each value is matched with match1 against the one constant c[0] (eval_check) */
	uint32_t n;      /* constants */
	struct cval *c;
	struct sref *strs; /* list operators: the texts, sorted, for binary search */
	uint32_t nstrs;
	struct knum *nums; /* list operators: the numbers, sorted */
	uint32_t nnums;
	regex_t *re;
};

/* The tree in preorder: a node's children follow it; `end` is the index after its subtree. */
struct fnode {
	uint8_t kind; /* enum kite_ast_kind, never MACRO */
	uint32_t end;
	uint32_t check;
};

/*
 * What the by_type checks give, worked out once per schema for every event
 * type id (by running them on a context that holds only the type's
 * description), and what the whole filter gives knowing only those: the events
 * of a type it cannot match are refused without looking at them, and the
 * others evaluate the by_type checks as a table lookup (no string compares).
 */
enum { V_FALSE = 0, V_TRUE = 1, V_EVAL = 2 };
#define RESID_NEG 0x80000000u

struct typecache {
	uint64_t serial;                      /* of the schema it is for (kite_schema_serial) */
	const struct kite_event_desc **descs; /* per id: the description the results are for (a copy) */
	uint32_t n;                           /* schema->max_event_id + 1 */
	uint8_t *verdict; /* per id: V_FALSE, V_TRUE, or V_EVAL (the result depends on more than the type) */
	uint32_t *start;  /* per id with V_EVAL: the node whose result is the filter's (RESID_NEG: negated) */
	uint8_t *checks;  /* checks[slot * n + id]: by_type check `slot` on an event of type id */
	struct typecache *next;
};

struct kite_filter {
	const struct kite_field_provider *fp;
	struct fnode *nodes;
	uint32_t nnodes, capnodes;
	struct check **checks;
	uint32_t nchecks, capchecks;
	uint32_t ntyped;          /* by_type checks */
	struct typecache *tcache; /* one per schema seen */
	struct typecache *tcur;   /* the one used last */
};

static const struct kite_field_provider default_fields = {
        kite_field_parse,
        kite_field_extract,
        kite_field_release,
};

/* ---- value classes and the operators each accepts ---- */

enum vclass { VC_NONE, VC_STR, VC_BYTES, VC_NUM, VC_BOOL, VC_IP, VC_NET, VC_ANY };

static enum vclass vclass_of(unsigned t)
{
	switch (t) {
	case KITE_VT_STR: return VC_STR;
	case KITE_VT_BYTES: return VC_BYTES;
	case KITE_VT_INT:
	case KITE_VT_UINT:
	case KITE_VT_RELTIME:
	case KITE_VT_ABSTIME: return VC_NUM;
	case KITE_VT_BOOL: return VC_BOOL;
	case KITE_VT_IPADDR: return VC_IP;
	case KITE_VT_IPNET: return VC_NET;
	case KITE_VT_ANY: return VC_ANY;
	default: return VC_NONE;
	}
}

#define B(op) (1u << (op))
static const uint32_t allowed_ops[] = {
        [VC_NONE] = B(KOP_EXISTS),
        [VC_STR] = B(KOP_COUNT) - 1,
        [VC_BYTES] = B(KOP_EQ) | B(KOP_NE) | B(KOP_CONTAINS) | B(KOP_STARTSWITH) | B(KOP_BCONTAINS) |
                     B(KOP_BSTARTSWITH) | B(KOP_EXISTS),
        [VC_NUM] = B(KOP_EQ) | B(KOP_NE) | B(KOP_LT) | B(KOP_LE) | B(KOP_GT) | B(KOP_GE) | B(KOP_IN) |
                   B(KOP_INTERSECTS) | B(KOP_EXISTS),
        [VC_BOOL] = B(KOP_EQ) | B(KOP_NE) | B(KOP_EXISTS),
        [VC_IP] = B(KOP_EQ) | B(KOP_NE) | B(KOP_IN) | B(KOP_INTERSECTS) | B(KOP_EXISTS),
        [VC_NET] = B(KOP_EQ) | B(KOP_NE) | B(KOP_IN) | B(KOP_INTERSECTS) | B(KOP_EXISTS),
        [VC_ANY] = B(KOP_COUNT) - 1,
};

/* Classes a val() field may be compared with: the same kind of value. */
static int classes_compatible(enum vclass a, enum vclass b)
{
	static const uint8_t group[] = {[VC_NONE] = 0, [VC_STR] = 1, [VC_BYTES] = 1, [VC_NUM] = 2,
	                                [VC_BOOL] = 2, [VC_IP] = 3,  [VC_NET] = 3,   [VC_ANY] = 4};
	return a == VC_ANY || b == VC_ANY || group[a] == group[b];
}

/* ---- constants ---- */

static int knum_cmp(struct knum a, struct knum b)
{
	if (a.neg != b.neg)
		return a.neg ? -1 : 1;
	if (a.mag == b.mag)
		return 0;
	return ((a.mag < b.mag) != (a.neg != 0)) ? -1 : 1;
}

static struct knum num_of(const struct kite_val *v)
{
	if (v->type == KITE_VT_INT && v->i < 0)
		return (struct knum){0 - (uint64_t)v->i, 1};
	if (v->type == KITE_VT_INT)
		return (struct knum){(uint64_t)v->i, 0};
	return (struct knum){v->u, 0};
}

/* Decimal or 0x hex, with an optional sign. */
static int parse_num(const char *s, size_t len, struct knum *out)
{
	size_t i = 0;
	int neg = 0;
	if (len && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i++;
	}
	unsigned base = 10;
	if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	if (i >= len)
		return 0;
	uint64_t mag = 0;
	for (; i < len; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return 0;
		if (mag > (UINT64_MAX - d) / base)
			return 0;
		mag = mag * base + d;
	}
	out->mag = mag;
	out->neg = (uint8_t)(neg && mag != 0);
	return 1;
}

/* Fits the field's type: int64 takes negative numbers, the other numeric types do not. */
static int num_fits(struct knum n, unsigned type)
{
	if (type == KITE_VT_INT)
		return n.neg ? n.mag <= (uint64_t)1 << 63 : n.mag <= (uint64_t)INT64_MAX;
	return !n.neg;
}

static int parse_bool(const char *s, size_t len, struct knum *out)
{
	if ((len == 4 && strncasecmp(s, "true", 4) == 0) || (len == 1 && s[0] == '1'))
		*out = (struct knum){1, 0};
	else if ((len == 5 && strncasecmp(s, "false", 5) == 0) || (len == 1 && s[0] == '0'))
		*out = (struct knum){0, 0};
	else
		return 0;
	return 1;
}

/* An IPv4 or IPv6 address, or with allow_prefix a network "addr/len" (a plain address is /32 or /128). */
static int parse_net(const char *s, size_t len, int allow_prefix, struct kite_ip *out)
{
	char buf[64];
	if (!len || len >= sizeof(buf) || memchr(s, '\0', len))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, sizeof(*out));
	long prefix = -1;
	char *slash = strchr(buf, '/');
	if (slash) {
		char *end;
		*slash = '\0';
		if (!allow_prefix || slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
			return 0;
		prefix = strtol(slash + 1, &end, 10);
		if (*end)
			return 0;
	}
	unsigned max;
	if (inet_pton(AF_INET, buf, out->a) == 1) {
		out->fam = KITE_AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->a) == 1) {
		out->fam = KITE_AF_INET6;
		max = 128;
	} else {
		return 0;
	}
	if (prefix > (long)max)
		return 0;
	out->prefix = (uint8_t)(prefix < 0 ? max : (unsigned)prefix);
	return 1;
}

static int net_contains(const struct kite_ip *net, const struct kite_ip *ip)
{
	if (net->fam != ip->fam)
		return 0;
	unsigned full = net->prefix / 8, rem = net->prefix % 8;
	if (full > 16 || memcmp(net->a, ip->a, full) != 0)
		return 0;
	if (!rem)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rem));
	return (net->a[full] & mask) == (ip->a[full] & mask);
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

/* "cafebabe" -> 4 bytes, in place (the output is shorter than the input). */
static int hex_decode(char *s, uint32_t *len)
{
	if (*len % 2)
		return 0;
	for (uint32_t i = 0; i < *len; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		s[i / 2] = (char)(hi << 4 | lo);
	}
	*len /= 2;
	s[*len] = '\0';
	return 1;
}

/* ---- compiling ---- */

struct macro_stack {
	const char *name;
	const struct macro_stack *up;
	int depth;
};

struct cc {
	kite_filter *f;
	const struct kite_filter_opts *o;
	char *err;
	size_t errlen;
	int depth;
};

/* The field as written, transformers included ("len(proc.name)"), for messages. */
static const char *field_desc(const struct kite_ast_field *f, char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < f->nxf && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s(", kite_xf_name(f->xf[i]));
	if (k < len)
		k += (size_t)snprintf(buf + k, len - k, "%s", f->name);
	for (unsigned i = 0; i < f->nxf && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, ")");
	return buf;
}

static int oom(struct cc *cc)
{
	kite_filter_seterr(cc->err, cc->errlen, "out of memory");
	return 0;
}

static int field_is_list(const struct kite_field *f)
{
	return f->def && (f->def->flags & KITE_FF_LIST) && !f->has_arg;
}

/* The type after applying transformer xf to values of type t, or NONE when xf does not apply. */
static unsigned xf_type(unsigned xf, unsigned t, int whole_list)
{
	if (xf == KXF_LEN)
		return (whole_list || t == KITE_VT_STR || t == KITE_VT_BYTES || t == KITE_VT_ANY)
		               ? KITE_VT_UINT
		               : KITE_VT_NONE;
	if (xf == KXF_B64) /* as libsinsp: text and byte buffers, the type unchanged */
		return (t == KITE_VT_STR || t == KITE_VT_BYTES || t == KITE_VT_ANY) ? t : KITE_VT_NONE;
	return (t == KITE_VT_STR || t == KITE_VT_ANY) ? t : KITE_VT_NONE;
}

static int compile_field(struct cc *cc, const struct kite_ast_field *af, struct xfield *x)
{
	size_t len = strlen(af->name);
	char msg[256] = "";
	size_t used = cc->f->fp->parse(af->name, len, &x->f, msg, sizeof(msg));
	if (!used) {
		kite_filter_seterr(cc->err, cc->errlen, "column %u: %s", af->col,
		                   msg[0] ? msg : "unknown field");
		return 0;
	}
	x->live = 1;
	if (used != len) {
		kite_filter_seterr(cc->err, cc->errlen, "column %u: unknown field '%s'", af->col, af->name);
		return 0;
	}
	if (x->f.def && (x->f.def->flags & KITE_FF_NO_FILTER)) {
		kite_filter_seterr(cc->err, cc->errlen,
		                   "column %u: field %s is for outputs only, not filters", af->col, af->name);
		return 0;
	}
	unsigned t = x->f.type ? x->f.type : (x->f.def ? x->f.def->type : KITE_VT_NONE);
	x->nxf = af->nxf;
	for (unsigned i = 0; i < af->nxf; i++) {
		unsigned xf = af->xf[af->nxf - 1 - i]; /* innermost first */
		int whole = i == 0 && xf == KXF_LEN && field_is_list(&x->f);
		unsigned nt = xf_type(xf, t, whole);
		if (nt == KITE_VT_NONE) {
			/* name what it applies to: the field with the transformers inside this one */
			struct kite_ast_field inner = *af;
			char name[160];
			inner.nxf = (uint8_t)i;
			memcpy(inner.xf, af->xf + af->nxf - i, i);
			kite_filter_seterr(cc->err, cc->errlen, "column %u: %s() does not apply to %s (%s)",
			                   af->col, kite_xf_name(xf), field_desc(&inner, name, sizeof(name)),
			                   kite_vtype_name(t));
			return 0;
		}
		x->xf[i] = (uint8_t)xf;
		x->count = (uint8_t)(x->count || whole);
		t = nt;
	}
	x->type = (uint8_t)t;
	return 1;
}

static int const_err(struct cc *cc, const struct kite_ast_value *v, const char *what,
                     const struct kite_ast_field *f)
{
	char name[160];
	kite_filter_seterr(cc->err, cc->errlen, "column %u: '%.60s' is not %s for field %s", v->col, v->s,
	                   what, field_desc(f, name, sizeof(name)));
	return 0;
}

/* Parses constant v for check k (field type t) into out: each type reads it its own way. */
static int compile_const(struct cc *cc, const struct kite_ast *a, struct check *k,
                         const struct kite_ast_value *v, struct cval *out)
{
	char *s = kite_memdup0(v->s, v->len);
	if (!s)
		return oom(cc);
	out->s = s;
	out->len = v->len;
	unsigned t = k->lhs.type;
	const struct kite_ast_field *field = &a->lhs;
	switch (vclass_of(t)) {
	case VC_NUM:
		if (!parse_num(s, out->len, &out->num) || !num_fits(out->num, t) || memchr(s, '\0', out->len))
			return const_err(cc, v, "a number", field);
		out->has_num = 1;
		return 1;
	case VC_BOOL:
		if (!parse_bool(s, out->len, &out->num))
			return const_err(cc, v, "a boolean (true, false)", field);
		out->has_num = 1;
		return 1;
	case VC_IP:
	case VC_NET:
		if (!parse_net(s, out->len, vclass_of(t) == VC_NET, &out->net))
			return const_err(cc, v, vclass_of(t) == VC_NET ? "an IP network" : "an IP address",
			                 field);
		out->has_net = 1;
		return 1;
	case VC_ANY:
		/* evt.rawarg.X: the type is known per event, so keep every reading that works */
		out->has_num = (uint8_t)(parse_num(s, out->len, &out->num) && !memchr(s, '\0', out->len));
		out->has_net = (uint8_t)parse_net(s, out->len, 1, &out->net);
		break;
	default: break;
	}
	if ((k->op == KOP_BCONTAINS || k->op == KOP_BSTARTSWITH) && !hex_decode(s, &out->len))
		return const_err(cc, v, "a hex byte string (as in 'cafebabe')", field);
	return 1;
}

static int sref_cmp(const void *pa, const void *pb)
{
	const struct sref *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int r = n ? memcmp(a->s, b->s, n) : 0;
	if (r)
		return r;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int knum_qcmp(const void *a, const void *b)
{
	return knum_cmp(*(const struct knum *)a, *(const struct knum *)b);
}

/* pmatch entries: "/a/b/" and "/a/b" mean the same directory. */
static uint32_t path_trim(const char *s, uint32_t len)
{
	while (len > 1 && s[len - 1] == '/')
		len--;
	return len;
}

/* The sorted texts and numbers of a list, for binary search at match time. */
static int build_sets(struct cc *cc, struct check *k)
{
	k->strs = calloc(k->n ? k->n : 1, sizeof(*k->strs));
	k->nums = calloc(k->n ? k->n : 1, sizeof(*k->nums));
	if (!k->strs || !k->nums)
		return oom(cc);
	for (uint32_t i = 0; i < k->n; i++) {
		const struct cval *c = &k->c[i];
		uint32_t len = c->len;
		if (k->op == KOP_PMATCH) {
			len = path_trim(c->s, len);
			if (len == 1 && c->s[0] == '/') {
				k->pm_root = 1;
				continue;
			}
		}
		k->strs[k->nstrs++] = (struct sref){c->s, len};
		if (c->has_num)
			k->nums[k->nnums++] = c->num;
	}
	qsort(k->strs, k->nstrs, sizeof(*k->strs), sref_cmp);
	qsort(k->nums, k->nnums, sizeof(*k->nums), knum_qcmp);
	return 1;
}

/*
 * glibc's regcomp expands repetitions by copying the pattern tree, so a short
 * pattern like "a++++++++++++++++++++" or "((a{999}){999}){999}" takes gigabytes.
 * Falco's RE2 refuses such patterns (a repetition of a repetition, a count above
 * 1000, a program too large) and backreferences; so do we, with an estimate of
 * the expanded size.  Returns NULL, or why the pattern is refused.
 */
#define RE_MAX_COUNT 1000
#define RE_MAX_SIZE  100000
#define RE_MAX_NEST  100

/* Skips a bracket expression starting at s[i] == '['; returns the index of its ']' (or the end). */
static size_t re_bracket_end(const char *s, size_t i)
{
	i++;
	if (s[i] == '^')
		i++;
	if (s[i] == ']')
		i++; /* a leading ']' is a member */
	while (s[i] && s[i] != ']') {
		if (s[i] == '[' && (s[i + 1] == ':' || s[i + 1] == '.' || s[i + 1] == '=')) {
			const char *close = strstr(s + i + 2, (char[]){s[i + 1], ']', '\0'});
			i = close ? (size_t)(close - s) + 2 : strlen(s);
			continue;
		}
		i++;
	}
	return s[i] ? i : i - 1;
}

/* {m}, {m,}, {m,n} at s[i] == '{': the largest number of copies it makes, or -1 when it is no interval. */
static long re_interval(const char *s, size_t *i)
{
	size_t k = *i + 1;
	long m = 0, n = -1;
	if (s[k] < '0' || s[k] > '9')
		return -1;
	while (s[k] >= '0' && s[k] <= '9' && m <= RE_MAX_COUNT)
		m = m * 10 + (s[k++] - '0');
	if (s[k] == ',') {
		k++;
		if (s[k] >= '0' && s[k] <= '9') {
			n = 0;
			while (s[k] >= '0' && s[k] <= '9' && n <= RE_MAX_COUNT)
				n = n * 10 + (s[k++] - '0');
		} else {
			n = m + 1; /* {m,}: m copies and a star */
		}
	}
	if (s[k] != '}')
		return -1;
	*i = k;
	return n > m ? n : m;
}

static const char *re_too_costly(const char *s)
{
	size_t size[RE_MAX_NEST + 1] = {0}, last[RE_MAX_NEST + 1] = {0};
	int d = 0, rep = 0; /* rep: the previous token was a repetition */
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		long mult = 0;
		if (c == '*' || c == '+' || c == '?') {
			if (rep && !(c == '?' && rep == 1))
				return "a repetition of a repetition";
			mult = 2;
		} else if (c == '{' && (mult = re_interval(s, &i)) >= 0) {
			if (mult > RE_MAX_COUNT)
				return "a repetition count above 1000";
			if (rep)
				return "a repetition of a repetition";
			mult = mult ? mult : 1;
		} else {
			mult = 0;
		}
		if (mult) {
			size[d] += last[d] * (size_t)(mult - 1);
			last[d] *= (size_t)mult;
			rep = rep ? 2 : 1; /* 2: the lazy '?' after a repetition, which nothing may follow */
		} else if (c == '(') {
			if (++d > RE_MAX_NEST)
				return "groups nested too deeply";
			size[d] = last[d] = 0;
			rep = 0;
			continue;
		} else if (c == ')' && d > 0) {
			d--;
			last[d] = size[d + 1] + 1;
			size[d] += last[d];
			rep = 0;
		} else {
			if (c == '\\' && s[i + 1] >= '1' && s[i + 1] <= '9')
				return "a backreference";
			if (c == '\\' && s[i + 1])
				i++;
			else if (c == '[')
				i = re_bracket_end(s, i);
			last[d] = 1;
			size[d] += 1;
			rep = 0;
		}
		if (size[d] > RE_MAX_SIZE || last[d] > RE_MAX_SIZE)
			return "too large once expanded";
	}
	return NULL;
}

static int compile_regex(struct cc *cc, const struct kite_ast *a, struct check *k)
{
	const char *why = re_too_costly(k->c[0].s);
	if (why) {
		kite_filter_seterr(cc->err, cc->errlen, "column %u: regex '%.60s' is refused: %s",
		                   a->vals[0].col, a->vals[0].s, why);
		return 0;
	}
	k->re = calloc(1, sizeof(*k->re));
	if (!k->re)
		return oom(cc);
	int rc = regcomp(k->re, k->c[0].s, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[128];
		regerror(rc, k->re, msg, sizeof(msg));
		free(k->re);
		k->re = NULL;
		kite_filter_seterr(cc->err, cc->errlen, "column %u: bad regex '%.60s': %s", a->vals[0].col,
		                   a->vals[0].s, msg);
		return 0;
	}
	return 1;
}

static int compile_rhs_field(struct cc *cc, const struct kite_ast *a, struct check *k)
{
	if (!compile_field(cc, a->rhs, &k->rhs))
		return 0;
	k->has_rhs = 1;
	if (k->op == KOP_REGEX) {
		kite_filter_seterr(cc->err, cc->errlen,
		                   "column %u: regex needs a constant pattern, not a field", a->rhs->col);
		return 0;
	}
	if (!classes_compatible(vclass_of(k->lhs.type), vclass_of(k->rhs.type))) {
		char l[160], r[160];
		kite_filter_seterr(cc->err, cc->errlen, "column %u: cannot compare %s (%s) with %s (%s)",
		                   a->rhs->col, field_desc(&a->lhs, l, sizeof(l)),
		                   kite_vtype_name(k->lhs.type), field_desc(a->rhs, r, sizeof(r)),
		                   kite_vtype_name(k->rhs.type));
		return 0;
	}
	return 1;
}

static int compile_check_body(struct cc *cc, const struct kite_ast *a, struct check *k)
{
	k->op = a->op;
	if (!compile_field(cc, &a->lhs, &k->lhs))
		return 0;
	enum vclass vc = vclass_of(k->lhs.type);
	if (a->op >= KOP_COUNT || !(allowed_ops[vc] & B(a->op))) {
		char name[160];
		kite_filter_seterr(cc->err, cc->errlen,
		                   "column %u: operator '%s' is not valid for field %s (%s)", a->opcol,
		                   kite_op_name(a->op), field_desc(&a->lhs, name, sizeof(name)),
		                   kite_vtype_name(k->lhs.type));
		return 0;
	}
	if (a->op == KOP_EXISTS)
		return 1;
	if (a->rhs)
		return compile_rhs_field(cc, a, k);
	if (!a->list && a->n != 1)
		return oom(cc); /* the parser never builds this */
	k->c = calloc(a->n ? a->n : 1, sizeof(*k->c));
	if (!k->c)
		return oom(cc);
	for (uint32_t i = 0; i < a->n; i++) {
		k->n = i + 1;
		if (!compile_const(cc, a, k, &a->vals[i], &k->c[i]))
			return 0;
	}
	if (kite_op_is_list(a->op) && !build_sets(cc, k))
		return 0;
	if (a->op == KOP_REGEX && !compile_regex(cc, a, k))
		return 0;
	k->evttype = (uint8_t)(strcmp(a->lhs.name, "evt.type") == 0 && a->lhs.nxf == 0 &&
	                       (a->op == KOP_EQ || a->op == KOP_IN || a->op == KOP_INTERSECTS));
	/* match_const's default: the operators of one constant, but != (any value equal refutes it) */
	k->one = (uint8_t)(k->n == 1 && a->op != KOP_NE && a->op != KOP_IN && a->op != KOP_INTERSECTS &&
	                   a->op != KOP_PMATCH && a->op != KOP_REGEX);
	return 1;
}

static void check_free(const struct kite_field_provider *fp, struct check *k)
{
	if (!k)
		return;
	if (k->lhs.live && fp->release)
		fp->release(&k->lhs.f);
	if (k->rhs.live && fp->release)
		fp->release(&k->rhs.f);
	for (uint32_t i = 0; k->c && i < k->n; i++)
		free((char *)k->c[i].s);
	free(k->c);
	free(k->strs);
	free(k->nums);
	if (k->re) {
		regfree(k->re);
		free(k->re);
	}
	free(k);
}

static int push_node(struct cc *cc, uint8_t kind, uint32_t *idx)
{
	kite_filter *f = cc->f;
	if (f->nnodes == f->capnodes) {
		uint32_t nc = f->capnodes ? f->capnodes * 2 : 16;
		struct fnode *nn = realloc(f->nodes, nc * sizeof(*nn));
		if (!nn)
			return oom(cc);
		f->nodes = nn;
		f->capnodes = nc;
	}
	*idx = f->nnodes++;
	f->nodes[*idx] = (struct fnode){.kind = kind, .end = *idx + 1};
	return 1;
}

static int compile_check(struct cc *cc, const struct kite_ast *a)
{
	kite_filter *f = cc->f;
	uint32_t idx;
	if (!push_node(cc, KA_CHECK, &idx))
		return 0;
	if (f->nchecks == f->capchecks) {
		uint32_t nc = f->capchecks ? f->capchecks * 2 : 8;
		struct check **nk = realloc(f->checks, nc * sizeof(*nk));
		if (!nk)
			return oom(cc);
		f->checks = nk;
		f->capchecks = nc;
	}
	struct check *k = calloc(1, sizeof(*k));
	if (!k)
		return oom(cc);
	f->checks[f->nchecks] = k;
	f->nodes[idx].check = f->nchecks++;
	if (!compile_check_body(cc, a, k))
		return 0;
	/* the real field table only: a caller's own provider may give the same names other meanings */
	if (f->fp == &default_fields && kite_field_by_type(&k->lhs.f) &&
	    (!k->has_rhs || kite_field_by_type(&k->rhs.f))) {
		k->by_type = 1;
		k->tslot = f->ntyped++;
	}
	return 1;
}

static int compile_node(struct cc *cc, const struct kite_ast *a, const struct macro_stack *st);

static int compile_macro(struct cc *cc, const struct kite_ast *a, const struct macro_stack *st)
{
	for (const struct macro_stack *s = st; s; s = s->up) {
		if (strcmp(s->name, a->name) == 0) {
			kite_filter_seterr(cc->err, cc->errlen, "column %u: macro '%s' refers to itself",
			                   a->col, a->name);
			return 0;
		}
	}
	int depth = st ? st->depth + 1 : 1;
	if (depth > KITE_MACRO_MAX_DEPTH) {
		kite_filter_seterr(cc->err, cc->errlen, "column %u: macros nested deeper than %d at '%s'",
		                   a->col, KITE_MACRO_MAX_DEPTH, a->name);
		return 0;
	}
	const struct kite_ast *m = cc->o && cc->o->macro ? cc->o->macro(cc->o->macro_ctx, a->name) : NULL;
	if (!m) {
		kite_filter_seterr(cc->err, cc->errlen, "column %u: undefined macro '%s'", a->col, a->name);
		return 0;
	}
	/* errors inside the macro have columns in the macro's own text: say which macro */
	struct macro_stack here = {a->name, st, depth};
	char inner[512] = "";
	char *err = cc->err;
	size_t errlen = cc->errlen;
	cc->err = inner;
	cc->errlen = sizeof(inner);
	int ok = compile_node(cc, m, &here);
	cc->err = err;
	cc->errlen = errlen;
	if (!ok)
		kite_filter_seterr(err, errlen, "column %u: in macro '%s': %s", a->col, a->name, inner);
	return ok;
}

static int compile_node(struct cc *cc, const struct kite_ast *a, const struct macro_stack *st)
{
	if (++cc->depth > MAX_COMPILE_DEPTH) {
		kite_filter_seterr(cc->err, cc->errlen, "column %u: condition nested deeper than %d levels",
		                   a->col, MAX_COMPILE_DEPTH);
		return 0;
	}
	int ok = 1;
	uint32_t idx;
	switch (a->kind) {
	case KA_MACRO: ok = compile_macro(cc, a, st); break;
	case KA_CHECK: ok = compile_check(cc, a); break;
	case KA_AND:
	case KA_OR:
	case KA_NOT:
		ok = push_node(cc, a->kind, &idx);
		for (uint32_t i = 0; ok && i < a->n; i++)
			ok = compile_node(cc, a->kids[i], st);
		if (ok)
			cc->f->nodes[idx].end = cc->f->nnodes;
		break;
	default: kite_filter_seterr(cc->err, cc->errlen, "bad tree"); ok = 0;
	}
	cc->depth--;
	return ok;
}

void kite_filter_free(kite_filter *f)
{
	if (!f)
		return;
	for (uint32_t i = 0; i < f->nchecks; i++)
		check_free(f->fp, f->checks[i]);
	free(f->checks);
	free(f->nodes);
	while (f->tcache) {
		struct typecache *next = f->tcache->next;
		free(f->tcache);
		f->tcache = next;
	}
	free(f);
}

kite_filter *kite_filter_compile(const struct kite_ast *a, const struct kite_filter_opts *o, char *err,
                                 size_t errlen)
{
	if (!a) {
		kite_filter_seterr(err, errlen, "no condition");
		return NULL;
	}
	kite_filter *f = calloc(1, sizeof(*f));
	if (!f) {
		kite_filter_seterr(err, errlen, "out of memory");
		return NULL;
	}
	f->fp = o && o->fields ? o->fields : &default_fields;
	struct cc cc = {.f = f, .o = o, .err = err, .errlen = errlen};
	if (!compile_node(&cc, a, NULL)) {
		kite_filter_free(f);
		return NULL;
	}
	return f;
}

kite_filter *kite_filter_new(const char *text, const struct kite_filter_opts *o, char *err, size_t errlen)
{
	struct kite_ast *a = kite_ast_parse(text, err, errlen);
	if (!a)
		return NULL;
	kite_filter *f = kite_filter_compile(a, o, err, errlen);
	kite_ast_free(a);
	return f;
}

/* ---- matching ---- */

static int text_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int r = n ? memcmp(a, b, n) : 0;
	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int icontains(const char *s, size_t len, const char *pat, size_t plen)
{
	if (plen > len)
		return 0;
	for (size_t i = 0; i + plen <= len; i++) {
		size_t j = 0;
		while (j < plen && lower(s[i + j]) == lower(pat[j]))
			j++;
		if (j == plen)
			return 1;
	}
	return 0;
}

static int contains(const char *s, size_t len, const char *pat, size_t plen)
{
	if (!plen)
		return 1;
	return len >= plen && memmem(s, len, pat, plen) != NULL;
}

/* fnmatch needs a NUL-terminated subject: the copy lives in the event's arena. */
static int glob_match(const char *pat, const char *s, size_t len, int flags, struct kite_ctx *c)
{
	char *z = kite_arena_strndup(&c->arena, s, len);
	return z && fnmatch(pat, z, flags) == 0;
}

/* Inline (forced: the compiler kept it a call): eval_check's common check comes down to it. */
__attribute__((always_inline)) static inline int match_text(unsigned op, const char *s, size_t len,
                                                            const struct cval *cv, struct kite_ctx *c)
{
	switch (op) {
	case KOP_EQ: return len == cv->len && kite_bytes_eq(s, cv->s, len);
	case KOP_LT: return text_cmp(s, len, cv->s, cv->len) < 0;
	case KOP_LE: return text_cmp(s, len, cv->s, cv->len) <= 0;
	case KOP_GT: return text_cmp(s, len, cv->s, cv->len) > 0;
	case KOP_GE: return text_cmp(s, len, cv->s, cv->len) >= 0;
	case KOP_CONTAINS:
	case KOP_BCONTAINS: return contains(s, len, cv->s, cv->len);
	case KOP_ICONTAINS: return icontains(s, len, cv->s, cv->len);
	case KOP_STARTSWITH:
	case KOP_BSTARTSWITH: return len >= cv->len && kite_bytes_eq(s, cv->s, cv->len);
	case KOP_ENDSWITH: return len >= cv->len && kite_bytes_eq(s + len - cv->len, cv->s, cv->len);
	case KOP_GLOB: return glob_match(cv->s, s, len, 0, c);
	case KOP_IGLOB: return glob_match(cv->s, s, len, FNM_CASEFOLD, c);
	default: return 0;
	}
}

static int match_num(unsigned op, struct knum v, struct knum k)
{
	int r = knum_cmp(v, k);
	switch (op) {
	case KOP_EQ: return r == 0;
	case KOP_LT: return r < 0;
	case KOP_LE: return r <= 0;
	case KOP_GT: return r > 0;
	case KOP_GE: return r >= 0;
	default: return 0;
	}
}

static int is_text(const struct kite_val *v)
{
	return v->type == KITE_VT_STR || v->type == KITE_VT_BYTES;
}

static int is_ip(const struct kite_val *v)
{
	return v->type == KITE_VT_IPADDR || v->type == KITE_VT_IPNET;
}

/* One value against one constant, by the value's own type (which matters for evt.rawarg fields). */
static int match1(unsigned op, const struct kite_val *v, const struct cval *cv, struct kite_ctx *c)
{
	if (is_text(v))
		return match_text(op, v->s, v->len, cv, c);
	if (is_ip(v))
		return op == KOP_EQ && cv->has_net && net_contains(&cv->net, &v->ip);
	return cv->has_num && match_num(op, num_of(v), cv->num);
}

static int in_strs(const struct check *k, const char *s, size_t len)
{
	size_t lo = 0, hi = k->nstrs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = text_cmp(s, len, k->strs[mid].s, k->strs[mid].len);
		if (!r)
			return 1;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

static int in_nums(const struct check *k, struct knum n)
{
	size_t lo = 0, hi = k->nnums;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = knum_cmp(n, k->nums[mid]);
		if (!r)
			return 1;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

static int in_set(const struct check *k, const struct kite_val *v)
{
	if (is_text(v))
		return in_strs(k, v->s, v->len);
	if (is_ip(v)) {
		for (uint32_t i = 0; i < k->n; i++)
			if (k->c[i].has_net && net_contains(&k->c[i].net, &v->ip))
				return 1;
		return 0;
	}
	return in_nums(k, num_of(v));
}

/* The path equals an entry or lies under one: try each prefix that ends at a '/'. */
static int pmatch_set(const struct check *k, const char *s, size_t len)
{
	if (k->pm_root && len && s[0] == '/')
		return 1;
	len = path_trim(s, (uint32_t)len);
	for (size_t i = 1; i <= len; i++)
		if ((i == len || s[i] == '/') && in_strs(k, s, i))
			return 1;
	return 0;
}

static int pmatch1(const char *s, size_t len, const char *e, size_t elen)
{
	elen = path_trim(e, (uint32_t)elen);
	if (elen == 1 && e[0] == '/')
		return len && s[0] == '/';
	len = path_trim(s, (uint32_t)len);
	return len >= elen && kite_bytes_eq(s, e, elen) && (len == elen || s[elen] == '/');
}

static int match_const(const struct check *k, unsigned op, const struct kite_val *v, struct kite_ctx *c)
{
	switch (op) {
	case KOP_IN:
	case KOP_INTERSECTS: return in_set(k, v);
	case KOP_PMATCH: return is_text(v) && pmatch_set(k, v->s, v->len);
	case KOP_REGEX: {
		if (!is_text(v))
			return 0;
		char *z = kite_arena_strndup(&c->arena, v->s, v->len);
		return z && regexec(k->re, z, 0, NULL, 0) == 0;
	}
	default: return match1(op, v, &k->c[0], c);
	}
}

static int b64_digit(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/*
 * b64(): the value base64-decoded (standard alphabet, '=' padding optional).
 * Text that is not base64 drops the value, so the check is false, as in
 * libsinsp where the transformer fails.
 */
static void xf_b64(struct kite_val *v, int *keep, struct kite_ctx *c)
{
	uint32_t n = v->len;
	while (n && v->s[n - 1] == '=' && v->len - n < 2)
		n--;
	char *out = kite_arena_alloc(&c->arena, n / 4 * 3 + 4);
	uint32_t bits = 0, nbits = 0, k = 0;
	for (uint32_t i = 0; out && i < n; i++) {
		int d = b64_digit(v->s[i]);
		if (d < 0) {
			*keep = 0;
			return;
		}
		bits = (bits << 6) | (uint32_t)d;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[k++] = (char)((bits >> nbits) & 0xff);
		}
	}
	if (!out || n % 4 == 1) { /* one digit left over cannot make a byte */
		*keep = 0;
		return;
	}
	out[k] = '\0';
	v->s = out;
	v->len = k;
}

static void xf_apply(unsigned xf, struct kite_val *v, int *keep, struct kite_ctx *c)
{
	if (xf == KXF_B64) {
		if (is_text(v))
			xf_b64(v, keep, c);
		else
			*keep = 0;
		return;
	}
	if (xf == KXF_LEN) {
		if (!is_text(v)) {
			*keep = 0;
			return;
		}
		v->u = v->len;
		v->type = KITE_VT_UINT;
		return;
	}
	if (v->type != KITE_VT_STR)
		return; /* an evt.rawarg value that turned out not to be text: left as it is */
	if (xf == KXF_BASENAME) {
		const char *slash = v->len ? memrchr(v->s, '/', v->len) : NULL;
		if (slash) {
			v->len -= (uint32_t)(slash + 1 - v->s);
			v->s = slash + 1;
		}
		return;
	}
	char *p = kite_arena_alloc(&c->arena, v->len + 1);
	if (!p) {
		*keep = 0;
		return;
	}
	for (uint32_t i = 0; i < v->len; i++) {
		char ch = v->s[i];
		if (xf == KXF_TOLOWER)
			p[i] = lower(ch);
		else
			p[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
	}
	p[v->len] = '\0';
	v->s = p;
}

/* The n values of a field with transformers, transformed: how many are left. */
__attribute__((noinline)) static unsigned transform(const struct xfield *x, struct kite_ctx *c,
                                                    struct kite_val *v, unsigned n)
{
	for (unsigned t = 0; t < x->nxf; t++) {
		if (t == 0 && x->count) {
			v[0] = (struct kite_val){.type = KITE_VT_UINT, .u = n};
			n = 1;
			continue;
		}
		unsigned kept = 0;
		for (unsigned i = 0; i < n; i++) {
			int keep = 1;
			xf_apply(x->xf[t], &v[i], &keep, c);
			if (keep)
				v[kept++] = v[i];
		}
		n = kept;
	}
	return n;
}

/* The field's values for this event, transformed; 0 when missing.  Inline: one per check evaluated. */
static inline unsigned fetch(const kite_filter *f, const struct xfield *x, struct kite_ctx *c,
                             struct kite_val *v)
{
	unsigned n = f->fp->extract(&x->f, c, v, MAXV);
	if (n > MAXV)
		n = MAXV;
	return x->nxf ? transform(x, c, v, n) : n;
}

/* A value of a val() field as a constant. */
static int cval_of(const struct kite_val *r, unsigned op, struct cval *cv, struct kite_ctx *c)
{
	memset(cv, 0, sizeof(*cv));
	if (is_text(r)) {
		cv->s = r->s;
		cv->len = r->len;
		if (op == KOP_GLOB || op == KOP_IGLOB)
			cv->s = kite_arena_strndup(&c->arena, r->s, r->len);
		return cv->s != NULL || !cv->len;
	}
	if (is_ip(r)) {
		cv->has_net = 1;
		cv->net = r->ip;
		cv->net.prefix = r->ip.fam == KITE_AF_INET6 ? 128 : 32;
		return 1;
	}
	cv->has_num = 1;
	cv->num = num_of(r);
	cv->s = "";
	return 1;
}

/* Right side is a field: any pair of values satisfies it (for !=: no pair is equal). */
static int eval_rhs(const kite_filter *f, const struct check *k, struct kite_ctx *c, const struct kite_val *v,
                    unsigned n)
{
	struct kite_val r[MAXV];
	unsigned m = fetch(f, &k->rhs, c, r);
	if (!m)
		return 0;
	unsigned op = k->op;
	if (op == KOP_NE || op == KOP_IN || op == KOP_INTERSECTS)
		op = KOP_EQ;
	for (unsigned j = 0; j < m; j++) {
		struct cval cv;
		if (!cval_of(&r[j], op, &cv, c))
			continue;
		for (unsigned i = 0; i < n; i++) {
			int hit = op == KOP_PMATCH ? is_text(&v[i]) && is_text(&r[j]) &&
			                                     pmatch1(v[i].s, v[i].len, r[j].s, r[j].len)
			                           : match1(op, &v[i], &cv, c);
			if (hit)
				return k->op != KOP_NE;
		}
	}
	return k->op == KOP_NE;
}

/* A check's result for the event.  Inline (forced) in kite_filter_match, eval_check elsewhere. */
__attribute__((always_inline)) static inline int check_result(const kite_filter *f, const struct check *k,
                                                              struct kite_ctx *c)
{
	struct kite_val v[MAXV];
	unsigned n = fetch(f, &k->lhs, c, v);
	if (k->one) {
		/*
		 * The common check (fd.name startswith /etc): the tests below settle
		 * nothing for it, and a text value is compared here, without match1's call.
		 */
		for (unsigned i = 0; i < n; i++) {
			const struct kite_val *x = &v[i];
			if (is_text(x) ? match_text(k->op, x->s, x->len, &k->c[0], c)
			               : match1(k->op, x, &k->c[0], c))
				return 1;
		}
		return 0;
	}
	if (k->op == KOP_EXISTS)
		return n > 0;
	if (!n)
		return 0; /* a missing field fails every comparison, != included (Falco) */
	if (k->has_rhs)
		return eval_rhs(f, k, c, v, n);
	if (k->op == KOP_NE) {
		for (unsigned i = 0; i < n; i++)
			if (match_const(k, KOP_EQ, &v[i], c))
				return 0;
		return 1;
	}
	for (unsigned i = 0; i < n; i++)
		if (match_const(k, k->op, &v[i], c))
			return 1;
	return 0;
}

static int eval_check(const kite_filter *f, const struct check *k, struct kite_ctx *c)
{
	return check_result(f, k, c);
}

/* The by_type checks' results for the event's type (row = NULL: evaluate them too). */
struct typerow {
	const uint8_t *checks; /* typecache.checks + id */
	uint32_t n;            /* typecache.n, the stride between slots */
};

static int eval_leaf(const kite_filter *f, const struct fnode *nd, struct kite_ctx *c,
                     const struct typerow *tr)
{
	const struct check *k = f->checks[nd->check];
	if (tr && k->by_type)
		return tr->checks[(size_t)k->tslot * tr->n];
	return eval_check(f, k, c);
}

static int eval(const kite_filter *f, uint32_t i, struct kite_ctx *c, const struct typerow *tr);

/* A child of an and/or: checks, the most common, without another call to eval. */
static int eval_kid(const kite_filter *f, uint32_t j, struct kite_ctx *c, const struct typerow *tr)
{
	const struct fnode *nd = &f->nodes[j];
	return nd->kind == KA_CHECK ? eval_leaf(f, nd, c, tr) : eval(f, j, c, tr);
}

static int eval(const kite_filter *f, uint32_t i, struct kite_ctx *c, const struct typerow *tr)
{
	const struct fnode *nd = &f->nodes[i];
	switch (nd->kind) {
	case KA_AND:
		for (uint32_t j = i + 1; j < nd->end; j = f->nodes[j].end)
			if (!eval_kid(f, j, c, tr))
				return 0;
		return 1;
	case KA_OR:
		for (uint32_t j = i + 1; j < nd->end; j = f->nodes[j].end)
			if (eval_kid(f, j, c, tr))
				return 1;
		return 0;
	case KA_NOT: return i + 1 < nd->end ? !eval_kid(f, i + 1, c, tr) : 1;
	default: return eval_leaf(f, nd, c, tr);
	}
}

/*
 * What node i gives knowing only the by_type checks (row: their results for
 * one type): V_TRUE or V_FALSE when that settles it, V_EVAL when it depends on
 * other checks.  Checks have no effect but their result, so an and/or settled
 * by one child is settled whatever order eval meets its children in.
 */
static uint8_t verdict(const kite_filter *f, uint32_t i, const struct typerow *tr)
{
	const struct fnode *nd = &f->nodes[i];
	uint8_t r, v;
	switch (nd->kind) {
	case KA_AND:
	case KA_OR: {
		uint8_t settles = nd->kind == KA_AND ? V_FALSE : V_TRUE;
		r = nd->kind == KA_AND ? V_TRUE : V_FALSE;
		for (uint32_t j = i + 1; j < nd->end; j = f->nodes[j].end) {
			v = verdict(f, j, tr);
			if (v == settles)
				return settles;
			if (v == V_EVAL)
				r = V_EVAL;
		}
		return r;
	}
	case KA_NOT:
		if (i + 1 >= nd->end)
			return V_TRUE;
		v = verdict(f, i + 1, tr);
		return v == V_EVAL ? V_EVAL : (uint8_t)!v;
	default: {
		const struct check *k = f->checks[nd->check];
		return k->by_type ? tr->checks[(size_t)k->tslot * tr->n] : V_EVAL;
	}
	}
}

/*
 * Where to start evaluating when node i's verdict is V_EVAL: an and (or) whose
 * children but one are true (false) for this type gives that child's result, a
 * not its child's negated, so those nodes need not be walked per event.
 */
static uint32_t residual(const kite_filter *f, uint32_t i, const struct typerow *tr)
{
	uint32_t neg = 0;
	for (;;) {
		const struct fnode *nd = &f->nodes[i];
		if (nd->kind == KA_NOT) { /* V_EVAL: it has a child, itself V_EVAL */
			i++;
			neg ^= RESID_NEG;
			continue;
		}
		if (nd->kind != KA_AND && nd->kind != KA_OR)
			break;
		/* V_EVAL: no child settles it, so those not V_EVAL are neutral */
		uint32_t only = 0, nev = 0;
		for (uint32_t j = i + 1; j < nd->end; j = f->nodes[j].end)
			if (verdict(f, j, tr) == V_EVAL) {
				only = j;
				nev++;
			}
		if (nev != 1)
			break;
		i = only;
	}
	return i | neg;
}

/* Works the by_type checks and the verdicts out for every type id of schema s.  NULL: out of memory. */
static struct typecache *typecache_new(kite_filter *f, const struct kite_schema *s)
{
	size_t n = (size_t)s->max_event_id + 1;
	struct typecache *tc = calloc(
	        1, sizeof(*tc) + n * (sizeof(*tc->descs) + sizeof(*tc->start) + 1 + (size_t)f->ntyped));
	if (!tc)
		return NULL;
	tc->serial = s->serial;
	tc->n = (uint32_t)n;
	tc->descs = (const struct kite_event_desc **)(tc + 1);
	memcpy(tc->descs, s->events, n * sizeof(*tc->descs));
	tc->start = (uint32_t *)(tc->descs + n);
	tc->verdict = (uint8_t *)(tc->start + n);
	tc->checks = tc->verdict + n;
	/* by_type fields read nothing of the context but the type's description (kite_field_by_type) */
	struct kite_evmap map;
	struct kite_ctx tmp = {.schema = s, .map = &map};
	for (uint32_t id = 0; id < n; id++) {
		memset(&map, 0, sizeof(map));
		map.d = s->events[id];
		for (uint32_t i = 0; i < f->nchecks; i++) {
			const struct check *k = f->checks[i];
			if (!k->by_type)
				continue;
			kite_arena_reset(&tmp.arena);
			tc->checks[(size_t)k->tslot * n + id] = (uint8_t)eval_check(f, k, &tmp);
		}
		struct typerow tr = {tc->checks + id, tc->n};
		tc->verdict[id] = verdict(f, 0, &tr);
		tc->start[id] = tc->verdict[id] == V_EVAL ? residual(f, 0, &tr) : 0;
	}
	kite_arena_free(&tmp.arena);
	return tc;
}

/*
 * The type cache for schema s, made the current one; built on first sight.
 * NULL when out of memory (or a tree too big for RESID_NEG).  Caches are told
 * apart by the schema's serial, as the rules' index by type is.
 */
static const struct typecache *typecache_switch(kite_filter *f, const struct kite_schema *s)
{
	struct typecache *tc = f->tcache;
	while (tc && tc->serial != s->serial)
		tc = tc->next;
	if (!tc && f->nnodes < RESID_NEG && (tc = typecache_new(f, s))) {
		tc->next = f->tcache;
		f->tcache = tc;
	}
	if (tc)
		f->tcur = tc;
	return tc;
}

int kite_filter_match(kite_filter *f, struct kite_ctx *c)
{
	if (!f || !f->nnodes)
		return 0;
	if (f->ntyped && c->schema && c->e) {
		const struct typecache *tc = f->tcur;
		if (!tc || tc->serial != c->schema->serial)
			tc = typecache_switch(f, c->schema);
		/* ids past the schema's: the replay gives them id 0's map */
		uint32_t id = tc && c->e->type < tc->n ? c->e->type : 0;
		/* the table holds for the description it was worked out with */
		if (tc && c->map->d == tc->descs[id]) {
			if (tc->verdict[id] != V_EVAL)
				return tc->verdict[id];
			uint32_t start = tc->start[id], i = start & ~RESID_NEG;
			/*
			 * Most often the node left is one check (fd.name startswith /etc
			 * once evt.type is settled), never a by_type one (that would have
			 * settled it): evaluated here, without eval_kid's call.
			 */
			const struct fnode *nd = &f->nodes[i];
			int r;
			if (nd->kind == KA_CHECK) {
				r = check_result(f, f->checks[nd->check], c);
			} else {
				struct typerow tr = {tc->checks + id, tc->n}; /* made only for the walk */
				r = eval(f, i, c, &tr);
			}
			return r ^ (int)(start >> 31);
		}
	}
	return eval(f, 0, c, NULL);
}

/* ---- event types ---- */

static void bits_all(uint8_t *b, size_t nbits)
{
	memset(b, 0xff, nbits / 8);
	if (nbits % 8)
		b[nbits / 8] = (uint8_t)((1u << (nbits % 8)) - 1);
}

static void bits_name(const struct kite_schema *s, const char *name, uint8_t *b, size_t nbits)
{
	/* every id with that name (kite_schema_find gives one; a schema may reuse a name) */
	if (!kite_schema_find(s, name))
		return;
	for (uint32_t id = 0; id <= s->max_event_id && id < nbits; id++) {
		const struct kite_event_desc *d = s->events[id];
		if (d && d->name && strcmp(d->name, name) == 0)
			b[id / 8] |= (uint8_t)(1u << (id % 8));
	}
}

static void evt_node(const kite_filter *f, uint32_t i, const struct kite_schema *s, uint8_t *out,
                     size_t nbits)
{
	const struct fnode *nd = &f->nodes[i];
	size_t nbytes = (nbits + 7) / 8;
	if (nd->kind == KA_CHECK) {
		const struct check *k = f->checks[nd->check];
		if (!k->evttype) {
			bits_all(out, nbits);
			return;
		}
		memset(out, 0, nbytes);
		for (uint32_t j = 0; j < k->n; j++)
			if (strlen(k->c[j].s) == k->c[j].len) /* a name with a NUL in it names nothing */
				bits_name(s, k->c[j].s, out, nbits);
		return;
	}
	uint8_t *tmp = nd->kind == KA_NOT ? NULL : malloc(nbytes);
	if (!tmp) {
		/* not evt.type = x may still be any type (conservative, as Falco) */
		bits_all(out, nbits);
		return;
	}
	if (nd->kind == KA_AND)
		bits_all(out, nbits);
	else
		memset(out, 0, nbytes);
	for (uint32_t j = i + 1; j < nd->end; j = f->nodes[j].end) {
		evt_node(f, j, s, tmp, nbits);
		for (size_t b = 0; b < nbytes; b++)
			out[b] = nd->kind == KA_AND ? out[b] & tmp[b] : out[b] | tmp[b];
	}
	free(tmp);
}

int kite_filter_reads_fds(const kite_filter *f)
{
	if (!f)
		return 0;
	if (f->fp != &default_fields)
		return 1; /* another provider's fields: nothing is known of them */
	for (uint32_t i = 0; i < f->nchecks; i++) {
		const struct check *k = f->checks[i];
		if ((k->lhs.live && kite_field_reads_fds(&k->lhs.f)) ||
		    (k->has_rhs && k->rhs.live && kite_field_reads_fds(&k->rhs.f)))
			return 1;
	}
	return 0;
}

void kite_filter_evttypes(const kite_filter *f, const struct kite_schema *s, uint8_t *bitmap, size_t nbits)
{
	if (!bitmap || !nbits)
		return;
	if (!f || !s || !f->nnodes) {
		bits_all(bitmap, nbits);
		return;
	}
	evt_node(f, 0, s, bitmap, nbits);
}

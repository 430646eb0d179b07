/* test_filter.c - the condition language: parsing, canonical text, types and operators, macros, arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "decode.h"
#include "filter.h"
#include "schema.h"
#include "value.h"

/* ---- a fake field table over a fake event ---- */

enum {
	F_TYPE,
	F_NAME,
	F_PNAME,
	F_EXE,
	F_ARGS,
	F_FDNAME,
	F_ANAME,
	F_NUM,
	F_RES,
	F_FDNUM,
	F_ISREAD,
	F_SIP,
	F_NET,
	F_BUF,
	F_RAW,
	F_LAT,
	F_TS,
	F_INFO,
	F_DIR
};

#define D(n, t, fl, i)                                                                                       \
	{                                                                                                    \
		.name = (n), .type = (t), .flags = (fl), .id = (i), .desc = ""                               \
	}
static const struct kite_field_def fake_defs[] = {
        D("evt.type", KITE_VT_STR, 0, F_TYPE),
        D("proc.name", KITE_VT_STR, 0, F_NAME),
        D("proc.pname", KITE_VT_STR, 0, F_PNAME),
        D("proc.exe", KITE_VT_STR, 0, F_EXE),
        D("proc.args", KITE_VT_STR, 0, F_ARGS),
        D("fd.name", KITE_VT_STR, 0, F_FDNAME),
        D("proc.aname", KITE_VT_STR, KITE_FF_LIST | KITE_FF_ARG_INDEX, F_ANAME),
        D("evt.num", KITE_VT_UINT, 0, F_NUM),
        D("evt.rawres", KITE_VT_INT, 0, F_RES),
        D("fd.num", KITE_VT_INT, 0, F_FDNUM),
        D("evt.is_open_read", KITE_VT_BOOL, 0, F_ISREAD),
        D("fd.sip", KITE_VT_IPADDR, 0, F_SIP),
        D("fd.net", KITE_VT_IPNET, 0, F_NET),
        D("evt.buffer", KITE_VT_BYTES, 0, F_BUF),
        D("evt.rawarg.res", KITE_VT_ANY, 0, F_RAW),
        D("evt.latency", KITE_VT_RELTIME, 0, F_LAT),
        D("evt.rawtime", KITE_VT_ABSTIME, 0, F_TS),
        D("evt.info", KITE_VT_STR, KITE_FF_NO_FILTER, F_INFO),
        D("evt.dir", KITE_VT_STR, 0, F_DIR),
};

/* The event the fake extractor reads: the only mutable global of this file. */
static struct fake_event {
	const char *type, *name, *pname, *exe, *args, *fdname; /* NULL: missing */
	const char *anc[8];
	unsigned nanc;
	uint64_t num;
	int64_t res;
	int has_fd;
	int64_t fdnum;
	int isread;
	int has_sip;
	struct kite_ip sip;
	const char *buf;
	uint32_t buflen;
	int raw_is_str;
	int64_t raw_i;
	const char *raw_s;
	uint64_t lat, ts;
} ev;

static void event_reset(void)
{
	memset(&ev, 0, sizeof(ev));
	ev.type = "openat";
	ev.name = "bash";
	ev.pname = "sshd";
	ev.exe = "/usr/bin/bash";
	ev.args = "-c ls /tmp";
	ev.fdname = "/etc/passwd";
	ev.anc[0] = "sshd";
	ev.anc[1] = "systemd";
	ev.nanc = 2;
	ev.num = 42;
	ev.res = -2;
	ev.has_fd = 1;
	ev.fdnum = 3;
	ev.isread = 1;
	ev.has_sip = 1;
	ev.sip.fam = KITE_AF_INET;
	inet_pton(AF_INET, "10.1.2.3", ev.sip.a);
	ev.buf = "\xca\xfe\xba\xbe hello";
	ev.buflen = 10;
	ev.raw_i = 7;
	ev.lat = 1500;
	ev.ts = 1700000000000000000ull;
}

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '.';
}

static size_t fake_parse(const char *text, size_t len, struct kite_field *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(fake_defs) / sizeof(fake_defs[0]); i++) {
		size_t l = strlen(fake_defs[i].name);
		if (l > len || memcmp(text, fake_defs[i].name, l) != 0 || (l < len && is_word(text[l])))
			continue;
		out->def = &fake_defs[i];
		out->type = fake_defs[i].type;
		if (l < len && text[l] == '[' && (fake_defs[i].flags & KITE_FF_ARG_INDEX)) {
			char *end;
			out->argn = strtol(text + l + 1, &end, 10);
			if (*end != ']') {
				snprintf(err, errlen, "bad index in '%.*s'", (int)len, text);
				return 0;
			}
			out->has_arg = 1;
			l = (size_t)(end + 1 - text);
		}
		return l;
	}
	snprintf(err, errlen, "unknown field '%.*s'", (int)len, text);
	return 0;
}

static unsigned str_val(const char *s, struct kite_val *out)
{
	if (!s)
		return 0;
	out->type = KITE_VT_STR;
	out->s = s;
	out->len = (uint32_t)strlen(s);
	return 1;
}

static unsigned fake_extract(const struct kite_field *f, struct kite_ctx *c, struct kite_val *out,
                             unsigned max)
{
	(void)c;
	if (max < 8)
		return 0;
	switch (f->def->id) {
	case F_TYPE: return str_val(ev.type, out);
	case F_NAME: return str_val(ev.name, out);
	case F_PNAME: return str_val(ev.pname, out);
	case F_EXE: return str_val(ev.exe, out);
	case F_ARGS: return str_val(ev.args, out);
	case F_FDNAME: return str_val(ev.fdname, out);
	case F_DIR: return str_val("<", out);
	case F_ANAME:
		if (f->has_arg)
			return f->argn >= 1 && (unsigned)f->argn <= ev.nanc
			               ? str_val(ev.anc[f->argn - 1], out)
			               : 0;
		for (unsigned i = 0; i < ev.nanc; i++)
			str_val(ev.anc[i], &out[i]);
		return ev.nanc;
	case F_NUM: *out = (struct kite_val){.type = KITE_VT_UINT, .u = ev.num}; return 1;
	case F_RES: *out = (struct kite_val){.type = KITE_VT_INT, .i = ev.res}; return 1;
	case F_FDNUM:
		*out = (struct kite_val){.type = KITE_VT_INT, .i = ev.fdnum};
		return (unsigned)ev.has_fd;
	case F_ISREAD: *out = (struct kite_val){.type = KITE_VT_BOOL, .u = (uint64_t)ev.isread}; return 1;
	case F_SIP:
	case F_NET: *out = (struct kite_val){.type = f->def->type, .ip = ev.sip}; return (unsigned)ev.has_sip;
	case F_BUF: *out = (struct kite_val){.type = KITE_VT_BYTES, .s = ev.buf, .len = ev.buflen}; return 1;
	case F_RAW:
		if (ev.raw_is_str)
			return str_val(ev.raw_s, out);
		*out = (struct kite_val){.type = KITE_VT_INT, .i = ev.raw_i};
		return 1;
	case F_LAT: *out = (struct kite_val){.type = KITE_VT_RELTIME, .u = ev.lat}; return 1;
	case F_TS: *out = (struct kite_val){.type = KITE_VT_ABSTIME, .u = ev.ts}; return 1;
	default: return 0;
	}
}

static void fake_release(struct kite_field *f)
{
	free(f->argstr);
	f->argstr = NULL;
}

static const struct kite_field_provider fake_fields = {fake_parse, fake_extract, fake_release};
static const struct kite_filter_opts fake_opts = {.fields = &fake_fields};

/* ---- helpers ---- */

static kite_filter *compile_or_fail(const char *cond, const struct kite_filter_opts *o)
{
	char err[512] = "";
	kite_filter *f = kite_filter_new(cond, o, err, sizeof(err));
	if (!f)
		fail_msg("'%s' did not compile: %s", cond, err);
	return f;
}

static int matches_with(const char *cond, const struct kite_filter_opts *o)
{
	kite_filter *f = compile_or_fail(cond, o);
	struct kite_ctx c = {0};
	int r = kite_filter_match(f, &c);
	kite_arena_free(&c.arena);
	kite_filter_free(f);
	return r;
}

#define YES(cond)                                                                                            \
	do {                                                                                                 \
		if (!matches_with((cond), &fake_opts))                                                       \
			fail_msg("expected a match: %s", (cond));                                            \
	} while (0)
#define NO(cond)                                                                                             \
	do {                                                                                                 \
		if (matches_with((cond), &fake_opts))                                                        \
			fail_msg("expected no match: %s", (cond));                                           \
	} while (0)

/* Compiling cond fails with exactly the message want. */
static void expect_error_with(const char *cond, const struct kite_filter_opts *o, const char *want)
{
	char err[512] = "";
	kite_filter *f = kite_filter_new(cond, o, err, sizeof(err));
	if (f) {
		kite_filter_free(f);
		fail_msg("'%s' compiled; expected error: %s", cond, want);
	}
	if (strcmp(err, want) != 0)
		fail_msg("'%s': error\n  got:  %s\n  want: %s", cond, err, want);
}

static void expect_error(const char *cond, const char *want)
{
	expect_error_with(cond, &fake_opts, want);
}

/* Canonical text of cond, which must also be a fixed point of parse + to_string. */
static void expect_text(const char *cond, const char *want)
{
	char err[256] = "";
	struct kite_ast *a = kite_ast_parse(cond, err, sizeof(err));
	if (!a)
		fail_msg("'%s' did not parse: %s", cond, err);
	char *s = kite_ast_to_string(a);
	if (strcmp(s, want) != 0)
		fail_msg("'%s'\n  got:  %s\n  want: %s", cond, s, want);
	struct kite_ast *b = kite_ast_parse(s, err, sizeof(err));
	if (!b)
		fail_msg("canonical text '%s' did not parse: %s", s, err);
	char *s2 = kite_ast_to_string(b);
	assert_string_equal(s, s2);
	free(s2);
	free(s);
	kite_ast_free(b);
	kite_ast_free(a);
}

static int setup(void **state)
{
	(void)state;
	event_reset();
	return 0;
}

/* ---- parsing and canonical text ---- */

static void canonical_text(void **state)
{
	(void)state;
	expect_text("proc.name=bash and not fd.name in (a, b)",
	            "(proc.name = bash and not fd.name in (a, b))");
	expect_text("a.b = 1 or c.d = 2 and e.f = 3", "(a.b = 1 or (c.d = 2 and e.f = 3))");
	expect_text("(a.b = 1 or c.d = 2) and e.f = 3", "((a.b = 1 or c.d = 2) and e.f = 3)");
	expect_text("a.b=1 and c.d=2 and e.f=3", "(a.b = 1 and c.d = 2 and e.f = 3)");
	expect_text("((a.b=1))", "a.b = 1");
	expect_text("not not a.b=1", "not not a.b = 1");
	expect_text("not(a.b=1 or c.d=2)", "not (a.b = 1 or c.d = 2)");
	expect_text("evt.dir=>", "evt.dir = >");
	expect_text("evt.dir = <", "evt.dir = <");
	expect_text("evt.dir==<", "evt.dir = <");
	expect_text("evt.rawres>=0", "evt.rawres >= 0");
	expect_text("fd.num<3", "fd.num < 3");
	expect_text("fd.num<=3 or fd.num>-1 or fd.num!=0x10",
	            "(fd.num <= 3 or fd.num > -1 or fd.num != 0x10)");
	expect_text("evt.type=open and not evt.type=close", "(evt.type = open and not evt.type = close)");
	expect_text("fd.name glob /usr/bin/*", "fd.name glob /usr/bin/*");
	expect_text("fd.net in (10.0.0.0/8, 2001:db8::/32)", "fd.net in (10.0.0.0/8, 2001:db8::/32)");
	expect_text("proc.args contains \"a b\"", "proc.args contains \"a b\"");
	expect_text("proc.args contains 'it\\'s'", "proc.args contains it's");
	expect_text("proc.args contains \"f(x), y\"", "proc.args contains \"f(x), y\"");
	expect_text("proc.args = \"\"", "proc.args = \"\"");
	expect_text("proc.args = \"a\\\\b\\\"c\\n\\x41\\x01\"", "proc.args = \"a\\\\b\\\"c\\nA\\x01\"");
	expect_text("evt.type in ((open, openat), close, ())", "evt.type in (open, openat, close)");
	expect_text("evt.type in ( 'a b' ,\"c\",d )", "evt.type in (\"a b\", c, d)");
	expect_text("fd.name in ()", "fd.name in ()");
	expect_text("fd.name pmatch (/etc, /usr/)", "fd.name pmatch (/etc, /usr/)");
	expect_text("proc.name exists", "proc.name exists");
	expect_text("tolower(basename(proc.exe))=bash", "tolower(basename(proc.exe)) = bash");
	expect_text("b64(evt.buffer) bcontains 6869", "b64(evt.buffer) bcontains 6869");
	expect_text("len( proc.name ) > 3", "len(proc.name) > 3");
	expect_text("proc.name = val(proc.pname)", "proc.name = val(proc.pname)");
	expect_text("proc.name = val( tolower(proc.pname) )", "proc.name = val(tolower(proc.pname))");
	expect_text("proc.name = toupper(proc.pname)", "proc.name = toupper(proc.pname)");
	expect_text("proc.aname[2]=x", "proc.aname[2] = x");
	expect_text("proc.env[\"MY VAR\"] exists", "proc.env[\"MY VAR\"] exists");
	expect_text("proc.env['HOME']=/root", "proc.env[HOME] = /root");
	expect_text("m1 and not (m2 or proc.name=x)", "(m1 and not (m2 or proc.name = x))");
	expect_text("proc.name contains\"x\"", "proc.name contains x");
	expect_text("proc.name in(a)", "proc.name in (a)");
	expect_text("proc.name=bash\nand\tfd.num=3", "(proc.name = bash and fd.num = 3)");
	expect_text("proc.name = \xc3\xa9t\xc3\xa9", "proc.name = \xc3\xa9t\xc3\xa9");
	expect_text("proc.name = tolower", "proc.name = tolower");
	expect_text("proc.name = andx", "proc.name = andx");
	expect_text("proc.name = 'a\\/b\\tc'", "proc.name = \"a/b\\tc\"");
}

static void parse_errors(void **state)
{
	(void)state;
	expect_error("", "column 1: empty condition");
	expect_error("   ", "column 4: empty condition");
	expect_error("proc.name =", "column 12: expected a value after '=', got end of condition");
	expect_error("proc.name = bash and", "column 21: expected a field check, a macro, 'not' or '(', "
	                                     "got end of condition");
	expect_error("(proc.name = bash",
	             "column 18: expected ')' to close '(' at column 1, got end of condition");
	expect_error("proc.name = bash)", "column 17: unbalanced ')'");
	expect_error(")", "column 1: unbalanced ')'");
	expect_error("proc.name = bash garbage",
	             "column 18: unexpected 'garbage', expected 'and', 'or' or the end");
	expect_error("proc.name = bash andx proc.name = x",
	             "column 18: unexpected 'andx', expected 'and', 'or' or the end");
	expect_error("proc.name bogus x", "column 11: expected an operator after 'proc.name', got 'bogus'");
	expect_error("proc.name", "column 10: expected an operator after 'proc.name', got end of condition");
	expect_error("proc.name = \"abc", "column 13: unterminated string");
	expect_error("proc.name = \"a\\qb\"", "column 15: unknown escape '\\q'");
	expect_error("proc.name = \"a\\x4\"", "column 15: \\x needs two hex digits");
	expect_error("fd.name in (a, b", "column 17: expected ',' or ')' in the list opened at column 12, "
	                                 "got end of condition");
	expect_error("fd.name in (a,)", "column 15: expected a value in the list, got ')'");
	expect_error("fd.name in a", "column 12: expected a list '(...)' after 'in', got 'a'");
	expect_error("fd.name = (a)", "column 11: expected a value after '=', got '(a)'");
	expect_error("foo(proc.name) = x",
	             "column 1: 'foo' is not a transformer (tolower, toupper, basename, len, b64)");
	expect_error("tolower(proc.name = x",
	             "column 19: expected ')' to close 'tolower(' at column 1, got '='");
	expect_error("len(proc.name) contains x", "column 16: operator 'contains' is not valid for field "
	                                          "len(proc.name) (uint64)");
	expect_error("proc.name = val(proc.pname",
	             "column 27: expected ')' to close 'val(' at column 13, got "
	             "end of condition");
	expect_error("proc.aname[2 = x", "column 13: expected ']' after the argument of 'proc.aname'");
	expect_error("proc.env['\\x00'] exists", "column 1: the argument of 'proc.env' holds a NUL byte");
	expect_error("= x", "column 1: expected a field check, a macro, 'not' or '(', got '='");
	expect_error("not<-", "column 1: expected a field check, a macro, 'not' or '(', got 'not<-'");
	expect_error("proc.name=x and and",
	             "column 17: expected a field check, a macro, 'not' or '(', got 'and'");
	expect_error("not", "column 4: expected a field check, a macro, 'not' or '(', got end of condition");
	expect_error("tolower(1) = x", "column 9: expected a field name, got '1)'");

	/* deep nesting is refused, never a crash */
	char deep[1024];
	memset(deep, '(', 300);
	strcpy(deep + 300, "proc.name=x");
	char err[256];
	assert_null(kite_ast_parse(deep, err, sizeof(err)));
	assert_string_equal(err, "column 201: nesting deeper than 200 levels");
	char nots[1400] = "";
	for (int i = 0; i < 300; i++)
		strcat(nots, "not ");
	strcat(nots, "proc.name=x");
	assert_null(kite_ast_parse(nots, err, sizeof(err)));
	assert_non_null(strstr(err, "nesting deeper"));
	assert_null(kite_ast_parse(NULL, err, sizeof(err)));
	/* err may be NULL */
	assert_null(kite_ast_parse("(", NULL, 0));
}

static void compile_errors(void **state)
{
	(void)state;
	expect_error("proc.nmae = x", "column 1: unknown field 'proc.nmae'");
	expect_error("evt.type = open and proc.nmae = x", "column 21: unknown field 'proc.nmae'");
	expect_error("foo = 1", "column 1: unknown field 'foo'");
	expect_error("tolower(proc.nmae) = x", "column 9: unknown field 'proc.nmae'");
	expect_error("proc.name = val(proc.nmae)", "column 17: unknown field 'proc.nmae'");
	expect_error("proc.aname[x] = y", "column 1: bad index in 'proc.aname[x]'");
	expect_error("evt.num = abc", "column 11: 'abc' is not a number for field evt.num");
	expect_error("evt.num > -1", "column 11: '-1' is not a number for field evt.num");
	expect_error("evt.num = 1.5", "column 11: '1.5' is not a number for field evt.num");
	expect_error("evt.num = 0x", "column 11: '0x' is not a number for field evt.num");
	expect_error("evt.num = 18446744073709551616",
	             "column 11: '18446744073709551616' is not a number for "
	             "field evt.num");
	expect_error("evt.rawres = 9223372036854775808",
	             "column 14: '9223372036854775808' is not a number for "
	             "field evt.rawres");
	expect_error("evt.num in (1, 2, x)", "column 19: 'x' is not a number for field evt.num");
	expect_error("evt.latency < 1ms", "column 15: '1ms' is not a number for field evt.latency");
	expect_error("evt.num contains 1",
	             "column 9: operator 'contains' is not valid for field evt.num (uint64)");
	expect_error("evt.rawres glob 1",
	             "column 12: operator 'glob' is not valid for field evt.rawres (int64)");
	expect_error("evt.is_open_read < 1",
	             "column 18: operator '<' is not valid for field evt.is_open_read (bool)");
	expect_error("evt.is_open_read = maybe",
	             "column 20: 'maybe' is not a boolean (true, false) for field evt.is_open_read");
	expect_error("fd.sip = 10.0.0.0/8", "column 10: '10.0.0.0/8' is not an IP address for field fd.sip");
	expect_error("fd.sip = 10.0.0.256", "column 10: '10.0.0.256' is not an IP address for field fd.sip");
	expect_error("fd.sip contains 10",
	             "column 8: operator 'contains' is not valid for field fd.sip (ipaddr)");
	expect_error("fd.net = 10.0.0.0/33",
	             "column 10: '10.0.0.0/33' is not an IP network for field fd.net");
	expect_error("fd.net in (10.0.0.0/8, nope)",
	             "column 24: 'nope' is not an IP network for field fd.net");
	expect_error("fd.net > 10.0.0.0/8", "column 8: operator '>' is not valid for field fd.net (ipnet)");
	expect_error("evt.buffer bcontains abc",
	             "column 22: 'abc' is not a hex byte string (as in 'cafebabe') for field evt.buffer");
	expect_error("evt.buffer bcontains zz",
	             "column 22: 'zz' is not a hex byte string (as in 'cafebabe') for field evt.buffer");
	expect_error("evt.buffer glob x",
	             "column 12: operator 'glob' is not valid for field evt.buffer (bytebuf)");
	expect_error("proc.name regex '('", "column 17: bad regex '(': Unmatched ( or \\(");
	/* what would make glibc's regcomp explode, and RE2 (Falco's engine) refuses anyway */
	expect_error("proc.name regex 'a++'",
	             "column 17: regex 'a++' is refused: a repetition of a repetition");
	expect_error("proc.name regex 'a{2}*'",
	             "column 17: regex 'a{2}*' is refused: a repetition of a repetition");
	expect_error("proc.name regex 'a{1001}'",
	             "column 17: regex 'a{1001}' is refused: a repetition count above "
	             "1000");
	expect_error("proc.name regex '((a{999}){999})'",
	             "column 17: regex '((a{999}){999})' is refused: too large once expanded");
	expect_error(
	        "proc.name regex '(((((((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)'",
	        "column 17: regex '(((((((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)' is refused: "
	        "too large once expanded");
	expect_error("proc.name regex '(a)\\\\1'", "column 17: regex '(a)\\1' is refused: a backreference");
	expect_error("evt.info contains x", "column 1: field evt.info is for outputs only, not filters");
	expect_error("len(evt.num) = 1", "column 5: len() does not apply to evt.num (uint64)");
	expect_error("tolower(evt.num) = 1", "column 9: tolower() does not apply to evt.num (uint64)");
	expect_error("toupper(len(proc.name)) = 1",
	             "column 13: toupper() does not apply to len(proc.name) (uint64)");
	expect_error("len(proc.name) = x", "column 18: 'x' is not a number for field len(proc.name)");
	expect_error("proc.name = val(evt.num)",
	             "column 17: cannot compare proc.name (string) with evt.num (uint64)");
	expect_error("proc.name regex val(proc.pname)",
	             "column 21: regex needs a constant pattern, not a field");
	expect_error("m_unknown and proc.name = x", "column 1: undefined macro 'm_unknown'");
	expect_error("proc.name = x or (evt.num = 1 and m)", "column 35: undefined macro 'm'");
}

/* ---- the missing-field rule ---- */

static void missing_field(void **state)
{
	(void)state;
	ev.fdname = NULL;
	ev.has_fd = 0;
	ev.has_sip = 0;
	static const char *const checks[] = {
	        "fd.name = /etc/passwd",
	        "fd.name != /etc/passwd",
	        "fd.name != x",
	        "fd.name < z",
	        "fd.name > a",
	        "fd.name contains e",
	        "fd.name icontains E",
	        "fd.name startswith /",
	        "fd.name endswith d",
	        "fd.name glob *",
	        "fd.name iglob *",
	        "fd.name regex .",
	        "fd.name in (a, b)",
	        "fd.name intersects (a)",
	        "fd.name pmatch (/)",
	        "fd.name bcontains 2f",
	        "fd.name exists",
	        "fd.num = 3",
	        "fd.num != 3",
	        "fd.num < 100",
	        "fd.num >= -100",
	        "fd.num in (1, 3)",
	        "fd.sip = 10.1.2.3",
	        "fd.sip != 1.1.1.1",
	        "fd.net != 1.0.0.0/8",
	        "len(fd.name) > 0",
	        "len(fd.name) = 0",
	        "tolower(fd.name) != x",
	        "proc.name = val(fd.name)",
	        "proc.name != val(fd.name)",
	};
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		char neg[128];
		NO(checks[i]);
		snprintf(neg, sizeof(neg), "not %s", checks[i]);
		YES(neg);
		snprintf(neg, sizeof(neg), "not (%s)", checks[i]);
		YES(neg);
	}
	YES("not fd.name exists");
	YES("fd.name exists or proc.name = bash");
	NO("fd.name exists and proc.name = bash");
	YES("not fd.name = x and proc.name = bash");
}

/* ---- every operator on every type ---- */

static void string_ops(void **state)
{
	(void)state;
	YES("proc.name = bash");
	YES("proc.name == bash");
	YES("proc.name = 'bash'");
	YES("proc.name = \"bash\"");
	NO("proc.name = bas");
	NO("proc.name = bashh");
	NO("proc.name = Bash");
	YES("proc.name != zsh");
	NO("proc.name != bash");
	YES("proc.name < bat");
	YES("proc.name < bashx");
	NO("proc.name < bash");
	YES("proc.name <= bash");
	YES("proc.name > bas");
	YES("proc.name > ash");
	NO("proc.name > bash");
	YES("proc.name >= bash");
	NO("proc.name >= bb");
	YES("proc.args contains ls");
	YES("proc.args contains 'ls /tmp'");
	NO("proc.args contains LS");
	YES("proc.args contains \"\"");
	YES("proc.args icontains LS");
	YES("proc.args icontains '-C LS /TMP'");
	NO("proc.args icontains lsx");
	YES("proc.exe startswith /usr/");
	NO("proc.exe startswith usr");
	YES("proc.exe endswith /bash");
	NO("proc.exe endswith /bas");
	NO("proc.name endswith xbash");
	YES("proc.exe bcontains 2f62696e");   /* "/bin" */
	YES("proc.exe bstartswith 2F757372"); /* "/usr" */
	NO("proc.exe bstartswith 62696e");
	YES("proc.exe glob /usr/*");
	YES("proc.exe glob *");
	YES("proc.exe glob /usr/*/bash");
	YES("proc.exe glob /*h"); /* '*' crosses '/' */
	YES("proc.exe glob /usr/bin/ba?h");
	YES("proc.exe glob /usr/bin/[a-c]ash");
	NO("proc.exe glob /usr/bin/[!b]ash");
	NO("proc.exe glob /USR/*");
	YES("proc.exe iglob /USR/*/BASH");
	NO("proc.exe iglob /opt/*");
	YES("proc.exe regex bin"); /* found anywhere, like RE2's PartialMatch */
	YES("proc.exe regex '^/usr/(s?bin)/ba.h$'");
	NO("proc.exe regex '^bin'");
	YES("proc.args regex '[0-9]|tmp'");
	YES("proc.exe regex 'b+?i{1,3}n[]a+*]*'"); /* a lazy '?' and repetition characters in a bracket are fine */
	YES("proc.exe regex '[[:alpha:]/]{5,}'");
	YES("proc.exe regex '\\\\.*'");
	NO("proc.exe regex '\\\\.'");
	YES("proc.name in (zsh, bash, sh)");
	NO("proc.name in (zsh, sh)");
	NO("proc.name in ()");
	YES("proc.name intersects (bash)");
	YES("proc.name exists");
	YES("evt.type=open or evt.type=openat");
	YES("evt.type=openat and not evt.type=close");
	YES("evt.type in (open, openat)");
	NO("evt.type in (open, close)");
	YES("evt.dir = <");
	NO("evt.dir = >");
	NO("evt.dir=>");
	YES("evt.dir=<");
}

static void pmatch_op(void **state)
{
	(void)state;
	ev.fdname = "/etc/ssh/sshd_config";
	YES("fd.name pmatch (/etc)");
	YES("fd.name pmatch (/etc/)");
	YES("fd.name pmatch (/var, /etc/ssh)");
	YES("fd.name pmatch (/etc/ssh/sshd_config)");
	YES("fd.name pmatch (/etc/ssh/sshd_config/)");
	YES("fd.name pmatch (/)");
	NO("fd.name pmatch (/et)");
	NO("fd.name pmatch (/etc/ssh/sshd)");
	NO("fd.name pmatch (/etc/ssh/sshd_config/x, /var)");
	NO("fd.name pmatch ()");
	ev.fdname = "/etc/";
	YES("fd.name pmatch (/etc)");
	ev.fdname = "relative/x";
	YES("fd.name pmatch (relative)");
	NO("fd.name pmatch (/)");
	ev.fdname = "/usr/binx";
	NO("fd.name pmatch (/usr/bin)");
	YES("fd.name pmatch (/usr/bin, /usr)");
}

static void numeric_ops(void **state)
{
	(void)state;
	/* UINT: evt.num = 42 */
	YES("evt.num = 42");
	YES("evt.num = 0x2a");
	YES("evt.num = 0X2A");
	YES("evt.num = +42");
	NO("evt.num = 43");
	YES("evt.num != 43");
	NO("evt.num != 42");
	YES("evt.num < 43");
	NO("evt.num < 42");
	YES("evt.num <= 42");
	YES("evt.num > 41");
	NO("evt.num > 42");
	YES("evt.num >= 42");
	YES("evt.num in (1, 42, 100)");
	NO("evt.num in (1, 100)");
	YES("evt.num intersects (42)");
	YES("evt.num exists");
	YES("evt.num<=18446744073709551615");
	/* INT: evt.rawres = -2 */
	YES("evt.rawres = -2");
	YES("evt.rawres < 0");
	YES("evt.rawres<0");
	YES("evt.rawres > -3");
	NO("evt.rawres>=0");
	YES("evt.rawres >= -2");
	YES("evt.rawres <= -2");
	YES("evt.rawres != 2");
	YES("evt.rawres in (-1, -2)");
	NO("evt.rawres in (2, -1)");
	YES("evt.rawres >= -9223372036854775808");
	ev.res = INT64_MIN;
	YES("evt.rawres = -9223372036854775808");
	YES("evt.rawres < -9223372036854775807");
	ev.res = INT64_MAX;
	YES("evt.rawres = 9223372036854775807");
	YES("evt.rawres > 0");
	YES("fd.num<4");
	NO("fd.num<3");
	/* RELTIME and ABSTIME */
	YES("evt.latency = 1500");
	YES("evt.latency > 1000 and evt.latency < 2000");
	YES("evt.latency in (1500)");
	YES("evt.rawtime > 1600000000000000000");
	YES("evt.rawtime = 1700000000000000000");
	NO("evt.rawtime < 1700000000000000000");
}

static void bool_ops(void **state)
{
	(void)state;
	YES("evt.is_open_read = true");
	YES("evt.is_open_read = TRUE");
	YES("evt.is_open_read = 1");
	YES("evt.is_open_read != false");
	NO("evt.is_open_read = false");
	NO("evt.is_open_read = 0");
	NO("evt.is_open_read != True");
	YES("evt.is_open_read exists");
	ev.isread = 0;
	YES("evt.is_open_read = False");
	YES("not evt.is_open_read = true");
}

static void ip_ops(void **state)
{
	(void)state;
	YES("fd.sip = 10.1.2.3");
	NO("fd.sip = 10.1.2.4");
	YES("fd.sip != 10.1.2.4");
	NO("fd.sip != 10.1.2.3");
	YES("fd.sip in (1.1.1.1, 10.1.2.3)");
	NO("fd.sip in (1.1.1.1, ::1)");
	NO("fd.sip = ::ffff:10.1.2.3"); /* another family */
	YES("fd.net = 10.0.0.0/8");
	YES("fd.net = 10.1.2.0/24");
	YES("fd.net = 10.1.2.2/31");
	NO("fd.net = 10.1.2.0/31");
	YES("fd.net = 10.1.2.3");
	YES("fd.net = 0.0.0.0/0");
	NO("fd.net = 192.168.0.0/16");
	YES("fd.net != 192.168.0.0/16");
	YES("fd.net in (192.168.0.0/16, 10.0.0.0/8)");
	NO("fd.net in (192.168.0.0/16, 2001:db8::/32)");
	ev.sip.fam = KITE_AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", ev.sip.a);
	YES("fd.sip = 2001:db8::1");
	YES("fd.sip = 2001:DB8:0::1");
	NO("fd.sip = 2001:db8::2");
	YES("fd.net = 2001:db8::/32");
	YES("fd.net in (10.0.0.0/8, 2001:db8::/32)");
	NO("fd.net = 2001:db9::/32");
	NO("fd.net = 10.0.0.0/8");
	YES("fd.net = ::/0");
}

static void bytes_ops(void **state)
{
	(void)state;
	/* evt.buffer is ca fe ba be ' ' h e l l o */
	YES("evt.buffer bcontains cafebabe");
	YES("evt.buffer bcontains BABE20");
	YES("evt.buffer bcontains 68656c6c6f");
	NO("evt.buffer bcontains cafebabf");
	YES("evt.buffer bcontains ''"); /* empty needle */
	YES("evt.buffer bstartswith cafe");
	NO("evt.buffer bstartswith babe");
	YES("evt.buffer contains hello");
	NO("evt.buffer contains help");
	YES("evt.buffer startswith \"\\xca\\xfe\"");
	YES("evt.buffer = \"\\xca\\xfe\\xba\\xbe hello\"");
	NO("evt.buffer = hello");
	YES("evt.buffer != hello");
	YES("evt.buffer exists");
	YES("len(evt.buffer) = 10");
}

static void any_type(void **state)
{
	(void)state;
	/* evt.rawarg.res is decided per event: an int here */
	YES("evt.rawarg.res = 7");
	YES("evt.rawarg.res > 6");
	YES("evt.rawarg.res in (1, 7)");
	YES("evt.rawarg.res != 8");
	NO("evt.rawarg.res = abc");
	YES("evt.rawarg.res != abc");
	NO("evt.rawarg.res contains 7"); /* text operators do not apply to a number */
	ev.raw_i = -7;
	YES("evt.rawarg.res < -6");
	/* then a string */
	ev.raw_is_str = 1;
	ev.raw_s = "/tmp/x";
	YES("evt.rawarg.res = /tmp/x");
	YES("evt.rawarg.res contains tmp");
	YES("evt.rawarg.res glob /tmp/*");
	YES("evt.rawarg.res regex 't.p'");
	YES("evt.rawarg.res pmatch (/tmp)");
	YES("evt.rawarg.res in (7, /tmp/x)");
	YES("evt.rawarg.res bstartswith 2f746d70");
	NO("evt.rawarg.res = 7");
	YES("tolower(evt.rawarg.res) = /tmp/x");
	YES("len(evt.rawarg.res) = 6");
	expect_error("evt.rawarg.res bcontains xyz",
	             "column 26: 'xyz' is not a hex byte string (as in 'cafebabe') for field evt.rawarg.res");
}

static void multi_valued(void **state)
{
	(void)state;
	/* proc.aname alone: every ancestor (sshd, systemd); the check holds when any value does */
	YES("proc.aname = sshd");
	YES("proc.aname = systemd");
	NO("proc.aname = bash");
	YES("proc.aname in (init, systemd)");
	YES("proc.aname intersects (init, sshd)");
	NO("proc.aname intersects (init, cron)");
	YES("proc.aname contains stem");
	YES("proc.aname startswith ssh");
	/* != is the negation of = over the set (still false on an empty set) */
	NO("proc.aname != sshd");
	YES("proc.aname != bash");
	YES("not proc.aname = bash");
	YES("proc.aname[1] = sshd");
	YES("proc.aname[2] = systemd");
	NO("proc.aname[1] = systemd");
	NO("proc.aname[3] = x");
	NO("proc.aname[3] != x");
	YES("not proc.aname[3] = x");
	YES("len(proc.aname) = 2");
	YES("len(proc.aname[1]) = 4");
	ev.nanc = 0;
	NO("proc.aname != x");
	NO("proc.aname exists");
	YES("len(proc.aname) = 0"); /* a count is a value even when there is nothing to count */
}

static void transformers(void **state)
{
	(void)state;
	ev.name = "BaSh";
	YES("tolower(proc.name) = bash");
	YES("toupper(proc.name) = BASH");
	NO("proc.name = bash");
	YES("basename(proc.exe) = bash");
	YES("tolower(basename(proc.exe)) = bash");
	YES("toupper(basename(proc.exe)) in (SH, BASH)");
	YES("len(proc.name) = 4");
	YES("len(proc.exe) > 10");
	YES("len(basename(proc.exe)) = 4");
	YES("len(tolower(proc.name)) <= 4");
	YES("tolower(proc.name) != BaSh");
	YES("tolower(proc.name) glob b*");
	YES("tolower(proc.name) regex '^bash$'");
	YES("tolower(proc.aname) = systemd");
	ev.exe = "/usr/bin/";
	YES("basename(proc.exe) = ''");
	ev.exe = "noslash";
	YES("basename(proc.exe) = noslash");
	ev.exe = "";
	YES("len(proc.exe) = 0");
	YES("basename(proc.exe) = ''");
	YES("tolower(proc.exe) = ''");
	/* b64(): libsinsp's base64 decode (its test vectors); text that is not base64 fails the check */
	ev.name = "aGVsbG8=";
	YES("b64(proc.name) = hello");
	YES("toupper(b64(proc.name)) = HELLO");
	YES("len(b64(proc.name)) = 5");
	ev.name = "d29ybGQgIQ==";
	YES("b64(proc.name) = 'world !'");
	ev.name = "aGVsbG8";
	YES("b64(proc.name) = hello");
	ev.name = "";
	YES("b64(proc.name) = ''");
	ev.name = "!!!";
	NO("b64(proc.name) = '!!!'");
	NO("b64(proc.name) != x");
	NO("b64(proc.name) exists");
	ev.buf = "aGk=";
	ev.buflen = 4;
	YES("b64(evt.buffer) bcontains 6869");
}

static void val_field(void **state)
{
	(void)state;
	ev.pname = "bash";
	YES("proc.name = val(proc.pname)");
	NO("proc.name != val(proc.pname)");
	YES("proc.name in val(proc.pname)");
	ev.pname = "BASH";
	NO("proc.name = val(proc.pname)");
	YES("proc.name != val(proc.pname)");
	YES("proc.name = val(tolower(proc.pname))");
	YES("proc.name = tolower(proc.pname)");
	YES("toupper(proc.name) = val(proc.pname)");
	YES("proc.name > val(proc.pname)"); /* 'b' sorts after 'B' */
	YES("proc.exe endswith val(tolower(proc.pname))");
	YES("proc.exe contains val(proc.name)");
	ev.pname = "b*";
	YES("proc.name glob val(proc.pname)");
	ev.pname = "/usr/bin";
	YES("proc.exe pmatch val(proc.pname)");
	YES("proc.exe startswith val(proc.pname)");
	/* a multi-valued right side: any of its values */
	ev.pname = "systemd";
	YES("proc.pname = val(proc.aname)");
	YES("proc.pname in val(proc.aname)");
	NO("proc.pname != val(proc.aname)");
	/* numbers of different signedness compare by value */
	YES("evt.num > val(fd.num)");
	YES("fd.num < val(evt.num)");
	YES("evt.rawres < val(fd.num)");
	YES("len(proc.name) = val(len(proc.name))");
	YES("fd.net = val(fd.sip)");
	/* a missing right side: false whatever the operator */
	ev.fdname = NULL;
	NO("proc.name = val(fd.name)");
	NO("proc.name != val(fd.name)");
	YES("not proc.name != val(fd.name)");
}

static void lists(void **state)
{
	(void)state;
	/* a list the size of Falco's rule lists, searched rather than scanned */
	char cond[8192] = "proc.name in (";
	for (int i = 0; i < 300; i++) {
		char item[32];
		snprintf(item, sizeof(item), "%sname%03d", i ? ", " : "", (i * 37) % 300);
		strcat(cond, item);
	}
	strcat(cond, ")");
	kite_filter *f = compile_or_fail(cond, &fake_opts);
	struct kite_ctx c = {0};
	char name[32];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "name%03d", i);
		ev.name = name;
		assert_true(kite_filter_match(f, &c));
	}
	static const char *const absent[] = {"name300", "name", "", "name0000", "NAME001", "zzz", "a"};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		ev.name = absent[i];
		assert_false(kite_filter_match(f, &c));
	}
	kite_filter_free(f);
	kite_arena_free(&c.arena);
	event_reset();

	YES("proc.name in ((sh, zsh), (bash))");
	YES("proc.name in (((((bash)))))");
	YES("proc.name in (\"bash\", 'x y')");
	ev.name = "x y";
	YES("proc.name in (\"bash\", 'x y')");
	YES("proc.name in (\"x y\", \"x y\")");
	ev.name = "";
	YES("proc.name in (a, '')");
	NO("proc.name in (a, b)");
	YES("evt.num in (0x2a)");
	YES("evt.num in (1, (2, (42)))");
}

/* ---- macros ---- */

struct macro_table {
	const char *names[8];
	struct kite_ast *asts[8];
	unsigned n;
};

static const struct kite_ast *lookup_macro(void *ctx, const char *name)
{
	struct macro_table *t = ctx;
	for (unsigned i = 0; i < t->n; i++)
		if (strcmp(t->names[i], name) == 0)
			return t->asts[i];
	return NULL;
}

static void add_macro(struct macro_table *t, const char *name, const char *cond)
{
	char err[256];
	t->names[t->n] = name;
	t->asts[t->n] = kite_ast_parse(cond, err, sizeof(err));
	if (!t->asts[t->n])
		fail_msg("macro %s: %s", name, err);
	t->n++;
}

static void collect_field(void *ctx, const char *field)
{
	char *buf = ctx;
	strcat(buf, field);
	strcat(buf, ";");
}

static void macros(void **state)
{
	(void)state;
	struct macro_table t = {0};
	add_macro(&t, "is_bash", "proc.name = bash");
	add_macro(&t, "opens", "evt.type in (open, openat)");
	add_macro(&t, "bash_opens", "is_bash and opens");
	add_macro(&t, "loop_a", "proc.name = x or loop_b");
	add_macro(&t, "loop_b", "not loop_a");
	add_macro(&t, "self", "self");
	add_macro(&t, "broken", "evt.num = 1 or evt.num = nope");
	struct kite_filter_opts o = {.macro = lookup_macro, .macro_ctx = &t, .fields = &fake_fields};

	assert_true(matches_with("bash_opens", &o));
	assert_true(matches_with("is_bash and not (opens and evt.num = 1)", &o));
	assert_false(matches_with("not bash_opens", &o));
	ev.name = "zsh";
	assert_false(matches_with("bash_opens", &o));
	assert_true(matches_with("not is_bash", &o));

	expect_error_with("proc.name = a or loop_a", &o,
	                  "column 18: in macro 'loop_a': column 18: in macro 'loop_b': column 5: "
	                  "macro 'loop_a' refers to itself");
	expect_error_with("self", &o, "column 1: in macro 'self': column 1: macro 'self' refers to itself");
	expect_error_with(
	        "evt.num = 1 and broken", &o,
	        "column 17: in macro 'broken': column 26: 'nope' is not a number for field evt.num");
	expect_error_with("is_bash and nothere", &o, "column 13: undefined macro 'nothere'");

	/* expansion: a tree with the macros' trees in place */
	char err[256];
	struct kite_ast *a = kite_ast_parse("bash_opens or (fd.name = x and not is_bash)", err, sizeof(err));
	assert_non_null(a);
	struct kite_ast *e = kite_ast_expand(a, &o, err, sizeof(err));
	assert_non_null(e);
	char *s = kite_ast_to_string(e);
	assert_string_equal(s, "((proc.name = bash and evt.type in (open, openat)) or "
	                       "(fd.name = x and not proc.name = bash))");
	free(s);
	char fields[256] = "";
	kite_ast_foreach_field(e, collect_field, fields);
	assert_string_equal(fields, "proc.name;evt.type;fd.name;proc.name;");
	kite_ast_free(e);
	kite_ast_free(a);

	a = kite_ast_parse("loop_a", err, sizeof(err));
	assert_null(kite_ast_expand(a, &o, err, sizeof(err)));
	assert_string_equal(err, "column 1: in macro 'loop_a': column 18: in macro 'loop_b': column 5: "
	                         "macro 'loop_a' refers to itself");
	kite_ast_free(a);
	a = kite_ast_parse("is_bash or gone", err, sizeof(err));
	assert_null(kite_ast_expand(a, &o, err, sizeof(err)));
	assert_string_equal(err, "column 12: undefined macro 'gone'");
	kite_ast_free(a);

	/* no macro callback at all */
	expect_error("is_bash", "column 1: undefined macro 'is_bash'");
	for (unsigned i = 0; i < t.n; i++)
		kite_ast_free(t.asts[i]);
}

static void foreach_field(void **state)
{
	(void)state;
	char err[256], fields[512] = "";
	struct kite_ast *a = kite_ast_parse("proc.aname[2] = x and (tolower(proc.name) = val(proc.pname) or "
	                                    "not fd.name exists or m1)",
	                                    err, sizeof(err));
	assert_non_null(a);
	kite_ast_foreach_field(a, collect_field, fields);
	assert_string_equal(fields, "proc.aname[2];proc.name;proc.pname;fd.name;");
	kite_ast_free(a);
}

/* ---- event types ---- */

static int bit(const uint8_t *b, unsigned i)
{
	return (b[i / 8] >> (i % 8)) & 1;
}

static unsigned popcount(const uint8_t *b, size_t nbits)
{
	unsigned n = 0;
	for (size_t i = 0; i < nbits; i++)
		n += (unsigned)bit(b, (unsigned)i);
	return n;
}

static void evttypes_of(const char *cond, const struct kite_schema *s, uint8_t *b, size_t nbits)
{
	kite_filter *f = compile_or_fail(cond, &fake_opts);
	memset(b, 0xa5, (nbits + 7) / 8);
	kite_filter_evttypes(f, s, b, nbits);
	kite_filter_free(f);
}

static void evttypes(void **state)
{
	(void)state;
	const struct kite_schema *s = kite_schema_builtin();
	unsigned open = kite_schema_find(s, "open")->id, openat = kite_schema_find(s, "openat")->id;
	unsigned close = kite_schema_find(s, "close")->id;
	size_t nbits = s->max_event_id + 1;
	uint8_t *b = calloc(1, (nbits + 7) / 8 + 8);

	evttypes_of("evt.type = openat", s, b, nbits);
	assert_int_equal(popcount(b, nbits), 1);
	assert_true(bit(b, openat));

	evttypes_of("evt.type in (open, openat, no_such_call)", s, b, nbits);
	assert_int_equal(popcount(b, nbits), 2);
	assert_true(bit(b, open) && bit(b, openat));

	evttypes_of("evt.type = openat and proc.name = bash", s, b, nbits);
	assert_int_equal(popcount(b, nbits), 1);
	evttypes_of("evt.type in (open, openat) and evt.type in (openat, close)", s, b, nbits);
	assert_int_equal(popcount(b, nbits), 1);
	assert_true(bit(b, openat));
	evttypes_of("evt.type = openat and evt.type = close", s, b, nbits);
	assert_int_equal(popcount(b, nbits), 0);
	evttypes_of("evt.type = openat or evt.type = close", s, b, nbits);
	assert_int_equal(popcount(b, nbits), 2);
	assert_true(bit(b, close) && bit(b, openat));
	evttypes_of("(evt.type = openat and fd.num = 1) or (evt.type=close and proc.name=x)", s, b, nbits);
	assert_int_equal(popcount(b, nbits), 2);
	evttypes_of("evt.type = no_such_call", s, b, nbits);
	assert_int_equal(popcount(b, nbits), 0);

	/* no constraint on the type: every bit, and none past nbits */
	static const char *const any[] = {
	        "proc.name = bash",           "not evt.type = openat",
	        "evt.type != openat",         "evt.type = openat or fd.num = 1",
	        "tolower(evt.type) = openat", "evt.type startswith open",
	        "evt.type = val(proc.name)",  "not not evt.type = openat",
	};
	for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
		evttypes_of(any[i], s, b, nbits);
		if (popcount(b, nbits) != nbits)
			fail_msg("%s: %u of %zu bits", any[i], popcount(b, nbits), nbits);
	}
	/* a bitmap shorter than the schema: ids past it are left out */
	uint8_t small[2];
	evttypes_of("proc.name = x", s, small, 12);
	assert_int_equal(small[0], 0xff);
	assert_int_equal(small[1], 0x0f);
	evttypes_of("evt.type in (open, openat, close)", s, small, 12);
	for (unsigned i = 0; i < 12; i++)
		assert_int_equal(bit(small, i), i == open || i == openat || i == close);
	free(b);
}

/* ---- the default field table is the real one ---- */

static void default_fields(void **state)
{
	(void)state;
	char err[256];
	kite_filter *f =
	        kite_filter_new("proc.name = bash and evt.type in (open, openat)", NULL, err, sizeof(err));
	if (!f)
		fail_msg("real fields: %s", err);
	kite_filter_free(f);
	assert_null(kite_filter_new("proc.nmae = bash", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "column 1: "));
	assert_non_null(strstr(err, "proc.nmae"));
}

/* ---- the arena and value helpers ---- */

static void arena(void **state)
{
	(void)state;
	struct kite_arena a = {0};
	char *first = kite_arena_strndup(&a, "hello", 5);
	assert_string_equal(first, "hello");
	/* many small allocations spanning several blocks stay valid and aligned */
	char *ptrs[2000];
	for (int i = 0; i < 2000; i++) {
		ptrs[i] = kite_arena_printf(&a, NULL, "value-%d", i);
		assert_non_null(ptrs[i]);
		void *p = kite_arena_alloc(&a, 7);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
	}
	for (int i = 0; i < 2000; i++) {
		char want[32];
		snprintf(want, sizeof(want), "value-%d", i);
		assert_string_equal(ptrs[i], want);
	}
	size_t len = 0;
	char *big = kite_arena_alloc(&a, 3u << 20); /* past the largest block size */
	assert_non_null(big);
	memset(big, 'x', 3u << 20);
	char *longtext = kite_arena_printf(&a, &len, "%5000d", 1);
	assert_int_equal(len, 5000);
	assert_int_equal(strlen(longtext), 5000);
	/* reset reuses the blocks: the next allocation lands where the first did */
	kite_arena_reset(&a);
	char *again = kite_arena_strndup(&a, "x", 1);
	assert_ptr_equal(again, first);
	assert_non_null(kite_arena_alloc(&a, 0));
	kite_arena_free(&a);
	kite_arena_free(&a); /* twice is harmless */

	struct kite_val v = {.type = KITE_VT_INT, .i = -5};
	assert_string_equal(kite_val_text(&a, &v, &len), "-5");
	assert_int_equal(len, 2);
	v = (struct kite_val){.type = KITE_VT_UINT, .u = UINT64_MAX};
	assert_string_equal(kite_val_text(&a, &v, NULL), "18446744073709551615");
	v = (struct kite_val){.type = KITE_VT_BOOL, .u = 1};
	assert_string_equal(kite_val_text(&a, &v, NULL), "true");
	v = (struct kite_val){.type = KITE_VT_STR, .s = "abcdef", .len = 3};
	assert_string_equal(kite_val_text(&a, &v, &len), "abc");
	v = (struct kite_val){.type = KITE_VT_BYTES,
	                      .s = "a\x01\xff"
	                           "b",
	                      .len = 4};
	assert_string_equal(kite_val_text(&a, &v, NULL), "a..b");
	v = (struct kite_val){.type = KITE_VT_IPADDR};
	v.ip.fam = KITE_AF_INET;
	inet_pton(AF_INET, "192.168.1.20", v.ip.a);
	assert_string_equal(kite_val_text(&a, &v, NULL), "192.168.1.20");
	v.ip.fam = KITE_AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", v.ip.a);
	assert_string_equal(kite_val_text(&a, &v, NULL), "2001:db8::1");
	v = (struct kite_val){.type = KITE_VT_RELTIME, .u = 12};
	assert_string_equal(kite_val_text(&a, &v, NULL), "12");
	kite_arena_free(&a);

	assert_string_equal(kite_vtype_name(KITE_VT_STR), "string");
	assert_string_equal(kite_vtype_name(KITE_VT_UINT), "uint64");
	assert_string_equal(kite_vtype_name(KITE_VT_IPADDR), "ipaddr");
	assert_string_equal(kite_vtype_name(KITE_VT_IPNET), "ipnet");
	assert_string_equal(kite_vtype_name(999), "unknown");
}

/* Matching allocates nothing once the arena is warm: the same arena block serves every event. */
static void no_allocation_when_warm(void **state)
{
	(void)state;
	kite_filter *f = compile_or_fail("tolower(proc.name) = bash and proc.exe glob '*/bash' and "
	                                 "proc.args regex 'l[s]' and evt.type in (open, openat)",
	                                 &fake_opts);
	struct kite_ctx c = {0};
	assert_true(kite_filter_match(f, &c));
	struct kite_arena_block *blocks = c.arena.all;
	for (int i = 0; i < 1000; i++) {
		kite_arena_reset(&c.arena);
		assert_true(kite_filter_match(f, &c));
	}
	assert_ptr_equal(c.arena.all, blocks);
	assert_ptr_equal(c.arena.head, blocks);
	kite_arena_free(&c.arena);
	kite_filter_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(canonical_text, setup),
	        cmocka_unit_test_setup(parse_errors, setup),
	        cmocka_unit_test_setup(compile_errors, setup),
	        cmocka_unit_test_setup(missing_field, setup),
	        cmocka_unit_test_setup(string_ops, setup),
	        cmocka_unit_test_setup(pmatch_op, setup),
	        cmocka_unit_test_setup(numeric_ops, setup),
	        cmocka_unit_test_setup(bool_ops, setup),
	        cmocka_unit_test_setup(ip_ops, setup),
	        cmocka_unit_test_setup(bytes_ops, setup),
	        cmocka_unit_test_setup(any_type, setup),
	        cmocka_unit_test_setup(multi_valued, setup),
	        cmocka_unit_test_setup(transformers, setup),
	        cmocka_unit_test_setup(val_field, setup),
	        cmocka_unit_test_setup(lists, setup),
	        cmocka_unit_test_setup(macros, setup),
	        cmocka_unit_test_setup(foreach_field, setup),
	        cmocka_unit_test_setup(evttypes, setup),
	        cmocka_unit_test_setup(default_fields, setup),
	        cmocka_unit_test_setup(arena, setup),
	        cmocka_unit_test_setup(no_allocation_when_warm, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

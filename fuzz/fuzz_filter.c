/* fuzz_filter.c - libFuzzer target for the condition language: parse, print, expand, compile, match. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "filter.h"
#include "schema.h"

/*
 * Besides "does not crash, does not leak", the canonical text must be a
 * fixed point: parse(x) succeeding implies parse(to_string(parse(x)))
 * succeeds with the same text.  Conditions are compiled twice: against the
 * real field table (compile only: matching needs a real state) and against a
 * small fake table with every value type, which is then matched against two
 * fake events.  A violation aborts, so libFuzzer saves the input.
 */

static const struct kite_field_def defs[] = {
        {.name = "evt.type", .type = KITE_VT_STR},
        {.name = "proc.name", .type = KITE_VT_STR, .id = 1},
        {.name = "fd.name", .type = KITE_VT_STR, .id = 2},
        {.name = "proc.aname", .type = KITE_VT_STR, .id = 3, .flags = KITE_FF_LIST | KITE_FF_ARG_INDEX},
        {.name = "evt.num", .type = KITE_VT_UINT, .id = 4},
        {.name = "evt.rawres", .type = KITE_VT_INT, .id = 5},
        {.name = "evt.is_x", .type = KITE_VT_BOOL, .id = 6},
        {.name = "fd.sip", .type = KITE_VT_IPADDR, .id = 7},
        {.name = "fd.net", .type = KITE_VT_IPNET, .id = 8},
        {.name = "evt.buffer", .type = KITE_VT_BYTES, .id = 9},
        {.name = "evt.rawarg.x", .type = KITE_VT_ANY, .id = 10},
        {.name = "evt.latency", .type = KITE_VT_RELTIME, .id = 11},
};

/* Which fake event the extractor serves: 0 has every field, 1 misses the fd ones and has a text rawarg. */
static int fake_which;

static size_t fake_parse(const char *text, size_t len, struct kite_field *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
		size_t l = strlen(defs[i].name);
		if (l > len || memcmp(text, defs[i].name, l) != 0)
			continue;
		out->def = &defs[i];
		out->type = defs[i].type;
		if (l < len && text[l] == '[') {
			out->has_arg = 1;
			out->argn = (int64_t)(len - l);
			return len; /* any argument goes */
		}
		if (l == len)
			return l;
	}
	snprintf(err, errlen, "unknown field '%.*s'", (int)(len < 40 ? len : 40), text);
	return 0;
}

static unsigned fake_extract(const struct kite_field *f, struct kite_ctx *c, struct kite_val *out,
                             unsigned max)
{
	(void)c;
	int which = fake_which;
	static const char *const anc[] = {"sshd", "systemd", "/usr/bin/x", ""};
	memset(out, 0, sizeof(*out));
	switch (f->def->id) {
	case 0: out->type = KITE_VT_STR, out->s = "openat", out->len = 6; return 1;
	case 1: out->type = KITE_VT_STR, out->s = "BaSh", out->len = 4; return 1;
	case 2: out->type = KITE_VT_STR, out->s = "/etc/passwd", out->len = 11; return which == 0;
	case 3: {
		unsigned n = f->has_arg ? 1 : 4;
		for (unsigned i = 0; i < n && i < max; i++)
			out[i] = (struct kite_val){
			        .type = KITE_VT_STR, .s = anc[i], .len = (uint32_t)strlen(anc[i])};
		return n < max ? n : max;
	}
	case 4: out->type = KITE_VT_UINT, out->u = 42; return 1;
	case 5: out->type = KITE_VT_INT, out->i = which ? INT64_MIN : -2; return 1;
	case 6: out->type = KITE_VT_BOOL, out->u = 1; return 1;
	case 7:
	case 8:
		out->type = f->def->type;
		out->ip.fam = which ? KITE_AF_INET6 : KITE_AF_INET;
		out->ip.a[0] = 10;
		out->ip.a[15] = 1;
		return 1;
	case 9: out->type = KITE_VT_BYTES, out->s = "\xca\xfe\0x", out->len = 4; return 1;
	case 10:
		if (which)
			out->type = KITE_VT_STR, out->s = "/tmp/x", out->len = 6;
		else
			out->type = KITE_VT_UINT, out->u = 7;
		return 1;
	default: out->type = KITE_VT_RELTIME, out->u = 1500; return 1;
	}
}

static void fake_release(struct kite_field *f)
{
	(void)f;
}

static const struct kite_field_provider fake_fields = {fake_parse, fake_extract, fake_release};

struct macros {
	struct kite_ast *m[3];
};

static const struct kite_ast *macro(void *ctx, const char *name)
{
	struct macros *ms = ctx;
	if (strcmp(name, "m1") == 0)
		return ms->m[0];
	if (strcmp(name, "m2") == 0)
		return ms->m[1];
	if (strcmp(name, "m3") == 0)
		return ms->m[2];
	return NULL;
}

static void count_field(void *ctx, const char *field)
{
	if (!field)
		abort();
	++*(size_t *)ctx;
}

/* parse(to_string(a)) must give the same text (expanded trees may nest deeper than one text may). */
static void check_fixed_point(const struct kite_ast *a, int expanded)
{
	char err[512];
	char *s1 = kite_ast_to_string(a);
	if (!s1)
		return;
	struct kite_ast *b = kite_ast_parse(s1, err, sizeof(err));
	if (!b && expanded && strstr(err, "nesting deeper")) {
		free(s1);
		return;
	}
	if (!b) {
		fprintf(stderr, "canonical text does not parse: %s\n  text: %s\n", err, s1);
		abort();
	}
	char *s2 = kite_ast_to_string(b);
	if (s2 && strcmp(s1, s2) != 0) {
		fprintf(stderr, "canonical text is not a fixed point:\n  %s\n  %s\n", s1, s2);
		abort();
	}
	free(s2);
	free(s1);
	kite_ast_free(b);
}

static void compile_and_match(const struct kite_ast *a, struct macros *ms)
{
	char err[1024];
	struct kite_filter_opts o = {.macro = macro, .macro_ctx = ms};
	kite_filter *real = kite_filter_compile(a, &o, err, sizeof(err));
	kite_filter_free(real);

	o.fields = &fake_fields;
	kite_filter *f = kite_filter_compile(a, &o, err, sizeof(err));
	if (!f) {
		if (strncmp(err, "column ", 7) != 0 && strcmp(err, "out of memory") != 0)
			abort(); /* every compile error says where */
		return;
	}
	struct kite_ctx c = {0};
	for (int i = 0; i < 2; i++) {
		fake_which = i;
		kite_arena_reset(&c.arena);
		(void)kite_filter_match(f, &c);
	}
	kite_arena_free(&c.arena);
	const struct kite_schema *s = kite_schema_builtin();
	uint8_t bits[1024 / 8];
	size_t nbits = s->max_event_id + 1 < 1024 ? s->max_event_id + 1 : 1024;
	kite_filter_evttypes(f, s, bits, nbits);
	kite_filter_evttypes(f, s, bits, 3);
	kite_filter_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size heap copy with its NUL, so ASan sees any read past the end */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char err[512];
	struct kite_ast *a = kite_ast_parse(text, err, sizeof(err));
	if (!a) {
		if (strncmp(err, "column ", 7) != 0 && strcmp(err, "out of memory") != 0)
			abort(); /* every parse error says where */
		free(text);
		return 0;
	}
	check_fixed_point(a, 0);
	size_t nfields = 0;
	kite_ast_foreach_field(a, count_field, &nfields);

	struct macros ms = {{kite_ast_parse("proc.name = bash and evt.num > 3", err, sizeof(err)),
	                     kite_ast_parse("m1 or fd.name pmatch (/etc)", err, sizeof(err)),
	                     kite_ast_parse("not m3", err, sizeof(err))}};
	struct kite_filter_opts o = {.macro = macro, .macro_ctx = &ms};
	struct kite_ast *e = kite_ast_expand(a, &o, err, sizeof(err));
	if (e) {
		check_fixed_point(e, 1);
		kite_ast_free(e);
	}
	compile_and_match(a, &ms);
	for (int i = 0; i < 3; i++)
		kite_ast_free(ms.m[i]);
	kite_ast_free(a);
	free(text);
	return 0;
}

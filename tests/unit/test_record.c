/* test_record.c - record layout: building, padding, splitting, and rejecting malformed records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "decode.h"
#include "events.h"
#include "record.h"

static uint8_t buf[KITE_EVT_MAX_LEN];

static const struct kite_evt *build_openat(void)
{
	const struct kite_event_desc *d = kite_schema_event(kite_schema_builtin(), KITE_EVT_OPENAT);
	struct kite_evt_builder b;
	kite_evt_begin(&b, buf, d->id, d->nparams, 123456789, 42, 41, 1);
	kite_evt_add_u(&b, 3, 8);              /* fd */
	kite_evt_add_u(&b, (uint64_t)-100, 8); /* dirfd = AT_FDCWD */
	kite_evt_add_str(&b, "/etc/shadow");   /* name */
	kite_evt_add_u(&b, 01 | 0100, 4);      /* flags */
	kite_evt_add_u(&b, 0600, 4);           /* mode */
	kite_evt_add_u(&b, 0x803, 4);          /* dev */
	kite_evt_add_u(&b, 77, 8);             /* ino */
	return kite_evt_end(&b);
}

static void build_and_split(void **state)
{
	(void)state;
	const struct kite_evt *e = build_openat();
	assert_non_null(e);
	assert_int_equal(e->len % 8, 0);
	assert_int_equal(e->len, kite_evt_padded(24 + 7 * 2 + 8 + 8 + 11 + 4 + 4 + 4 + 8));
	assert_int_equal(e->tid, 42);
	assert_int_equal(e->pid, 41);
	const struct kite_event_desc *d = kite_schema_event(kite_schema_builtin(), e->type);
	struct kite_params p;
	assert_int_equal(kite_evt_split(e, e->len, d, &p), 0);
	assert_int_equal(p.n, 7);
	assert_int_equal(kite_get_i(p.val[1], p.len[1]), -100);
	assert_int_equal(p.len[2], 11);
	assert_memory_equal(p.val[2], "/etc/shadow", 11);
	char out[128];
	kite_param_format(kite_schema_builtin(), &d->params[3], p.val[3], p.len[3], out, sizeof(out));
	assert_string_equal(out, "0x41(O_WRONLY|O_CREAT)");
	kite_param_format(kite_schema_builtin(), &d->params[4], p.val[4], p.len[4], out, sizeof(out));
	assert_string_equal(out, "0600");
}

static void split_rejects_malformed(void **state)
{
	(void)state;
	const struct kite_evt *e = build_openat();
	const struct kite_event_desc *d = kite_schema_event(kite_schema_builtin(), e->type);
	struct kite_params p;
	/* not all of it readable */
	assert_int_equal(kite_evt_split(e, e->len - 8, d, &p), -1);
	/* a parameter length running past the end */
	uint16_t big = 5000;
	memcpy(buf + 24 + 2 * 2, &big, 2);
	assert_int_equal(kite_evt_split(e, e->len, d, &p), -1);
	/* lengths that leave more than padding unused */
	e = build_openat();
	uint16_t small = 1;
	memcpy(buf + 24 + 2 * 2, &small, 2);
	assert_int_equal(kite_evt_split(e, e->len, d, &p), -1);
	/* a length that is not a multiple of 8 */
	e = build_openat();
	((struct kite_evt *)buf)->len += 4;
	assert_int_equal(kite_evt_split(e, e->len, d, &p), -1);
}

/* A record built by kite's builder splits the same without the checks. */
static void trusted_split_is_the_same(void **state)
{
	(void)state;
	const struct kite_evt *e = build_openat();
	const struct kite_event_desc *d = kite_schema_event(kite_schema_builtin(), e->type);
	struct kite_params p, q;
	assert_int_equal(kite_evt_split(e, e->len, d, &p), 0);
	kite_evt_split_trusted(e, d, &q);
	assert_int_equal(q.n, p.n);
	for (uint32_t i = 0; i < p.n; i++) {
		assert_ptr_equal(q.val[i], p.val[i]);
		assert_int_equal(q.len[i], p.len[i]);
	}
	kite_evt_split_trusted(e, NULL, &q); /* an unknown type: no params */
	assert_int_equal(q.n, 0);
}

static void builder_refuses_missing_or_extra_params(void **state)
{
	(void)state;
	struct kite_evt_builder b;
	kite_evt_begin(&b, buf, KITE_EVT_CLOSE, 2, 1, 1, 1, 0);
	kite_evt_add_u(&b, 0, 8);
	assert_null(kite_evt_end(&b)); /* one param missing */
	kite_evt_begin(&b, buf, KITE_EVT_CLOSE, 2, 1, 1, 1, 0);
	kite_evt_add_u(&b, 0, 8);
	kite_evt_add_u(&b, 3, 8);
	kite_evt_add_u(&b, 3, 8);
	assert_null(kite_evt_end(&b)); /* one too many */
	static uint8_t huge[70000];
	kite_evt_begin(&b, buf, KITE_EVT_CLOSE, 2, 1, 1, 1, 0);
	kite_evt_add(&b, huge, sizeof(huge));
	kite_evt_add_u(&b, 3, 8);
	assert_null(kite_evt_end(&b)); /* a param over 65535 bytes */
}

static void render_addresses(void **state)
{
	(void)state;
	const struct kite_event_desc *c = kite_schema_event(kite_schema_builtin(), KITE_EVT_CONNECT);
	int ti = kite_param_index(c, "tuple");
	uint8_t t[13] = {KITE_AF_INET, 10, 0, 0, 1, 0x39, 0x30, 93, 184, 216, 34, 0xbb, 0x01};
	char out[128];
	kite_param_format(kite_schema_builtin(), &c->params[ti], t, sizeof(t), out, sizeof(out));
	assert_string_equal(out, "10.0.0.1:12345->93.184.216.34:443");
	uint8_t u[] = {KITE_AF_UNIX, 0, 'x', '1'};
	int ai = kite_param_index(c, "addr");
	kite_param_format(kite_schema_builtin(), &c->params[ai], u, sizeof(u), out, sizeof(out));
	assert_string_equal(out, "@x1");
	uint8_t junk[2] = {KITE_AF_INET, 1}; /* too short for its family: no crash, no garbage */
	kite_param_format(kite_schema_builtin(), &c->params[ti], junk, sizeof(junk), out, sizeof(out));
	assert_string_equal(out, "family 2 (2 bytes)");
	const struct kite_event_desc *cl = kite_schema_event(kite_schema_builtin(), KITE_EVT_CLOSE);
	int64_t res = -9;
	kite_param_format(kite_schema_builtin(), &cl->params[0], (const uint8_t *)&res, 8, out, sizeof(out));
	assert_string_equal(out, "-9(EBADF)");
	/* not errnos: far below -4095, and the one value whose negation overflows */
	res = -4294967298LL;
	kite_param_format(kite_schema_builtin(), &cl->params[0], (const uint8_t *)&res, 8, out, sizeof(out));
	assert_string_equal(out, "-4294967298");
	res = INT64_MIN;
	kite_param_format(kite_schema_builtin(), &cl->params[0], (const uint8_t *)&res, 8, out, sizeof(out));
	assert_string_equal(out, "-9223372036854775808");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(build_and_split),
	        cmocka_unit_test(split_rejects_malformed),
	        cmocka_unit_test(trusted_split_is_the_same),
	        cmocka_unit_test(builder_refuses_missing_or_extra_params),
	        cmocka_unit_test(render_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

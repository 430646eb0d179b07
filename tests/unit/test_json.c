/* test_json.c - the JSON writer: nesting, commas, escaping, and valid UTF-8 whatever bytes a capture holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

static char out[1024];

static void emit(void (*fn)(struct json *))
{
	FILE *f = fmemopen(out, sizeof(out), "w");
	struct json j;
	json_init(&j, f);
	fn(&j);
	fclose(f);
}

static void nested(struct json *j)
{
	json_begin_object(j);
	json_key(j, "a");
	json_u64(j, 1);
	json_key(j, "list");
	json_begin_array(j);
	json_i64(j, -2);
	json_string(j, "x");
	json_null(j);
	json_bool(j, 1);
	json_end_array(j);
	json_key(j, "o");
	json_begin_object(j);
	json_end_object(j);
	json_end_object(j);
}

static void commas_and_nesting(void **state)
{
	(void)state;
	emit(nested);
	assert_string_equal(out, "{\"a\":1,\"list\":[-2,\"x\",null,true],\"o\":{}}\n");
}

static void bytes(struct json *j)
{
	/* quote, backslash, newline, a control byte, valid UTF-8 (é, €), a stray byte, a truncated sequence */
	json_string_n(j, "\"\\\n\x01\xc3\xa9\xe2\x82\xac\xff\xe2\x82", 12);
}

static void escapes_and_utf8(void **state)
{
	(void)state;
	emit(bytes);
	assert_string_equal(out, "\"\\\"\\\\\\n\\u0001\xc3\xa9\xe2\x82\xac\\u00ff\\u00e2\\u0082\"");
}

static void overlong(struct json *j)
{
	json_string_n(j, "\xc0\xaf\xed\xa0\x80", 5); /* overlong '/', a UTF-16 surrogate */
}

static void rejects_overlong_and_surrogates(void **state)
{
	(void)state;
	emit(overlong);
	assert_string_equal(out, "\"\\u00c0\\u00af\\u00ed\\u00a0\\u0080\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(commas_and_nesting),
	        cmocka_unit_test(escapes_and_utf8),
	        cmocka_unit_test(rejects_overlong_and_surrogates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

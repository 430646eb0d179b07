/* json.c - streaming JSON writer: commas, nesting and string escaping handled in one place. */
#include "json.h"

#include <inttypes.h>
#include <string.h>

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = 1;
}

/* Writes the separator a new value needs at the current depth. */
static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = 0;
}

static void open_(struct json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth < 31)
		j->depth++;
	j->first[j->depth] = 1;
}

static void close_(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_begin_object(struct json *j)
{
	open_(j, '{');
}
void json_end_object(struct json *j)
{
	close_(j, '}');
}
void json_begin_array(struct json *j)
{
	open_(j, '[');
}
void json_end_array(struct json *j)
{
	close_(j, ']');
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 if the byte there starts none. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len = p[0] >= 0xf0 && p[0] <= 0xf4  ? 4
	             : p[0] >= 0xe0                ? 3
	             : p[0] >= 0xc2 && p[0] < 0xe0 ? 2
	                                           : 0;
	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0; /* overlong, surrogate, or beyond U+10FFFF */
	return len;
}

/*
 * Captured strings are bytes, not always UTF-8: valid sequences pass through,
 * any other byte is written as \u00XX so the output is always valid JSON.
 */
void json_string_n(struct json *j, const char *s, size_t n)
{
	sep(j);
	fputc('"', j->f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", j->f); break;
		case '\\': fputs("\\\\", j->f); break;
		case '\n': fputs("\\n", j->f); break;
		case '\r': fputs("\\r", j->f); break;
		case '\t': fputs("\\t", j->f); break;
		default:
			if (c >= 0x80) {
				size_t len = utf8_len((const unsigned char *)s + i, n - i);
				if (len) {
					fwrite(s + i, 1, len, j->f);
					i += len - 1;
				} else {
					fprintf(j->f, "\\u%04x", c);
				}
			} else if (c < 0x20 || c == 0x7f) {
				fprintf(j->f, "\\u%04x", c);
			} else {
				fputc(c, j->f);
			}
		}
	}
	fputc('"', j->f);
}

void json_string(struct json *j, const char *s)
{
	if (!s)
		json_null(j);
	else
		json_string_n(j, s, strlen(s));
}

void json_key(struct json *j, const char *k)
{
	json_string(j, k);
	fputc(':', j->f);
	j->after_key = 1;
}

void json_u64(struct json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}
void json_i64(struct json *j, int64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRId64, v);
}
void json_double(struct json *j, double v)
{
	sep(j);
	fprintf(j->f, "%.6g", v);
}
void json_bool(struct json *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}
void json_null(struct json *j)
{
	sep(j);
	fputs("null", j->f);
}

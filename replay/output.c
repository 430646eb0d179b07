/* output.c - compiles sysdig-style %field formats and renders them per event, as text or JSON. */
#include "output.h"

#include <stdlib.h>
#include <string.h>

/* A format is a sequence of literal runs and fields. */
struct segment {
	const char *text; /* literal (into o->lit), or NULL for a field */
	size_t len;
	struct kite_field field;
	char *key; /* the field as written (%proc.aname[2] -> "proc.aname[2]"): the JSON key */
};

struct kite_output {
	struct segment *seg;
	size_t nseg;
	char *lit; /* literal text, unescaped */
	int star;  /* print events with missing fields */
	char *buf; /* the line being rendered, reused from event to event */
	size_t len, cap;
};

static int add_segment(struct kite_output *o, const struct segment *s)
{
	struct segment *n = realloc(o->seg, (o->nseg + 1) * sizeof(*n));
	if (!n)
		return -1;
	o->seg = n;
	o->seg[o->nseg++] = *s;
	return 0;
}

/* Copies literal text from fmt[i..] up to the next field into lit; returns the new i. */
static size_t literal_run(const char *fmt, size_t i, char *lit, size_t *litn)
{
	while (fmt[i]) {
		if (fmt[i] == '%' && fmt[i + 1] == '%') {
			lit[(*litn)++] = '%';
			i += 2;
		} else if (fmt[i] == '%') {
			break;
		} else if (fmt[i] == '\\' && (fmt[i + 1] == 't' || fmt[i + 1] == 'n')) {
			lit[(*litn)++] = fmt[i + 1] == 't' ? '\t' : '\n';
			i += 2;
		} else {
			lit[(*litn)++] = fmt[i++];
		}
	}
	return i;
}

struct kite_output *kite_output_new(const char *fmt, char *err, size_t errlen)
{
	struct kite_output *o = calloc(1, sizeof(*o));
	size_t flen = strlen(fmt);
	if (!o || !(o->lit = malloc(flen + 1))) {
		free(o);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	size_t i = 0, litn = 0;
	if (fmt[0] == '*') {
		o->star = 1;
		i = 1;
	}
	while (fmt[i]) {
		size_t start = litn;
		i = literal_run(fmt, i, o->lit, &litn);
		if (litn > start) {
			struct segment s = {.text = o->lit + start, .len = litn - start};
			if (add_segment(o, &s) < 0)
				goto oom;
		}
		if (!fmt[i])
			break;
		struct segment s = {0};
		char ferr[256];
		size_t used = kite_field_parse(fmt + i + 1, flen - i - 1, &s.field, ferr, sizeof(ferr));
		if (!used) {
			snprintf(err, errlen, "format, column %zu: %s", i + 2, ferr);
			kite_output_free(o);
			return NULL;
		}
		s.key = strndup(fmt + i + 1, used);
		if (!s.key || add_segment(o, &s) < 0) {
			free(s.key);
			kite_field_release(&s.field);
			goto oom;
		}
		i += 1 + used;
	}
	return o;
oom:
	snprintf(err, errlen, "out of memory");
	kite_output_free(o);
	return NULL;
}

int kite_output_reads_fds(const struct kite_output *o)
{
	for (size_t i = 0; o && i < o->nseg; i++)
		if (!o->seg[i].text && kite_field_reads_fds(&o->seg[i].field))
			return 1;
	return 0;
}

void kite_output_free(struct kite_output *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nseg; i++)
		if (!o->seg[i].text) {
			kite_field_release(&o->seg[i].field);
			free(o->seg[i].key);
		}
	free(o->seg);
	free(o->lit);
	free(o->buf);
	free(o);
}

/* line_room when the buffer must grow (once the longest line has been seen, never). */
__attribute__((noinline)) static int line_grow(struct kite_output *o, size_t n)
{
	size_t cap = o->cap ? o->cap : 256;
	while (cap <= o->len + n)
		cap *= 2;
	char *b = realloc(o->buf, cap);
	if (!b)
		return 0;
	o->buf = b;
	o->cap = cap;
	return 1;
}

/* Room for n more bytes in the line (and its NUL); 0 when out of memory.  Inline: per piece of a line. */
static inline int line_room(struct kite_output *o, size_t n)
{
	return o->len + n < o->cap ? 1 : line_grow(o, n);
}

static inline int line_put(struct kite_output *o, const char *s, size_t n)
{
	if (!line_room(o, n))
		return 0;
	/* most pieces of a line are short: copied inline, not by a call into the C library */
	kite_copy_small((uint8_t *)o->buf + o->len, (const uint8_t *)s, (uint32_t)n);
	o->len += n;
	return 1;
}

/*
 * Appends the field's text as kite_field_text gives it (several values joined
 * with ','), without copying it into the arena first.  0 when the field is
 * missing (nothing appended) or out of memory.  Inline (forced: the compiler
 * kept it a call), in kite_output_render, once per field of every line.
 */
__attribute__((always_inline)) static inline int line_field(struct kite_output *o, const struct kite_field *f,
                                                            struct kite_ctx *c)
{
	struct kite_val v[16];
	unsigned n = kite_field_extract(f, c, v, 16);
	size_t start = o->len;
	for (unsigned i = 0; i < n; i++) {
		char tmp[KITE_VAL_TMP];
		size_t len;
		const char *t = kite_val_view(&c->arena, &v[i], tmp, &len);
		if (!t || (i && !line_put(o, ",", 1)) || !line_put(o, t, len)) {
			o->len = start;
			return 0;
		}
	}
	return n > 0;
}

const char *kite_output_render(struct kite_output *o, struct kite_ctx *c, int force, size_t *len)
{
	size_t n = o->nseg < 256 ? o->nseg : 256;
	o->len = 0;
	*len = 0;
	for (size_t i = 0; i < n; i++) {
		const struct segment *s = &o->seg[i];
		if (s->text) {
			if (!line_put(o, s->text, s->len))
				return NULL;
		} else if (!line_field(o, &s->field, c)) {
			if (!o->star && !force)
				return NULL;
			if (!line_put(o, "<NA>", 4))
				return NULL;
		}
	}
	if (!line_room(o, 0))
		return NULL;
	o->buf[o->len] = '\0';
	*len = o->len;
	return o->buf;
}

static void json_one(struct json *j, struct kite_ctx *c, const struct kite_val *v)
{
	switch (v->type) {
	case KITE_VT_INT: json_i64(j, v->i); break;
	case KITE_VT_UINT:
	case KITE_VT_RELTIME:
	case KITE_VT_ABSTIME: json_u64(j, v->u); break;
	case KITE_VT_BOOL: json_bool(j, (int)v->u); break;
	default: {
		size_t len;
		const char *s = kite_val_text(&c->arena, v, &len);
		json_string_n(j, s, len);
	}
	}
}

void kite_output_json_value(const struct kite_field *f, struct kite_ctx *c, struct json *j)
{
	struct kite_val v[64];
	unsigned n = kite_field_extract(f, c, v, 64);
	if (n == 0) {
		json_null(j);
	} else if (n == 1 && !(f->def->flags & KITE_FF_LIST && !f->has_arg)) {
		json_one(j, c, &v[0]);
	} else {
		json_begin_array(j);
		for (unsigned i = 0; i < n; i++)
			json_one(j, c, &v[i]);
		json_end_array(j);
	}
}

void kite_output_json_members(struct kite_output *o, struct kite_ctx *c, struct json *j)
{
	for (size_t i = 0; i < o->nseg; i++) {
		const struct segment *s = &o->seg[i];
		if (s->text)
			continue;
		int seen = 0; /* a field used twice in the format is one key */
		for (size_t k = 0; k < i && !seen; k++)
			seen = !o->seg[k].text && !strcmp(o->seg[k].key, s->key);
		if (seen)
			continue;
		json_key(j, s->key);
		kite_output_json_value(&s->field, c, j);
	}
}

void kite_output_json_fields(struct kite_output *o, struct kite_ctx *c, struct json *j)
{
	json_begin_object(j);
	kite_output_json_members(o, c, j);
	json_end_object(j);
}

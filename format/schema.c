/* schema.c - the schema object: built-in table lookup, (de)serialisation of the SCHEMA block, flag rendering. */
#include "schema.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "events.h"

extern const struct kite_event_desc kite_event_table[];
extern const size_t kite_event_table_len;
extern const struct kite_flag_table kite_flag_tables[];
extern const size_t kite_flag_tables_len;

#define SCHEMA_VERSION 1

static const char *const kind_names[KITE_K_KIND_MAX + 1] = {
        "none",  "int",     "uint",    "fd",      "pid",     "errno",  "uid",   "gid",
        "mode",  "flags",   "enum",    "path",    "relpath", "string", "bytes", "sockaddr",
        "tuple", "strlist", "abstime", "reltime", "signal",  "dev",    "addr",
};

static const char *const category_names[KITE_CAT_COUNT] = {
        "unknown", "file",   "net",     "ipc",      "memory",   "process", "signal",
        "user",    "system", "io_read", "io_write", "io_other", "state",   "meta",
};

const char *kite_kind_name(unsigned kind)
{
	return kind <= KITE_K_KIND_MAX ? kind_names[kind] : "unknown";
}

const char *kite_category_name(unsigned cat)
{
	return cat < KITE_CAT_COUNT ? category_names[cat] : "unknown";
}

unsigned kite_param_width(const struct kite_param_desc *p)
{
	switch (p->kind) {
	case KITE_K_UID:
	case KITE_K_GID:
	case KITE_K_MODE:
	case KITE_K_DEV: return 4;
	case KITE_K_FLAGS:
	case KITE_K_ENUM:
	case KITE_K_SIGNAL:
		/* capability sets and clone flags need all 64 bits */
		return p->table == KITE_TBL_CAPS || p->table == KITE_TBL_CLONE_FLAGS ? 8 : 4;
	case KITE_K_PATH:
	case KITE_K_RELPATH:
	case KITE_K_STRING:
	case KITE_K_BYTES:
	case KITE_K_SOCKADDR:
	case KITE_K_TUPLE:
	case KITE_K_STRLIST: return 0;
	default: return 8;
	}
}

/* ---- lookups ---- */

const struct kite_event_desc *kite_schema_find(const struct kite_schema *s, const char *name)
{
	for (uint32_t i = 0; i <= s->max_event_id; i++)
		if (s->events[i] && strcmp(s->events[i]->name, name) == 0)
			return s->events[i];
	return NULL;
}

int kite_param_index(const struct kite_event_desc *d, const char *name)
{
	for (int i = 0; i < d->nparams; i++)
		if (strcmp(d->params[i].name, name) == 0)
			return i;
	return -1;
}

/* ---- the built-in schema, indexed once ---- */

static struct kite_schema builtin;
static const struct kite_event_desc *builtin_events[KITE_EVT_MAX_BUILTIN];
static const struct kite_flag_table *builtin_tables[KITE_TBL_MAX_BUILTIN];

uint64_t kite_schema_serial(void)
{
	static atomic_uint_fast64_t next = 1; /* 0: none yet */
	return atomic_fetch_add(&next, 1);
}

const struct kite_schema *kite_schema_builtin(void)
{
	if (builtin.events)
		return &builtin;
	builtin.serial = kite_schema_serial();
	for (size_t i = 0; i < kite_event_table_len; i++)
		builtin_events[kite_event_table[i].id] = &kite_event_table[i];
	for (size_t i = 0; i < kite_flag_tables_len; i++)
		builtin_tables[kite_flag_tables[i].id] = &kite_flag_tables[i];
	builtin.max_event_id = KITE_EVT_MAX_BUILTIN - 1;
	builtin.max_table_id = KITE_TBL_MAX_BUILTIN - 1;
	builtin.ntables = (uint32_t)kite_flag_tables_len;
	builtin.tables = builtin_tables;
	builtin.events = builtin_events;
	return &builtin;
}

/* ---- serialisation ---- */

uint8_t *kite_schema_serialize(const struct kite_schema *s, size_t *len)
{
	struct kite_buf b = {0};
	kbuf_put_u16(&b, SCHEMA_VERSION);
	kbuf_put_u16(&b, 0);

	kbuf_put_u8(&b, KITE_CAT_COUNT);
	for (unsigned c = 0; c < KITE_CAT_COUNT; c++)
		kbuf_put_str8(&b, category_names[c]);

	uint32_t ntables = 0;
	for (uint32_t i = 0; i <= s->max_table_id; i++)
		ntables += s->tables[i] != NULL;
	kbuf_put_u32(&b, ntables);
	for (uint32_t i = 0; i <= s->max_table_id; i++) {
		const struct kite_flag_table *t = s->tables[i];
		if (!t)
			continue;
		kbuf_put_u16(&b, t->id);
		kbuf_put_u8(&b, t->kind);
		kbuf_put_str8(&b, t->name);
		kbuf_put_u16(&b, t->nentries);
		for (unsigned j = 0; j < t->nentries; j++) {
			kbuf_put_u64(&b, t->entries[j].mask);
			kbuf_put_u64(&b, t->entries[j].value);
			kbuf_put_str8(&b, t->entries[j].name);
		}
	}

	uint32_t nevents = 0;
	for (uint32_t i = 0; i <= s->max_event_id; i++)
		nevents += s->events[i] != NULL;
	kbuf_put_u32(&b, nevents);
	for (uint32_t i = 0; i <= s->max_event_id; i++) {
		const struct kite_event_desc *d = s->events[i];
		if (!d)
			continue;
		kbuf_put_u16(&b, d->id);
		kbuf_put_u8(&b, d->category);
		kbuf_put_u16(&b, d->flags);
		kbuf_put_str8(&b, d->name);
		kbuf_put_u8(&b, d->nparams);
		for (unsigned j = 0; j < d->nparams; j++) {
			const struct kite_param_desc *p = &d->params[j];
			kbuf_put_str8(&b, p->name);
			kbuf_put_u8(&b, p->kind);
			kbuf_put_u8(&b, p->fmt);
			kbuf_put_u8(&b, p->ref);
			kbuf_put_u16(&b, p->table);
		}
	}
	if (b.oom) {
		kbuf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

/*
 * A parsed schema owns all its memory in one list of allocations, freed
 * together.  Schemas are small (kilobytes), so simplicity wins.
 */
struct arena {
	void **ptrs;
	size_t n, cap;
};

/* Hands m to the arena; frees it and fails when the arena cannot grow. */
static int arena_keep(struct arena *a, void *m)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		void **p = realloc(a->ptrs, cap * sizeof(*p));
		if (!p) {
			free(m);
			return -1;
		}
		a->ptrs = p;
		a->cap = cap;
	}
	a->ptrs[a->n++] = m;
	return 0;
}

static void *arena_alloc(struct arena *a, size_t size)
{
	void *m = calloc(1, size ? size : 1);
	return (m && arena_keep(a, m) == 0) ? m : NULL;
}

static char *arena_str8(struct arena *a, struct kite_cursor *c)
{
	char *s = kcur_str8(c);
	return (s && arena_keep(a, s) == 0) ? s : NULL;
}

static void arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->ptrs[i]);
	free(a->ptrs);
	free(a);
}

#define PARSE_FAIL(...)                                                                                      \
	do {                                                                                                 \
		snprintf(err, errlen, __VA_ARGS__);                                                          \
		goto fail;                                                                                   \
	} while (0)

static int parse_tables(struct kite_schema *s, struct arena *a, struct kite_cursor *c, char *err,
                        size_t errlen)
{
	uint32_t n = kcur_u32(c);
	if (c->bad || n > 65535)
		PARSE_FAIL("schema: bad flag-table count");
	s->ntables = n;
	s->max_table_id = 0;
	struct kite_flag_table *tabs = arena_alloc(a, n * sizeof(*tabs));
	if (!tabs)
		PARSE_FAIL("schema: out of memory");
	for (uint32_t i = 0; i < n; i++) {
		struct kite_flag_table *t = &tabs[i];
		t->id = kcur_u16(c);
		t->kind = kcur_u8(c);
		t->name = arena_str8(a, c);
		t->nentries = kcur_u16(c);
		if (c->bad || !t->name || t->id == 0)
			PARSE_FAIL("schema: flag table %u is malformed (content offset %zu)", i, c->off);
		struct kite_flag_entry *e = arena_alloc(a, t->nentries * sizeof(*e));
		if (!e)
			PARSE_FAIL("schema: out of memory");
		for (unsigned j = 0; j < t->nentries; j++) {
			e[j].mask = kcur_u64(c);
			e[j].value = kcur_u64(c);
			e[j].name = arena_str8(a, c);
			if (c->bad || !e[j].name)
				PARSE_FAIL("schema: table '%s' entry %u is malformed", t->name, j);
		}
		t->entries = e;
		if (t->id > s->max_table_id)
			s->max_table_id = t->id;
	}
	const struct kite_flag_table **index = arena_alloc(a, (s->max_table_id + 1) * sizeof(*index));
	if (!index)
		PARSE_FAIL("schema: out of memory");
	for (uint32_t i = 0; i < n; i++) {
		if (index[tabs[i].id])
			PARSE_FAIL("schema: flag table id %u appears twice", tabs[i].id);
		index[tabs[i].id] = &tabs[i];
	}
	s->tables = index;
	return 0;
fail:
	return -1;
}

static int parse_event(struct kite_event_desc *d, struct arena *a, struct kite_cursor *c, char *err,
                       size_t errlen)
{
	d->id = kcur_u16(c);
	d->category = kcur_u8(c);
	d->flags = kcur_u16(c);
	d->name = arena_str8(a, c);
	d->nparams = kcur_u8(c);
	d->sysnr = -1;
	if (c->bad || !d->name)
		PARSE_FAIL("schema: event entry malformed (content offset %zu)", c->off);
	if (d->nparams > KITE_MAX_PARAMS)
		PARSE_FAIL("schema: event '%s' has %u params (max %u)", d->name, d->nparams, KITE_MAX_PARAMS);
	struct kite_param_desc *p = arena_alloc(a, d->nparams * sizeof(*p));
	if (!p)
		PARSE_FAIL("schema: out of memory");
	for (unsigned j = 0; j < d->nparams; j++) {
		p[j].name = arena_str8(a, c);
		p[j].kind = kcur_u8(c);
		p[j].fmt = kcur_u8(c);
		p[j].ref = kcur_u8(c);
		p[j].table = kcur_u16(c);
		if (c->bad || !p[j].name)
			PARSE_FAIL("schema: event '%s' param %u is malformed", d->name, j);
		if (p[j].ref != KITE_NOREF && p[j].ref >= d->nparams)
			PARSE_FAIL("schema: event '%s' param '%s' refers to param %u of %u", d->name,
			           p[j].name, p[j].ref, d->nparams);
	}
	d->params = p;
	return 0;
fail:
	return -1;
}

static int parse_events(struct kite_schema *s, struct arena *a, struct kite_cursor *c, char *err,
                        size_t errlen)
{
	uint32_t n = kcur_u32(c);
	if (c->bad || n > 65536)
		PARSE_FAIL("schema: bad event count");
	struct kite_event_desc *evs = arena_alloc(a, n * sizeof(*evs));
	if (!evs)
		PARSE_FAIL("schema: out of memory");
	s->max_event_id = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (parse_event(&evs[i], a, c, err, errlen))
			return -1;
		if (evs[i].id > s->max_event_id)
			s->max_event_id = evs[i].id;
	}
	const struct kite_event_desc **index = arena_alloc(a, (s->max_event_id + 1) * sizeof(*index));
	if (!index)
		PARSE_FAIL("schema: out of memory");
	for (uint32_t i = 0; i < n; i++) {
		if (index[evs[i].id])
			PARSE_FAIL("schema: event id %u appears twice", evs[i].id);
		index[evs[i].id] = &evs[i];
	}
	s->events = index;
	return 0;
fail:
	return -1;
}

struct kite_schema *kite_schema_parse(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	struct kite_cursor c;
	struct arena *a = calloc(1, sizeof(*a));
	struct kite_schema *s = calloc(1, sizeof(*s));
	if (!a || !s) {
		free(a);
		free(s);
		snprintf(err, errlen, "schema: out of memory");
		return NULL;
	}
	s->owned = a;
	s->serial = kite_schema_serial();
	kcur_init(&c, buf, len);
	uint16_t version = kcur_u16(&c);
	kcur_u16(&c);
	if (c.bad || version != SCHEMA_VERSION)
		PARSE_FAIL("schema: version %u is not supported", version);
	uint8_t ncat = kcur_u8(&c);
	for (unsigned i = 0; i < ncat; i++) /* category names: informative for other readers */
		kcur_take(&c, kcur_u8(&c));
	if (c.bad)
		PARSE_FAIL("schema: category names malformed");
	if (parse_tables(s, a, &c, err, errlen) || parse_events(s, a, &c, err, errlen))
		goto fail;
	return s;
fail:
	kite_schema_free(s);
	return NULL;
}

void kite_schema_free(struct kite_schema *s)
{
	if (!s)
		return;
	if (s->owned)
		arena_free(s->owned);
	free(s);
}

/* ---- rendering ---- */

static size_t append(char *out, size_t outlen, size_t pos, const char *s)
{
	size_t n = strlen(s);
	if (pos < outlen) {
		size_t room = outlen - pos - 1;
		memcpy(out + pos, s, n < room ? n : room);
		out[pos + (n < room ? n : room)] = '\0';
	}
	return pos + n;
}

size_t kite_flags_format(const struct kite_flag_table *t, uint64_t v, char *out, size_t outlen)
{
	char num[32];
	size_t pos = 0;
	if (outlen)
		out[0] = '\0';
	if (!t) {
		snprintf(num, sizeof(num), "0x%llx", (unsigned long long)v);
		return append(out, outlen, 0, num);
	}
	if (t->kind == KITE_TABLE_ENUM) {
		for (unsigned i = 0; i < t->nentries; i++)
			if (t->entries[i].value == v)
				return append(out, outlen, 0, t->entries[i].name);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
		return append(out, outlen, 0, num);
	}
	uint64_t covered = 0;
	for (unsigned i = 0; i < t->nentries; i++) {
		const struct kite_flag_entry *e = &t->entries[i];
		if (e->mask == 0 || (v & e->mask) != e->value || (covered & e->mask) == e->mask)
			continue;
		if (pos)
			pos = append(out, outlen, pos, "|");
		pos = append(out, outlen, pos, e->name);
		covered |= e->mask;
	}
	if (v & ~covered) {
		snprintf(num, sizeof(num), "0x%llx", (unsigned long long)(v & ~covered));
		if (pos)
			pos = append(out, outlen, pos, "|");
		pos = append(out, outlen, pos, num);
	}
	if (pos == 0)
		pos = append(out, outlen, 0, "0");
	return pos;
}

/* ---- self-check, for tests ---- */

int kite_schema_check(const struct kite_schema *s, char *err, size_t errlen)
{
	for (uint32_t i = 0; i <= s->max_event_id; i++) {
		const struct kite_event_desc *d = s->events[i];
		if (!d)
			continue;
		if (d->id != i)
			PARSE_FAIL("event '%s' sits at id %u but says %u", d->name, i, d->id);
		const struct kite_event_desc *other = kite_schema_find(s, d->name);
		if (other != d)
			PARSE_FAIL("event name '%s' is used by ids %u and %u", d->name, other->id, d->id);
		for (unsigned j = 0; j < d->nparams; j++) {
			const struct kite_param_desc *p = &d->params[j];
			if (kite_param_index(d, p->name) != (int)j)
				PARSE_FAIL("event '%s' has two params named '%s'", d->name, p->name);
			if (p->kind == KITE_K_NONE || p->kind > KITE_K_KIND_MAX)
				PARSE_FAIL("event '%s' param '%s' has kind %u", d->name, p->name, p->kind);
			if (p->ref != KITE_NOREF &&
			    (p->ref >= d->nparams || d->params[p->ref].kind != KITE_K_FD))
				PARSE_FAIL("event '%s' param '%s' has a bad ref", d->name, p->name);
			if (p->kind == KITE_K_RELPATH && p->ref == KITE_NOREF)
				PARSE_FAIL("event '%s' relpath '%s' has no dirfd ref", d->name, p->name);
			int needs =
			        p->kind == KITE_K_FLAGS || p->kind == KITE_K_ENUM || p->kind == KITE_K_SIGNAL;
			if (needs && !kite_schema_table(s, p->table))
				PARSE_FAIL("event '%s' param '%s' names missing table %u", d->name, p->name,
				           p->table);
		}
	}
	return 0;
fail:
	return -1;
}

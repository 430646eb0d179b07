/* fields.h - Falco's field names (evt.*, proc.*, thread.*, fd.*, user.*, group.*, container.*) and their extractors. */
#ifndef KITE_FIELDS_H
#define KITE_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"
#include "value.h"

/* Field flags. */
#define KITE_FF_ARG_INDEX 0x01 /* takes [N] (proc.aname[2]) */
#define KITE_FF_ARG_KEY   0x02 /* takes [name] or .name (evt.arg.name, proc.env[HOME]) */
#define KITE_FF_ARG_REQ   0x04 /* the argument is required */
#define KITE_FF_LIST      0x08 /* without an argument, yields several values (proc.aname: every ancestor) */
#define KITE_FF_NO_FILTER 0x10 /* output only (evt.info, evt.args) */
#define KITE_FF_ARG_LABEL                                                                                    \
	0x20 /* a .key argument may hold '/' and '-' too (k8s.pod.label.app.kubernetes.io/name) */
/*
 * Its values never depend on the fd tables (the event, the process and its
 * lineage, users, containers): a replay whose fields all have it may pass over
 * the events that only change fd tables (kite_state_mark_needed).
 */
#define KITE_FF_NO_FDS 0x40

struct kite_field;

typedef unsigned (*kite_extract_fn)(const struct kite_field *f, struct kite_ctx *c, struct kite_val *out,
                                    unsigned max);

/* One row of the field table. */
struct kite_field_def {
	const char *name;
	uint8_t type;  /* enum kite_vtype of its values */
	uint8_t flags; /* KITE_FF_* */
	uint16_t id;   /* which case of its family's extractor */
	kite_extract_fn extract;
	const char *desc;
};

/* A field as a filter or a format string uses it: a table row plus its argument. */
struct kite_field {
	const struct kite_field_def *def;
	uint8_t type; /* value type; for evt.rawarg.NAME the declared type may be ANY */
	uint8_t has_arg;
	int64_t argn;                   /* [N] */
	char *argstr;                   /* [name] or .name; NULL when none */
	struct kite_field_cache *cache; /* evt.arg.NAME: the param's position per event type, filled lazily */
};

/*
 * Parses a field reference at text (e.g. "proc.aname[2]", "evt.arg.name",
 * "fd.types[0]") and returns how many bytes of text it used; the longest
 * known field name wins.  Returns 0 with a message in err when no field
 * matches ("unknown field 'proc.nmae'") or the argument is wrong.
 */
size_t kite_field_parse(const char *text, size_t len, struct kite_field *out, char *err, size_t errlen);
void kite_field_release(struct kite_field *f);

/*
 * Extracts the field's values for the event c: returns how many (0 when the
 * field is missing for this event), at most max.  Values point into the
 * state, the record, or c->arena: valid until the next event.
 */
unsigned kite_field_extract(const struct kite_field *f, struct kite_ctx *c, struct kite_val *out,
                            unsigned max);

/*
 * 1 when the field's values depend on the event's type alone (c->map->d, and
 * the field's own argument): extracting it reads nothing else of c, so a
 * filter may work a check on it out once per event type.
 */
int kite_field_by_type(const struct kite_field *f);

/* 1 when the field's values may depend on the fd tables (no KITE_FF_NO_FDS). */
int kite_field_reads_fds(const struct kite_field *f);

/*
 * The field's text as Falco prints it in an output (-p, rule outputs): NULL
 * when missing (printed as <NA>).  Multi-valued fields are joined with ','.
 */
const char *kite_field_text(const struct kite_field *f, struct kite_ctx *c, size_t *len);

/* The whole table, for `kite fields` and completion. */
const struct kite_field_def *kite_fields_table(size_t *n);

#endif

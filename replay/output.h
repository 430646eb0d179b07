/* output.h - sysdig-style output formats ("%proc.name %fd.name"): compiled once, rendered per event as text or JSON. */
#ifndef KITE_OUTPUT_H
#define KITE_OUTPUT_H

#include <stdio.h>

#include "fields.h"
#include "json.h"

/* sysdig's default line: number, time, cpu, process (thread), direction, type, arguments. */
#define KITE_DEFAULT_FORMAT                                                                                  \
	"*%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.info"

struct kite_output;

/*
 * Compiles a format: literal text with %field references (%proc.aname[2],
 * %evt.arg.name); "%%" is a percent sign, "\t" and "\n" are a tab and a
 * newline.  A leading '*' prints events whose fields are missing (as <NA>);
 * without it such events are skipped, as sysdig does.  NULL with a message.
 */
struct kite_output *kite_output_new(const char *fmt, char *err, size_t errlen);
void kite_output_free(struct kite_output *o);
/* 1 when a field of the format may depend on the fd tables (kite_field_reads_fds); 0 for NULL. */
int kite_output_reads_fds(const struct kite_output *o);

/*
 * The line for the event c (without newline, NUL-terminated), in o's own
 * buffer: valid until the next render with o.  NULL when the event is skipped
 * (a field is missing and the format has no '*').  With force, missing fields
 * always print as <NA> (rule outputs).
 */
const char *kite_output_render(struct kite_output *o, struct kite_ctx *c, int force, size_t *len);

/* The format's fields as one JSON object: {"proc.name": "bash", "fd.num": 3, "fd.name": null}. */
void kite_output_json_fields(struct kite_output *o, struct kite_ctx *c, struct json *j);
/* The same members without the braces, each field once (to add members of one's own). */
void kite_output_json_members(struct kite_output *o, struct kite_ctx *c, struct json *j);
/* One field's value as JSON: numbers as numbers, missing as null, several values as an array. */
void kite_output_json_value(const struct kite_field *f, struct kite_ctx *c, struct json *j);

#endif

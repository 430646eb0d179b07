/* filter.h - the Falco condition language: parsed and checked once, evaluated per event without allocating. */
#ifndef KITE_FILTER_H
#define KITE_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "fields.h"
#include "state.h"

/*
 * Grammar (Falco's):
 *   expr    := or
 *   or      := and ("or" and)*
 *   and     := not ("and" not)*
 *   not     := "not" not | primary
 *   primary := "(" expr ")" | check | MACRO
 *   check   := FIELD unary_op | FIELD binary_op value | FIELD list_op list
 *   unary_op  := exists
 *   binary_op := = == != < <= > >= contains icontains bcontains startswith
 *                bstartswith endswith glob iglob regex
 *   list_op   := in intersects pmatch
 *   value   := bare word | "double quoted" | 'single quoted' | a FIELD given as val(FIELD)
 *   list    := "(" [item ("," item)*] ")"     item := value | list (nested lists are flattened)
 * A FIELD may carry a transformer: tolower(f), toupper(f), basename(f), len(f), b64(f).
 * A MACRO is a bare name (no dots) not followed by an operator.
 */

struct kite_ast;

/* Where fields come from: fields.h by default; tests may supply their own. */
struct kite_field_provider {
	size_t (*parse)(const char *text, size_t len, struct kite_field *out, char *err, size_t errlen);
	unsigned (*extract)(const struct kite_field *f, struct kite_ctx *c, struct kite_val *out,
	                    unsigned max);
	void (*release)(struct kite_field *f);
};

struct kite_filter_opts {
	/* Resolves a macro name to its parsed condition, or NULL when no such macro (an error). */
	const struct kite_ast *(*macro)(void *ctx, const char *name);
	void *macro_ctx;
	const struct kite_field_provider *fields; /* NULL: the real field table */
};

/*
 * Parses a condition into a tree, checking syntax only (fields and macros are
 * resolved by kite_filter_compile).  NULL with "column N: what" in err.
 */
struct kite_ast *kite_ast_parse(const char *text, char *err, size_t errlen);
/* A copy of a with every macro reference replaced by the macro's (expanded) tree. */
struct kite_ast *kite_ast_expand(const struct kite_ast *a, const struct kite_filter_opts *o, char *err,
                                 size_t errlen);
/*
 * Canonical text of a tree, fully parenthesised the way Falco prints a
 * compiled condition (for loader conformance tests).  malloc'd.
 * As libsinsp's ast::as_string:
 *   and/or  "(a and b and c)": one pair of parentheses per and/or node, top level included
 *   not     "not X": none of its own (X is a check, a macro, a not, or an and/or in parentheses)
 *   check   "field op value", "field op (v1, v2)" (nested lists flattened), "field exists";
 *           "==" prints as "="
 *   field   "proc.aname[2]", "tolower(basename(proc.exe))", on the right "val(proc.pname)"
 *   value   bare when it reads back as one bare word, else "double-quoted" with
 *           \\ \" \n \t \r and \xHH escapes
 *   macro   its name
 * e.g. "proc.name=bash and not fd.name in (a,'b c')" gives
 *      "(proc.name = bash and not fd.name in (a, \"b c\"))".
 * Parsing the text gives the same tree back (and the same text).
 */
char *kite_ast_to_string(const struct kite_ast *a);
void kite_ast_free(struct kite_ast *a);
/* Calls fn for every field name used in a (after expansion); for warnings and `kite fields --used`. */
void kite_ast_foreach_field(const struct kite_ast *a, void (*fn)(void *ctx, const char *field), void *ctx);

typedef struct kite_filter kite_filter;

/*
 * Compiles a tree: resolves fields and macros, checks each operator against
 * the field's type and parses constants (numbers, addresses, networks,
 * regexes) once.  NULL with "column N: what" in err: unknown field, unknown
 * macro, operator not valid for the field's type, bad constant.  An error
 * inside a macro reads "column N: in macro 'm': column M: what" (M in the
 * macro's text).  Regexes are POSIX EREs; like Falco's RE2, kite refuses
 * backreferences, repetitions of repetitions ("a++") and counts above 1000.
 * o->fields (when set) must outlive the filter.
 */
kite_filter *kite_filter_compile(const struct kite_ast *a, const struct kite_filter_opts *o, char *err,
                                 size_t errlen);
/* kite_ast_parse + kite_filter_compile. */
kite_filter *kite_filter_new(const char *text, const struct kite_filter_opts *o, char *err, size_t errlen);
void kite_filter_free(kite_filter *f);

/*
 * 1 when the event matches.  A check whose field is missing for this event is
 * false whatever the operator (so `fd.name != x` is false and `not fd.name = x`
 * is true on events without an fd), as in Falco.  A field with several values
 * (proc.aname) passes when any value does; `!=` when none equals.  Transformers,
 * glob and regex put copies in c->arena, which the caller resets per event.
 * Checks on fields that depend on the event type alone (evt.type, evt.dir,
 * ...: kite_field_by_type) are worked out once per schema (told apart by its
 * serial, as the rules' index by type) and type id, and used for events whose
 * description is the one they were worked out for.
 */
int kite_filter_match(kite_filter *f, struct kite_ctx *c);

/*
 * The event types the filter can match, as a bitmap over event ids of schema
 * s (bit i set: id i may match).  Derived from evt.type checks, as Falco does
 * for rule indexing; every bit is set when the filter does not constrain the
 * type.
 */
void kite_filter_evttypes(const kite_filter *f, const struct kite_schema *s, uint8_t *bitmap, size_t nbits);

/* 1 when a field the filter reads may depend on the fd tables (kite_field_reads_fds); 0 for NULL. */
int kite_filter_reads_fds(const kite_filter *f);

#endif

/* rules.h - Falco rules files: loaded with Falco's semantics, compiled to filters, indexed by event type, matched per event. */
#ifndef KITE_RULES_H
#define KITE_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "filter.h"
#include "output.h"
#include "state.h"

/* The Falco engine version whose rules-file features kite implements (required_engine_version). */
#define KITE_RULES_ENGINE_VERSION "0.57.0"

/* Falco's priorities, most severe first (as in Falco, a lower number is more severe). */
enum kite_priority {
	KITE_PRIO_EMERGENCY,
	KITE_PRIO_ALERT,
	KITE_PRIO_CRITICAL,
	KITE_PRIO_ERROR,
	KITE_PRIO_WARNING,
	KITE_PRIO_NOTICE,
	KITE_PRIO_INFORMATIONAL,
	KITE_PRIO_DEBUG,
	KITE_PRIO_COUNT
};
/* Case-insensitive; accepts "info" for informational.  -1 when unknown. */
int kite_priority_parse(const char *s);
/* "Emergency" ... "Debug", as Falco prints them. */
const char *kite_priority_name(int p);

/* What became of a rule at compile time. */
enum kite_rule_status {
	KITE_RULE_ACTIVE, /* compiled and selected: matched against events */
	KITE_RULE_DISABLED, /* compiled, but enabled: false, a tag, a name or the priority threshold left it out */
	KITE_RULE_SKIPPED, /* not compiled: another source (k8s_audit, ...), or skip-if-unknown-filter */
	KITE_RULE_INVALID  /* not compiled: an error (reported in the diagnostics) */
};

struct kite_rule {
	const char *name, *desc, *source, *output;
	int priority;
	const char *const *tags; /* sorted, as Falco prints them */
	size_t ntags;
	enum kite_rule_status status;
	const char *why;  /* for SKIPPED/INVALID/DISABLED: the reason */
	const char *file; /* where it was (first) defined */
	unsigned line;
	struct kite_output *out; /* compiled output (ACTIVE/DISABLED) */
	uint64_t alerts;         /* how many times it fired */
};

/* One error or warning of loading or compiling, located like Falco's. */
struct kite_rules_diag {
	int is_error;
	const char *code; /* Falco's code: LOAD_ERR_COMPILE_CONDITION, LOAD_UNUSED_MACRO, ... */
	const char *file;
	unsigned line, col;    /* of the item (or key) in the file; 0 when not known */
	const char *item_kind; /* "rule", "macro", "list", "exception", ... or NULL */
	const char *item_name; /* or NULL */
	const char *msg;
};

/* Which compiled rules run (Falco's priority, -t, -T, -D options). */
struct kite_rules_select {
	int min_priority;         /* rules less severe than this are not run; KITE_PRIO_DEBUG runs all */
	const char **enable_tags; /* when set, only rules with one of these tags run */
	size_t nenable_tags;
	const char **disable_tags; /* rules with one of these tags do not run */
	size_t ndisable_tags;
	const char **disable_rules; /* rules whose name contains one of these substrings do not run */
	size_t ndisable_rules;
	int match_all; /* rule_matching: all (every matching rule fires) instead of first */
};

typedef struct kite_rules kite_rules;

kite_rules *kite_rules_new(void);
void kite_rules_free(kite_rules *r);

/*
 * Reads one rules file (or text; name is used in messages) and collects its
 * items on top of what was loaded before: later files may append to or
 * override earlier items, as in Falco.  Returns -1 when the file had errors
 * (see kite_rules_diags); items read before an error in that file are kept,
 * like Falco, but kite_rules_compile will refuse to run.
 */
int kite_rules_load_file(kite_rules *r, const char *path);
/* A file, or a directory: its *.yaml and *.yml files in name order, as Falco loads one. */
int kite_rules_load_path(kite_rules *r, const char *path);
int kite_rules_load_text(kite_rules *r, const char *name, const char *text, size_t len);

/*
 * Compiles everything collected: lists, then macros, then rules, with
 * Falco's list substitution, macro visibility and exceptions, and selects
 * the rules to run.  Errors and warnings are added to the diagnostics.
 * Returns -1 when any error was found (in loading or compiling), else 0.
 * Must be called once, after the last load.
 */
int kite_rules_compile(kite_rules *r, const struct kite_rules_select *sel);

const struct kite_rules_diag *kite_rules_diags(const kite_rules *r, size_t *n);
/*
 * Prints the diagnostics to f, each line prefix + "file:line:col: error|warning:
 * rule 'x': message [CODE]"; with errors_only, the warnings are left out.
 */
void kite_rules_print_diags(const kite_rules *r, FILE *f, const char *prefix, int errors_only);

/* Every rule, in definition order (after compile). */
size_t kite_rules_count(const kite_rules *r);
struct kite_rule *kite_rules_get(kite_rules *r, size_t i);
struct kite_rule *kite_rules_find(kite_rules *r, const char *name);
/*
 * The condition Falco would compile for a rule or macro: the text after list
 * substitution and exceptions (*text), and the fully expanded tree printed as
 * libsinsp's ast::as_string does (*compiled).  NULL when no such item or it
 * did not compile.  For tests and `kite rules --show-condition`.
 */
const char *kite_rules_condition_text(const kite_rules *r, const char *kind, const char *name);
const char *kite_rules_compiled_condition(const kite_rules *r, const char *kind, const char *name);

/* Called for each alert: the rule that fired and the event. */
typedef void (*kite_alert_fn)(void *ctx, struct kite_rule *rule, struct kite_ctx *c);

/*
 * Matches one event against the active rules that can match its type, in
 * definition order: the first match only (or every match with match_all).
 * Returns the number of alerts.
 */
unsigned kite_rules_match(kite_rules *r, struct kite_ctx *c, kite_alert_fn fn, void *ctx);
/* The event types (bits by id of schema, nbits of them) that some active rule can match. */
void kite_rules_evttypes(kite_rules *r, const struct kite_schema *s, uint8_t *bits, size_t nbits);

#endif

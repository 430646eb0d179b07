/* filter_int.h - private to the filter: the parsed tree and the operator and transformer codes. */
#ifndef KITE_FILTER_INT_H
#define KITE_FILTER_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"

enum kite_op {
	KOP_EQ = 0,
	KOP_NE,
	KOP_LT,
	KOP_LE,
	KOP_GT,
	KOP_GE,
	KOP_CONTAINS,
	KOP_ICONTAINS,
	KOP_BCONTAINS,
	KOP_STARTSWITH,
	KOP_BSTARTSWITH,
	KOP_ENDSWITH,
	KOP_GLOB,
	KOP_IGLOB,
	KOP_REGEX,
	KOP_IN,
	KOP_INTERSECTS,
	KOP_PMATCH,
	KOP_EXISTS,
	KOP_COUNT
};

enum kite_xf { KXF_TOLOWER = 0, KXF_TOUPPER, KXF_BASENAME, KXF_LEN, KXF_B64, KXF_COUNT };

enum kite_ast_kind { KA_AND = 0, KA_OR, KA_NOT, KA_CHECK, KA_MACRO };

/* Nesting limits: parentheses/not/lists in one text, transformers on one field, macros in one filter. */
#define KITE_FILTER_MAX_DEPTH 200
#define KITE_XF_MAX           8
#define KITE_MACRO_MAX_DEPTH  64

/* A field reference with its transformers: tolower(basename(proc.exe)) has xf = {TOLOWER, BASENAME}. */
struct kite_ast_field {
	char *name;       /* as the field table reads it: "proc.aname[2]", "proc.env[HOME]" */
	uint32_t baselen; /* bytes of name before its "[arg]" (== strlen(name) when none) */
	uint32_t col;     /* 1-based byte offset of the field name */
	uint8_t nxf;
	uint8_t xf[KITE_XF_MAX]; /* enum kite_xf, outermost first as written */
	uint8_t val;             /* right side written as val(...) */
};

/* A constant: bytes after unescaping, always followed by a NUL (which len does not count). */
struct kite_ast_value {
	char *s;
	uint32_t len;
	uint32_t col;
};

struct kite_ast {
	uint8_t kind; /* enum kite_ast_kind */
	uint8_t op;   /* CHECK: enum kite_op */
	uint8_t list; /* CHECK: the right side is a list (list operators) */
	uint32_t col; /* where the node starts */
	uint32_t opcol;
	uint32_t n;             /* AND/OR: children; NOT: 1; CHECK: values */
	struct kite_ast **kids; /* AND/OR/NOT */
	struct kite_ast_field lhs;
	struct kite_ast_field *rhs;  /* CHECK with val(field) or a transformer on the right */
	struct kite_ast_value *vals; /* CHECK: n constants (a list is flattened) */
	char *name;                  /* MACRO */
};

const char *kite_op_name(unsigned op);
const char *kite_xf_name(unsigned xf);
/* in, intersects, pmatch: the right side is a list (or a field standing for one). */
int kite_op_is_list(unsigned op);

/* Writes "fmt" into err (when err is not NULL and errlen > 0). */
void kite_filter_seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A NUL-terminated malloc'd copy of len bytes of s. */
char *kite_memdup0(const char *s, size_t len);

#endif

/* fuzz_rules.c - libFuzzer target for rules files: YAML, items, append/override, exceptions, lists, macros, compile. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

/*
 * The input is a rules file.  Loading and compiling must never crash, leak or
 * hang, whatever the YAML; every rule must end with a status, and every
 * diagnostic must carry a message and a code.  Anything else aborts, so
 * libFuzzer saves the input.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kite_rules *r = kite_rules_new();
	kite_rules_load_text(r, "fuzz.yaml", (const char *)data, size);
	struct kite_rules_select sel = {.min_priority = KITE_PRIO_DEBUG};
	kite_rules_compile(r, &sel);
	size_t n;
	const struct kite_rules_diag *d = kite_rules_diags(r, &n);
	for (size_t i = 0; i < n; i++)
		if (!d[i].msg || !d[i].code)
			abort();
	for (size_t i = 0; i < kite_rules_count(r); i++) {
		const struct kite_rule *ru = kite_rules_get(r, i);
		if (ru->status == KITE_RULE_ACTIVE && !ru->out)
			abort();
		if (!ru->name)
			abort();
	}
	kite_rules_free(r);
	return 0;
}

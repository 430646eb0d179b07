/* test_rules.c - the rules loader against Falco: compiled conditions, append/override, exceptions, errors, selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules.h"

/*
 * The expected compiled conditions are Falco's: most come from the unit tests
 * of Falco's rule loader (unit_tests/engine/test_rule_loader.cpp), the rest
 * follow its algorithm (list substitution as text, exceptions built as text,
 * then libsinsp's ast::as_string of the expanded tree).
 */

static kite_rules *load_sel(const char *yaml, const struct kite_rules_select *sel, int *rc)
{
	kite_rules *r = kite_rules_new();
	int lr = kite_rules_load_text(r, "rules.yaml", yaml, strlen(yaml));
	int cr = kite_rules_compile(r, sel);
	*rc = lr < 0 || cr < 0 ? -1 : 0;
	return r;
}

static kite_rules *load(const char *yaml, int *rc)
{
	struct kite_rules_select sel = {.min_priority = KITE_PRIO_DEBUG};
	return load_sel(yaml, &sel, rc);
}

/* The first diagnostic with this code whose message contains text, or NULL. */
static const struct kite_rules_diag *find_diag(const kite_rules *r, const char *code, const char *text)
{
	size_t n;
	const struct kite_rules_diag *d = kite_rules_diags(r, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(d[i].code, code) && (!text || strstr(d[i].msg, text)))
			return &d[i];
	return NULL;
}

static void print_diags(const kite_rules *r)
{
	kite_rules_print_diags(r, stderr, "", 0);
}

#define EXPECT_CC(yaml, rule, want)                                                                          \
	do {                                                                                                 \
		int rc_;                                                                                     \
		kite_rules *r_ = load(yaml, &rc_);                                                           \
		if (rc_ != 0)                                                                                \
			print_diags(r_);                                                                     \
		assert_int_equal(rc_, 0);                                                                    \
		const char *cc_ = kite_rules_compiled_condition(r_, "rule", rule);                           \
		assert_non_null(cc_);                                                                        \
		assert_string_equal(cc_, want);                                                              \
		kite_rules_free(r_);                                                                         \
	} while (0)

#define EXPECT_ERROR(yaml, code, text)                                                                       \
	do {                                                                                                 \
		int rc_;                                                                                     \
		kite_rules *r_ = load(yaml, &rc_);                                                           \
		assert_int_equal(rc_, -1);                                                                   \
		const struct kite_rules_diag *d_ = find_diag(r_, code, text);                                \
		if (!d_)                                                                                     \
			print_diags(r_);                                                                     \
		assert_non_null(d_);                                                                         \
		assert_true(d_->is_error);                                                                   \
		kite_rules_free(r_);                                                                         \
	} while (0)

#define BASE_RULE                                                                                            \
	"- rule: test_rule\n"                                                                                \
	"  desc: legit rule description\n"                                                                   \
	"  condition: evt.type in (open,openat)\n"                                                           \
	"  output: user=%user.name command=%proc.cmdline file=%fd.name\n"                                    \
	"  priority: INFO\n"

/* ---- lists ---- */

static void list_append_after_rule(void **state)
{
	(void)state;
	EXPECT_CC("- list: shell_binaries\n"
	          "  items: [ash, bash, csh, ksh, sh, tcsh, zsh, dash]\n"
	          "- rule: legit_rule\n"
	          "  desc: legit rule description\n"
	          "  condition: evt.type=open and proc.name in (shell_binaries)\n"
	          "  output: user=%user.name command=%proc.cmdline file=%fd.name\n"
	          "  priority: INFO\n"
	          "- list: shell_binaries\n"
	          "  items: [pwsh]\n"
	          "  override:\n"
	          "    items: append\n",
	          "legit_rule",
	          "(evt.type = open and proc.name in (ash, bash, csh, ksh, sh, tcsh, zsh, dash, pwsh))");
}

static void list_append_legacy_and_replace(void **state)
{
	(void)state;
	const char *rule = "- rule: r\n  desc: d\n  condition: evt.type = execve and proc.name in "
	                   "(dev_creation_binaries)\n  output: o\n  priority: info\n";
	char y[2048];
	snprintf(y, sizeof(y),
	         "- list: dev_creation_binaries\n  items: [blkid]\n"
	         "- list: dev_creation_binaries\n  items: [\"csi-provisioner\", \"csi-attacher\"]\n  append: "
	         "true\n%s",
	         rule);
	EXPECT_CC(y, "r", "(evt.type = execve and proc.name in (blkid, csi-provisioner, csi-attacher))");
	/* replace before any definition defines the list */
	snprintf(y, sizeof(y),
	         "- list: dev_creation_binaries\n  items: [blkid]\n  override:\n    items: replace\n%s",
	         rule);
	EXPECT_CC(y, "r", "(evt.type = execve and proc.name in (blkid))");
	/* an unknown key is ignored (with a warning), the last definition wins in place */
	snprintf(y, sizeof(y),
	         "- list: dev_creation_binaries\n  items: [\"csi-provisioner\", \"csi-attacher\"]\n"
	         "  override_written_wrong:\n    items: append\n"
	         "- list: dev_creation_binaries\n  items: [blkid]\n%s",
	         rule);
	EXPECT_CC(y, "r", "(evt.type = execve and proc.name in (blkid))");
	/* append before the list exists */
	EXPECT_ERROR(
	        "- list: l\n  items: [a]\n  append: true\n", "LOAD_ERR_YAML_VALIDATE",
	        "List uses 'append' or 'override.items: append' but no list by that name already exists");
	EXPECT_ERROR("- list: l\n  items: [a]\n  override:\n    items: append\n", "LOAD_ERR_YAML_VALIDATE",
	             "no list by that name already exists");
}

static void list_substitution_as_text(void **state)
{
	(void)state;
	const char *lists = "- list: cat_binaries\n  items: [cat]\n"
	                    "- list: two\n  items: [a, \"b c\", '\"d e\"']\n"
	                    "- list: empty\n  items: []\n"
	                    "- list: nested\n  items: [two, x]\n";
	char y[2048];
#define SUB(cond, want)                                                                                      \
	snprintf(y, sizeof(y), "%s- rule: r\n  desc: d\n  condition: %s\n  output: o\n  priority: info\n",   \
	         lists, cond);                                                                               \
	EXPECT_CC(y, "r", want)
	SUB("evt.type=open and proc.name in (ls, cat_binaries, ps)",
	    "(evt.type = open and proc.name in (ls, cat, ps))");
	/* outside parentheses too, as plain text */
	SUB("evt.type=open and proc.name=cat_binaries", "(evt.type = open and proc.name = cat)");
	/* not inside a longer word */
	SUB("evt.type=open and proc.name=file_cat_binaries",
	    "(evt.type = open and proc.name = file_cat_binaries)");
	/* items with a space are quoted; quoted items stay as they are */
	SUB("evt.type=open and proc.name in (two)",
	    "(evt.type = open and proc.name in (a, \"b c\", \"d e\"))");
	/* an empty list takes a comma with it */
	SUB("evt.type=open and proc.name in (x, empty)", "(evt.type = open and proc.name in (x))");
	SUB("evt.type=open and proc.name in (empty)", "(evt.type = open and proc.name in ())");
	/* a list in a list: its items */
	SUB("evt.type=open and proc.name in (nested)",
	    "(evt.type = open and proc.name in (a, \"b c\", \"d e\", x))");
#undef SUB
}

static void nested_lists_one_level(void **state)
{
	(void)state;
	/* c names b, which names a: Falco expands one level, so "a" stays a name (a comes before c) */
	EXPECT_CC("- list: a\n  items: [x]\n- list: b\n  items: [a, y]\n- list: c\n  items: [b, z]\n"
	          "- rule: r\n  desc: d\n  condition: evt.type=open and proc.name in (c)\n  output: o\n  "
	          "priority: info\n",
	          "r", "(evt.type = open and proc.name in (a, y, z))");
	/* a list defined after the one naming it is not expanded in it */
	EXPECT_CC("- list: b\n  items: [a, y]\n- list: a\n  items: [x]\n"
	          "- rule: r\n  desc: d\n  condition: evt.type=open and proc.name in (b)\n  output: o\n  "
	          "priority: info\n",
	          "r", "(evt.type = open and proc.name in (x, y))");
}

/* ---- macros ---- */

static void macro_append_and_override(void **state)
{
	(void)state;
	EXPECT_CC("- macro: interactive\n"
	          "  condition: >\n"
	          "    ((proc.aname=sshd and proc.name != sshd) or\n"
	          "    proc.name=systemd-logind or proc.name=login)\n"
	          "- rule: legit_rule\n"
	          "  desc: legit rule description\n"
	          "  condition: evt.type=open and interactive\n"
	          "  output: user=%user.name command=%proc.cmdline file=%fd.name\n"
	          "  priority: INFO\n"
	          "- macro: interactive\n"
	          "  condition: or proc.name = ssh\n"
	          "  override:\n"
	          "    condition: append\n",
	          "legit_rule",
	          "(evt.type = open and (((proc.aname = sshd and proc.name != sshd) or proc.name = "
	          "systemd-logind or "
	          "proc.name = login) or proc.name = ssh))");
	const char *use = "- rule: r\n  desc: d\n  condition: open_simple\n  output: o\n  priority: info\n";
	char y[1024];
	snprintf(y, sizeof(y),
	         "- macro: open_simple\n  condition: evt.type in (open,openat)\n"
	         "- macro: open_simple\n  condition: or evt.type = openat2\n  append: true\n%s",
	         use);
	EXPECT_CC(y, "r", "(evt.type in (open, openat) or evt.type = openat2)");
	snprintf(y, sizeof(y),
	         "- macro: open_simple\n  condition: or evt.type = openat2\n  override:\n    condition: "
	         "replace\n"
	         "- macro: open_simple\n  condition: evt.type in (open,openat)\n%s",
	         use);
	EXPECT_CC(y, "r", "evt.type in (open, openat)");
	EXPECT_ERROR("- macro: open_simple\n  condition: or evt.type = openat2\n  override:\n    condition: "
	             "append\n",
	             "LOAD_ERR_YAML_VALIDATE",
	             "Macro uses 'append' or 'override.condition: append' but no macro by that name already "
	             "exists");
}

static void macro_visibility(void **state)
{
	(void)state;
	/* a rule sees every macro, even later ones */
	EXPECT_CC(
	        "- rule: r\n  desc: d\n  condition: evt.type=open and later\n  output: o\n  priority: info\n"
	        "- macro: later\n  condition: proc.name=x\n",
	        "r", "(evt.type = open and proc.name = x)");
	/* a macro sees only macros defined before it */
	EXPECT_ERROR(
	        "- macro: first\n  condition: second\n- macro: second\n  condition: proc.name=x\n"
	        "- rule: r\n  desc: d\n  condition: evt.type=open and first\n  output: o\n  priority: info\n",
	        "LOAD_ERR_VALIDATE", "undefined macro 'second'");
	/* ... unless it is redefined (or appended to) after them */
	EXPECT_CC(
	        "- macro: first\n  condition: proc.name=y\n- macro: second\n  condition: proc.name=x\n"
	        "- macro: first\n  condition: second\n"
	        "- rule: r\n  desc: d\n  condition: evt.type=open and first\n  output: o\n  priority: info\n",
	        "r", "(evt.type = open and proc.name = x)");
	EXPECT_ERROR("- rule: r\n  desc: d\n  condition: evt.type=open and nosuch\n  output: o\n  priority: "
	             "info\n",
	             "LOAD_ERR_VALIDATE", "undefined macro 'nosuch'");
	/* a loop through a redefinition */
	EXPECT_ERROR("- macro: macro_a\n  condition: evt.type=open\n- macro: macro_b\n  condition: macro_a\n"
	             "- macro: macro_a\n  condition: macro_b\n"
	             "- rule: r\n  desc: d\n  condition: macro_a\n  output: o\n  priority: info\n",
	             "LOAD_ERR_VALIDATE", NULL);
}

/* ---- rules ---- */

static void rule_override_append(void **state)
{
	(void)state;
	int rc;
	kite_rules *r = load("- rule: legit_rule\n"
	                     "  desc: legit rule description\n"
	                     "  condition: evt.type=open\n"
	                     "  output: user=%user.name command=%proc.cmdline file=%fd.name\n"
	                     "  priority: INFO\n"
	                     "- rule: legit_rule\n"
	                     "  desc: with append\n"
	                     "  condition: and proc.name = cat\n"
	                     "  output: proc=%proc.name\n"
	                     "  override:\n"
	                     "    desc: append\n"
	                     "    condition: append\n"
	                     "    output: append\n",
	                     &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(kite_rules_condition_text(r, "rule", "legit_rule"),
	                    "evt.type=open and proc.name = cat");
	struct kite_rule *ru = kite_rules_find(r, "legit_rule");
	assert_string_equal(ru->output,
	                    "user=%user.name command=%proc.cmdline file=%fd.name proc=%proc.name");
	assert_string_equal(ru->desc, "legit rule description with append");
	assert_null(find_diag(r, "LOAD_DEPRECATED_ITEM", NULL));
	kite_rules_free(r);
}

static void rule_append_legacy(void **state)
{
	(void)state;
	int rc;
	kite_rules *r =
	        load(BASE_RULE "- rule: test_rule\n  condition: and proc.name = cat\n  output: ignored\n"
	                       "  enabled: false\n  append: true\n",
	             &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(kite_rules_compiled_condition(r, "rule", "test_rule"),
	                    "(evt.type in (open, openat) and proc.name = cat)");
	assert_non_null(find_diag(r, "LOAD_DEPRECATED_ITEM", "'append' key is deprecated"));
	/* legacy append takes only condition and exceptions: output and enabled are ignored */
	struct kite_rule *ru = kite_rules_find(r, "test_rule");
	assert_string_equal(ru->output, "user=%user.name command=%proc.cmdline file=%fd.name");
	assert_int_equal(ru->status, KITE_RULE_ACTIVE);
	kite_rules_free(r);
	EXPECT_ERROR(
	        "- rule: test_rule\n  condition: and proc.name = cat\n  append: true\n",
	        "LOAD_ERR_YAML_VALIDATE",
	        "Rule uses 'append' or 'override.condition: append' but no rule by that name already exists");
	EXPECT_ERROR(BASE_RULE "- rule: test_rule\n  output: x\n  append: true\n", "LOAD_ERR_YAML_VALIDATE",
	             "Appended rule must have exceptions or condition property");
}

static void rule_override_replace(void **state)
{
	(void)state;
	int rc;
	kite_rules *r = load(BASE_RULE
	                     "- rule: test_rule\n  desc: a replaced legit description\n"
	                     "  condition: and proc.name = cat\n  priority: WARNING\n"
	                     "  override:\n    desc: replace\n    condition: append\n    priority: replace\n",
	                     &rc);
	assert_int_equal(rc, 0);
	struct kite_rule *ru = kite_rules_find(r, "test_rule");
	assert_string_equal(kite_rules_condition_text(r, "rule", "test_rule"),
	                    "evt.type in (open,openat) and proc.name = cat");
	assert_string_equal(ru->desc, "a replaced legit description");
	assert_int_equal(ru->priority, KITE_PRIO_WARNING);
	kite_rules_free(r);
	/* the whole redefinition replaces in place */
	EXPECT_CC(BASE_RULE "- rule: test_rule\n  desc: d\n  condition: proc.name = cat\n  output: o\n"
	                    "  priority: info\n  enabled: true\n",
	          "test_rule", "proc.name = cat");
}

static void rule_override_errors(void **state)
{
	(void)state;
	EXPECT_ERROR(BASE_RULE "- rule: test_rule\n  priority: WARNING\n  override:\n    priority: append\n",
	             "LOAD_ERR_YAML_VALIDATE", "Key 'priority' cannot be appended to, use 'replace' instead");
	EXPECT_ERROR(BASE_RULE "- rule: test_rule\n  condition: and x\n  append: true\n  override:\n"
	                       "    condition: append\n",
	             "LOAD_ERR_YAML_VALIDATE", "Keys 'override' and 'append: true' cannot be used together");
	EXPECT_ERROR(BASE_RULE
	             "- rule: test_rule\n  desc: x\n  override:\n    desc: replace\n    condition: append\n",
	             "LOAD_ERR_YAML_VALIDATE",
	             "An append override for 'condition' was specified but 'condition' is not defined");
	EXPECT_ERROR(BASE_RULE
	             "- rule: test_rule\n  desc: x\n  priority: WARNING\n  override:\n    desc: replace\n",
	             "LOAD_ERR_YAML_VALIDATE", "Unexpected key 'priority'");
	EXPECT_ERROR(BASE_RULE
	             "- rule: test_rule\n  desc: x\n  override:\n    desc: replace\n    enabled: replace\n",
	             "LOAD_ERR_YAML_VALIDATE", "'enabled' was specified but 'enabled' is not defined");
	EXPECT_ERROR("- rule: test_rule\n  condition: x\n  override:\n    condition: replace\n",
	             "LOAD_ERR_YAML_VALIDATE",
	             "An 'override.condition: replace' to a rule was requested but no rule by that name "
	             "already exists");
	EXPECT_ERROR(BASE_RULE "- rule: test_rule\n  desc: x\n  override:\n    desc: prepend\n",
	             "LOAD_ERR_YAML_VALIDATE", "Invalid override operation for key 'desc': 'prepend'");
	EXPECT_ERROR("- rule: r\n  desc: d\n  condition: evt.type=open\n  priority: info\n",
	             "LOAD_ERR_YAML_VALIDATE", "Item has no mapping for key 'output'");
	EXPECT_ERROR("- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: loud\n",
	             "LOAD_ERR_YAML_VALIDATE", "Invalid priority");
	EXPECT_ERROR(BASE_RULE "- rule: test_rule\n  desc: d\n  condition: x\n  output: o\n  priority: info\n"
	                       "  source: k8s_audit\n",
	             "LOAD_ERR_YAML_VALIDATE", "Rule has been re-defined with a different source");
}

static void rule_enabled(void **state)
{
	(void)state;
	int rc;
	/* disabled, then switched on by an override */
	kite_rules *r = load(BASE_RULE "  enabled: false\n- rule: test_rule\n  enabled: true\n  override:\n"
	                               "    enabled: replace\n",
	                     &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(kite_rules_find(r, "test_rule")->status, KITE_RULE_ACTIVE);
	kite_rules_free(r);
	/* the standalone form still works, with a deprecation warning */
	r = load(BASE_RULE "  enabled: false\n- rule: test_rule\n  enabled: true\n", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(kite_rules_find(r, "test_rule")->status, KITE_RULE_ACTIVE);
	assert_non_null(find_diag(r, "LOAD_DEPRECATED_ITEM", "standalone 'enabled' key"));
	kite_rules_free(r);
	r = load(BASE_RULE "  enabled: false\n", &rc);
	assert_int_equal(kite_rules_find(r, "test_rule")->status, KITE_RULE_DISABLED);
	kite_rules_free(r);
	EXPECT_ERROR("- rule: nosuch\n  enabled: false\n", "LOAD_ERR_YAML_VALIDATE",
	             "Rule has 'enabled' key but no rule by that name already exists");
}

/* ---- exceptions ---- */

#define EXC_BASE                                                                                             \
	"- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: info\n  exceptions:\n"

static void exceptions_compile(void **state)
{
	(void)state;
	EXPECT_CC("- rule: test_rule\n  desc: d\n  condition: proc.cmdline contains curl or proc.cmdline "
	          "contains wget\n"
	          "  output: o\n  priority: info\n  exceptions:\n"
	          "    - name: curl_check\n      fields: [proc.cmdline]\n      comps: [contains]\n"
	          "      values:\n        - [curl 127.0.0.1]\n",
	          "test_rule",
	          "((proc.cmdline contains curl or proc.cmdline contains wget) and not proc.cmdline contains "
	          "\"curl "
	          "127.0.0.1\")");
	/* a list name as the value of an 'in' comparison, with and without parentheses, and an inline list */
	const char *want =
	        "((evt.type = open and proc.name = cat) and not (proc.name = cat and proc.cmdline in "
	        "(\"cat /dev/zero\", \"cat /dev/null\")))";
	const char *lst = "- list: cat_cmdlines\n  items: [cat /dev/zero, \"cat /dev/null\"]\n";
	const char *vals[] = {"[cat, (cat_cmdlines)]", "[cat, cat_cmdlines]",
	                      "[cat, [cat /dev/zero, \"cat /dev/null\"]]"};
	for (int i = 0; i < 3; i++) {
		char y[1024];
		snprintf(y, sizeof(y),
		         "%s- rule: r\n  desc: d\n  condition: evt.type=open and proc.name=cat\n  output: "
		         "o\n  priority: info\n"
		         "  exceptions:\n    - name: proc_cmdline\n      fields: [proc.name, proc.cmdline]\n"
		         "      comps: [=, in]\n      values:\n        - %s\n",
		         lst, vals[i]);
		EXPECT_CC(y, "r", want);
	}
	/* the single-field form: comps default to in */
	EXPECT_CC(EXC_BASE "    - name: e\n      fields: proc.name\n      values: [cat, \"my prog\"]\n", "r",
	          "(evt.type = open and not proc.name in (cat, \"my prog\"))");
	/* several tuples, several exceptions; comps default to = */
	EXPECT_CC(EXC_BASE
	          "    - name: e1\n      fields: [proc.name, fd.name]\n      values:\n"
	          "        - [cat, /etc/passwd]\n        - [ls, /tmp]\n"
	          "    - name: e2\n      fields: proc.pname\n      comps: pmatch\n      values: [/usr]\n",
	          "r",
	          "(evt.type = open and not ((proc.name = cat and fd.name = /etc/passwd) or (proc.name = ls "
	          "and fd.name = "
	          "/tmp)) and not proc.pname pmatch (/usr))");
	/* no values: nothing added but the parentheses */
	EXPECT_CC(EXC_BASE "    - name: e\n      fields: [proc.name]\n", "r", "evt.type = open");
	/* a field as a value is a string constant; a transformer field works */
	EXPECT_CC(
	        EXC_BASE
	        "    - name: e\n      fields: [proc.name]\n      comps: [=]\n      values: [[proc.pname]]\n",
	        "r", "(evt.type = open and not proc.name = proc.pname)");
	EXPECT_CC(EXC_BASE "    - name: e\n      fields: [tolower(proc.name)]\n      comps: [=]\n      "
	                   "values: [[test]]\n",
	          "r", "(evt.type = open and not tolower(proc.name) = test)");
}

static void exceptions_append(void **state)
{
	(void)state;
	const char *base =
	        EXC_BASE "    - name: e\n      fields: proc.name\n      comps: in\n      values: [cat]\n";
	char y[2048];
	snprintf(y, sizeof(y),
	         "%s- rule: r\n  exceptions:\n    - name: e\n      values: [echo]\n"
	         "    - name: e2\n      fields: [fd.name]\n      values: [[/tmp]]\n  override:\n    "
	         "exceptions: append\n",
	         base);
	EXPECT_CC(y, "r", "(evt.type = open and not proc.name in (cat, echo) and not fd.name = /tmp)");
	/* legacy append too */
	snprintf(y, sizeof(y),
	         "%s- rule: r\n  exceptions:\n    - name: e\n      values: [echo]\n  append: true\n", base);
	EXPECT_CC(y, "r", "(evt.type = open and not proc.name in (cat, echo))");
	/* a replace needs complete exceptions */
	snprintf(y, sizeof(y),
	         "%s- rule: r\n  exceptions:\n    - name: e\n      values: [id]\n  override:\n"
	         "    exceptions: replace\n",
	         base);
	EXPECT_ERROR(y, "LOAD_ERR_YAML_VALIDATE", "Item has no mapping for key 'fields'");
	snprintf(y, sizeof(y),
	         "%s- rule: r\n  exceptions:\n    - name: e\n      fields: fd.name\n      values: [id]\n"
	         "  override:\n    exceptions: append\n",
	         base);
	EXPECT_ERROR(y, "LOAD_ERR_YAML_VALIDATE",
	             "Can not append exception fields to existing exception, only values");
	snprintf(y, sizeof(y),
	         "%s- rule: r\n  exceptions:\n    - name: e\n  override:\n    exceptions: append\n", base);
	int rc;
	kite_rules *r = load(y, &rc);
	assert_non_null(
	        find_diag(r, "LOAD_APPEND_NO_VALUES", "Overriding/appending exception with no values"));
	kite_rules_free(r);
}

static void exceptions_errors(void **state)
{
	(void)state;
	EXPECT_ERROR(EXC_BASE "    - name: e\n      fields: [proc.name, not.exist]\n      values: [[a, b]]\n",
	             "LOAD_ERR_VALIDATE", "'not.exist' is not a supported filter field");
	EXPECT_ERROR(EXC_BASE "    - name: e\n      fields: [proc.name, fd.name]\n      comps: [=, no-comp]\n"
	                      "      values: [[a, b]]\n",
	             "LOAD_ERR_VALIDATE", "'no-comp' is not a supported comparison operator");
	EXPECT_ERROR(EXC_BASE "    - name: e\n      fields: [proc.name, fd.name]\n      values: [[a]]\n",
	             "LOAD_ERR_VALIDATE", "Fields and values lists must have equal length");
	EXPECT_ERROR(EXC_BASE "    - name: e\n      fields: [proc.name, fd.name]\n      comps: [=]\n      "
	                      "values: [[a, b]]\n",
	             "LOAD_ERR_VALIDATE", "Fields and comps lists must have equal length");
	EXPECT_ERROR(EXC_BASE "    - name: e\n      fields: proc.name\n      comps: =\n      values: [a]\n",
	             "LOAD_ERR_VALIDATE",
	             "When fields is a single value, comps must be one of (in, pmatch, intersects)");
	EXPECT_ERROR(EXC_BASE "    - fields: proc.name\n      values: [a]\n", "LOAD_ERR_YAML_VALIDATE",
	             "Item has no mapping for key 'name'");
	int rc;
	kite_rules *r = load(EXC_BASE "    - name: e\n      fields: proc.name\n      values: [a]\n"
	                              "    - name: e\n      fields: fd.name\n      values: [b]\n",
	                     &rc);
	assert_non_null(find_diag(r, "LOAD_EXCEPTION_NAME_NOT_UNIQUE", "Multiple definitions of exception"));
	kite_rules_free(r);
}

/* ---- versions, names, warnings, sources ---- */

static void engine_versions(void **state)
{
	(void)state;
	const char *ok[] = {"0.26.0", "26", "0.57.0"};
	for (int i = 0; i < 3; i++) {
		char y[128];
		snprintf(y, sizeof(y), "- required_engine_version: %s\n", ok[i]);
		int rc;
		kite_rules *r = load(y, &rc);
		assert_int_equal(rc, 0);
		kite_rules_free(r);
	}
	EXPECT_ERROR("- required_engine_version: seven\n", "LOAD_ERR_YAML_VALIDATE",
	             "Unable to parse engine version");
	EXPECT_ERROR("- required_engine_version: 0.99.0\n", "LOAD_ERR_YAML_VALIDATE",
	             "Rules require engine version 0.99.0, but engine version is " KITE_RULES_ENGINE_VERSION);
	EXPECT_ERROR("- required_engine_version: 1.0.0\n", "LOAD_ERR_YAML_VALIDATE",
	             "Rules require engine version 1.0.0");
}

static void names_and_unused(void **state)
{
	(void)state;
	int rc;
	kite_rules *r =
	        load("- list: test list\n  items: [a]\n- macro: test-macro\n  condition: proc.name=a\n"
	             "- list: escaping\n  items: [non_escaped_val, \"escaped val\"]\n",
	             &rc);
	assert_int_equal(rc, 0);
	assert_non_null(find_diag(r, "LOAD_INVALID_LIST_NAME",
	                          "List has an invalid name. List names should match a regular expression"));
	assert_non_null(
	        find_diag(r, "LOAD_INVALID_MACRO_NAME",
	                  "Macro has an invalid name. Macro names should match a regular expression"));
	const struct kite_rules_diag *d = find_diag(r, "LOAD_UNUSED_LIST", "List not referred to");
	assert_non_null(d);
	assert_string_equal(d->item_name, "test list");
	assert_int_equal(d->line, 1);
	assert_non_null(find_diag(r, "LOAD_UNUSED_MACRO", "Macro not referred to by any other rule/macro"));
	kite_rules_free(r);
	/* a rule without an event type restriction is warned about, unless warn_evttypes: false */
	r = load("- rule: r\n  desc: d\n  condition: proc.name=a\n  output: o\n  priority: info\n", &rc);
	assert_non_null(find_diag(r, "LOAD_NO_EVTTYPE", "Rule matches too many evt.type values"));
	kite_rules_free(r);
	r = load("- rule: r\n  desc: d\n  condition: not evt.type = open\n  output: o\n  priority: info\n",
	         &rc);
	assert_non_null(find_diag(r, "LOAD_NO_EVTTYPE", NULL));
	kite_rules_free(r);
	r = load("- rule: r\n  desc: d\n  condition: proc.name=a\n  output: o\n  priority: info\n  "
	         "warn_evttypes: false\n",
	         &rc);
	assert_null(find_diag(r, "LOAD_NO_EVTTYPE", NULL));
	kite_rules_free(r);
}

/*
 * Rules written for older and newer Falco use fields of libsinsp kite lacked
 * (the k8s.* of the API-server days, container probes, fs.path.*, the b64
 * transformer): they must load, with the expected compiled condition, and
 * keep their output fields.
 */
static void fields_of_other_falco_versions(void **state)
{
	(void)state;
	EXPECT_CC("- macro: k8s_deploy\n"
	          "  condition: (k8s.deployment.name startswith kube or k8s.rs.name exists or k8s.svc.name = "
	          "x)\n"
	          "- rule: r\n"
	          "  desc: d\n"
	          "  condition: >\n"
	          "    evt.type = execve and (k8s_deploy or container.healthcheck contains curl or\n"
	          "    k8s.ns.label[team] = a or proc.is_container_liveness_probe = true or\n"
	          "    fs.path.name startswith /etc or b64(proc.args) contains secret)\n"
	          "  output: deploy=%k8s.deployment.name probe=%container.liveness_probe ip=%container.ip\n"
	          "  priority: info\n",
	          "r",
	          "(evt.type = execve and ((k8s.deployment.name startswith kube or k8s.rs.name exists or "
	          "k8s.svc.name = x) or container.healthcheck contains curl or k8s.ns.label[team] = a or "
	          "proc.is_container_liveness_probe = true or fs.path.name startswith /etc or "
	          "b64(proc.args) contains secret))");
	int rc;
	kite_rules *r =
	        load("- rule: r\n  desc: d\n  condition: evt.type=open and fdlist.names contains x\n"
	             "  output: \"%k8s.pod.label.app.kubernetes.io/name %fd.sproto\"\n  priority: info\n",
	             &rc);
	if (rc)
		print_diags(r);
	assert_int_equal(rc, 0);
	assert_int_equal(kite_rules_find(r, "r")->status, KITE_RULE_ACTIVE);
	kite_rules_free(r);
}

static void unknown_fields_and_sources(void **state)
{
	(void)state;
	int rc;
	const char *rule = "- rule: r\n  desc: d\n  condition: evt.type=open and proc.nobody=x\n  output: o\n"
	                   "  priority: info\n";
	kite_rules *r = load(rule, &rc);
	assert_int_equal(rc, -1);
	assert_int_equal(kite_rules_find(r, "r")->status, KITE_RULE_INVALID);
	const struct kite_rules_diag *d = find_diag(r, "LOAD_ERR_COMPILE_CONDITION", "proc.nobody");
	assert_non_null(d);
	assert_int_equal(d->line, 3); /* the condition's line */
	kite_rules_free(r);
	char y[512];
	snprintf(y, sizeof(y), "%s  skip-if-unknown-filter: true\n", rule);
	r = load(y, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(kite_rules_find(r, "r")->status, KITE_RULE_SKIPPED);
	assert_non_null(find_diag(r, "LOAD_UNKNOWN_FILTER", "proc.nobody"));
	kite_rules_free(r);
	r = load("- rule: r\n  desc: d\n  condition: ka.verb=create\n  output: o\n  priority: info\n  "
	         "source: k8s_audit\n",
	         &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(kite_rules_find(r, "r")->status, KITE_RULE_SKIPPED);
	assert_non_null(find_diag(r, "LOAD_UNKNOWN_SOURCE", "k8s_audit"));
	kite_rules_free(r);
	EXPECT_ERROR("- rule: r\n  desc: d\n  condition: evt.type=open\n  output: \"%not_a_real_field\"\n  "
	             "priority: info\n",
	             "LOAD_ERR_COMPILE_OUTPUT", "not_a_real_field");
	EXPECT_ERROR(
	        "- rule: r\n  desc: d\n  condition: evt.type=execve and\n  output: o\n  priority: info\n",
	        "LOAD_ERR_COMPILE_CONDITION", NULL);
}

static void yaml_errors(void **state)
{
	(void)state;
	int rc;
	kite_rules *r = load("- rule: r\n  desc: [unclosed\n", &rc);
	assert_int_equal(rc, -1);
	const struct kite_rules_diag *d = find_diag(r, "LOAD_ERR_YAML_PARSE", NULL);
	assert_non_null(d);
	assert_true(d->line >= 2);
	assert_string_equal(d->file, "rules.yaml");
	kite_rules_free(r);
	EXPECT_ERROR("rule: r\n", "LOAD_ERR_YAML_VALIDATE", "not a YAML sequence");
	EXPECT_ERROR("- just a string\n", "LOAD_ERR_YAML_VALIDATE", "each item must be a mapping");
	EXPECT_ERROR("- list:\n  items: [a]\n", "LOAD_ERR_YAML_VALIDATE", "Mapping for key 'list' is empty");
	EXPECT_ERROR("- list: bad_list\n", "LOAD_ERR_YAML_VALIDATE", "Item has no mapping for key 'items'");
	EXPECT_ERROR("- macro: bad_macro\n", "LOAD_ERR_YAML_VALIDATE",
	             "Item has no mapping for key 'condition'");
	/* unknown top-level items are warnings; an empty file or document is fine */
	r = load("- something_new: 1\n---\n", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(find_diag(r, "LOAD_UNKNOWN_ITEM", "something_new"));
	kite_rules_free(r);
	r = load("", &rc);
	assert_int_equal(rc, 0);
	kite_rules_free(r);
}

/* ---- several files, selection ---- */

static void several_files(void **state)
{
	(void)state;
	kite_rules *r = kite_rules_new();
	const char *a =
	        "- list: bins\n  items: [a]\n- macro: m\n  condition: proc.name in (bins)\n"
	        "- rule: R\n  desc: d\n  condition: evt.type=execve and m\n  output: o\n  priority: notice\n"
	        "  tags: [zz, aa]\n";
	const char *b = "- list: bins\n  items: [b]\n  override:\n    items: append\n"
	                "- rule: R\n  tags: [mm]\n  override:\n    tags: append\n";
	assert_int_equal(kite_rules_load_text(r, "a.yaml", a, strlen(a)), 0);
	assert_int_equal(kite_rules_load_text(r, "b.yaml", b, strlen(b)), 0);
	struct kite_rules_select sel = {.min_priority = KITE_PRIO_DEBUG};
	assert_int_equal(kite_rules_compile(r, &sel), 0);
	assert_string_equal(kite_rules_compiled_condition(r, "rule", "R"),
	                    "(evt.type = execve and proc.name in (a, b))");
	struct kite_rule *ru = kite_rules_find(r, "R");
	assert_int_equal(ru->ntags, 3); /* sorted, as Falco prints them */
	assert_string_equal(ru->tags[0], "aa");
	assert_string_equal(ru->tags[1], "mm");
	assert_string_equal(ru->tags[2], "zz");
	assert_string_equal(ru->file, "a.yaml");
	kite_rules_free(r);
}

/*
 * The rules' index by event type is per schema: a schema made where a freed
 * one was (the same address, other events) gets its own index, not the old one's.
 */
static void index_per_schema(void **state)
{
	(void)state;
	int rc;
	kite_rules *r = load("- rule: R\n  desc: d\n  condition: evt.type=execve\n  output: o\n"
	                     "  priority: notice\n",
	                     &rc);
	assert_int_equal(rc, 0);
	const struct kite_schema *bi = kite_schema_builtin();
	const struct kite_event_desc *exec = kite_schema_find(bi, "execve");
	assert_non_null(exec);
	uint32_t n = bi->max_event_id + 1, id = exec->id;
	uint8_t *bits = calloc((n + 7) / 8, 1);
	struct kite_schema *s = malloc(sizeof(*s));
	assert_non_null(bits);
	assert_non_null(s);
	/* first a schema that stops before execve */
	*s = *bi;
	s->max_event_id = id - 1;
	s->serial = kite_schema_serial();
	kite_rules_evttypes(r, s, bits, n);
	assert_false((bits[id / 8] >> (id % 8)) & 1);
	/* then, in the same memory, one that has it (a schema freed, another allocated there) */
	*s = *bi;
	s->serial = kite_schema_serial();
	kite_rules_evttypes(r, s, bits, n);
	assert_true((bits[id / 8] >> (id % 8)) & 1);
	free(s);
	free(bits);
	kite_rules_free(r);
}

static void selection(void **state)
{
	(void)state;
	const char *y = "- rule: crit one\n  desc: d\n  condition: evt.type=execve\n  output: o\n  priority: "
	                "critical\n"
	                "  tags: [t1]\n"
	                "- rule: notice two\n  desc: d\n  condition: evt.type=execve\n  output: o\n  "
	                "priority: notice\n"
	                "  tags: [t2]\n"
	                "- rule: debug three\n  desc: d\n  condition: evt.type=execve\n  output: o\n  "
	                "priority: debug\n";
	struct kite_rules_select sel = {.min_priority = KITE_PRIO_NOTICE};
	int rc;
	kite_rules *r = load_sel(y, &sel, &rc);
	assert_int_equal(kite_rules_find(r, "crit one")->status, KITE_RULE_ACTIVE);
	assert_int_equal(kite_rules_find(r, "notice two")->status, KITE_RULE_ACTIVE);
	assert_int_equal(kite_rules_find(r, "debug three")->status, KITE_RULE_DISABLED);
	kite_rules_free(r);
	const char *t1[] = {"t1"}, *two[] = {"two"};
	struct kite_rules_select tags = {
	        .min_priority = KITE_PRIO_DEBUG, .enable_tags = t1, .nenable_tags = 1};
	r = load_sel(y, &tags, &rc);
	assert_int_equal(kite_rules_find(r, "crit one")->status, KITE_RULE_ACTIVE);
	assert_int_equal(kite_rules_find(r, "notice two")->status, KITE_RULE_DISABLED);
	kite_rules_free(r);
	struct kite_rules_select off = {.min_priority = KITE_PRIO_DEBUG,
	                                .disable_tags = t1,
	                                .ndisable_tags = 1,
	                                .disable_rules = two,
	                                .ndisable_rules = 1};
	r = load_sel(y, &off, &rc);
	assert_int_equal(kite_rules_find(r, "crit one")->status, KITE_RULE_DISABLED);
	assert_int_equal(kite_rules_find(r, "notice two")->status, KITE_RULE_DISABLED);
	assert_int_equal(kite_rules_find(r, "debug three")->status, KITE_RULE_ACTIVE);
	kite_rules_free(r);
	assert_int_equal(kite_priority_parse("INFO"), KITE_PRIO_INFORMATIONAL);
	assert_int_equal(kite_priority_parse("Emergency"), KITE_PRIO_EMERGENCY);
	assert_int_equal(kite_priority_parse("loud"), -1);
	assert_string_equal(kite_priority_name(KITE_PRIO_INFORMATIONAL), "Informational");
}

/* The official rules files (when ../shared is there): every rule compiles. */
static void official_files(void **state)
{
	(void)state;
	static const char *const files[] = {"../shared/data/rules/falco_rules.yaml",
	                                    "../shared/data/rules/falco-incubating_rules.yaml",
	                                    "../shared/data/rules/falco-sandbox_rules.yaml"};
	for (int i = 0; i < 3; i++) {
		FILE *f = fopen(files[i], "r");
		if (!f) {
			if (getenv("CI") && !strcmp(getenv("CI"), "true"))
				fail_msg("%s is missing (CI needs ../shared)", files[i]);
			printf("SKIP official rules: %s not found\n", files[i]);
			continue;
		}
		fclose(f);
		kite_rules *r = kite_rules_new();
		assert_int_equal(kite_rules_load_file(r, files[i]), 0);
		struct kite_rules_select sel = {.min_priority = KITE_PRIO_DEBUG};
		int rc = kite_rules_compile(r, &sel);
		if (rc)
			print_diags(r);
		assert_int_equal(rc, 0);
		assert_true(kite_rules_count(r) > 20);
		for (size_t k = 0; k < kite_rules_count(r); k++) {
			const struct kite_rule *ru = kite_rules_get(r, k);
			assert_true(ru->status == KITE_RULE_ACTIVE || ru->status == KITE_RULE_DISABLED);
		}
		kite_rules_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(list_append_after_rule),
	        cmocka_unit_test(list_append_legacy_and_replace),
	        cmocka_unit_test(list_substitution_as_text),
	        cmocka_unit_test(nested_lists_one_level),
	        cmocka_unit_test(macro_append_and_override),
	        cmocka_unit_test(macro_visibility),
	        cmocka_unit_test(rule_override_append),
	        cmocka_unit_test(rule_append_legacy),
	        cmocka_unit_test(rule_override_replace),
	        cmocka_unit_test(rule_override_errors),
	        cmocka_unit_test(rule_enabled),
	        cmocka_unit_test(exceptions_compile),
	        cmocka_unit_test(exceptions_append),
	        cmocka_unit_test(exceptions_errors),
	        cmocka_unit_test(engine_versions),
	        cmocka_unit_test(names_and_unused),
	        cmocka_unit_test(unknown_fields_and_sources),
	        cmocka_unit_test(fields_of_other_falco_versions),
	        cmocka_unit_test(yaml_errors),
	        cmocka_unit_test(several_files),
	        cmocka_unit_test(index_per_schema),
	        cmocka_unit_test(selection),
	        cmocka_unit_test(official_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

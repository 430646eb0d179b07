/* rules.c - benchmarks replay with Falco rules loaded: events/s through decode + state + rules, on one core. */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "replay.h"
#include "rules.h"
#include "state.h"

#define DEFAULT_EVENTS 10000000ull
#define QUICK_EVENTS   200000ull
#define TARGET_MEPS    2.0 /* the target with all of the stable Falco rules, on one core */
#define MAX_ROWS       8
#define MAX_FILES      4
#define TOP            3
#define NOISY_SHARE    0.01 /* a rule firing on more than this share of the events gets a note */

static const char STABLE[] = "falco_rules.yaml";
static const char INCUBATING[] = "falco-incubating_rules.yaml";
static const char SANDBOX[] = "falco-sandbox_rules.yaml";
static const char KITE_RULES[] = "kite_rules.yaml";

struct top {
	char name[128];
	uint64_t alerts;
};

struct row {
	char name[96];
	uint64_t events, alerts;
	double secs, cpu;
	size_t active; /* (size_t)-1: no rules (the baseline) */
	struct top top[TOP];
};

static struct row rows[MAX_ROWS];
static size_t nrows;

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
	        "usage: %s [--events N] [--quick] [--rules-dir DIR]\n"
	        "\n"
	        "Benchmarks replay with Falco rules loaded, on one core, over the generated capture of a\n"
	        "simulated host that bench/replay uses (bench/gen.c; cached next to this program as\n"
	        "replay-N.kcap, generated when missing).  Passes over the same capture:\n"
	        "  1. decode + state, no rules (the baseline)\n"
	        "  2. + the stable Falco rules (%s), rule_matching first\n"
	        "  3. the same with rule_matching all\n"
	        "  4. + stable, incubating and sandbox rules loaded together (rule_matching first)\n"
	        "  5. + kite's own rules (rules/%s), rule_matching first\n"
	        "Each prints events, wall and CPU time, Mevents/s, ns/event, the ratio to the baseline,\n"
	        "the active rules, the alerts and the 3 rules that fired most.  Alerts are counted, not\n"
	        "formatted.  Rows whose rules files are missing are skipped with a note.  Exits 1 when\n"
	        "rules do not load or compile, or the capture cannot be read.\n"
	        "\n"
	        "  --events N       events in the capture (default %llu)\n"
	        "  --quick          %llu events, for a smoke test\n"
	        "  --rules-dir DIR  the Falco rules files (default ../shared/data/rules, then that\n"
	        "                   directory relative to the source tree this program was built in)\n"
	        "  --help           this text\n",
	        argv0, STABLE, KITE_RULES, (unsigned long long)DEFAULT_EVENTS,
	        (unsigned long long)QUICK_EVENTS);
}

/* ---- finding the rules ---- */

static int readable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The Falco rules directory: --rules-dir, else ../shared/data/rules from here or from the source tree. */
static const char *find_rules_dir(const char *given, const char *self_dir, char *buf, size_t len)
{
	if (given)
		return given;
	if (is_dir("../shared/data/rules"))
		return "../shared/data/rules";
	snprintf(buf, len, "%s/../../../shared/data/rules", self_dir);
	return is_dir(buf) ? buf : NULL;
}

/* kite's own rules: rules/kite_rules.yaml from here, or in the source tree (build/bench/../../rules). */
static const char *find_kite_rules(const char *self_dir, char *buf, size_t len)
{
	if (readable("rules/kite_rules.yaml"))
		return "rules/kite_rules.yaml";
	snprintf(buf, len, "%s/../../rules/%s", self_dir, KITE_RULES);
	return readable(buf) ? buf : NULL;
}

/* ---- a pass ---- */

static int load(kite_rules *r, const char *const *files, size_t n, int match_all, const char *label)
{
	int rc = 0;
	double t0 = kb_now(CLOCK_MONOTONIC);
	for (size_t i = 0; i < n; i++)
		if (kite_rules_load_file(r, files[i]) < 0)
			rc = -1;
	struct kite_rules_select sel = {.min_priority = KITE_PRIO_DEBUG, .match_all = match_all};
	if (kite_rules_compile(r, &sel) < 0)
		rc = -1;
	double ms = (kb_now(CLOCK_MONOTONIC) - t0) * 1e3;
	size_t nd, errors = 0, counts[4] = {0};
	const struct kite_rules_diag *d = kite_rules_diags(r, &nd);
	for (size_t i = 0; i < nd; i++)
		errors += d[i].is_error != 0;
	for (size_t i = 0; i < kite_rules_count(r); i++)
		counts[kite_rules_get(r, i)->status]++;
	printf("- %s: %zu rules (%zu active, %zu disabled, %zu skipped, %zu invalid), loaded and compiled "
	       "in %.1f ms, %zu errors, %zu warnings\n",
	       label, kite_rules_count(r), counts[KITE_RULE_ACTIVE], counts[KITE_RULE_DISABLED],
	       counts[KITE_RULE_SKIPPED], counts[KITE_RULE_INVALID], ms, errors, nd - errors);
	if (rc < 0 || errors || counts[KITE_RULE_INVALID]) {
		fflush(stdout);
		kite_rules_print_diags(r, stderr, "", 0);
		kb_fail("%s: the rules did not load or compile", label);
		return -1;
	}
	return 0;
}

static void top_rules(kite_rules *r, struct row *row)
{
	for (size_t i = 0; i < kite_rules_count(r); i++) {
		const struct kite_rule *ru = kite_rules_get(r, i);
		if (!ru->alerts)
			continue;
		for (size_t k = 0; k < TOP; k++) {
			if (ru->alerts <= row->top[k].alerts)
				continue;
			memmove(&row->top[k + 1], &row->top[k], (TOP - 1 - k) * sizeof(row->top[0]));
			snprintf(row->top[k].name, sizeof(row->top[k].name), "%s", ru->name);
			row->top[k].alerts = ru->alerts;
			break;
		}
	}
}

/* Rules firing on a large share of the events: on this simulated host that hints at a bug. */
static void noisy_rules(kite_rules *r, const char *label, uint64_t events)
{
	for (size_t i = 0; i < kite_rules_count(r); i++) {
		const struct kite_rule *ru = kite_rules_get(r, i);
		if (events && (double)ru->alerts > NOISY_SHARE * (double)events)
			printf("- NOTE: %s: rule '%s' fired on %" PRIu64 " events, %.1f%% of them\n", label,
			       ru->name, ru->alerts, 100.0 * (double)ru->alerts / (double)events);
	}
}

/*
 * Replays the capture through the state and, when files are given, the rules
 * loaded from them.  0, or -1 on a failure (already reported).
 */
static int pass(const char *kcap, const struct kb_expect *x, const char *label, const char *const *files,
                size_t nfiles, int match_all)
{
	kite_rules *r = NULL;
	if (nfiles) {
		r = kite_rules_new();
		if (!r) {
			kb_fail("%s: out of memory", label);
			return -1;
		}
		if (load(r, files, nfiles, match_all, label)) {
			kite_rules_free(r);
			return -1;
		}
	}
	char *paths[] = {(char *)kcap};
	struct kite_replay rp;
	struct kite_replay_opts o = {0};
	if (kite_replay_open(&rp, paths, 1, &o)) {
		kite_replay_close(&rp);
		kite_rules_free(r);
		kb_fail("%s: cannot open %s", label, kcap);
		return -1;
	}
	fflush(stdout);
	struct kite_ctx *c;
	uint64_t events = 0, alerts = 0;
	int rc;
	double t0 = kb_now(CLOCK_MONOTONIC), c0 = kb_now(CLOCK_PROCESS_CPUTIME_ID);
	if (r) {
		while ((rc = kite_replay_next(&rp, &c)) == 1) {
			events++;
			alerts += kite_rules_match(r, c, NULL, NULL);
		}
	} else {
		while ((rc = kite_replay_next(&rp, &c)) == 1)
			events++;
	}
	double secs = kb_now(CLOCK_MONOTONIC) - t0, cpu = kb_now(CLOCK_PROCESS_CPUTIME_ID) - c0;

	struct row *row = &rows[nrows < MAX_ROWS ? nrows++ : MAX_ROWS - 1];
	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s", label);
	row->events = events;
	row->secs = secs;
	row->cpu = cpu;
	row->alerts = alerts;
	row->active = (size_t)-1;
	if (r) {
		row->active = 0;
		for (size_t i = 0; i < kite_rules_count(r); i++)
			row->active += kite_rules_get(r, i)->status == KITE_RULE_ACTIVE;
		top_rules(r, row);
		noisy_rules(r, label, events);
	}
	int failed = rc < 0 || rp.malformed || events != x->events;
	if (failed)
		kb_fail("%s: %" PRIu64 " events of %" PRIu64 ", %" PRIu64 " malformed%s", label, events,
		        x->events, rp.malformed, rc < 0 ? ", read error" : "");
	kite_replay_close(&rp);
	kite_rules_free(r);
	return failed ? -1 : 0;
}

/* ---- output ---- */

static void print_md(const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', stdout);
		fputc(*s, stdout);
	}
}

static void print_table(void)
{
	double base = nrows && rows[0].active == (size_t)-1 ? rows[0].cpu : 0;
	printf("\n| Pass | Events | Time (s) | CPU (s) | Mevents/s (wall) | Mevents/s (CPU) | ns/event (CPU) "
	       "| × baseline (CPU) | Active rules | Alerts | Top rules by alerts |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		double secs = r->secs > 0 ? r->secs : 1e-9, cpu = r->cpu > 0 ? r->cpu : 1e-9;
		printf("| ");
		print_md(r->name);
		printf(" | %" PRIu64 " | %.3f | %.3f | %.2f | %.2f | %.1f | %.2f |", r->events, r->secs,
		       r->cpu, (double)r->events / secs / 1e6, (double)r->events / cpu / 1e6,
		       cpu * 1e9 / (double)(r->events ? r->events : 1), base > 0 ? r->cpu / base : 0.0);
		if (r->active == (size_t)-1) {
			printf(" - | - | - |\n");
			continue;
		}
		printf(" %zu | %" PRIu64 " | ", r->active, r->alerts);
		for (size_t k = 0; k < TOP && r->top[k].alerts; k++) {
			printf("%s", k ? "; " : "");
			print_md(r->top[k].name);
			printf(" (%" PRIu64 ")", r->top[k].alerts);
		}
		printf("%s |\n", r->top[0].alerts ? "" : "-");
	}
}

int main(int argc, char **argv)
{
	uint64_t n = DEFAULT_EVENTS;
	const char *rules_dir_opt = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout, argv[0]);
			return 0;
		} else if (!strcmp(argv[i], "--events") && i + 1 < argc) {
			if (kb_parse_count(argv[++i], &n)) {
				fprintf(stderr, "bench: --events needs a positive number, not '%s'\n",
				        argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--quick")) {
			n = QUICK_EVENTS;
		} else if (!strcmp(argv[i], "--rules-dir") && i + 1 < argc) {
			rules_dir_opt = argv[++i];
		} else {
			usage(stderr, argv[0]);
			return 2;
		}
	}

	static char self_dir[PATH_MAX - 64], dirbuf[PATH_MAX], kitebuf[PATH_MAX];
	kb_self_dir(argv[0], self_dir, sizeof(self_dir));
	printf("# kite rules benchmark\n\n");

	/* the rules files, before the capture: a missing one is a note, not a failure */
	const char *dir = find_rules_dir(rules_dir_opt, self_dir, dirbuf, sizeof(dirbuf));
	static char stable[PATH_MAX], incubating[PATH_MAX], sandbox[PATH_MAX];
	int have_stable = 0, have_all = 0;
	if (!dir) {
		printf("- NOTE: the official Falco rules were not found (../shared/data/rules, or relative "
		       "to "
		       "%s); skipping the Falco rows (use --rules-dir DIR)\n",
		       self_dir);
	} else {
		snprintf(stable, sizeof(stable), "%.*s/%s", PATH_MAX - 64, dir, STABLE);
		snprintf(incubating, sizeof(incubating), "%.*s/%s", PATH_MAX - 64, dir, INCUBATING);
		snprintf(sandbox, sizeof(sandbox), "%.*s/%s", PATH_MAX - 64, dir, SANDBOX);
		have_stable = readable(stable);
		have_all = have_stable && readable(incubating) && readable(sandbox);
		if (!have_stable)
			printf("- NOTE: %s is missing; skipping the Falco rows\n", stable);
		else if (!have_all)
			printf("- NOTE: %s or %s is missing; skipping the stable + incubating + sandbox "
			       "row\n",
			       incubating, sandbox);
		else
			printf("- Falco rules: %s\n", dir);
	}
	const char *kite_rules_path = find_kite_rules(self_dir, kitebuf, sizeof(kitebuf));
	if (!kite_rules_path)
		printf("- NOTE: rules/%s not found (from here or %s/../../rules); skipping the kite rules "
		       "row\n",
		       KITE_RULES, self_dir);
	else
		printf("- kite rules: %s\n", kite_rules_path);

	char kcap[PATH_MAX];
	struct kb_expect x;
	if (kb_capture(self_dir, n, kcap, sizeof(kcap), &x))
		return 1;
	printf("- capture: %s, %" PRIu64 " events after %" PRIu64 " snapshot records; %" PRIu64
	       " forks, %" PRIu64 " execs, %" PRIu64 " process exits\n",
	       kcap, x.events, x.state_records, x.forks, x.execs, x.proc_exits);
	fflush(stdout);

	const char *const f_stable[] = {stable}, *const f_all[] = {stable, incubating, sandbox},
	                  *const f_kite[] = {kite_rules_path};
	if (pass(kcap, &x, "decode + state (baseline)", NULL, 0, 0))
		return 1;
	int stable_row = -1;
	if (have_stable) {
		stable_row = (int)nrows;
		pass(kcap, &x, "+ stable rules, rule_matching first", f_stable, 1, 0);
		pass(kcap, &x, "+ stable rules, rule_matching all", f_stable, 1, 1);
		if (kb_failures)
			stable_row = -1;
	}
	if (have_all)
		pass(kcap, &x, "+ stable + incubating + sandbox", f_all, 3, 0);
	if (kite_rules_path)
		pass(kcap, &x, "+ kite rules", f_kite, 1, 0);

	print_table();
	printf("\n");
	if (stable_row >= 0) {
		const struct row *r = &rows[stable_row];
		double meps = (double)r->events / (r->cpu > 0 ? r->cpu : 1e-9) / 1e6;
		const struct row *all = &rows[stable_row + 1];
		printf("- with the stable rules: %.2f Mevents/s per CPU second (rule_matching first), %.2f "
		       "with "
		       "rule_matching all\n",
		       meps, (double)all->events / (all->cpu > 0 ? all->cpu : 1e-9) / 1e6);
		printf("target (>= %.1f Mevents/s CPU with the stable rules): %s\n", TARGET_MEPS,
		       meps >= TARGET_MEPS ? "met" : "MISSED");
	} else {
		printf("target (>= %.1f Mevents/s CPU with the stable rules): not measured (%s)\n",
		       TARGET_MEPS, have_stable ? "the stable rules failed" : "no falco_rules.yaml");
	}

	if (kb_failures)
		printf("\n%d check(s) FAILED\n", kb_failures);
	return kb_failures ? 1 : 0;
}

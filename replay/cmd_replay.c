/* cmd_replay.c - `kite replay`: captures through Falco rules, alerts as text or JSON, a summary, a CI exit status. */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "output.h"
#include "replay.h"
#include "rules.h"

static const char usage[] =
        "usage: kite replay [options] [-r RULES]... FILE...\n"
        "\n"
        "Runs Falco rules over captures (several are merged by time) and prints an\n"
        "alert for each event a rule matches, as Falco does on a live host:\n"
        "\n"
        "  kite replay -r /etc/falco/falco_rules.yaml run.kcap\n"
        "  kite replay --json --fail-on warning ci-run.kcap\n"
        "\n"
        "Rules files are Falco's: lists, macros, rules, exceptions, append and\n"
        "override work as in Falco, and later files may change earlier ones.\n"
        "Without -r, kite's own rules are used (rules/kite_rules.yaml; $KITE_RULES\n"
        "names another default).\n"
        "\n"
        "Options:\n"
        "  -r, --rules PATH        a rules file, or a directory of *.yaml files\n"
        "                          (loaded in name order); repeat for more\n"
        "      --priority P        run only rules at least as severe as P (emergency,\n"
        "                          alert, critical, error, warning, notice,\n"
        "                          informational, debug; default debug: all)\n"
        "  -t, --enable-tag TAG    run only rules with this tag (repeatable)\n"
        "  -T, --disable-tag TAG   do not run rules with this tag (repeatable)\n"
        "  -D, --disable-rule TEXT do not run rules whose name contains TEXT\n"
        "      --rule-matching M   first (default): per event, only the first matching\n"
        "                          rule in file order fires; all: every match fires\n"
        "  -j, --json              one JSON alert per line, with Falco's keys: time,\n"
        "                          rule, priority, source, output, output_fields, tags,\n"
        "                          hostname\n"
        "      --fail-on P         exit with status 1 if an alert at or above priority P\n"
        "                          fired (for CI)\n"
        "      --skip-invalid      run the rules that compiled even if others did not\n"
        "                          (they are reported on stderr)\n"
        "  -V, --validate          load and compile the rules, report problems, exit\n"
        "  -L, --list              list every rule with its priority and status, exit\n"
        "  -l, --describe NAME     show a rule (or macro) as compiled: its condition\n"
        "                          after lists, exceptions and macros, and its output\n"
        "      --from TIME, --to TIME  only alerts in this range (see kite show --help)\n"
        "  -q, --quiet             no summary and no rules warnings on stderr\n"
        "      --no-progress       no progress line on stderr (only shown on a terminal)\n"
        "  -h, --help              this text\n"
        "\n"
        "Alerts go to stdout: 'TIME: Priority OUTPUT' lines (time as evt.time, local),\n"
        "or JSON.  The summary (alerts per rule) and rules warnings go to stderr.\n"
        "\n"
        "With one capture, events of a type no rule can match, and that change no\n"
        "state, are passed over undecoded (a .scap's unconverted); KITE_READ_ALL=1 in\n"
        "the environment reads every event (same alerts, slower).\n"
        "\n"
        "Exit status: 0 no alert at or above --fail-on (or no --fail-on); 1 such an\n"
        "alert fired, or an error (unreadable capture); 2 bad command line or rules\n"
        "that do not load; 3 done, but a capture was damaged.\n";

#define MAX_MULTI 64

struct replay_opts {
	const char *rules[MAX_MULTI];
	size_t nrules;
	struct kite_rules_select sel;
	const char *enable[MAX_MULTI], *disable[MAX_MULTI], *disable_rules[MAX_MULTI];
	const char *from, *to, *describe;
	int json, skip_invalid, validate, list, quiet, no_progress;
	int fail_on; /* -1: none */
};

static int add_multi(const char **arr, size_t *n, const char *v, const char *opt)
{
	if (*n >= MAX_MULTI) {
		cli_error("too many %s options (at most %d)", opt, MAX_MULTI);
		return -1;
	}
	arr[(*n)++] = v;
	return 0;
}

static int parse_priority_opt(const char *v, const char *opt, int *out)
{
	*out = kite_priority_parse(v);
	if (*out < 0) {
		cli_error("%s: '%s' is not a priority (emergency, alert, critical, error, warning, notice, "
		          "informational, debug)",
		          opt, v);
		return -1;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct replay_opts *o)
{
	enum { O_PRIO = 256, O_MATCH, O_FAIL, O_SKIP, O_FROM, O_TO, O_NOPROG };
	static const struct option longopts[] = {{"rules", required_argument, NULL, 'r'},
	                                         {"priority", required_argument, NULL, O_PRIO},
	                                         {"enable-tag", required_argument, NULL, 't'},
	                                         {"disable-tag", required_argument, NULL, 'T'},
	                                         {"disable-rule", required_argument, NULL, 'D'},
	                                         {"rule-matching", required_argument, NULL, O_MATCH},
	                                         {"json", no_argument, NULL, 'j'},
	                                         {"fail-on", required_argument, NULL, O_FAIL},
	                                         {"skip-invalid", no_argument, NULL, O_SKIP},
	                                         {"validate", no_argument, NULL, 'V'},
	                                         {"list", no_argument, NULL, 'L'},
	                                         {"from", required_argument, NULL, O_FROM},
	                                         {"describe", required_argument, NULL, 'l'},
	                                         {"to", required_argument, NULL, O_TO},
	                                         {"quiet", no_argument, NULL, 'q'},
	                                         {"no-progress", no_argument, NULL, O_NOPROG},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	int ch;
	optind = 1;
	o->sel.min_priority = KITE_PRIO_DEBUG;
	o->fail_on = -1;
	while ((ch = getopt_long(argc, argv, "+r:t:T:D:jVLl:qh", longopts, NULL)) != -1) {
		int rc = 0;
		switch (ch) {
		case 'r': rc = add_multi(o->rules, &o->nrules, optarg, "-r"); break;
		case 't': rc = add_multi(o->enable, &o->sel.nenable_tags, optarg, "-t"); break;
		case 'T': rc = add_multi(o->disable, &o->sel.ndisable_tags, optarg, "-T"); break;
		case 'D': rc = add_multi(o->disable_rules, &o->sel.ndisable_rules, optarg, "-D"); break;
		case O_PRIO: rc = parse_priority_opt(optarg, "--priority", &o->sel.min_priority); break;
		case O_FAIL: rc = parse_priority_opt(optarg, "--fail-on", &o->fail_on); break;
		case O_MATCH:
			if (!strcmp(optarg, "all") || !strcmp(optarg, "first")) {
				o->sel.match_all = !strcmp(optarg, "all");
			} else {
				cli_error("--rule-matching takes first or all, not '%s'", optarg);
				rc = -1;
			}
			break;
		case 'j': o->json = 1; break;
		case O_SKIP: o->skip_invalid = 1; break;
		case 'V': o->validate = 1; break;
		case 'L': o->list = 1; break;
		case 'l': o->describe = optarg; break;
		case O_FROM: o->from = optarg; break;
		case O_TO: o->to = optarg; break;
		case 'q': o->quiet = 1; break;
		case O_NOPROG: o->no_progress = 1; break;
		case 'h': return 1;
		default: return -1;
		}
		if (rc < 0)
			return -1;
	}
	o->sel.enable_tags = o->enable;
	o->sel.disable_tags = o->disable;
	o->sel.disable_rules = o->disable_rules;
	return 0;
}

/* ---- finding and loading rules ---- */

/* kite's own rules: $KITE_RULES, else next to the binary (source tree or installed). */
static const char *default_rules(char *buf, size_t len)
{
	const char *env = getenv("KITE_RULES");
	if (env && *env)
		return env;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
		static const char *const rel[] = {"/../rules/kite_rules.yaml",
		                                  "/../share/kite/kite_rules.yaml"};
		for (size_t i = 0; i < 2; i++) {
			if ((size_t)snprintf(buf, len, "%.*s%s", (int)(len - 64), exe, rel[i]) < len &&
			    access(buf, R_OK) == 0)
				return buf;
		}
	}
	return NULL;
}

static int load_rules(kite_rules *r, const struct replay_opts *o)
{
	char buf[PATH_MAX];
	int rc = 0;
	if (!o->nrules) {
		const char *def = default_rules(buf, sizeof(buf));
		if (!def) {
			cli_error("no -r RULES given and kite's default rules (kite_rules.yaml) were not "
			          "found; "
			          "set KITE_RULES or pass -r");
			return -1;
		}
		return kite_rules_load_file(r, def);
	}
	for (size_t i = 0; i < o->nrules; i++)
		if (kite_rules_load_path(r, o->rules[i]) < 0)
			rc = -1; /* keep going: later files' errors are worth seeing too */
	return rc;
}

static const char *status_name(enum kite_rule_status s)
{
	static const char *const names[] = {"active", "disabled", "skipped", "invalid"};
	return names[s];
}

/* -L: every rule, its priority and what became of it. */
static void list_rules(kite_rules *r)
{
	size_t counts[4] = {0};
	for (size_t i = 0; i < kite_rules_count(r); i++) {
		const struct kite_rule *ru = kite_rules_get(r, i);
		counts[ru->status]++;
		printf("%-8s  %-13s  %s", status_name(ru->status), kite_priority_name(ru->priority),
		       ru->name);
		if (ru->why)
			printf("  (%s)", ru->why);
		putchar('\n');
	}
	fprintf(stderr, "kite: %zu rules: %zu active, %zu disabled, %zu skipped, %zu invalid\n",
	        kite_rules_count(r), counts[0], counts[1], counts[2], counts[3]);
}

/* -l: a rule or a macro as compiled. */
static int describe(kite_rules *r, const char *name)
{
	struct kite_rule *ru = kite_rules_find(r, name);
	const char *kind = ru ? "rule" : "macro";
	const char *text = kite_rules_condition_text(r, kind, name);
	const char *compiled = kite_rules_compiled_condition(r, kind, name);
	if (!ru && !text) {
		cli_error("no rule or macro named '%s'", name);
		return KITE_EXIT_USAGE;
	}
	printf("%s: %s\n", kind, name);
	if (ru) {
		printf("defined: %s:%u\npriority: %s\nsource: %s\nstatus: %s%s%s%s\ntags:", ru->file,
		       ru->line, kite_priority_name(ru->priority), ru->source, status_name(ru->status),
		       ru->why ? " (" : "", ru->why ? ru->why : "", ru->why ? ")" : "");
		for (size_t i = 0; i < ru->ntags; i++)
			printf(" %s", ru->tags[i]);
		printf("\noutput: %s\n", ru->output);
	}
	printf("condition: %s\ncompiled: %s\n", text ? text : "<none>", compiled ? compiled : "<none>");
	return KITE_EXIT_OK;
}

/* ---- alerts ---- */

struct alert_sink {
	const struct replay_opts *o;
	struct kite_output *time_fmt; /* "%evt.time" */
	uint64_t alerts;
	uint64_t failing; /* alerts at --fail-on's priority or above */
	int worst;        /* most severe priority seen */
	struct json j;
};

/* Falco's JSON time: 2026-11-22T04:47:00.123456789Z (UTC). */
static void iso_time(uint64_t ts, char *buf, size_t len)
{
	time_t s = (time_t)(ts / 1000000000u);
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09" PRIu64 "Z", ts % 1000000000u);
}

/* Falco's text output escapes control bytes: \n \r \t as such, others as \u00XX. */
static void put_escaped(const char *s, size_t n, FILE *f)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\r')
			fputs("\\r", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
}

static void print_alert(void *ctx, struct kite_rule *rule, struct kite_ctx *c)
{
	struct alert_sink *s = ctx;
	size_t tlen, olen;
	const char *t = kite_output_render(s->time_fmt, c, 1, &tlen); /* each in its output until it renders again */
	const char *out = kite_output_render(rule->out, c, 1, &olen);
	s->alerts++;
	if (s->o->fail_on >= 0 && rule->priority <= s->o->fail_on)
		s->failing++;
	if (rule->priority < s->worst)
		s->worst = rule->priority;
	if (!s->o->json) {
		printf("%.*s: %s ", (int)tlen, t, kite_priority_name(rule->priority));
		put_escaped(out, olen, stdout);
		putchar('\n');
		return;
	}
	char line[64 * 1024], when[64];
	snprintf(line, sizeof(line), "%.*s: %s %.*s", (int)tlen, t, kite_priority_name(rule->priority),
	         (int)olen, out);
	iso_time(c->e->ts, when, sizeof(when));
	json_init(&s->j, stdout);
	json_begin_object(&s->j); /* keys in Falco's (alphabetical) order */
	json_key(&s->j, "hostname");
	json_string(&s->j, c->src && c->src->hostname ? c->src->hostname : "");
	json_key(&s->j, "output");
	json_string(&s->j, line);
	json_key(&s->j, "output_fields");
	json_begin_object(&s->j);
	json_key(&s->j, "evt.time");
	json_u64(&s->j, c->e->ts);
	kite_output_json_members(rule->out, c, &s->j);
	json_end_object(&s->j);
	json_key(&s->j, "priority");
	json_string(&s->j, kite_priority_name(rule->priority));
	json_key(&s->j, "rule");
	json_string(&s->j, rule->name);
	json_key(&s->j, "source");
	json_string(&s->j, rule->source);
	json_key(&s->j, "tags");
	json_begin_array(&s->j);
	for (size_t i = 0; i < rule->ntags; i++)
		json_string(&s->j, rule->tags[i]);
	json_end_array(&s->j);
	json_key(&s->j, "time");
	json_string(&s->j, when);
	json_end_object(&s->j);
}

static void print_summary(kite_rules *r, const struct kite_replay *rp, uint64_t alerts)
{
	char dur[64];
	fprintf(stderr, "kite: %" PRIu64 " events, %" PRIu64 " alerts", rp->events, alerts);
	if (rp->last_ts && rp->nsrc && rp->src[0].start_ts && rp->last_ts > rp->src[0].start_ts)
		fprintf(stderr, " over %s",
		        cli_duration(rp->last_ts - rp->src[0].start_ts, dur, sizeof(dur)));
	fputc('\n', stderr);
	for (int p = 0; p < KITE_PRIO_COUNT; p++)
		for (size_t i = 0; i < kite_rules_count(r); i++) {
			const struct kite_rule *ru = kite_rules_get(r, i);
			if (ru->alerts && ru->priority == p)
				fprintf(stderr, "  %-13s %8" PRIu64 "  %s\n", kite_priority_name(p),
				        ru->alerts, ru->name);
		}
}

/* The event types some rule can match (kite_types_fn): the others need not be read. */
static void rule_types(void *r, const struct kite_schema *schema, uint8_t *bits, size_t nbits)
{
	kite_rules_evttypes(r, schema, bits, nbits);
}

static int run(kite_rules *r, char **files, unsigned nfiles, const struct replay_opts *o)
{
	struct kite_replay rp;
	struct kite_replay_opts ro = {
	        .progress = !o->no_progress && isatty(STDERR_FILENO), .types_of = rule_types, .types_ctx = r};
	char err[256];
	struct alert_sink sink = {.o = o, .worst = KITE_PRIO_COUNT};
	sink.time_fmt = kite_output_new("%evt.time", err, sizeof(err));
	int rc = KITE_EXIT_ERROR;
	if (kite_replay_open(&rp, files, nfiles, &ro) == 0) {
		uint64_t base = rp.nsrc ? rp.src[0].start_ts : 0;
		if ((o->from && kite_parse_time(o->from, base, &rp.o.from) < 0) ||
		    (o->to && kite_parse_time(o->to, base, &rp.o.to) < 0)) {
			cli_error("--from/--to: cannot read '%s' as a time", o->from ? o->from : o->to);
			rc = KITE_EXIT_USAGE;
		} else if (rp.o.from && kite_replay_jump_keyframe(&rp) < 0) {
			rc = KITE_EXIT_ERROR; /* said by the replay */
		} else {
			struct kite_ctx *c;
			int nr;
			while ((nr = kite_replay_next(&rp, &c)) == 1)
				kite_rules_match(r, c, print_alert, &sink);
			if (fflush(stdout) != 0 || ferror(stdout))
				cli_error("writing the alerts failed");
			else if (nr == 0)
				rc = kite_replay_damage(&rp);
			if (!o->quiet)
				print_summary(r, &rp, sink.alerts);
			if (rc != KITE_EXIT_ERROR && sink.failing) {
				fprintf(stderr,
				        "kite: failing: %" PRIu64
				        " alert%s at %s or above (--fail-on), the most severe %s\n",
				        sink.failing, sink.failing == 1 ? "" : "s",
				        kite_priority_name(o->fail_on), kite_priority_name(sink.worst));
				rc = KITE_EXIT_ERROR;
			}
		}
	}
	kite_replay_close(&rp);
	kite_output_free(sink.time_fmt);
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_opts o = {0};
	int p = parse_opts(argc, argv, &o);
	if (p)
		return cli_usage(usage, p > 0);
	int nfiles = argc - optind;
	if (nfiles == 0 && !o.validate && !o.list && !o.describe)
		return cli_usage(usage, 0);
	kite_rules *r = kite_rules_new();
	int lr = load_rules(r, &o);
	int cr = kite_rules_compile(r, &o.sel);
	kite_rules_print_diags(r, stderr, "kite: ", o.quiet); /* errors always, warnings unless -q */
	int rc;
	if (o.describe) {
		rc = describe(r, o.describe);
	} else if (o.list) {
		list_rules(r);
		rc = lr < 0 || cr < 0 ? KITE_EXIT_USAGE : KITE_EXIT_OK;
	} else if (o.validate) {
		if (!o.quiet)
			list_rules(r);
		rc = lr < 0 || cr < 0 ? KITE_EXIT_USAGE : KITE_EXIT_OK;
	} else if (lr < 0 || (cr < 0 && !o.skip_invalid)) {
		cli_error("the rules did not load%s",
		          lr < 0 ? "" : "; --skip-invalid runs the rules that compiled");
		rc = KITE_EXIT_USAGE;
	} else {
		static char outbuf[1 << 16];
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
		rc = run(r, argv + optind, (unsigned)nfiles, &o);
	}
	kite_rules_free(r);
	return rc;
}

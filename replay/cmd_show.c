/* cmd_show.c - `kite show`: events with their resolved process and fd, filtered, as text or JSON. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "filter.h"
#include "output.h"
#include "replay.h"

static const char usage[] =
        "usage: kite show [options] FILE... [FILTER]\n"
        "\n"
        "Lists the events of one or more captures, merged by time, with the state\n"
        "replay rebuilt: each event shows its process, thread and fd as they were at\n"
        "that moment.  FILTER is a Falco condition (see 'kite fields' for the\n"
        "fields); the words after the last file are joined into it, so quoting is\n"
        "optional:\n"
        "\n"
        "  kite show run.kcap evt.type=openat and fd.name startswith /etc\n"
        "  kite show -p '%proc.name %fd.name' run.kcap 'evt.is_open_write=true'\n"
        "  kite show --from +2s -n 20 day1.kcap day2.kcap\n"
        "\n"
        "Options:\n"
        "  -p, --format FORMAT  print each event as FORMAT: text with %field references,\n"
        "                       e.g. '%evt.time %proc.name %fd.name'.  Events for which a\n"
        "                       field is missing are skipped, unless FORMAT starts with\n"
        "                       '*' (then <NA> is printed), as sysdig does.\n"
        "                       Default: '" KITE_DEFAULT_FORMAT "'\n"
        "  -j, --json           one JSON object per line: the fields of -p FORMAT, or a\n"
        "                       default set with the arguments under \"evt.args\"\n"
        "  -f, --filter FILTER  the filter, given as an option instead of trailing words\n"
        "      --from TIME      start at TIME; earlier events still rebuild the state\n"
        "      --seek           with --from: jump there with the capture's index instead;\n"
        "                       much faster on big files, but processes and fds that\n"
        "                       appeared before TIME (after the capture's initial\n"
        "                       snapshot) are unknown: their fields are missing\n"
        "      --to TIME        stop after TIME\n"
        "                       TIME: ns or s.frac since the epoch, an ISO date\n"
        "                       (2026-11-22T04:47:00.5Z), or +DURATION from the\n"
        "                       capture's start (+1.5s, +200ms, +2m)\n"
        "  -n, --count N        stop after N printed events\n"
        "      --no-progress    no progress line on stderr (it only appears on a terminal)\n"
        "  -h, --help           this text\n"
        "\n"
        "With one capture, events of a type FILTER cannot match, and that change no\n"
        "state, are passed over undecoded (a .scap's unconverted).  When FILTER and the\n"
        "format use no field that depends on fds (process, user, container and event\n"
        "fields only), events that only change fd tables (open, close, socket...) are\n"
        "passed over too.  KITE_READ_ALL=1 in the environment reads every event (same\n"
        "output, slower).\n"
        "\n"
        "Exit status: 0 success; 1 error; 2 bad command line, filter or format;\n"
        "3 done, but a capture was damaged.\n";

struct show_opts {
	const char *format, *filter, *from, *to;
	int json, no_progress, seek;
	uint64_t count;
};

static void print_default_json(struct kite_ctx *c, struct json *j)
{
	static const char *const keys[] = {"evt.num",   "evt.rawtime",  "evt.cpu",   "evt.type",
	                                   "evt.res",   "thread.tid",   "proc.pid",  "proc.ppid",
	                                   "proc.name", "proc.cmdline", "user.name", "container.id",
	                                   "fd.num",    "fd.type",      "fd.name"};
	static struct kite_field fields[sizeof(keys) / sizeof(keys[0])];
	static int ready;
	char err[128];
	if (!ready) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			kite_field_parse(keys[i], strlen(keys[i]), &fields[i], err, sizeof(err));
		ready = 1;
	}
	json_begin_object(j);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_key(j, keys[i]);
		kite_output_json_value(&fields[i], c, j);
	}
	json_key(j, "evt.args");
	json_begin_object(j);
	const struct kite_event_desc *d = c->map->d;
	for (uint32_t i = 0; d && i < d->nparams && i < c->p.n; i++) {
		struct kite_field f = {0};
		char name[96];
		snprintf(name, sizeof(name), "evt.arg[%u]", i);
		if (!kite_field_parse(name, strlen(name), &f, err, sizeof(err)))
			continue;
		json_key(j, d->params[i].name);
		kite_output_json_value(&f, c, j);
		kite_field_release(&f);
	}
	json_end_object(j);
	json_end_object(j);
}

static int parse_opts(int argc, char **argv, struct show_opts *o)
{
	static const struct option longopts[] = {
	        {"format", required_argument, NULL, 'p'}, {"json", no_argument, NULL, 'j'},
	        {"filter", required_argument, NULL, 'f'}, {"from", required_argument, NULL, 'F'},
	        {"to", required_argument, NULL, 'T'},     {"count", required_argument, NULL, 'n'},
	        {"no-progress", no_argument, NULL, 'P'},  {"help", no_argument, NULL, 'h'},
	        {"seek", no_argument, NULL, 'S'},         {NULL, 0, NULL, 0}};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+p:jf:n:h", longopts, NULL)) != -1) {
		char *end;
		switch (ch) {
		case 'p': o->format = optarg; break;
		case 'j': o->json = 1; break;
		case 'f': o->filter = optarg; break;
		case 'F': o->from = optarg; break;
		case 'T': o->to = optarg; break;
		case 'P': o->no_progress = 1; break;
		case 'S': o->seek = 1; break;
		case 'n':
			o->count = strtoull(optarg, &end, 10);
			if (*end || !*optarg) {
				cli_error("-n wants a number, not '%s'", optarg);
				return -1;
			}
			break;
		case 'h': return 1;
		default: return -1;
		}
	}
	return 0;
}

/* Resolves --from/--to, relative ones against the first file's start. */
static int resolve_range(struct kite_replay *rp, const struct show_opts *o)
{
	uint64_t base = rp->nsrc ? rp->src[0].start_ts : 0;
	if (o->from && kite_parse_time(o->from, base, &rp->o.from) < 0) {
		cli_error("--from: cannot read '%s' as a time", o->from);
		return -1;
	}
	if (o->to && kite_parse_time(o->to, base, &rp->o.to) < 0) {
		cli_error("--to: cannot read '%s' as a time", o->to);
		return -1;
	}
	if (o->seek && !o->from) {
		cli_error("--seek needs --from");
		return -1;
	}
	/* a keyframe at or before --from makes the start exact and fast; --seek only jumps without one */
	int jumped = rp->o.from ? kite_replay_jump_keyframe(rp) : 0;
	if (jumped < 0)
		return -2;
	return o->seek && !jumped ? (kite_replay_seek(rp) < 0 ? -2 : 0) : 0;
}

/*
 * Text lines gathered before they go to stdout, so that a line costs a copy
 * rather than a call into stdio (which locks the stream each time).  Not on a
 * terminal: there each line shows as soon as it is made (stdio's line buffering).
 */
struct lines {
	char buf[1 << 16];
	size_t n;
	int direct;
};

static void lines_flush(struct lines *l)
{
	if (l->n)
		fwrite(l->buf, 1, l->n, stdout);
	l->n = 0;
}

/* The line and a newline; a line longer than the buffer goes out alone. */
static void lines_put(struct lines *l, const char *s, size_t len)
{
	if (l->n + len + 1 > sizeof(l->buf))
		lines_flush(l);
	if (l->direct || len + 1 > sizeof(l->buf)) {
		fwrite(s, 1, len, stdout);
		fputc('\n', stdout);
		return;
	}
	kite_copy_small((uint8_t *)l->buf + l->n, (const uint8_t *)s,
	                (uint32_t)len); /* short lines: inline */
	l->buf[l->n + len] = '\n';
	l->n += len + 1;
}

static int show_events(struct kite_replay *rp, kite_filter *flt, struct kite_output *out,
                       const struct show_opts *o)
{
	static struct lines lines;
	struct kite_ctx *c;
	struct json j;
	uint64_t printed = 0;
	int rc;
	json_init(&j, stdout);
	lines.direct = isatty(STDOUT_FILENO);
	while ((rc = kite_replay_next(rp, &c)) == 1) {
		if (flt && !kite_filter_match(flt, c))
			continue;
		if (o->json) {
			json_init(&j, stdout); /* one document per line */
			if (out)
				kite_output_json_fields(out, c, &j);
			else
				print_default_json(c,
				                   &j); /* the writer ends a top-level value with a newline */
		} else {
			size_t len;
			const char *line = kite_output_render(out, c, 0, &len);
			if (!line)
				continue;
			lines_put(&lines, line, len);
		}
		if (o->count && ++printed >= o->count)
			break;
	}
	lines_flush(&lines);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("writing the output failed");
		return KITE_EXIT_ERROR;
	}
	if (rc < 0)
		return KITE_EXIT_ERROR;
	return kite_replay_damage(rp);
}

/* The event types the filter can match (kite_types_fn): the others need not be read. */
static void filter_types(void *flt, const struct kite_schema *schema, uint8_t *bits, size_t nbits)
{
	kite_filter_evttypes(flt, schema, bits, nbits);
}

int cmd_show(int argc, char **argv)
{
	struct show_opts o = {0};
	int p = parse_opts(argc, argv, &o);
	if (p)
		return cli_usage(usage, p > 0);
	int nfiles;
	char *trailing = cli_split_files(argc - optind, argv + optind, &nfiles);
	if (nfiles == 0 || !trailing) {
		free(trailing);
		return cli_usage(usage, 0);
	}
	if (o.filter && *trailing) {
		cli_error("a filter given both with -f and as words ('%s')", trailing);
		free(trailing);
		return KITE_EXIT_USAGE;
	}
	const char *ftext = o.filter ? o.filter : trailing;
	char err[512];
	kite_filter *flt = NULL;
	if (*ftext && !(flt = kite_filter_new(ftext, NULL, err, sizeof(err)))) {
		cli_error("filter: %s", err);
		free(trailing);
		return KITE_EXIT_USAGE;
	}
	struct kite_output *out = NULL;
	if ((o.format || !o.json) &&
	    !(out = kite_output_new(o.format ? o.format : KITE_DEFAULT_FORMAT, err, sizeof(err)))) {
		cli_error("%s", err);
		kite_filter_free(flt);
		free(trailing);
		return KITE_EXIT_USAGE;
	}
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	struct kite_replay rp;
	struct kite_replay_opts ro = {.progress = !o.no_progress && isatty(STDERR_FILENO),
	                              /* --seek numbers events from where it lands: nothing is passed over */
	                              .types_of = flt && !o.seek ? filter_types : NULL,
	                              .types_ctx = flt,
	                              /* the default JSON object has fd.* members */
	                              .no_fds = !kite_filter_reads_fds(flt) && !kite_output_reads_fds(out) &&
	                                        (out || !o.json)};
	int rc = KITE_EXIT_ERROR;
	if (kite_replay_open(&rp, argv + optind, (unsigned)nfiles, &ro) == 0) {
		int r = resolve_range(&rp, &o);
		rc = r == -1 ? KITE_EXIT_USAGE : r < 0 ? KITE_EXIT_ERROR : show_events(&rp, flt, out, &o);
	}
	kite_replay_close(&rp);
	kite_output_free(out);
	kite_filter_free(flt);
	free(trailing);
	return rc;
}

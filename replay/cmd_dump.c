/* cmd_dump.c - `kite dump`: every block and every record of a capture, decoded through its own schema. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "decode.h"

static const char usage[] = "usage: kite dump [options] FILE\n"
                            "\n"
                            "Prints every block of a capture and every record in it, with arguments\n"
                            "decoded through the schema stored in the file itself, so any kite capture\n"
                            "can be dumped whichever kite wrote it.  FILE may be - for standard input.\n"
                            "A sysdig/Falco .scap capture is dumped as kite converts it: its process,\n"
                            "fd, user and group lists as state records, then its events.\n"
                            "\n"
                            "  -b, --blocks      blocks only, no records\n"
                            "  -S, --schema      also print the schema: every event type and its parameters\n"
                            "  -n, --count N     stop after N records\n"
                            "  -h, --help        this text\n"
                            "\n"
                            "Record lines: TIME cpu=C tid=T pid=P TYPE NAME=VALUE ...\n"
                            "Exit status: 0, 1 error, 2 usage, 3 the capture is damaged (see warnings).\n";

struct dump {
	const struct kite_schema *s;
	char *val; /* scratch for one rendered value */
	size_t val_cap;
	uint64_t limit, printed;
	int blocks_only;
};

static void print_schema(const struct kite_schema *s)
{
	for (uint32_t id = 0; id <= s->max_event_id; id++) {
		const struct kite_event_desc *d = s->events[id];
		if (!d)
			continue;
		printf("  event %3u %-16s %-8s", d->id, d->name, kite_category_name(d->category));
		for (unsigned i = 0; i < d->nparams; i++) {
			const struct kite_param_desc *p = &d->params[i];
			const struct kite_flag_table *t = kite_schema_table(s, p->table);
			printf(" %s:%s%s%s", p->name, kite_kind_name(p->kind), t ? "/" : "",
			       t ? t->name : "");
		}
		putchar('\n');
	}
	for (uint32_t id = 0; id <= s->max_table_id; id++) {
		const struct kite_flag_table *t = s->tables[id];
		if (t)
			printf("  table %3u %-16s %s, %u values\n", t->id, t->name,
			       t->kind == KITE_TABLE_ENUM ? "enum" : "flags", t->nentries);
	}
}

static void print_record(struct dump *d, const struct kite_evt *e)
{
	char ts[64];
	kite_format_time(e->ts, ts, sizeof(ts));
	const struct kite_event_desc *desc = kite_schema_event(d->s, e->type);
	printf("    %s cpu=%u tid=%u pid=%u ", ts, e->cpu, e->tid, e->pid);
	if (!desc) {
		printf("type#%u len=%u (not in the schema)\n", e->type, e->len);
		return;
	}
	struct kite_params p;
	if (kite_evt_split(e, e->len, desc, &p)) {
		printf("%s len=%u MALFORMED: parameter lengths do not fit the record\n", desc->name, e->len);
		return;
	}
	fputs(desc->name, stdout);
	for (unsigned i = 0; i < p.n; i++) {
		size_t need =
		        kite_param_format(d->s, &desc->params[i], p.val[i], p.len[i], d->val, d->val_cap);
		if (need >= d->val_cap) {
			char *n = realloc(d->val, need + 1);
			if (n) {
				d->val = n;
				d->val_cap = need + 1;
				kite_param_format(d->s, &desc->params[i], p.val[i], p.len[i], d->val,
				                  d->val_cap);
			}
		}
		printf(" %s=%s", desc->params[i].name, d->val);
	}
	putchar('\n');
}

static void print_block(const struct kite_block *b, uint64_t n)
{
	printf("block %" PRIu64 " at offset %" PRIu64 ": %s, %u bytes", n, b->offset,
	       kite_block_name(b->type), b->total_len);
	if (b->type == KITE_BLK_CHUNK || b->type == KITE_BLK_SNAPSHOT) {
		char t1[64], t2[64];
		kite_format_time(b->chunk.first_ts, t1, sizeof(t1));
		kite_format_time(b->chunk.last_ts, t2, sizeof(t2));
		printf(", seq %" PRIu64 ", %u records, %u bytes %s to %u, %s .. %s", b->chunk.seq,
		       b->chunk.nevents, b->chunk.raw_len, b->codec ? "zstd" : "stored", b->chunk.comp_len,
		       t1, t2);
	}
	putchar('\n');
}

static void print_prologue(const kite_reader *r)
{
	const struct kite_block *pro;
	size_t n = kite_reader_prologue(r, &pro);
	const struct kite_shb_info *shb = kite_reader_shb(r);
	const struct kite_header *h = kite_reader_header(r);
	char t[64];
	for (size_t i = 0; i < n; i++) {
		print_block(&pro[i], i);
		if (pro[i].type == PCAPNG_SHB)
			printf("    pcapng %u.%u, hardware=%s, os=%s, userappl=%s\n", shb->major, shb->minor,
			       shb->hardware ? shb->hardware : "", shb->os ? shb->os : "",
			       shb->userappl ? shb->userappl : "");
		if (pro[i].type == KITE_BLK_HEADER) {
			kite_format_time(h->start_ns, t, sizeof(t));
			printf("    version=%u.%u host=%s kernel=%s arch=%s ncpus=%u driver=%s recorder=%s\n",
			       h->format_version >> 16, h->format_version & 0xffff,
			       h->hostname ? h->hostname : "", h->kernel ? h->kernel : "",
			       h->arch ? h->arch : "", h->ncpus, h->driver ? h->driver : "",
			       h->recorder ? h->recorder : "");
			printf("    start=%s snaplen=%u flags=0x%x cmdline=%s filters=%s\n", t, h->snaplen,
			       h->flags, h->cmdline ? h->cmdline : "", h->filters ? h->filters : "");
		}
	}
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {{"blocks", no_argument, 0, 'b'},
	                                     {"schema", no_argument, 0, 'S'},
	                                     {"count", required_argument, 0, 'n'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0}};
	struct dump d = {.limit = UINT64_MAX};
	int show_schema = 0, c;
	char *end;
	while ((c = getopt_long(argc, argv, "bSn:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': d.blocks_only = 1; break;
		case 'S': show_schema = 1; break;
		case 'n':
			d.limit = strtoull(optarg, &end, 10);
			if (*end || !*optarg) {
				cli_error("dump: -n wants a number, not '%s'", optarg);
				return KITE_EXIT_USAGE;
			}
			break;
		default: return cli_usage(usage, c == 'h');
		}
	}
	if (optind != argc - 1)
		return cli_usage(usage, 0);
	kite_reader *r = cli_open(argv[optind], 1);
	if (!r)
		return KITE_EXIT_ERROR;
	d.s = kite_reader_schema(r);
	print_prologue(r);
	if (show_schema)
		print_schema(d.s);
	int rc = 0;
	if (kite_reader_is_scap(r)) {
		/* a .scap has no kite blocks: its records as the importer converts them, state first */
		printf("sysdig/Falco .scap capture, converted on the fly (kite convert writes it as "
		       ".kcap)\n");
		const struct kite_evt *e;
		while (d.printed < d.limit && (rc = kite_reader_next(r, &e)) > 0) {
			print_record(&d, e);
			d.printed++;
		}
	}
	struct kite_block b;
	uint64_t nblock = kite_reader_prologue(r, &(const struct kite_block *){0});
	while (rc >= 0 && d.printed < d.limit && (rc = kite_reader_next_block(r, &b)) > 0) {
		print_block(&b, nblock++);
		const struct kite_evt *e;
		while (!d.blocks_only && d.printed < d.limit && (e = kite_reader_block_record(r))) {
			print_record(&d, e);
			d.printed++;
		}
	}
	int status = cli_damage_status(r);
	if (d.printed < d.limit && rc < 0) {
		cli_error("%s", kite_reader_error(r));
		status = KITE_EXIT_ERROR;
	}
	free(d.val);
	kite_reader_close(r);
	return status;
}

/* cmd_info.c - `kite info`: what a capture holds, from its index or, lacking one, from a full scan. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "decode.h"
#include "json.h"

static const char usage[] = "usage: kite info [--json] [--scan] FILE\n"
                            "\n"
                            "Describes a capture: the host and recorder it came from, the time span, how\n"
                            "many events of each type it holds, chunks, drops and compression.  Uses the\n"
                            "file's index when it has one; otherwise (writer killed, or --scan) it reads\n"
                            "every chunk.\n"
                            "\n"
                            "  --json     one JSON object on stdout\n"
                            "  --scan     ignore the index: read and verify every chunk (checksums,\n"
                            "             decompression, record framing) and count from what is there\n"
                            "  -h, --help this text\n"
                            "\n"
                            "Exit status: 0, 1 error, 2 usage, 3 the capture is damaged (see warnings).\n";

struct info {
	const kite_reader *r;
	const struct kite_index *idx;
	uint64_t file_size;
	uint64_t state_records, snapshots;
	int scanned;
};

/* Builds the same index the writer would have written, by reading every chunk. */
static int scan(kite_reader *r, struct kite_index_builder *b)
{
	const struct kite_schema *s = kite_reader_schema(r);
	struct kite_block blk;
	int rc;
	if (kite_ib_init(b))
		return -1;
	kite_ib_set_schema(b, s);
	if (kite_reader_is_scap(r)) { /* no blocks: count the converted records, state ones apart */
		const struct kite_evt *e;
		uint64_t n = 0, first = UINT64_MAX, last = 0;
		while ((rc = kite_reader_next(r, &e)) > 0) {
			kite_ib_count(b, s, e);
			const struct kite_event_desc *d = kite_schema_event(s, e->type);
			if (d && (d->flags & KITE_EF_STATE))
				continue;
			n++;
			first = e->ts < first ? e->ts : first;
			last = e->ts > last ? e->ts : last;
		}
		if (rc < 0 || kite_ib_finish(b))
			return -1;
		b->idx.nevents = n;
		b->idx.first_ts = n ? first : 0;
		b->idx.last_ts = last;
		return 0;
	}
	while ((rc = kite_reader_next_block(r, &blk)) > 0) {
		if (blk.type != KITE_BLK_CHUNK && blk.type != KITE_BLK_SNAPSHOT)
			continue;
		const struct kite_evt *e;
		while (blk.type == KITE_BLK_CHUNK && (e = kite_reader_block_record(r)))
			kite_ib_count(b, s, e);
		kite_ib_chunk(b, &blk.chunk); /* after its records: they make its summary */
	}
	if (rc < 0 || kite_ib_finish(b))
		return -1;
	return 0;
}

static int cmp_count_desc(const void *a, const void *b)
{
	uint64_t x = ((const struct kite_type_count *)a)->count,
	         y = ((const struct kite_type_count *)b)->count;
	return (x < y) - (x > y);
}

static const char *type_name(const struct kite_schema *s, uint16_t type, char *buf, size_t len)
{
	const struct kite_event_desc *d = kite_schema_event(s, type);
	if (d)
		return d->name;
	snprintf(buf, len, "type#%u", type);
	return buf;
}

static void count_snapshots(struct info *in)
{
	for (uint32_t i = 0; i < in->idx->nchunks; i++)
		if (in->idx->chunks[i].kind == KITE_CHUNK_SNAPSHOT) {
			in->snapshots++;
			in->state_records += in->idx->chunks[i].nevents;
		}
}

static void print_text(const struct info *in, struct kite_type_count *types)
{
	const struct kite_header *h = kite_reader_header(in->r);
	const struct kite_shb_info *shb = kite_reader_shb(in->r);
	const struct kite_schema *s = kite_reader_schema(in->r);
	const struct kite_index *x = in->idx;
	char b1[64], b2[64], t1[64], t2[64];
	printf("File:          %s (%s)\n", kite_reader_name(in->r), cli_bytes(in->file_size, b1, sizeof(b1)));
	if (kite_reader_is_scap(in->r))
		printf("Format:        sysdig/Falco .scap (converted while read; events counted by reading "
		       "them)\n");
	else
		printf("Format:        kite capture %u.%u in pcapng %u.%u\n", h->format_version >> 16,
		       h->format_version & 0xffff, shb->major, shb->minor);
	printf("Host:          %s, Linux %s (%s), %u CPUs\n", h->hostname ? h->hostname : "?",
	       h->kernel ? h->kernel : "?", h->arch ? h->arch : "?", h->ncpus);
	printf("Recorder:      %s, driver %s\n", h->recorder ? h->recorder : "?",
	       h->driver ? h->driver : "?");
	printf("Command line:  %s\n", h->cmdline ? h->cmdline : "");
	printf("Filters:       %s\n", h->filters && *h->filters ? h->filters : "(none)");
	printf("Snaplen:       %u\n", h->snaplen);
	kite_format_time(h->start_ns, t1, sizeof(t1));
	printf("Started:       %s\n", t1);
	kite_format_time(x->first_ts, t1, sizeof(t1));
	kite_format_time(x->last_ts, t2, sizeof(t2));
	printf("Events:        %llu, from %s to %s (%s)\n", (unsigned long long)x->nevents,
	       x->nevents ? t1 : "-", x->nevents ? t2 : "-",
	       cli_duration(x->last_ts - x->first_ts, b1, sizeof(b1)));
	printf("State:         %llu records in %llu snapshot blocks\n", (unsigned long long)in->state_records,
	       (unsigned long long)in->snapshots);
	printf("Drops:         %llu events lost by the driver\n", (unsigned long long)x->drops);
	printf("Chunks:        %u\n", x->nchunks);
	double ratio = x->comp_bytes ? (double)x->raw_bytes / (double)x->comp_bytes : 0;
	printf("Compression:   %s of records in %s (%.1fx), %.1f bytes/event on disk\n",
	       cli_bytes(x->raw_bytes, b1, sizeof(b1)), cli_bytes(x->comp_bytes, b2, sizeof(b2)), ratio,
	       x->nevents ? (double)in->file_size / (double)x->nevents : 0.0);
	unsigned nev = 0;
	for (uint32_t i = 0; i <= s->max_event_id; i++)
		nev += s->events[i] != NULL;
	printf("Schema:        %u event types, %u flag tables\n", nev, s->ntables);
	printf("Index:         %s%s\n",
	       in->scanned ? "not used (counted by reading every chunk)" : "from the footer",
	       in->scanned ? ""
	       : x->sums   ? ", with chunk summaries (types and pids: SQL skips chunks)"
	                   : ", without chunk summaries (written before them)");
	printf("Events per type:\n");
	for (uint32_t i = 0; i < x->ntypes; i++)
		printf("  %-16s %12llu  %5.1f%%\n", type_name(s, types[i].type, b1, sizeof(b1)),
		       (unsigned long long)types[i].count,
		       x->nevents ? 100.0 * (double)types[i].count / (double)x->nevents : 0);
}

static void print_json(const struct info *in, struct kite_type_count *types)
{
	const struct kite_header *h = kite_reader_header(in->r);
	const struct kite_schema *s = kite_reader_schema(in->r);
	const struct kite_index *x = in->idx;
	char buf[64];
	struct json j;
	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "file");
	json_string(&j, kite_reader_name(in->r));
	json_key(&j, "file_bytes");
	json_u64(&j, in->file_size);
	json_key(&j, "format_version");
	snprintf(buf, sizeof(buf), "%u.%u", h->format_version >> 16, h->format_version & 0xffff);
	json_string(&j, buf);
	json_key(&j, "hostname");
	json_string(&j, h->hostname);
	json_key(&j, "kernel");
	json_string(&j, h->kernel);
	json_key(&j, "arch");
	json_string(&j, h->arch);
	json_key(&j, "ncpus");
	json_u64(&j, h->ncpus);
	json_key(&j, "recorder");
	json_string(&j, h->recorder);
	json_key(&j, "driver");
	json_string(&j, h->driver);
	json_key(&j, "cmdline");
	json_string(&j, h->cmdline);
	json_key(&j, "filters");
	json_string(&j, h->filters);
	json_key(&j, "snaplen");
	json_u64(&j, h->snaplen);
	json_key(&j, "boot_ns");
	json_u64(&j, h->boot_ns);
	json_key(&j, "start_ns");
	json_u64(&j, h->start_ns);
	json_key(&j, "first_ts");
	json_u64(&j, x->first_ts);
	json_key(&j, "last_ts");
	json_u64(&j, x->last_ts);
	json_key(&j, "events");
	json_u64(&j, x->nevents);
	json_key(&j, "state_records");
	json_u64(&j, in->state_records);
	json_key(&j, "snapshots");
	json_u64(&j, in->snapshots);
	json_key(&j, "drops");
	json_u64(&j, x->drops);
	json_key(&j, "chunks");
	json_u64(&j, x->nchunks);
	json_key(&j, "raw_bytes");
	json_u64(&j, x->raw_bytes);
	json_key(&j, "compressed_bytes");
	json_u64(&j, x->comp_bytes);
	json_key(&j, "indexed");
	json_bool(&j, !in->scanned);
	const struct kite_reader_stats *st = kite_reader_stats(in->r);
	json_key(&j, "damaged");
	json_bool(&j, cli_damage_status(in->r) != KITE_EXIT_OK);
	json_key(&j, "bad_chunks");
	json_u64(&j, st->bad_chunks);
	json_key(&j, "events_per_type");
	json_begin_object(&j);
	for (uint32_t i = 0; i < x->ntypes; i++) {
		json_key(&j, type_name(s, types[i].type, buf, sizeof(buf)));
		json_u64(&j, types[i].count);
	}
	json_end_object(&j);
	json_end_object(&j);
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, 0, 'j'},
	                                     {"scan", no_argument, 0, 's'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0}};
	int json = 0, force_scan = 0, c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 's')
			force_scan = 1;
		else
			return cli_usage(usage, c == 'h');
	}
	if (optind != argc - 1)
		return cli_usage(usage, 0);
	kite_reader *r = cli_open(argv[optind], force_scan);
	if (!r)
		return KITE_EXIT_ERROR;
	struct info in = {.r = r, .idx = kite_reader_index(r)};
	struct stat st;
	if (stat(argv[optind], &st) == 0)
		in.file_size = (uint64_t)st.st_size;
	struct kite_index_builder b = {0};
	if (!in.idx) {
		if (scan(r, &b)) {
			cli_error("%s", *kite_reader_error(r) ? kite_reader_error(r) : "out of memory");
			kite_ib_free(&b);
			kite_reader_close(r);
			return KITE_EXIT_ERROR;
		}
		in.idx = &b.idx;
		in.scanned = 1;
	}
	count_snapshots(&in);
	struct kite_type_count *types = malloc((in.idx->ntypes + 1) * sizeof(*types));
	if (types) {
		memcpy(types, in.idx->types, in.idx->ntypes * sizeof(*types));
		qsort(types, in.idx->ntypes, sizeof(*types), cmp_count_desc);
		if (json)
			print_json(&in, types);
		else
			print_text(&in, types);
	}
	int rc = types ? cli_damage_status(r) : KITE_EXIT_ERROR;
	free(types);
	kite_ib_free(&b);
	kite_reader_close(r);
	return rc;
}

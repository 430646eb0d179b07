/* cmd_convert.c - `kite convert`: a capture into a kite capture (from .scap, or a .kcap re-chunked), or into a .scap. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "reader.h"
#include "scap_write.h"
#include "writer.h"

static const char usage[] = "usage: kite convert [options] IN OUT\n"
                            "\n"
                            "Writes the capture IN as the kite capture OUT (.kcap).  IN may be a\n"
                            "sysdig/Falco .scap capture (gzip or plain, detected by content): its\n"
                            "process, fd, user and group lists become kite's state snapshot and its\n"
                            "enter/exit event pairs kite's exit-only events, as every kite command\n"
                            "reads it anyway; converting once makes later reads faster and adds an\n"
                            "index.  IN may also be a .kcap (rewritten with fresh chunks and index).\n"
                            "\n"
                            "Options:\n"
                            "  -l, --level N   zstd level of the chunks (default 3; 0 stores them)\n"
                            "  -f, --force     overwrite OUT if it exists\n"
                            "  -h, --help      this text\n"
                            "\n"
                            "When OUT ends in .scap (or .scap.gz), it is written as a gzip-compressed\n"
                            "sysdig/Falco capture that sysdig 0.29.3 reads: the state snapshot becomes\n"
                            "its process, fd and user lists, each event a ppm enter/exit pair.  Events\n"
                            "of types sysdig has no event for (kite-only types, kite's generic\n"
                            "\"syscall\" records) are skipped, with a note saying how many.  A value\n"
                            "longer than a ppm parameter's 16-bit length (65535 bytes) is cut at the\n"
                            "end of its last whole entry, with a note too.\n"
                            "\n"
                            "OUT is created with mode 0600.\n"
                            "\n"
                            "Exit status: 0 success; 1 error; 2 bad command line; 3 done, but IN was\n"
                            "damaged (the events before the damage were converted).\n";

static void warn_stderr(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "kite: warning: %s\n", msg);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

/* Copies every record: state records into snapshot blocks, events into chunks. */
static int copy_records(kite_reader *r, kite_writer *w)
{
	const struct kite_schema *s = kite_reader_schema(r);
	const struct kite_evt *e;
	int rc, in_snap = 0;
	while ((rc = kite_reader_next(r, &e)) == 1) {
		const struct kite_event_desc *d = kite_schema_event(s, e->type);
		int state = d && (d->flags & KITE_EF_STATE);
		if (state != in_snap) {
			if ((state ? kite_writer_snapshot_begin(w) : kite_writer_snapshot_end(w)) < 0)
				return -1;
			in_snap = state;
		}
		if (kite_writer_append(w, e) < 0)
			return -1;
	}
	if (in_snap && kite_writer_snapshot_end(w) < 0)
		return -1;
	return rc;
}

/* Writes every record of r as the .scap capture out on fd; 0, or -1 after saying why. */
static int convert_to_scap(kite_reader *r, int fd, const char *out)
{
	char err[512] = "";
	kite_scap_writer *w = kite_scap_writer_open(fd, out, kite_reader_header(r), kite_reader_schema(r),
	                                            err, sizeof(err));
	if (!w) {
		cli_error("%s", err);
		return -1;
	}
	const struct kite_evt *e;
	int rc;
	while ((rc = kite_reader_next(r, &e)) == 1)
		if (kite_scap_writer_add(w, e) < 0) {
			rc = -2;
			break;
		}
	if (rc < 0) {
		cli_error("%s", rc == -1 ? kite_reader_error(r) : kite_scap_writer_error(w));
		kite_scap_writer_close(w, NULL, 0);
		return -1;
	}
	struct kite_scap_writer_stats st = *kite_scap_writer_stats(w);
	uint64_t top = 0;
	const char *top_name = kite_scap_writer_top_skipped(w, &top);
	if (st.skipped)
		fprintf(stderr,
		        "kite: note: %llu event(s) skipped: their types have no sysdig event (most: %s, "
		        "%llu)\n",
		        (unsigned long long)st.skipped, top_name ? top_name : "?", (unsigned long long)top);
	if (st.cut_params)
		fprintf(stderr,
		        "kite: note: %llu value(s) longer than 65535 bytes cut to fit sysdig's event "
		        "format\n",
		        (unsigned long long)st.cut_params);
	if (!st.events)
		fprintf(stderr,
		        "kite: warning: %s: no events written; sysdig refuses captures without events\n",
		        out);
	if (kite_scap_writer_close(w, err, sizeof(err)) < 0) {
		cli_error("%s", err[0] ? err : "closing the output failed");
		return -1;
	}
	return 0;
}

/* Writes every record of r as the kite capture out on fd; 0, or -1 after saying why. */
static int convert_to_kcap(kite_reader *r, int fd, const char *out, const struct kite_writer_opts *wo)
{
	char err[512] = "";
	kite_writer *w =
	        kite_writer_open(fd, out, kite_reader_header(r), kite_reader_schema(r), wo, err, sizeof(err));
	if (!w) {
		cli_error("%s", err);
		return -1;
	}
	if (copy_records(r, w) < 0) {
		cli_error("%s", kite_reader_error(r)[0] ? kite_reader_error(r) : kite_writer_error(w));
		kite_writer_abort(w);
		return -1;
	}
	if (kite_writer_close(w, err, sizeof(err)) < 0) {
		cli_error("%s", err[0] ? err : "closing the output failed");
		return -1;
	}
	return 0;
}

int cmd_convert(int argc, char **argv)
{
	static const struct option longopts[] = {{"level", required_argument, NULL, 'l'},
	                                         {"force", no_argument, NULL, 'f'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	struct kite_writer_opts wo = {.level = 3};
	int force = 0, ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+l:fh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': wo.level = atoi(optarg); break;
		case 'f': force = 1; break;
		case 'h': return cli_usage(usage, 1);
		default: return cli_usage(usage, 0);
		}
	}
	if (argc - optind != 2)
		return cli_usage(usage, 0);
	const char *in = argv[optind], *out = argv[optind + 1];
	int to_scap = has_suffix(out, ".scap") || has_suffix(out, ".scap.gz");
	char err[512];
	struct kite_reader_opts ro = {.warn = warn_stderr};
	kite_reader *r = kite_reader_open(in, &ro, err, sizeof(err));
	if (!r) {
		cli_error("%s", err);
		return KITE_EXIT_ERROR;
	}
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (force ? 0 : O_EXCL), 0600);
	if (fd < 0) {
		cli_error("%s: %m%s", out, force ? "" : " (use -f to overwrite)");
		kite_reader_close(r);
		return KITE_EXIT_ERROR;
	}
	int rc = to_scap ? convert_to_scap(r, fd, out) : convert_to_kcap(r, fd, out, &wo);
	struct stat st; /* with -f OUT may be a device or a pipe: only a file of ours is removed */
	int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (close(fd) < 0 && rc == 0) {
		cli_error("%s: closing the output failed: %m", out);
		rc = -1;
	}
	if (rc < 0) { /* no half-written output left behind */
		if (regular)
			unlink(out);
		kite_reader_close(r);
		return KITE_EXIT_ERROR;
	}
	int status = cli_damage_status(r);
	kite_reader_close(r);
	return status;
}

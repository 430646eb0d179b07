/* cmd_recover.c - `kite recover`: rewrites a capture whose writer died, keeping every intact chunk, with a new index and footer. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "recover.h"

static const char usage[] = "usage: kite recover [-o OUT] [--force] FILE\n"
                            "\n"
                            "Reads a capture that has no valid index or footer (its writer was killed,\n"
                            "the disk filled up, or the tail was damaged), keeps every chunk that passes\n"
                            "its checksum, and writes a complete capture with a new index and footer.\n"
                            "Chunks are copied, not recompressed.  Without -o, FILE is replaced\n"
                            "atomically (the new file is written beside it, then renamed over it).\n"
                            "\n"
                            "  -o, --output OUT  write the recovered capture to OUT and leave FILE alone\n"
                            "  -f, --force       rewrite even a capture that already has a valid footer\n"
                            "  -h, --help        this text\n"
                            "\n"
                            "Exit status: 0 recovered (or nothing to do), 1 error, 2 usage.\n";

static int open_output(const char *out, char *tmp, size_t tmplen, const char *in)
{
	if (out) {
		snprintf(tmp, tmplen, "%s", out);
		return open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	snprintf(tmp, tmplen, "%s.recover-XXXXXX", in);
	int fd = mkstemp(tmp);
	if (fd >= 0)
		fchmod(fd, 0600);
	return fd;
}

static int same_file(const char *a, const char *b)
{
	struct stat x, y;
	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

static int recover(const char *in, const char *out, int force)
{
	kite_reader *r = cli_open(in, 1);
	if (!r)
		return KITE_EXIT_ERROR;
	kite_reader *probe = NULL;
	if (!force) { /* a second look, with the index, to see if there is anything to do */
		char err[256];
		probe = kite_reader_open(in, NULL, err, sizeof(err));
		if (probe && kite_reader_stats(probe)->has_footer) {
			fprintf(stderr,
			        "kite: %s already has a valid index and footer; nothing to do (--force "
			        "rewrites it)\n",
			        in);
			kite_reader_close(probe);
			kite_reader_close(r);
			return KITE_EXIT_OK;
		}
		kite_reader_close(probe);
	}
	char tmp[PATH_MAX], err[2 * PATH_MAX + 256];
	int fd = open_output(out, tmp, sizeof(tmp), in);
	if (fd < 0) {
		cli_error("%s: %s", out ? out : tmp, strerror(errno));
		kite_reader_close(r);
		return KITE_EXIT_ERROR;
	}
	struct kite_writer_opts o = {0};
	kite_writer *w =
	        kite_writer_open(fd, tmp, kite_reader_header(r), kite_reader_schema(r), &o, err, sizeof(err));
	struct kite_recover_stats rec = {0};
	int rc = w ? kite_recover_copy(r, w, &rec) : -1;
	if (rc < 0 && w) {
		const char *why = kite_writer_error(w) ? kite_writer_error(w) : kite_reader_error(r);
		snprintf(err, sizeof(err), "%s", why);
		kite_writer_abort(w);
	} else if (w) {
		rc = kite_writer_close(w, err, sizeof(err));
	}
	if (rc == 0 && fsync(fd) != 0) {
		snprintf(err, sizeof(err), "%s: fsync: %s", tmp, strerror(errno));
		rc = -1;
	}
	close(fd);
	if (rc == 0 && !out && rename(tmp, in) != 0) {
		snprintf(err, sizeof(err), "rename %s to %s: %s", tmp, in, strerror(errno));
		rc = -1;
	}
	const struct kite_reader_stats *st = kite_reader_stats(r);
	if (rc != 0) {
		cli_error("recover: %s", err);
		if (!out)
			unlink(tmp);
	} else {
		fprintf(stderr,
		        "kite: recovered %llu chunks (%llu records) into %s; %llu damaged chunks dropped%s\n",
		        (unsigned long long)rec.chunks, (unsigned long long)rec.records, out ? out : in,
		        (unsigned long long)st->bad_chunks, st->truncated ? ", incomplete tail dropped" : "");
	}
	kite_reader_close(r);
	return rc ? KITE_EXIT_ERROR : KITE_EXIT_OK;
}

int cmd_recover(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, 0, 'o'},
	                                     {"force", no_argument, 0, 'f'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0}};
	const char *out = NULL;
	int force = 0, c;
	while ((c = getopt_long(argc, argv, "o:fh", opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'f')
			force = 1;
		else
			return cli_usage(usage, c == 'h');
	}
	if (optind != argc - 1)
		return cli_usage(usage, 0);
	const char *in = argv[optind];
	if (out && same_file(in, out))
		out = NULL; /* -o FILE means in place: never truncate the input while reading it */
	return recover(in, out, force);
}

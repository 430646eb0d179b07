/* cli.c - helpers shared by the kite subcommands. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void print_warning(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "kite: warning: %s\n", msg);
}

kite_reader *cli_open(const char *path, int ignore_index)
{
	char err[512];
	struct kite_reader_opts o = {.warn = print_warning, .ignore_index = ignore_index};
	kite_reader *r = kite_reader_open(path, &o, err, sizeof(err));
	if (!r)
		fprintf(stderr, "kite: %s\n", err);
	return r;
}

int cli_damage_status(const kite_reader *r)
{
	const struct kite_reader_stats *st = kite_reader_stats(r);
	if (st->truncated || st->missing_footer || st->bad_chunks || st->bad_blocks || st->skipped_bytes)
		return KITE_EXIT_DAMAGED;
	return KITE_EXIT_OK;
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("kite: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage(const char *text, int ok)
{
	fputs(text, ok ? stdout : stderr);
	return ok ? KITE_EXIT_OK : KITE_EXIT_USAGE;
}

const char *cli_bytes(unsigned long long n, char *buf, size_t len)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", n);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

const char *cli_duration(unsigned long long ns, char *buf, size_t len)
{
	if (ns < 1000000ull)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else if (ns < 1000000000ull)
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
	else if (ns < 3600ull * 1000000000ull)
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	else
		snprintf(buf, len, "%lluh%02llum%02llus", ns / 3600000000000ull, ns / 60000000000ull % 60,
		         ns / 1000000000ull % 60);
	return buf;
}

static int is_capture_path(const char *s)
{
	struct stat st;
	return !strcmp(s, "-") || (stat(s, &st) == 0 && !S_ISDIR(st.st_mode));
}

char *cli_split_files(int argc, char **argv, int *nfiles)
{
	int i = 0;
	while (i < argc && is_capture_path(argv[i]))
		i++;
	if (i == 0 && argc > 0)
		i = 1; /* not a file: report it as a missing capture, not use it as text */
	*nfiles = i;
	size_t len = 1;
	for (int k = i; k < argc; k++)
		len += strlen(argv[k]) + 1;
	char *t = calloc(1, len);
	for (int k = i; t && k < argc; k++) {
		if (k > i)
			strcat(t, " ");
		strcat(t, argv[k]);
	}
	return t;
}

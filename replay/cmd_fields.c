/* cmd_fields.c - `kite fields`: every field filters and formats can use, with its type and meaning. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fields.h"
#include "json.h"

static const char usage[] = "usage: kite fields [options] [PREFIX]\n"
                            "\n"
                            "Lists the fields of kite's filters and output formats (Falco's names), with\n"
                            "their type and what they mean; only those starting with PREFIX when given\n"
                            "(e.g. 'kite fields fd.').  Fields marked [N] take an index (proc.aname[2]),\n"
                            "[name] a key (evt.arg.name or evt.arg[name]).  A field that cannot be\n"
                            "extracted for an event is missing: every comparison on it is false, and\n"
                            "outputs print <NA>.\n"
                            "\n"
                            "Options:\n"
                            "  -j, --json   a JSON array of {name, type, arg, filter, description}\n"
                            "  -h, --help   this text\n";

static const char *arg_syntax(const struct kite_field_def *d)
{
	int idx = d->flags & KITE_FF_ARG_INDEX, key = d->flags & KITE_FF_ARG_KEY;
	if (idx && key)
		return "[N|name]";
	return idx ? "[N]" : key ? "[name]" : "";
}

int cmd_fields(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int ch, as_json = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		if (ch == 'j')
			as_json = 1;
		else
			return cli_usage(usage, ch == 'h');
	}
	if (argc - optind > 1)
		return cli_usage(usage, 0);
	const char *prefix = optind < argc ? argv[optind] : "";
	size_t n;
	const struct kite_field_def *t = kite_fields_table(&n);
	struct json j;
	json_init(&j, stdout);
	if (as_json)
		json_begin_array(&j);
	size_t shown = 0;
	for (size_t i = 0; i < n; i++) {
		const struct kite_field_def *d = &t[i];
		if (strncmp(d->name, prefix, strlen(prefix)))
			continue;
		shown++;
		if (!as_json) {
			char name[64];
			snprintf(name, sizeof(name), "%s%s", d->name, arg_syntax(d));
			printf("%-40s %-8s %s%s\n", name, kite_vtype_name(d->type), d->desc,
			       d->flags & KITE_FF_NO_FILTER ? " (output only)" : "");
			continue;
		}
		json_begin_object(&j);
		json_key(&j, "name");
		json_string(&j, d->name);
		json_key(&j, "type");
		json_string(&j, kite_vtype_name(d->type));
		json_key(&j, "arg");
		json_string(&j, arg_syntax(d));
		json_key(&j, "filter");
		json_bool(&j, !(d->flags & KITE_FF_NO_FILTER));
		json_key(&j, "description");
		json_string(&j, d->desc);
		json_end_object(&j);
	}
	if (as_json)
		json_end_array(&j);
	if (shown == 0) {
		cli_error("no field starts with '%s'", prefix);
		return KITE_EXIT_ERROR;
	}
	return KITE_EXIT_OK;
}

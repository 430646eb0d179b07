/* main.c - kite-record: until a driver lands, it explains that it cannot record yet. */
#include <stdio.h>
#include <string.h>

static const char usage[] = "usage: kite-record -w FILE [options] [-- COMMAND ARGS...]\n"
                            "\n"
                            "Records system calls into a kite capture.  No driver is built into this\n"
                            "version yet: the eBPF and ptrace drivers are the next milestones.\n"
                            "\n"
                            "  -h, --help     this text\n"
                            "  --version      print the version\n";

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("kite-record %s\n", KITE_VERSION);
			return 0;
		}
	}
	fputs("kite-record: no driver yet: this build cannot record (the eBPF driver is not built in)\n",
	      stderr);
	return 1;
}

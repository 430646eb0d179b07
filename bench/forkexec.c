/* forkexec.c - benchmark workload: fork, exec /bin/true in the child, wait in the parent; µs per iteration. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: forkexec [M [PROGRAM]]   (default 2000 iterations of /bin/true)
 * Prints "us_per_iter X" on stdout.  Only the loop is timed (CLOCK_MONOTONIC).
 */

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int one(const char *prog)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(prog, prog, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errno = WIFEXITED(st) && WEXITSTATUS(st) == 127 ? ENOEXEC : ECHILD;
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long m = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	const char *prog = argc > 2 ? argv[2] : "/bin/true";
	if (m <= 0) {
		fprintf(stderr, "forkexec: bad iteration count '%s'\n", argv[1]);
		return 2;
	}
	for (int i = 0; i < 20; i++) /* warm the page cache and the tracer's paths */
		if (one(prog)) {
			fprintf(stderr, "forkexec: %s: %s\n", prog, strerror(errno));
			return 1;
		}
	double t0 = now_us();
	for (long i = 0; i < m; i++)
		if (one(prog)) {
			fprintf(stderr, "forkexec: %s: %s\n", prog, strerror(errno));
			return 1;
		}
	double t1 = now_us();
	printf("us_per_iter %.3f\n", (t1 - t0) / (double)m);
	return 0;
}

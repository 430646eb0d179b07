/* ptrace_cases.c - small programs for the ptrace driver's tests: signals, group-stop, exit codes, a multithreaded exec, a process to attach to. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
/* LeakSanitizer refuses to run in a traced process (the ptrace driver's tests trace this one) */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* A handler runs for SIGUSR1; a child stops (SIGSTOP: group-stop) and goes on after SIGCONT. Exit 0 if all held. */
static int signals(void)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	kill(getpid(), SIGUSR1);
	for (int i = 0; i < 100 && !got_usr1; i++)
		nap_ms(10);
	if (!got_usr1) {
		fprintf(stderr, "signals: the SIGUSR1 handler did not run\n");
		return 1;
	}
	pid_t c = fork();
	if (c == 0) {
		raise(SIGSTOP);
		int fd = open("/dev/null", O_RDONLY); /* a recorded syscall after the stop */
		close(fd);
		_exit(5);
	}
	int st;
	if (waitpid(c, &st, WUNTRACED) != c || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
		fprintf(stderr, "signals: the child did not stop (status %#x)\n", st);
		return 1;
	}
	kill(c, SIGCONT);
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 5) {
		fprintf(stderr, "signals: the child did not go on after SIGCONT (status %#x)\n", st);
		return 1;
	}
	printf("signals ok\n");
	return 0;
}

static void *exec_thread(void *arg)
{
	char **argv = arg;
	char tid[32];
	snprintf(tid, sizeof(tid), "%ld", (long)syscall(SYS_gettid));
	setenv("KT_EXEC_TID", tid, 1);
	execv(argv[0], argv);
	_exit(99);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* A thread that is not the leader execs (echo), while another thread idles. */
static int mtexec(void)
{
	pthread_t a, b;
	static char *argv[] = {"/bin/echo", "kite-mtexec", NULL};
	printf("leader %d\n", getpid());
	fflush(stdout);
	pthread_create(&a, NULL, idle_thread, NULL);
	pthread_create(&b, NULL, exec_thread, argv);
	pthread_join(b, NULL);
	return 98;
}

/* Opens and closes /dev/null every 10 ms, and counts in the file given, until killed. */
static int heartbeat(const char *path)
{
	for (long n = 1; n < 1000000000; n++) {
		int fd = open("/dev/null", O_RDONLY);
		close(fd);
		char tmp[4200];
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		FILE *f = fopen(tmp, "w");
		if (f) { /* a reader never sees the file half written */
			fprintf(f, "%ld\n", n);
			fclose(f);
			rename(tmp, path);
		}
		nap_ms(10);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "kill")) {
		signal(atoi(argv[2]), SIG_DFL);
		raise(atoi(argv[2]));
		return 1;
	}
	if (argc >= 2 && !strcmp(argv[1], "signals"))
		return signals();
	if (argc >= 2 && !strcmp(argv[1], "mtexec"))
		return mtexec();
	if (argc >= 3 && !strcmp(argv[1], "heartbeat"))
		return heartbeat(argv[2]);
	fprintf(stderr, "usage: kt-ptrace-cases exit N | kill SIG | signals | mtexec | heartbeat FILE\n");
	return 2;
}

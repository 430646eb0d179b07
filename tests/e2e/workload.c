/* workload.c - a scripted workload for the recorder tests: known syscalls, and a file saying what they returned. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Each step calls the syscall itself (syscall(2)), so the libc cannot swap in
 * another one (open -> openat, chmod -> fchmodat).  What the test must find in
 * the capture goes to the file named by argv[1], one key=value per line.
 */
static FILE *out;

#define SAY(key, fmt, ...) fprintf(out, key "=" fmt "\n", __VA_ARGS__)

static void must(long rc, const char *what)
{
	if (rc < 0) {
		perror(what);
		exit(2);
	}
}

static void files(void)
{
	char dir[] = "/tmp/kite-e2e-XXXXXX";
	must(mkdtemp(dir) ? 0 : -1, "mkdtemp");
	must(chdir(dir), "chdir");
	SAY("dir", "%s", dir);
	long fd = syscall(SYS_openat, AT_FDCWD, "file.txt", O_WRONLY | O_CREAT | O_TRUNC, 0640);
	must(fd, "openat");
	SAY("file_fd", "%ld", fd);
	must(write((int)fd, "hello", 5), "write");
	must(syscall(SYS_dup2, fd, 100), "dup2");
	must(syscall(SYS_close, 100), "close 100");
	must(syscall(SYS_close, fd), "close");
	must(syscall(SYS_rename, "file.txt", "renamed.txt"), "rename");
	must(syscall(SYS_chmod, "renamed.txt", 0600), "chmod");
	must(syscall(SYS_symlink, "renamed.txt", "link.txt"), "symlink");
	must(syscall(SYS_unlink, "link.txt"), "unlink link");
	must(syscall(SYS_unlink, "renamed.txt"), "unlink");
	long bad = syscall(SYS_openat, AT_FDCWD, "/nonexistent/kite-e2e", O_RDONLY, 0);
	SAY("bad_open", "%ld", bad < 0 ? -1L : bad);
	must(chdir("/"), "chdir /");
	must(rmdir(dir), "rmdir");
}

static void network(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	long ls = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	must(ls, "socket");
	must(syscall(SYS_bind, ls, &a, sizeof(a)), "bind");
	must(syscall(SYS_listen, ls, 8), "listen");
	must(getsockname((int)ls, (struct sockaddr *)&a, &len), "getsockname");
	long cs = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	must(cs, "socket");
	must(syscall(SYS_connect, cs, &a, sizeof(a)), "connect");
	struct sockaddr_in c;
	len = sizeof(c);
	must(getsockname((int)cs, (struct sockaddr *)&c, &len), "getsockname");
	long as = syscall(SYS_accept, ls, NULL, NULL);
	must(as, "accept");
	SAY("listen_fd", "%ld", ls);
	SAY("client_fd", "%ld", cs);
	SAY("accept_fd", "%ld", as);
	SAY("server_port", "%u", ntohs(a.sin_port));
	SAY("client_port", "%u", ntohs(c.sin_port));
	close((int)as);
	close((int)cs);
	close((int)ls);
}

/* parent -> child -> grandchild, which execs echo with known arguments */
static void process_tree(void)
{
	fflush(out);
	pid_t child = fork();
	must(child, "fork");
	if (child == 0) {
		pid_t grand = fork();
		if (grand == 0) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			char *argv[] = {"echo", "kite-e2e-marker", "second arg", NULL};
			execve("/bin/echo", argv, (char *[]){"KITE_E2E=1", NULL});
			_exit(99);
		}
		SAY("grandchild", "%d", grand);
		fflush(out);
		int st;
		waitpid(grand, &st, 0);
		_exit(7);
	}
	SAY("child", "%d", child);
	int st;
	waitpid(child, &st, 0);
	SAY("child_status", "%d", WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: kt-workload EXPECT_FILE\n");
		return 2;
	}
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 2;
	}
	setvbuf(out, NULL, _IOLBF, 0);
	SAY("pid", "%d", getpid());
	FILE *cg = fopen("/proc/self/cgroup", "r");
	char line[512];
	while (cg && fgets(line, sizeof(line), cg))
		if (strncmp(line, "0::", 3) == 0) { /* the unified hierarchy */
			line[strcspn(line, "\n")] = 0;
			SAY("cgroup_v2", "%s", line);
		}
	if (cg)
		fclose(cg);
	files();
	network();
	process_tree();
	fclose(out);
	return 0;
}

/* seccomp.c - the ptrace driver's seccomp filter: SECCOMP_RET_TRACE for the recorded syscalls, the rest untouched. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kp.h"

#if defined(__x86_64__)
#define KP_AUDIT_ARCH AUDIT_ARCH_X86_64
#define KP_X32_BIT    0x40000000u
#elif defined(__aarch64__)
#define KP_AUDIT_ARCH AUDIT_ARCH_AARCH64
#define KP_X32_BIT    0xffffffffu
#else
#error "the ptrace driver knows x86_64 and aarch64"
#endif

#define PROT_EXEC_BIT 0x4

#define STMT(code, k) ((struct sock_filter){(unsigned short)(code), 0, 0, (unsigned)(k)})
#define JUMP(code, k, jt, jf)                                                                                \
	((struct sock_filter){(unsigned short)(code), (unsigned char)(jt), (unsigned char)(jf),              \
	                      (unsigned)(k)})

/*
 * The program: other architectures (a 32-bit int 0x80 call has other numbers)
 * and x32 calls run untouched; then one comparison per recorded syscall, in
 * groups of at most 200 so every jump fits in 8 bits.  mmap and mprotect stop
 * only when argument 2 asks for PROT_EXEC, as the eBPF driver records them.
 */
int kp_install_filter(const struct kb_spec *specs, char *err, size_t errlen)
{
	static struct sock_filter prog[4 * KB_MAX_SYSCALLS + 16];
	unsigned n = 0;
	int all = 1, nrs[KB_MAX_SYSCALLS], nn = 0, prot[KB_MAX_SYSCALLS];
	for (int nr = 0; nr < KB_MAX_SYSCALLS; nr++) {
		if (!specs[nr].event) {
			all = 0;
			continue;
		}
		prot[nn] = (specs[nr].flags & KB_F_PROT_EXEC) != 0;
		nrs[nn++] = nr;
	}
	prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, KP_AUDIT_ARCH, 1, 0);
	prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	if (KP_X32_BIT != 0xffffffffu) {
		prog[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, KP_X32_BIT, 0, 1);
		prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	if (all) { /* --all: every syscall below KB_MAX_SYSCALLS */
		prog[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, KB_MAX_SYSCALLS, 0, 1);
		prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
		nn = 0;
	}
	/* each group: k comparisons, then ALLOW (fall through) , [prot check: ld, jset, ret allow], TRACE */
	for (int g = 0; g < nn; g += 200) {
		int k = nn - g < 200 ? nn - g : 200;
		int has_prot = 0;
		for (int i = 0; i < k; i++)
			has_prot |= prot[g + i];
		/* layout after the comparisons: [0] jump to the next group (or ret allow), then
		 * [1..3] the prot check (if any), then ret trace */
		unsigned base = n;
		unsigned after = base + (unsigned)k; /* index of the "not in this group" instruction */
		unsigned prot_at = after + 1, trace_at = after + 1 + (has_prot ? 3 : 0);
		for (int i = 0; i < k; i++) {
			unsigned at = base + (unsigned)i;
			unsigned target = prot[g + i] ? prot_at : trace_at;
			prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[g + i], target - at - 1, 0);
		}
		int last = g + 200 >= nn;
		if (last)
			prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		else /* skip this group's tail to the next group's comparisons */
			prog[n++] = STMT(BPF_JMP | BPF_JA, (has_prot ? 3 : 0) + 1);
		if (has_prot) {
			prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2]));
			prog[n++] = JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC_BIT, 1, 0);
			prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		}
		prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
		if (!last) /* the next group starts by loading the number again (the prot check replaced it) */
			prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	}
	if (!all && nn == 0)
		prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog fp = {.len = (unsigned short)n, .filter = prog};
	/* with CAP_SYS_ADMIN (root) the filter needs no no_new_privs; without, it does, and setuid
	 * programs then run without their privileges (a ptrace tracer's tracees never get them anyway) */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) == 0)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, errlen, "ptrace: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp)) {
		snprintf(err, errlen, "ptrace: installing the seccomp filter: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* ebpf.c - the eBPF driver: loads kite.bpf.c, fills its specs from the event table, reads one ring per CPU. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "driver.h"
#include "events.h"
#include "kite.skel.h"
#include "rings.h"
#include "spec.h"

#define DEFAULT_RING_BYTES (8u << 20)
#define HORIZON_NS         5000000ull /* events younger than this may still be in flight on another CPU */
#define MAX_BACKOFF_NS     20000000   /* idle polling: 1 ms doubling up to 20 ms */

struct kite_driver {
	struct kite_bpf *skel;
	struct kite_driver_opts o;
	unsigned ncpus;
	struct kb_ring *rings;
	struct kb_drops *last_drops; /* per CPU, as last turned into drop records */
	struct kite_driver_stats st;
	int stopped;
};

/* libbpf's messages: the verifier log is kept for errors, printed at once with -v. */
static char libbpf_log[65536];
static size_t libbpf_log_len;
static int libbpf_verbose;

static int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (libbpf_verbose) {
		vfprintf(stderr, fmt, ap);
		return 0;
	}
	if (level == LIBBPF_DEBUG)
		return 0;
	int n = vsnprintf(libbpf_log + libbpf_log_len, sizeof(libbpf_log) - libbpf_log_len, fmt, ap);
	if (n > 0)
		libbpf_log_len += (size_t)n < sizeof(libbpf_log) - libbpf_log_len ? (size_t)n : 0;
	return 0;
}

static uint64_t now_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Why loading failed, in words an operator can act on. */
static void explain_failure(int err, const char *what, char *out, size_t outlen)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		snprintf(out, outlen,
		         "ebpf: this kernel has no BTF (/sys/kernel/btf/vmlinux is missing; it needs "
		         "CONFIG_DEBUG_INFO_BTF=y): the eBPF driver cannot run here");
	else if ((err == EPERM || err == EACCES) && geteuid() != 0)
		snprintf(out, outlen,
		         "ebpf: %s: permission denied: recording with eBPF needs root, or the "
		         "CAP_BPF and CAP_PERFMON capabilities",
		         what);
	else if (err == EACCES || err == EINVAL)
		snprintf(out, outlen, "ebpf: %s: the kernel's verifier rejected them (%s)%s", what,
		         strerror(err), libbpf_verbose ? "" : "; run with -v for the verifier's log");
	else if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) <= 0)
		snprintf(out, outlen,
		         "ebpf: this kernel has no BPF ring buffers (Linux 5.8 or later is needed)");
	else
		snprintf(out, outlen, "ebpf: %s: %s%s", what, strerror(err),
		         libbpf_log_len ? " (run with -v for the verifier's log)" : "");
}

static int setup_rings(struct kite_driver *d, char *err, size_t errlen)
{
	int outer = bpf_map__fd(d->skel->maps.rings);
	d->rings = calloc(d->ncpus, sizeof(*d->rings));
	if (!d->rings) {
		snprintf(err, errlen, "ebpf: out of memory");
		return -1;
	}
	for (unsigned cpu = 0; cpu < d->ncpus; cpu++) {
		int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "kite_ring", 0, 0, d->o.ring_bytes, NULL);
		if (fd < 0) {
			explain_failure(errno, "creating a ring buffer", err, errlen);
			return -1;
		}
		if (bpf_map_update_elem(outer, &cpu, &fd, BPF_ANY) ||
		    kb_ring_map(&d->rings[cpu], fd, d->o.ring_bytes, err, errlen)) {
			if (!*err)
				explain_failure(errno, "installing a ring buffer", err, errlen);
			close(fd);
			return -1;
		}
	}
	return 0;
}

static struct kb_spec specs[KB_NSLOTS];

static int load_specs(struct kite_driver *d, char *err, size_t errlen)
{
	int fd = bpf_map__fd(d->skel->maps.specs);
	for (uint32_t slot = 0; slot < KB_NSLOTS; slot++) {
		if (!specs[slot].event)
			continue;
		if (bpf_map_update_elem(fd, &slot, &specs[slot], BPF_ANY)) {
			explain_failure(errno, "filling the syscall table", err, errlen);
			return -1;
		}
	}
	return 0;
}

static int load_filter(struct kite_driver *d, char *err, size_t errlen)
{
	int fd = bpf_map__fd(d->skel->maps.filter_pids);
	uint8_t one = 1;
	for (unsigned i = 0; i < d->o.npids; i++) {
		uint32_t pid = (uint32_t)d->o.pids[i];
		if (bpf_map_update_elem(fd, &pid, &one, BPF_ANY)) {
			explain_failure(errno, "filling the pid filter", err, errlen);
			return -1;
		}
	}
	fd = bpf_map__fd(d->skel->maps.filter_cgroups);
	for (unsigned i = 0; i < d->o.ncgroups; i++) {
		if (bpf_map_update_elem(fd, &d->o.cgroups[i], &one, BPF_ANY)) {
			explain_failure(errno, "filling the container filter", err, errlen);
			return -1;
		}
	}
	return 0;
}

static void ebpf_close(struct kite_driver *d)
{
	if (!d)
		return;
	for (unsigned i = 0; d->rings && i < d->ncpus; i++) {
		kb_ring_unmap(&d->rings[i]);
		if (d->rings[i].fd > 0)
			close(d->rings[i].fd);
	}
	free(d->rings);
	free(d->last_drops);
	kite_bpf__destroy(d->skel);
	free(d);
}

static struct kite_driver *ebpf_open(const struct kite_driver_opts *o, char *err, size_t errlen)
{
	struct kite_driver *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "ebpf: out of memory");
		return NULL;
	}
	err[0] = '\0';
	d->o = *o;
	if (!d->o.ring_bytes)
		d->o.ring_bytes = DEFAULT_RING_BYTES;
	libbpf_verbose = o->verbose;
	libbpf_log_len = 0;
	libbpf_set_print(on_libbpf_print);
	int n = libbpf_num_possible_cpus();
	d->ncpus = n > 0 ? (unsigned)n : 1;
	d->last_drops = calloc(d->ncpus, sizeof(*d->last_drops));
	d->skel = kite_bpf__open();
	if (!d->last_drops || !d->skel) {
		explain_failure(errno ? errno : ENOMEM, "opening the BPF object", err, errlen);
		goto fail;
	}
	d->skel->rodata->boot_offset_ns = o->boot_ns;
	d->skel->rodata->snaplen = o->snaplen > KB_DATA_MAX ? KB_DATA_MAX : o->snaplen;
	d->skel->rodata->self_tgid = (uint32_t)getpid();
	d->skel->rodata->no_env = (uint8_t)o->no_env;
	d->skel->rodata->filter_pid = o->npids > 0;
	d->skel->rodata->filter_follow = (uint8_t)o->follow;
	if (o->comm)
		strncpy((char *)d->skel->rodata->filter_comm, o->comm, 15);
	d->skel->rodata->filter_cgroup = o->ncgroups > 0;
	kb_compile_specs(kite_schema_builtin(), o->io, o->all, specs);
	if (kb_compile_entry(kite_schema_builtin(), specs, (uint8_t *)d->skel->rodata->entry_how) == 0)
		bpf_program__set_autoload(d->skel->progs.kite_sys_enter,
		                          false); /* nothing to save at entry */
	bpf_map__set_max_entries(d->skel->maps.rings, d->ncpus);
	bpf_map__set_max_entries(d->skel->maps.scratch, 2 * d->ncpus);
	/* the inner map's size is part of its type: give the outer map a prototype of the real size */
	int proto = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "kite_ring_proto", 0, 0, d->o.ring_bytes, NULL);
	if (proto < 0) {
		explain_failure(errno, "creating a ring buffer", err, errlen);
		goto fail;
	}
	bpf_map__set_inner_map_fd(d->skel->maps.rings, proto);
	int rc = kite_bpf__load(d->skel);
	close(proto);
	if (rc) {
		explain_failure(-rc > 0 ? -rc : errno, "loading the BPF programs", err, errlen);
		if (o->verbose && libbpf_log_len)
			fprintf(stderr, "%s", libbpf_log);
		goto fail;
	}
	if (load_specs(d, err, errlen) || load_filter(d, err, errlen) || setup_rings(d, err, errlen))
		goto fail;
	d->st.ncpus = d->ncpus;
	return d;
fail:
	ebpf_close(d);
	return NULL;
}

static int ebpf_start(struct kite_driver *d, char *err, size_t errlen)
{
	int rc = kite_bpf__attach(d->skel);
	if (rc) {
		explain_failure(-rc, "attaching the BPF programs", err, errlen);
		return -1;
	}
	return 0;
}

static void ebpf_stop(struct kite_driver *d)
{
	kite_bpf__detach(d->skel);
	d->stopped = 1;
}

/* New drops since the last look become one drop record per CPU, in the stream. */
static int report_drops(struct kite_driver *d, kite_sink_fn sink, void *ctx)
{
	struct kb_drops now[d->ncpus];
	uint32_t zero = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.drops), &zero, now))
		return 0;
	for (unsigned cpu = 0; cpu < d->ncpus; cpu++) {
		uint64_t lost = now[cpu].n - d->last_drops[cpu].n;
		if (!lost)
			continue;
		uint8_t buf[128];
		struct kite_evt_builder b;
		kite_evt_begin(&b, buf, KITE_EVT_DROP, 3, now[cpu].last_ts, 0, 0, (uint16_t)cpu);
		kite_evt_add_u(&b, lost, 8);
		kite_evt_add_u(&b, d->last_drops[cpu].n ? d->last_drops[cpu].last_ts : now[cpu].first_ts, 8);
		kite_evt_add_u(&b, now[cpu].last_ts, 8);
		d->last_drops[cpu] = now[cpu];
		d->st.drops += lost;
		const struct kite_evt *e = kite_evt_end(&b);
		if (e && sink(ctx, e) < 0)
			return -1;
	}
	return 0;
}

struct counting_sink {
	kite_sink_fn sink;
	void *ctx;
	uint64_t *count;
};

static int count_and_forward(void *ctx, const struct kite_evt *e)
{
	struct counting_sink *c = ctx;
	(*c->count)++;
	return c->sink(c->ctx, e);
}

static int ebpf_poll(struct kite_driver *d, int timeout_ms, int final, kite_sink_fn sink, void *ctx)
{
	struct counting_sink cs = {sink, ctx, &d->st.events};
	uint64_t deadline =
	        now_ns(CLOCK_MONOTONIC) + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000ull;
	long backoff = 1000000;
	for (;;) {
		uint64_t horizon = final ? UINT64_MAX : now_ns(CLOCK_REALTIME) - HORIZON_NS;
		long n = kb_rings_merge(d->rings, d->ncpus, horizon, count_and_forward, &cs);
		if (n < 0 || report_drops(d, sink, ctx) < 0)
			return -1;
		if (n > 0 || final || now_ns(CLOCK_MONOTONIC) >= deadline)
			return (int)n;
		/* nothing ready: the programs never wake us (BPF_RB_NO_WAKEUP), so back off and look again */
		struct timespec ts = {0, backoff};
		nanosleep(&ts, NULL);
		backoff = backoff * 2 > MAX_BACKOFF_NS ? MAX_BACKOFF_NS : backoff * 2;
	}
}

static void ebpf_stats(struct kite_driver *d, struct kite_driver_stats *st)
{
	*st = d->st;
}

const struct kite_driver_ops kite_driver_ebpf = {
        .name = "ebpf",
        .open = ebpf_open,
        .start = ebpf_start,
        .poll = ebpf_poll,
        .stop = ebpf_stop,
        .stats = ebpf_stats,
        .close = ebpf_close,
};

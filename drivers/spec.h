/* spec.h - from kite's event table to the per-syscall specs both drivers follow (the BPF program and the ptrace tracer). */
#ifndef KITE_EBPF_SPEC_H
#define KITE_EBPF_SPEC_H

#include <stdint.h>

#include "ebpf/kite_bpf.h"
#include "schema.h"

/* How the BPF program fills one parameter of event d. */
struct kb_param kb_compile_param(const struct kite_event_desc *d, const struct kite_param_desc *p);
/*
 * Fills out[KB_NSLOTS]: a spec per syscall number of the default set (plus
 * the --io group, plus raw records for every other syscall with all), and
 * the procexit and generic slots.  Returns how many syscalls are recorded.
 */
int kb_compile_specs(const struct kite_schema *s, int io, int all, struct kb_spec *out);
/* Fills how[KB_MAX_SYSCALLS] with what to save at entry for the recorded syscalls; returns how many need it. */
int kb_compile_entry(const struct kite_schema *s, const struct kb_spec *specs, uint8_t *how);

#endif

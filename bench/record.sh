#!/bin/sh
# record.sh - benchmarks kite-record's recording overhead against no recording, perf trace and strace.
#   sh bench/record.sh [BUILD_DIR [BIN_DIR]]          (make bench: sh bench/record.sh $(O) $(BIN))
#
# Two workloads (bench/orc.c, bench/forkexec.c, built here with cc -O2 into BUILD_DIR/bench/record):
#   open/read/close of /etc/hostname, BENCH_N iterations (default 300000), and
#   fork + exec /bin/true + wait, BENCH_M iterations (default 2000),
# each run BENCH_RUNS times (default 3) under every configuration: no recording, kite-record (default
# set, then --io), perf trace, strace -f and strace -f --seccomp-bpf.  The workload times its own loop
# (CLOCK_MONOTONIC), so tool start-up is excluded.  Runs are interleaved across configurations; the
# median is reported with the slowdown against the baseline.  BENCH_CPU=N pins each tool together with
# its workload to CPU N (default: not pinned).  Then, with kernel.bpf_stats_enabled=1 (put back
# afterwards), the run time per call of kite's BPF programs during one more open/read/close loop.
# A Markdown report goes to stdout, progress to stderr.  There are no timing thresholds: the exit status
# is 1 only when the benchmark itself is broken (kite-record fails, or records no events).
# Tracers this script did not start (a concurrent test suite's kite-record, say) are named in the notes.
set -u
O=${1:-build}
BIN=${2:-bin}
N=${BENCH_N:-300000}
M=${BENCH_M:-2000}
RUNS=${BENCH_RUNS:-3}
CPU=${BENCH_CPU:-}
KITE_RECORD=$BIN/kite-record
KITE=$BIN/kite
ORC_EVENTS=openat,read,close
FE_EVENTS=clone,clone3,execve,exit_group,wait4

say() { printf 'record.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for v in "$N" "$M" "$RUNS"; do
	case $v in '' | *[!0-9]* | 0) die "BENCH_N, BENCH_M and BENCH_RUNS take positive integers, not '$v'" ;; esac
done
[ -x "$KITE_RECORD" ] && [ -x "$KITE" ] || die "$KITE_RECORD or $KITE missing: run make first"
if [ -n "$CPU" ]; then
	command -v taskset >/dev/null 2>&1 || die "BENCH_CPU needs taskset (util-linux)"
	taskset -c "$CPU" true 2>/dev/null || die "BENCH_CPU=$CPU: taskset cannot pin to that CPU"
fi
# pin CMD...: CMD (a tool and its workload, or the bare workload) on BENCH_CPU when it is set
pin() {
	if [ -n "$CPU" ]; then
		taskset -c "$CPU" "$@"
	else
		"$@"
	fi
}

T=$(mktemp -d "${TMPDIR:-/tmp}/kite-bench.XXXXXX") || die "mktemp failed"
STATS_OLD=""
KPID=""
WPID=""
cleanup() {
	[ -n "$WPID" ] && kill "$WPID" 2>/dev/null
	if [ -n "$KPID" ]; then
		kill -TERM "$KPID" 2>/dev/null
		wait "$KPID" 2>/dev/null
	fi
	[ -n "$STATS_OLD" ] && echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the workloads ----
SRC=$(dirname "$0")
WB=$O/bench/record
mkdir -p "$WB" || die "cannot create $WB"
for w in orc forkexec; do
	cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o "$WB/$w" "$SRC/$w.c" || die "cannot build $SRC/$w.c"
done
ORC=$WB/orc
FE=$WB/forkexec

# ---- the other tools: install what is missing, then check that each can trace at all ----
NOTES=$T/notes
: >"$NOTES"
note() { printf -- '- %s\n' "$*" >>"$NOTES"; }
# first line of a tool's stderr that says what went wrong, fit for a table cell
reason_of() {
	why=$(grep -i -m1 -E 'error|fail|denied|not |cannot|can.t|invalid|unknown|no such' "$1" 2>/dev/null)
	[ -n "$why" ] || why=$(grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 1)
	[ -n "$why" ] || why="exit status $2, no output"
	printf '%s' "$why" | tr '\t|' ' /' | cut -c1-140
}

missing=""
command -v perf >/dev/null 2>&1 || missing="$missing linux-perf"
command -v strace >/dev/null 2>&1 || missing="$missing strace"
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "installing$missing"
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $missing; } >"$T/apt.log" 2>&1 ||
			say "apt-get install$missing failed: $(tail -n 1 "$T/apt.log")"
	else
		say "missing$missing (not root or no apt-get): those rows are skipped"
	fi
fi

PERF_SKIP=""
if ! command -v perf >/dev/null 2>&1; then
	PERF_SKIP="skipped: perf not installed (apt-get install linux-perf)"
else
	# perf trace reads the syscall tracepoints' formats from tracefs
	if [ ! -e /sys/kernel/tracing/events ] && [ ! -e /sys/kernel/debug/tracing/events ]; then
		if mount -t tracefs nodev /sys/kernel/tracing 2>"$T/mount.err"; then
			note "tracefs was not mounted: mounted it at /sys/kernel/tracing for perf trace (left mounted)"
		else
			note "could not mount tracefs at /sys/kernel/tracing: $(reason_of "$T/mount.err" 1)"
		fi
	fi
	if ! perf trace -e "$ORC_EVENTS" -o /dev/null -- /bin/true >/dev/null 2>"$T/perf.err"; then
		PERF_SKIP="perf trace cannot run: $(reason_of "$T/perf.err" non-zero)"
	elif ! perf trace -e "$FE_EVENTS" -o /dev/null -- /bin/true >/dev/null 2>"$T/perf.err"; then
		PERF_SKIP="perf trace -e $FE_EVENTS fails: $(reason_of "$T/perf.err" non-zero)"
	fi
fi
STRACE_SKIP=""
SECCOMP_SKIP=""
if ! command -v strace >/dev/null 2>&1; then
	STRACE_SKIP="skipped: strace not installed (apt-get install strace)"
	SECCOMP_SKIP=$STRACE_SKIP
else
	if ! strace -f -e trace="$ORC_EVENTS" -o /dev/null /bin/true 2>"$T/strace.err"; then
		STRACE_SKIP="strace cannot run: $(reason_of "$T/strace.err" non-zero)"
		SECCOMP_SKIP=$STRACE_SKIP
	elif ! strace -f --seccomp-bpf -e trace="$ORC_EVENTS" -o /dev/null /bin/true 2>"$T/strace.err"; then
		SECCOMP_SKIP="strace --seccomp-bpf cannot run: $(reason_of "$T/strace.err" non-zero)"
	elif grep -qi seccomp "$T/strace.err"; then
		note "strace --seccomp-bpf warned: $(reason_of "$T/strace.err" 0) (the row may be plain ptrace)"
	fi
fi

# ---- one run of one workload under one configuration ----
CONFIGS="base kite kiteio perf strace seccomp"
label() {
	case $1 in
	base) echo "baseline (no recording)" ;;
	kite) echo "kite-record (default set)" ;;
	kiteio) echo "kite-record --io" ;;
	perf) echo "perf trace -e (same syscalls)" ;;
	strace) echo "strace -f -e trace=(same)" ;;
	seccomp) echo "strace -f --seccomp-bpf -e trace=(same)" ;;
	esac
}
wname() { if [ "$1" = orc ]; then echo open/read/close; else echo fork+exec; fi; }
skip_of() {
	case $1 in
	perf) echo "$PERF_SKIP" ;;
	strace) echo "$STRACE_SKIP" ;;
	seccomp) echo "$SECCOMP_SKIP" ;;
	esac
}

# kite_run CFG WL OUT ERR CMD...: records CMD, checks kite-record's statistics, keeps events/drops/bytes
kite_run() {
	cfg=$1 wl=$2 out=$3 err=$4
	shift 4
	cap=$T/cap.kcap
	rm -f "$cap"
	if [ "$cfg" = kiteio ]; then
		pin "$KITE_RECORD" -w "$cap" --io -- "$@" >"$out" 2>"$err"
	else
		pin "$KITE_RECORD" -w "$cap" -- "$@" >"$out" 2>"$err"
	fi
	rc=$?
	stats=$(grep -m1 -E '^kite-record: [0-9]+ events, [0-9]+ dropped' "$err")
	if [ $rc -ne 0 ] || [ -z "$stats" ]; then
		cat "$err" >&2
		die "$(label "$cfg") on the $(wname "$wl") workload failed (exit status $rc): a broken benchmark"
	fi
	events=$(printf '%s\n' "$stats" | sed 's/^kite-record: \([0-9]*\) events, \([0-9]*\) dropped.*/\1/')
	drops=$(printf '%s\n' "$stats" | sed 's/^kite-record: \([0-9]*\) events, \([0-9]*\) dropped.*/\2/')
	[ "$events" -gt 0 ] || die "$(label "$cfg") recorded no events on the $(wname "$wl") workload: a broken benchmark"
	"$KITE" info --json "$cap" >"$T/info.json" 2>"$T/info.err"
	irc=$?
	json=$(cat "$T/info.json")
	fbytes=$(printf '%s' "$json" | sed -n 's/.*"file_bytes":\([0-9]*\).*/\1/p')
	ievents=$(printf '%s' "$json" | sed -n 's/.*"events":\([0-9]*\).*/\1/p')
	idrops=$(printf '%s' "$json" | sed -n 's/.*"drops":\([0-9]*\).*/\1/p')
	if [ $irc -ne 0 ] || [ -z "$fbytes" ] || [ -z "$ievents" ]; then
		note "kite info --json on the $(wname "$wl") capture ($(label "$cfg")) exited $irc: $(reason_of "$T/info.err" $irc)"
		fbytes=${fbytes:-0} ievents=${ievents:-0}
	fi
	[ "$ievents" = "$events" ] && [ "${idrops:-$drops}" = "$drops" ] ||
		note "$(wname "$wl"), $(label "$cfg"): kite-record said $events events/$drops dropped, kite info says ${ievents} events/${idrops:-?} drops"
	echo "$events $drops $fbytes $ievents" >>"$T/kite.$cfg.$wl"
	rm -f "$cap"
}

# run_one CFG WL: appends the µs/iteration to $T/res.CFG.WL, or a failure reason to $T/fail.CFG.WL
run_one() {
	cfg=$1 wl=$2
	out=$T/out err=$T/err
	if [ "$wl" = orc ]; then
		ev=$ORC_EVENTS
		set -- "$ORC" "$N"
	else
		ev=$FE_EVENTS
		set -- "$FE" "$M"
	fi
	: >"$err"
	case $cfg in
	base) pin "$@" >"$out" 2>"$err" ;;
	kite | kiteio) kite_run "$cfg" "$wl" "$out" "$err" "$@" ;;
	perf) pin perf trace -e "$ev" -o /dev/null -- "$@" >"$out" 2>"$err" ;;
	strace) pin strace -f -e trace="$ev" -o /dev/null "$@" >"$out" 2>"$err" ;;
	seccomp) pin strace -f --seccomp-bpf -e trace="$ev" -o /dev/null "$@" >"$out" 2>"$err" ;;
	esac
	rc=$?
	v=$(sed -n 's/^us_per_iter \([0-9.]*\)$/\1/p' "$out")
	if [ $rc -eq 0 ] && [ -n "$v" ]; then
		echo "$v" >>"$T/res.$cfg.$wl"
	else
		[ "$cfg" = base ] && { cat "$err" >&2; die "the $(wname "$wl") workload fails on its own (exit status $rc)"; }
		reason_of "$err" $rc >>"$T/fail.$cfg.$wl"
		echo >>"$T/fail.$cfg.$wl"
	fi
}

# Tracers that this script did not start (another kite-record, perf or strace: a test suite, say)
# slow every syscall on the host, the baseline's too: a watcher names them in the notes.
# foreign PID: true if PID is alive and not a descendant of this script (ours: the tool, the
# command kite-record forked before it execs, ...)
foreign() {
	a=$1
	while :; do
		a=$(ps -o ppid= -p "$a" 2>/dev/null | tr -d ' ')
		[ -n "$a" ] || return 1 # gone: cannot tell
		[ "$a" = "$$" ] && return 1
		[ "$a" -le 1 ] && return 0
	done
}
watch_start() {
	: >"$T/busy"
	(
		while :; do
			pgrep -l -x 'kite-record|perf|strace' 2>/dev/null | while read -r p name; do
				foreign "$p" && echo "$name" >>"$T/busy"
			done
			sleep 0.2
		done
	) &
	WPID=$!
}
watch_stop() {
	kill "$WPID" 2>/dev/null
	wait "$WPID" 2>/dev/null
	WPID=""
	[ -s "$T/busy" ] && note "run $1, $2 under $3: another $(sort -u "$T/busy" | tr '\n' ' ')was running on the host (its time may be inflated)"
}

# ---- the runs, interleaved so that drift spreads over every configuration ----
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
r=1
while [ "$r" -le "$RUNS" ]; do
	for wl in orc fe; do
		for cfg in $CONFIGS; do
			[ -n "$(skip_of "$cfg")" ] && continue
			say "run $r/$RUNS: $wl under $(label "$cfg")"
			watch_start
			run_one "$cfg" "$wl"
			watch_stop "$r" "$(wname "$wl")" "$(label "$cfg")"
		done
	done
	r=$((r + 1))
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- kite's BPF programs, timed by the kernel (kernel.bpf_stats_enabled) during one more loop ----
snapshot() { # ids -> "name run_cnt run_time_ns" lines
	for id in $1; do
		j=$(bpftool prog show id "$id" --json 2>/dev/null) || continue
		name=$(printf '%s' "$j" | sed -n 's/.*"name":"\([^"]*\)".*/\1/p')
		cnt=$(printf '%s' "$j" | sed -n 's/.*"run_cnt":\([0-9]*\).*/\1/p')
		ns=$(printf '%s' "$j" | sed -n 's/.*"run_time_ns":\([0-9]*\).*/\1/p')
		echo "${name:-id$id} ${cnt:-0} ${ns:-0}"
	done
}
BPF_SKIP=""
if ! command -v bpftool >/dev/null 2>&1; then
	BPF_SKIP="bpftool not installed"
elif ! STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null) ||
	! sysctl -q -w kernel.bpf_stats_enabled=1 >/dev/null 2>"$T/sysctl.err"; then
	BPF_SKIP="cannot set kernel.bpf_stats_enabled: $(reason_of "$T/sysctl.err" 1)"
	STATS_OLD=""
else
	say "BPF run-time statistics: kite-record (whole host) around one more open/read/close loop"
	"$KITE_RECORD" -w "$T/stats.kcap" 2>"$T/stats.err" &
	KPID=$!
	ids="" i=0
	while [ $i -lt 600 ] && kill -0 "$KPID" 2>/dev/null; do # up to 60 s: loading takes a few
		ids=$(grep -h '^prog_id:' /proc/"$KPID"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -un | tr '\n' ' ')
		[ -n "$ids" ] && snapshot "$ids" | awk '$1 == "kite_sys_exit" && $2 > 0 {ok = 1} END {exit !ok}' && break
		sleep 0.1
		i=$((i + 1))
	done
	if ! kill -0 "$KPID" 2>/dev/null; then
		wait "$KPID"
		KPID=""
		cat "$T/stats.err" >&2
		die "kite-record (whole host, for the BPF statistics) stopped by itself"
	fi
	sleep 1 # let the start-up snapshot of /proc finish
	snapshot "$ids" >"$T/bpf0"
	"$ORC" "$N" >"$T/stats.out" 2>&1
	snapshot "$ids" >"$T/bpf1"
	kill -TERM "$KPID"
	wait "$KPID"
	krc=$?
	KPID=""
	echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
	STATS_OLD=""
	[ $krc -eq 0 ] || { cat "$T/stats.err" >&2; die "kite-record (whole host) failed (exit status $krc)"; }
	STATS_LINE=$(grep -m1 -E '^kite-record: [0-9]+ events' "$T/stats.err")
	STATS_US=$(sed -n 's/^us_per_iter \([0-9.]*\)$/\1/p' "$T/stats.out")
	[ -s "$T/bpf1" ] || BPF_SKIP="no BPF programs found in kite-record's /proc/PID/fdinfo"
fi

# ---- the report ----
fmt() { awk -v v="$1" 'BEGIN { if (v < 10) printf "%.2f", v; else if (v < 100) printf "%.1f", v; else printf "%.0f", v }'; }
# stats FILE -> "median min max"
stats() {
	sort -g "$1" | awk '{a[NR] = $1} END {
		if (NR == 0) exit 1
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		print m, a[1], a[NR] }'
}
cell() { # cell CFG WL -> "median (min-max) | ratio"
	cfg=$1 wl=$2
	s=$(skip_of "$cfg")
	if [ -n "$s" ]; then
		printf '%s | -' "$s"
		return
	fi
	if [ ! -s "$T/res.$cfg.$wl" ]; then
		printf 'failed: %s | -' "$(grep -v '^$' "$T/fail.$cfg.$wl" | head -n 1)"
		return
	fi
	# shellcheck disable=SC2046 # three numbers
	set -- $(stats "$T/res.$cfg.$wl")
	base=$(stats "$T/res.base.$wl" | cut -d' ' -f1)
	nf=0
	[ -s "$T/fail.$cfg.$wl" ] && nf=$(grep -c -v '^$' "$T/fail.$cfg.$wl")
	extra=""
	[ "$nf" -gt 0 ] && extra=" ($nf run(s) failed: $(grep -v '^$' "$T/fail.$cfg.$wl" | head -n 1))"
	printf '%s (%s-%s)%s | %sx' "$(fmt "$1")" "$(fmt "$2")" "$(fmt "$3")" "$extra" \
		"$(awk -v a="$1" -v b="$base" 'BEGIN { printf "%.2f", a / b }')"
}

host=$(uname -n)
echo "## kite-record overhead ($host, $(uname -r), $(nproc) CPUs)"
echo
echo "Open/read/close of /etc/hostname: $N iterations; fork + exec /bin/true + wait: $M iterations."
echo "µs per iteration, median of $RUNS runs (min-max), timed inside the workload; runs interleaved."
echo "Traced syscalls for perf trace and strace: $ORC_EVENTS (open/read/close), $FE_EVENTS (fork+exec)."
echo "kite-record records the whole host; its default set has openat and close but not read (--io adds read)."
echo "Load average (1, 5, 15 min) before the runs: $LOAD0; after: $LOAD1."
if [ -n "$CPU" ]; then
	echo "Pinned (BENCH_CPU): each tool and its workload run together on CPU $CPU."
else
	echo "Not pinned (set BENCH_CPU=N to run each tool with its workload on CPU N)."
fi
printf 'Versions: %s' "$("$KITE_RECORD" --version 2>&1 | head -n 1)"
command -v perf >/dev/null 2>&1 && printf '; %s' "$(perf --version 2>&1 | head -n 1)"
command -v strace >/dev/null 2>&1 && printf '; %s' "$(strace -V 2>&1 | head -n 1)"
echo
echo
echo "| configuration | open/read/close µs/iter | slowdown | fork+exec µs/iter | slowdown |"
echo "|---|---:|---:|---:|---:|"
for cfg in $CONFIGS; do
	echo "| $(label "$cfg") | $(cell "$cfg" orc) | $(cell "$cfg" fe) |"
done
echo
echo "### kite-record captures"
echo
echo "| workload | configuration | events (median run) | dropped (each run) | bytes/event (median run) |"
echo "|---|---|---:|---:|---:|"
for wl in orc fe; do
	for cfg in kite kiteio; do
		f=$T/kite.$cfg.$wl
		[ -s "$f" ] || continue
		name=$(wname "$wl")
		med=$(sort -n -k1,1 "$f" | awk '{l[NR] = $0} END {print l[int((NR + 1) / 2)]}')
		# shellcheck disable=SC2086 # four numbers
		set -- $med
		bpe=$(awk -v b="$3" -v e="$4" 'BEGIN { if (e > 0) printf "%.1f", b / e; else printf "?" }')
		echo "| $name | $(label "$cfg") | $1 | $(awk '{printf "%s%s", (NR > 1 ? ", " : ""), $2}' "$f") | $bpe |"
	done
done
echo
echo "### kite's BPF programs during one open/read/close loop (kernel.bpf_stats_enabled=1)"
echo
if [ -n "$BPF_SKIP" ]; then
	echo "skipped: $BPF_SKIP"
else
	echo "kite-record ran on the whole host; the loop ($N iterations) took ${STATS_US:-?} µs/iteration with the"
	echo "statistics on (they add their own cost). Calls: every syscall on the host in that window."
	echo "${STATS_LINE:-kite-record printed no statistics}"
	echo
	echo "| program | calls | avg ns/call | BPF ns per loop iteration |"
	echo "|---|---:|---:|---:|"
	awk -v n="$N" 'NR == FNR {c[$1] = $2; t[$1] = $3; next}
		{ dc = $2 - c[$1]; dt = $3 - t[$1]
		  printf "| %s | %d | %s | %.0f |\n", $1, dc, (dc > 0 ? sprintf("%.0f", dt / dc) : "-"), dt / n }' \
		"$T/bpf0" "$T/bpf1"
	for p in kite_sys_exit kite_sys_enter; do
		grep -q "^$p " "$T/bpf1" || echo "| $p | not loaded | - | - |"
	done
fi
if [ -s "$NOTES" ]; then
	echo
	echo "### Notes"
	echo
	cat "$NOTES"
fi
exit 0

#!/bin/sh
# ptrace.sh - benchmarks kite-record's ptrace driver against no recording, strace -f and strace -f --seccomp-bpf.
#   sh bench/ptrace.sh [BUILD_DIR [BIN_DIR]]          (make bench: sh bench/ptrace.sh $(O) $(BIN))
#
# Two workloads (bench/orc.c, bench/forkexec.c, built here with cc -O2 into BUILD_DIR/bench/ptrace):
#   open/read/close of /etc/hostname, BENCH_N iterations (default 50000), and
#   fork + exec /bin/true + wait, BENCH_M iterations (default 500),
# each run BENCH_RUNS times (default 3), interleaved, under: no recording, kite-record --driver ptrace,
# strace -f and strace -f --seccomp-bpf, all tracing the same syscalls:
#   open/read/close: openat and close (kite-record's default set records those and not read;
#     strace -f stops at read too, and throws it away, which is the point of the comparison);
#   fork+exec: kite-record's default set, which for this workload is clone/clone3, execve, openat,
#     close, and mmap/mprotect with PROT_EXEC; strace gets clone,clone3,execve,openat,close,mmap,mprotect
#     (it cannot filter on PROT_EXEC, so it also stops at the other mmaps).
# The workload times its own loop, so start-up is excluded; the median is reported, with the
# slowdown against the baseline and kite-record's speed-up over each strace.  Markdown on stdout,
# progress on stderr.  Exit status 1 only when the benchmark itself is broken.
set -u
O=${1:-build}
BIN=${2:-bin}
N=${BENCH_N:-50000}
M=${BENCH_M:-500}
RUNS=${BENCH_RUNS:-3}
KITE_RECORD=$BIN/kite-record
ORC_SET=openat,close
FE_SET=clone,clone3,execve,openat,close,mmap,mprotect

say() { printf 'ptrace.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for v in "$N" "$M" "$RUNS"; do
	case $v in '' | *[!0-9]* | 0) die "BENCH_N, BENCH_M and BENCH_RUNS take positive integers, not '$v'" ;; esac
done
[ -x "$KITE_RECORD" ] || die "$KITE_RECORD missing: run make first"
command -v strace >/dev/null 2>&1 || die "strace is missing (sh mk/deps.sh install)"

T=$(mktemp -d "${TMPDIR:-/tmp}/kite-bench-ptrace.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

WB=$O/bench/ptrace
mkdir -p "$WB" || die "cannot create $WB"
for w in orc forkexec; do
	cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o "$WB/$w" "bench/$w.c" || die "cannot build bench/$w.c"
done

CONFIGS="base kite strace seccomp"
label() {
	case $1 in
	base) echo "baseline (no recording)" ;;
	kite) echo "kite-record --driver ptrace" ;;
	strace) echo "strace -f -e trace=(same)" ;;
	seccomp) echo "strace -f --seccomp-bpf -e trace=(same)" ;;
	esac
}

# run_one CFG WL: appends the µs/iteration to $T/res.CFG.WL
run_one() {
	cfg=$1 wl=$2
	if [ "$wl" = orc ]; then
		set=$ORC_SET
		set -- "$WB/orc" "$N"
	else
		set=$FE_SET
		set -- "$WB/forkexec" "$M"
	fi
	case $cfg in
	base) "$@" >"$T/out" 2>"$T/err" ;;
	kite) "$KITE_RECORD" --driver ptrace -w "$T/cap.kcap" -- "$@" >"$T/out" 2>"$T/err" ;;
	strace) strace -f -e trace="$set" -o /dev/null "$@" >"$T/out" 2>"$T/err" ;;
	seccomp) strace -f --seccomp-bpf -e trace="$set" -o /dev/null "$@" >"$T/out" 2>"$T/err" ;;
	esac
	rc=$?
	v=$(sed -n 's/^us_per_iter \([0-9.]*\)$/\1/p' "$T/out")
	if [ $rc -ne 0 ] || [ -z "$v" ]; then
		cat "$T/err" >&2
		die "$(label "$cfg") on $wl failed (exit status $rc)"
	fi
	if [ "$cfg" = kite ]; then
		grep -q ' 0 dropped' "$T/err" || die "kite-record reported drops: $(cat "$T/err")"
		grep -m1 '^kite-record: [0-9]* events' "$T/err" | sed 's/^kite-record: \([0-9]*\) events.*/\1/' >>"$T/events.$wl"
	fi
	echo "$v" >>"$T/res.$cfg.$wl"
	rm -f "$T/cap.kcap"
}

median() { sort -n "$1" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

for r in $(seq 1 "$RUNS"); do
	for wl in orc forkexec; do
		for cfg in $CONFIGS; do
			say "run $r/$RUNS: $wl, $(label "$cfg")"
			run_one "$cfg" "$wl"
		done
	done
done

echo "### The ptrace driver (\`bench/ptrace.sh\`)"
echo
echo "open/read/close: $N iterations; fork+exec: $M iterations; median of $RUNS interleaved runs."
echo
echo "| configuration | open/read/close | slowdown | fork+exec | slowdown |"
echo "|---|---:|---:|---:|---:|"
for cfg in $CONFIGS; do
	o=$(median "$T/res.$cfg.orc") f=$(median "$T/res.$cfg.forkexec")
	ob=$(median "$T/res.base.orc") fb=$(median "$T/res.base.forkexec")
	printf '| %s | %.1f µs | %.1fx | %.0f µs | %.2fx |\n' "$(label "$cfg")" "$o" "$(echo "$o / $ob" | bc -l)" \
		"$f" "$(echo "$f / $fb" | bc -l)"
done
echo
ko=$(median "$T/res.kite.orc") kf=$(median "$T/res.kite.forkexec")
for cfg in strace seccomp; do
	o=$(median "$T/res.$cfg.orc") f=$(median "$T/res.$cfg.forkexec")
	printf -- '- %s takes %.2fx the time of kite-record on open/read/close, %.2fx on fork+exec.\n' \
		"$(label "$cfg")" "$(echo "$o / $ko" | bc -l)" "$(echo "$f / $kf" | bc -l)"
done
printf -- '- kite-record recorded %s events per open/read/close run and %s per fork+exec run, none dropped.\n' \
	"$(median "$T/events.orc")" "$(median "$T/events.forkexec")"

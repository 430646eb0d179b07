#!/bin/sh
# scap.sh - kite show against sysdig -r on the same .scap capture with the same filter: events/s of each, in one run.
#   sh bench/scap.sh [BUILD_DIR [BIN_DIR]]          (make bench: sh bench/scap.sh $(O) $(BIN))
#
# The capture: BENCH_SCAP_EVENTS (default 2000000) events of kt-synth's build-and-web-service mix,
# written as a .kcap and converted with `kite convert` to a gzip .scap (enter + exit events, as sysdig
# writes them).  Both readers then read that .scap with the filter below and print one field per
# match to /dev/null; each is run BENCH_RUNS times (default 3) and the median wall time is kept.
# Rates are the capture's kite events (exit-only, as kite shows them) per second of each reader.
# Also kite on the .kcap itself, for comparison.  A Markdown report goes to stdout.  Exit status 1
# only when the benchmark is broken (a reader fails, or the two disagree on the number of matches).
set -u
O=${1:-build}
BIN=${2:-bin}
N=${BENCH_SCAP_EVENTS:-2000000}
RUNS=${BENCH_RUNS:-3}
KITE=$BIN/kite
FILTER='evt.type in (open, openat) and fd.name startswith /etc'

say() { printf 'scap.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

command -v sysdig >/dev/null 2>&1 || die "sysdig is not installed (sh mk/deps.sh install)"
[ -x "$KITE" ] && [ -x "$O/tests/kt-synth" ] || die "build first: make all $O/tests/kt-synth"
dir=$O/bench/scap
mkdir -p "$dir"
kcap=$dir/synth-$N.kcap
scap=$dir/synth-$N.scap
if [ ! -s "$scap" ]; then
	say "writing $N events to $kcap, converting to $scap"
	"$O/tests/kt-synth" -n "$N" "$kcap" || die "kt-synth failed"
	"$KITE" convert -f "$kcap" "$scap" || die "kite convert failed"
fi
events=$("$KITE" info --scan "$kcap" | sed -n 's/^Events: *\([0-9]*\).*/\1/p')
[ -n "$events" ] && [ "$events" -gt 0 ] || die "cannot count the events of $kcap"

now() { date +%s.%N; }
# median of the wall time of RUNS runs of a command (its stdout counted as matches into $dir/matches)
timeit() {
	times=""
	for _ in $(seq "$RUNS"); do
		t0=$(now)
		"$@" >"$dir/out" 2>/dev/null || return 1
		t1=$(now)
		times="$times $(echo "$t1 - $t0" | bc -l)"
	done
	wc -l <"$dir/out" >"$dir/matches"
	echo $times | tr ' ' '\n' | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

say "kite show on the .scap"
tk=$(timeit "$KITE" show --no-progress -p '%evt.num' "$scap" "$FILTER") || die "kite show failed"
mk=$(cat "$dir/matches")
say "sysdig -r on the .scap"
ts=$(timeit sysdig -r "$scap" -p '%evt.num' "$FILTER and evt.dir=<") || die "sysdig -r failed"
ms=$(cat "$dir/matches")
say "kite show on the .kcap"
tc=$(timeit "$KITE" show --no-progress -p '%evt.num' "$kcap" "$FILTER") || die "kite show failed"

rate() { echo "scale=2; $events / $1 / 1000000" | bc -l; }
echo "| reader (filter: \`$FILTER\`) | input | time (s, median of $RUNS) | Mevents/s | matches |"
echo "|---|---|---:|---:|---:|"
echo "| sysdig -r (0.29.3) | .scap, gzip | $ts | $(rate "$ts") | $ms |"
echo "| kite show | same .scap | $tk | $(rate "$tk") | $mk |"
echo "| kite show | the .kcap it came from | $tc | $(rate "$tc") | |"
echo
echo "$events kite events ($N generated).  kite on the .scap is $(echo "scale=1; $ts / $tk" | bc -l)x as fast as sysdig (target: 10x)."
[ "$mk" -eq "$ms" ] || die "kite matched $mk events, sysdig $ms: the readers disagree"

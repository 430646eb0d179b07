#!/bin/bash
# scap.sh - kite show against sysdig -r on the same .scap capture with the same filter: events/s of each, in one run.
#   bash bench/scap.sh [BUILD_DIR [BIN_DIR]]        (make bench: bash bench/scap.sh $(O) $(BIN))
#
# The capture is recorded by kite-record (root and BPF; --io, so reads count too) from a workload of
# BENCH_SCAP_ITERS (default 400000) open/read/close iterations on /etc/hostname, as many on a file in
# /tmp, and 2000 fork+exec (bench/orc.c, bench/forkexec.c), then converted with `kite convert` to a
# gzip .scap (enter + exit events, as sysdig writes them).  Without root or BPF, kt-synth's simulated
# host writes the .kcap instead (said in the report).  Both readers then read that .scap with the
# filter below and print one field per match to a file; each is run BENCH_RUNS times (default 3),
# the two readers taking turns, and the median wall time (and CPU time) is kept.  Then the same filter with each reader's default output line, and
# a filter that matches little (evt.type=execve).  Rates are the capture's kite events (exit-only, as kite shows
# them) per second of each reader.  Also kite on the .kcap itself, for comparison.  A Markdown report
# goes to stdout.  Exit status 1 only when the benchmark is broken (a reader fails, or the two
# disagree on the number of matches).
set -u
export LC_ALL=C # one decimal point for the clock and bc
O=${1:-build}
BIN=${2:-bin}
ITERS=${BENCH_SCAP_ITERS:-400000}
RUNS=${BENCH_RUNS:-3}
KITE=$BIN/kite
FILTER='evt.type in (open, openat) and fd.name startswith /etc'

say() { printf 'scap.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

command -v sysdig >/dev/null 2>&1 || die "sysdig is not installed (sh mk/deps.sh install)"
[ -x "$KITE" ] && [ -x "$BIN/kite-record" ] || die "build first: make all"
dir=$O/bench/scap
mkdir -p "$dir"
kcap=$dir/recorded-$ITERS.kcap
scap=$dir/recorded-$ITERS.scap
source="kite-record --io of open/read/close and fork+exec loops"
if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	[ -x "$O/tests/kt-synth" ] || die "build first: make $O/tests/kt-synth"
	kcap=$dir/synth-$ITERS.kcap
	scap=$dir/synth-$ITERS.scap
	source="kt-synth (simulated host: not root, or no BTF, so nothing was recorded)"
	[ -s "$kcap" ] || "$O/tests/kt-synth" -n $((ITERS * 5)) "$kcap" || die "kt-synth failed"
elif [ ! -s "$kcap" ]; then
	for w in orc forkexec; do
		cc -O2 -std=c11 -D_GNU_SOURCE -o "$dir/$w" "bench/$w.c" || die "cannot build bench/$w.c"
	done
	echo data >"$dir/data.txt"
	say "recording the workload ($ITERS iterations x2, 2000 fork+exec) to $kcap"
	"$BIN/kite-record" --io -w "$kcap" -- sh -c \
		"$dir/orc $ITERS /etc/hostname && $dir/orc $ITERS $dir/data.txt && $dir/forkexec 2000" \
		>/dev/null 2>"$dir/record.err" || die "kite-record failed: $(tail -n 3 "$dir/record.err")"
fi
if [ ! -s "$scap" ] || [ "$scap" -ot "$kcap" ]; then
	say "converting $kcap to $scap"
	"$KITE" convert -f "$kcap" "$scap" 2>/dev/null || die "kite convert failed"
fi
events=$("$KITE" info --scan "$kcap" | sed -n 's/^Events: *\([0-9]*\).*/\1/p')
[ -n "$events" ] && [ "$events" -gt 0 ] || die "cannot count the events of $kcap"

# the CPU seconds (user + system) of the children in a file `times` wrote (its second line)
cpu_of() { tail -n 1 "$1" | sed 's/[ms]/ /g' | awk '{ printf "%.6f\n", $1 * 60 + $2 + $3 * 60 + $4 }'; }
fmt() { awk -v d="$1" '{ printf "%.*f\n", d, $1 }'; }
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | sed -n "$(((RUNS + 1) / 2))p"; }
# one run of a command: "WALL CPU" seconds, its stdout into $dir/out.$1 (1 or 2).  `times` is run
# right before and after the command, in the same shell, so the CPU is that of the command alone.
once() {
	n=$1
	shift
	# bash's clock costs no process (date's fork and exec would add a millisecond to each run)
	t0=${EPOCHREALTIME:-$(date +%s.%N)}
	times >"$dir/times.0"
	"$@" >"$dir/out.$n" 2>/dev/null || return 1
	times >"$dir/times.1"
	t1=${EPOCHREALTIME:-$(date +%s.%N)}
	echo "$(echo "$t1 - $t0" | bc -l) $(echo "$(cpu_of "$dir/times.1") - $(cpu_of "$dir/times.0")" | bc -l)"
}
# Runs the commands `one` and `two` (shell functions) RUNS times each, taking turns, so that a
# noisy moment of a shared machine falls on both alike.  Sets w1 c1 m1 and w2 c2 m2: the median
# wall and CPU seconds of each, and the lines its last run printed (matches).
race() {
	ws1="" cs1="" ws2="" cs2=""
	for _ in $(seq "$RUNS"); do
		r=$(once 1 one) || return 1
		ws1="$ws1 ${r% *}" cs1="$cs1 ${r#* }"
		r=$(once 2 two) || return 1
		ws2="$ws2 ${r% *}" cs2="$cs2 ${r#* }"
	done
	w1=$(echo "$ws1" | median | fmt 3) c1=$(echo "$cs1" | median | fmt 2) m1=$(wc -l <"$dir/out.1")
	w2=$(echo "$ws2" | median | fmt 3) c2=$(echo "$cs2" | median | fmt 2) m2=$(wc -l <"$dir/out.2")
}

say "kite show and sysdig -r on the .scap, in turns"
one() { "$KITE" show --no-progress -p '%evt.num' "$scap" "$FILTER"; }
two() { sysdig -r "$scap" -p '%evt.num' "$FILTER and evt.dir=<"; }
race || die "a reader failed (run it by hand to see why)"
tk=$w1 ck=$c1 mk=$m1 ts=$w2 cs=$c2 ms=$m2
say "kite show on the .kcap"
one() { "$KITE" show --no-progress -p '%evt.num' "$kcap" "$FILTER"; }
two() { true; }
race || die "kite show failed"
tc=$w1 cc=$c1
# the same filter with each reader's default output line, and a filter that matches little
say "default output: kite show, sysdig -r"
one() { "$KITE" show --no-progress "$scap" "$FILTER"; }
two() { sysdig -r "$scap" "$FILTER and evt.dir=<"; }
race || die "a reader failed"
tkd=$w1 tsd=$w2
SEL='evt.type=execve'
say "$SEL: kite show, sysdig -r"
one() { "$KITE" show --no-progress -p '%evt.num %proc.name' "$scap" "$SEL"; }
two() { sysdig -r "$scap" -p '%evt.num %proc.name' "$SEL and evt.dir=<"; }
race || die "a reader failed"
tks=$w1 mks=$m1 tss=$w2 mss=$m2

rate() { echo "scale=2; $events / $1 / 1000000" | bc -l; }
echo "| reader (filter: \`$FILTER\`) | input | time (s, median of $RUNS) | CPU (s, user+sys) | Mevents/s | matches |"
echo "|---|---|---:|---:|---:|---:|"
echo "| sysdig -r (0.29.3) | .scap, gzip | $ts | $cs | $(rate "$ts") | $ms |"
echo "| kite show | same .scap | $tk | $ck | $(rate "$tk") | $mk |"
echo "| kite show | the .kcap it came from | $tc | $cc | $(rate "$tc") | |"
echo
echo "| on the .scap | sysdig -r (s) | kite show (s) | kite's speed-up |"
echo "|---|---:|---:|---:|"
echo "| the filter, default output lines | $tsd | $tkd | $(echo "scale=1; $tsd / $tkd" | bc -l)x |"
echo "| \`$SEL\`, \`%evt.num %proc.name\` ($mks matches) | $tss | $tks | $(echo "scale=1; $tss / $tks" | bc -l)x |"
echo
echo "Capture: $source; $events kite events, $(wc -c <"$scap") bytes as .scap.  kite on the .scap is $(echo "scale=1; $ts / $tk" | bc -l)x as fast as sysdig (target: 10x)."
[ "$mk" -eq "$ms" ] || die "kite matched $mk events, sysdig $ms: the readers disagree"
[ "$mks" -eq "$mss" ] || die "with $SEL kite matched $mks events, sysdig $mss: the readers disagree"

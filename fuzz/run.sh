#!/bin/sh
# run.sh - seeds the fuzz corpora, runs each libFuzzer target for its share of the time, fails on a finding.
#   sh fuzz/run.sh BUILDDIR SECONDS     (as `make fuzz` does; works from any directory)
# Targets are the fuzz_* binaries present in BUILDDIR (fuzz_reader, fuzz_schema, fuzz_filter, fuzz_rules, fuzz_scap); the
# seconds are split evenly between them.  Corpora grow in BUILDDIR/corpus-NAME; crash,
# leak, timeout and OOM inputs are saved under BUILDDIR/artifacts/, logs in BUILDDIR/NAME.log.
set -u

builddir=${1:?usage: run.sh BUILDDIR SECONDS}
seconds=${2:-60}
case $seconds in
'' | *[!0-9]*) echo "run.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;;
esac

mkdir -p "$builddir/artifacts" || exit 2
builddir=$(cd "$builddir" && pwd) || exit 2
cd "$(dirname "$0")/.." || exit 2

is_empty() {
	[ -z "$(ls -A "$1" 2>/dev/null)" ]
}

# ---- seed corpora ----
if is_empty "$builddir/corpus-reader" || is_empty "$builddir/corpus-schema"; then
	mkdir -p "$builddir/corpus-reader" "$builddir/corpus-schema"
	echo "run.sh: writing seed corpora"
	${CC:-cc} -std=c11 -O1 -g -D_GNU_SOURCE -DKITE_VERSION='"fuzz"' -Iformat -Itests/unit \
		-o "$builddir/mkseeds" fuzz/mkseeds.c format/*.c tests/unit/testlib.c -lzstd -lz -lisal || exit 1
	"$builddir/mkseeds" "$builddir/corpus-reader" "$builddir/corpus-schema" || exit 1
	# .scap captures go through the reader too (import, conversion thread, events passed over):
	# the shared files under 64 KiB, with control bytes 0x00 (all read) and 0x10 (types passed over)
	for f in ../shared/data/scap/*.scap; do
		[ -f "$f" ] && [ "$(wc -c <"$f")" -lt 65536 ] || continue
		name=$(basename "$f" .scap)
		{ printf '\000'; cat "$f"; } >"$builddir/corpus-reader/scap-$name"
		{ printf '\020'; cat "$f"; } >"$builddir/corpus-reader/scap-want-$name"
	done
fi

# the condition language: one seed file per line of fuzz/filter-seeds.txt
if is_empty "$builddir/corpus-filter"; then
	mkdir -p "$builddir/corpus-filter"
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		printf '%s' "$line" >"$builddir/corpus-filter/seed$n"
	done <fuzz/filter-seeds.txt
fi

# rules files: the snippets in fuzz/rules-seeds/, kite's rules, and the official Falco files when present
if is_empty "$builddir/corpus-rules"; then
	mkdir -p "$builddir/corpus-rules"
	for f in fuzz/rules-seeds/*.yaml rules/*.yaml ../shared/data/rules/*.yaml; do
		[ -f "$f" ] && cp "$f" "$builddir/corpus-rules/"
	done
fi

# .scap captures: the shared sysdig/Falco files when present, as they are (mostly gzip) and decompressed;
# fuzz_scap's first byte is its control byte (0: memfd, 2: also read a gzip copy and compare)
if is_empty "$builddir/corpus-scap"; then
	mkdir -p "$builddir/corpus-scap"
	for f in ../shared/data/scap/*.scap; do
		[ -f "$f" ] || continue
		name=$(basename "$f" .scap)
		{ printf '\000'; cat "$f"; } >"$builddir/corpus-scap/$name"
		{ printf '\002'; gzip -dcf <"$f"; } >"$builddir/corpus-scap/$name.plain"
	done
fi

# ---- targets ----
targets=""
for t in fuzz_reader fuzz_schema fuzz_filter fuzz_rules fuzz_scap; do
	[ -x "$builddir/$t" ] && targets="$targets $t"
done
if [ -z "$targets" ]; then
	echo "run.sh: no fuzz targets in $builddir" >&2
	exit 1
fi
ntargets=0
for t in $targets; do ntargets=$((ntargets + 1)); done
share=$((seconds / ntargets))
[ "$share" -ge 1 ] || share=1

# UBSan is built in recovering mode by FUZZ_FLAGS: make its reports fatal so they count as crashes.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

failed=0
for t in $targets; do
	name=${t#fuzz_}
	corpus=$builddir/corpus-$name
	mkdir -p "$corpus"
	log=$builddir/$t.log
	echo "run.sh: $t for ${share}s (corpus $corpus, log $log)"
	"$builddir/$t" -max_total_time="$share" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
		-print_final_stats=1 -artifact_prefix="$builddir/artifacts/$t-" "$corpus" >"$log" 2>&1
	rc=$?
	# the last status line, e.g. "#123456 DONE cov: 812 ft: 3021 corp: 180/1.2Mb ..."
	grep -E '^#[0-9]+' "$log" | tail -n 1
	grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log"
	if [ "$rc" -ne 0 ]; then
		failed=1
		echo "run.sh: $t FAILED (exit $rc); end of its log:" >&2
		tail -n 60 "$log" >&2
		saved=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log")
		if [ -n "$saved" ]; then
			for f in $saved; do
				echo "run.sh: $t: crashing input saved as $f" >&2
				echo "run.sh: reproduce with: $builddir/$t $f" >&2
			done
		else
			echo "run.sh: $t: no input was saved (see $log)" >&2
		fi
	fi
done

if [ "$failed" -ne 0 ]; then
	echo "run.sh: fuzzing found problems; inputs are in $builddir/artifacts/" >&2
	exit 1
fi
echo "run.sh: no crashes in ${seconds}s"

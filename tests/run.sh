#!/bin/sh
# run.sh - runs kite's test suite: the cmocka unit tests, then the command-level scripts in tests/cli.
#   sh tests/run.sh BUILD_DIR BIN_DIR
# A test that needs something this machine lacks skips with the reason, except under CI=true,
# where a missing requirement is a failure.
set -u
O=${1:-build}
BIN=${2:-bin}
failed=""
passed=0

for t in "$O"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if KITE_RECORD="$BIN/kite-record" KT_WORKLOAD="$O/tests/kt-workload" "$t" >"$O/tests/$name.log" 2>&1; then
		passed=$((passed + 1))
		echo "ok    $name ($(grep -c '^\[       OK' "$O/tests/$name.log") cases)"
		grep '^SKIP' "$O/tests/$name.log" | sed 's/^/      /' 
	else
		cat "$O/tests/$name.log"
		echo "FAIL  $name"
		failed="$failed $name"
	fi
done

for t in tests/cli/*.sh; do
	name=$(basename "$t" .sh)
	if KITE="$BIN/kite" KITE_RECORD="$BIN/kite-record" SYNTH="$O/tests/kt-synth" KITE_EXT="$O/kite_sqlite.so" \
		WORK="$O/tests/cli-$name" sh "$t"; then
		passed=$((passed + 1))
		echo "ok    cli/$name"
	else
		echo "FAIL  cli/$name"
		failed="$failed cli/$name"
	fi
done

if [ -n "$failed" ]; then
	echo "FAILED:$failed"
	exit 1
fi
echo "all $passed test programs passed"

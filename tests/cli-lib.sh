# lib.sh - helpers for the command-level tests: assertions, and skipping (which CI=true turns into failure).

fails=0
rm -rf "$WORK" && mkdir -p "$WORK"

fail() {
	echo "  FAIL: $*" >&2
	fails=$((fails + 1))
}

# run EXPECTED_STATUS CMD...: runs CMD with stdout in $WORK/out, stderr in $WORK/err.
run() {
	want=$1
	shift
	"$@" >"$WORK/out" 2>"$WORK/err"
	got=$?
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stderr: $(head -c 400 "$WORK/err")"
}

# contains FILE TEXT: FILE (out or err) contains TEXT literally.
contains() {
	grep -qF -- "$2" "$WORK/$1" || fail "$1 of the last command lacks '$2': $(head -c 400 "$WORK/$1")"
}

# need TOOL REASON: skip this script (or, under CI, fail it) when TOOL is missing.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "${CI:-}" = true ]; then
		fail "$1 is required in CI ($2)"
		finish
	fi
	echo "  SKIP: $1 not installed ($2)" >&2
	exit 0
}

finish() {
	[ "$fails" -eq 0 ] || { echo "  $fails check(s) failed" >&2; exit 1; }
	exit 0
}

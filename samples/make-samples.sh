#!/bin/sh
# make-samples.sh - records the sample captures in samples/ with kite-record (needs root and BPF).
#   sh samples/make-samples.sh [BIN_DIR]
# Each capture records only its scenario's process tree (--follow) and no environment (--no-env).
set -eu
cd "$(dirname "$0")/.."
bin=${1:-bin}
make -s all build/tests/kt-workload
record() {
	out=$1
	shift
	"$bin/kite-record" --no-env --follow -w "samples/$out" -- "$@"
	"$bin/kite" info "samples/$out" | sed -n '1p;/^Events:/p'
}
# files, sockets and a process tree, with known arguments (tests/e2e/workload.c)
record workload.kcap build/tests/kt-workload /tmp/kite-sample-expect.txt
rm -f /tmp/kite-sample-expect.txt
# attack-like actions a rule set should flag
record suspicious.kcap sh samples/scenarios/suspicious.sh
# one action for each rule of rules/kite_rules.yaml and of the official Falco rules a host can fire
record attacks.kcap sh samples/scenarios/attacks.sh
# a normal developer / CI workload that no rule should flag
record benign.kcap sh samples/scenarios/benign.sh

# rules.sh - kite replay with kite's own rules and the official Falco rules: samples/attacks.kcap
# fires each expected rule exactly once and nothing else, samples/benign.kcap fires nothing;
# selection (--priority, -t, -T, -D), --fail-on, --rule-matching, text and JSON alerts; rules
# files that do not load; and, with root and BPF, the same checks on fresh recordings.
. tests/cli-lib.sh
unset KITE_RULES
need python3 "counts the JSON alerts"

KITE_RULES_FILE=rules/kite_rules.yaml
FALCO_RULES=${FALCO_RULES:-../shared/data/rules}
STABLE=$FALCO_RULES/falco_rules.yaml
INCUBATING=$FALCO_RULES/falco-incubating_rules.yaml
SANDBOX=$FALCO_RULES/falco-sandbox_rules.yaml
official=true
if [ ! -r "$STABLE" ] || [ ! -r "$INCUBATING" ] || [ ! -r "$SANDBOX" ]; then
	if [ "${CI:-}" = true ]; then
		fail "the official Falco rules are required in CI ($FALCO_RULES/falco*_rules.yaml)"
	else
		echo "  SKIP: official Falco rules not found in $FALCO_RULES (set FALCO_RULES): checking kite's rules only" >&2
	fi
	official=false
fi

# expect_alerts LABEL JSON_FILE < SPEC: the alerts in JSON_FILE (kite replay --json) are exactly
# those SPEC lists: lines "COUNT RULE NAME" (# starts a comment); a rule not listed must not fire.
expect_alerts() {
	spec=$(cat)
	python3 - "$1" "$2" "$spec" <<'PY' || fail "$1: the alerts are not the expected ones (see above)"
import collections, json, sys
label, path, spec = sys.argv[1:4]
want = {}
for line in spec.splitlines():
    line = line.split("#", 1)[0].strip()
    if line:
        n, name = line.split(" ", 1)
        want[name.strip()] = int(n)
got = collections.Counter(json.loads(l)["rule"] for l in open(path) if l.strip())
bad = [f"  {label}: '{r}' fired {got.get(r, 0)} time(s), expected {n}" for r, n in want.items() if got.get(r, 0) != n]
bad += [f"  {label}: unexpected rule '{r}' fired {n} time(s)" for r, n in got.items() if r not in want]
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
PY
}

# replay_json NAME CAPTURE RULES_FILE...: kite replay --json --rule-matching all into $WORK/NAME.json
replay_json() {
	rj_name=$1 rj_cap=$2
	shift 2
	for rj_rules; do
		set -- "$@" -r "$rj_rules"
		shift
	done
	run 0 "$KITE" replay --json --rule-matching all "$@" "$rj_cap"
	cp "$WORK/out" "$WORK/$rj_name.json"
}

# count CAPTURE FILTER: how many events of CAPTURE match a Falco filter
count() {
	"$KITE" show -p '%evt.num' "$1" "$2" | wc -l
}

# check_attacks CAPTURE [required]: every rule the attacks scenario aims at fires exactly once.
# The container steps need a writable cgroup2 and the ssh step a route to 203.0.113.7: on a host
# without them those rules are expected not to fire (unless "required", as for the sample).
check_attacks() {
	cap=$1
	ct=1 net=1
	# an exec from a memfd has the kernel's path for it, as Falco shows it
	run 0 "$KITE" show -p '%proc.exepath' "$cap" 'evt.type=execve and proc.is_exe_from_memfd=true'
	contains out "/memfd:"
	contains out " (deleted)"
	if [ "$(count "$cap" 'container.id != host')" -eq 0 ]; then
		ct=0
		[ "${2:-}" = required ] && fail "$cap: no event in the fake container"
		echo "  NOTE: $cap has no container events (no writable cgroup2): container rules not expected" >&2
	fi
	if [ "$(count "$cap" 'evt.type=connect and fd.sip=203.0.113.7 and (evt.rawres>=0 or evt.res=EINPROGRESS)')" -eq 0 ]; then
		net=0
		[ "${2:-}" = required ] && fail "$cap: ssh did not connect to 203.0.113.7"
		echo "  NOTE: $cap has no connection to 203.0.113.7 (no route or no ssh): outbound rules not expected" >&2
	fi

	replay_json kite "$cap" "$KITE_RULES_FILE"
	expect_alerts "kite rules on $cap" "$WORK/kite.json" <<EOF
1 Shell Spawned By Service
1 Credential File Read By Untrusted Program
1 Write Below Etc By Non Package Manager
1 Write Below Binary Dir By Non Package Manager
$net Unexpected Outbound Connection
1 New Listening Socket
$ct Network Socket Redirected To Standard Stream
1 Ptrace Attach To Process
$ct Kernel Module Load
1 Fileless Execution From Memfd
1 Setuid Or Setgid Bit Set
1 Log File Cleared Or Removed
1 Shell History Deleted Or Truncated
$ct Namespace Change In Container
$ct Mount In Container
$ct Release Agent Or Kernel Helper Write
EOF
	# every kite alert says who did it, from where, as whom, in which container
	python3 - "$WORK/kite.json" <<'PY' || fail "kite rules on $cap: an output lacks a responder's field"
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    f = a["output_fields"]
    for k in ("proc.name", "proc.cmdline", "proc.pname", "proc.pcmdline", "proc.pid", "user.name", "user.uid", "container.id"):
        assert k in f, (a["rule"], k)
PY

	$official || return 0
	replay_json stable "$cap" "$STABLE"
	expect_alerts "falco_rules.yaml on $cap" "$WORK/stable.json" <<EOF
1 Read sensitive file untrusted              # cat /etc/shadow
1 Run shell untrusted                        # httpd -> sh
1 Create Symlink Over Sensitive Files        # ln -s /etc/shadow
1 Create Hardlink Over Sensitive Files       # ln /etc/shadow
1 Directory traversal monitored file read    # cat /etc/../../etc/hostname from python
1 Search Private Keys or Passwords           # find -name id_rsa
1 Find AWS Credentials                       # find -path */.aws/credentials
1 Clear Log Activities                       # : >auth.log
1 Remove Bulk Data from Disk                 # shred
1 Execution from /dev/shm
1 PTRACE attached to process
1 PTRACE anti-debug attempt                  # PTRACE_TRACEME
1 Fileless execution via memfd_create
$net Disallowed SSH Connection Non Standard Port  # ssh -p 4444
$ct Linux Kernel Module Injection Detected   # finit_module in the fake container
$ct Detect release_agent File Container Escapes
$ct Packet socket created in container
$ct Redirect STDOUT/STDIN to Network Connection in Container
EOF
	replay_json incubating "$cap" "$INCUBATING"
	expect_alerts "falco-incubating_rules.yaml on $cap" "$WORK/incubating.json" <<EOF
1 Schedule Cron Jobs                         # the file written below /etc is /etc/cron.*
1 Modify Shell Configuration File            # touch .bashrc
1 Delete or rename shell history
1 Create files below dev
1 DB program spawned process                 # postgres -> id
1 User mgmt binaries                         # pwck -r
1 Launch Suspicious Network Tool on Host     # a copy of true named nc
1 Non sudo setuid
1 BPF Program Not Profiled
$ct Change thread namespace                  # setns in the fake container
1 Set Setuid or Setgid bit                   # chmod 4755: evt.arg.mode names the bits, as Falco
EOF
	replay_json sandbox "$cap" "$SANDBOX"
	expect_alerts "falco-sandbox_rules.yaml on $cap" "$WORK/sandbox.json" <<EOF
1 Write below etc
1 Write below binary dir
1 Modify binary dirs                         # the marker below /usr/bin removed
1 Web Server Spawned Shell
1 Netcat/Socat Remote Code Execution on Host # nc -e
EOF
}

# check_benign CAPTURE: a normal build-and-test workload fires no rule at all.
check_benign() {
	replay_json kite-benign "$1" "$KITE_RULES_FILE"
	expect_alerts "kite rules on $1" "$WORK/kite-benign.json" </dev/null
	$official || return 0
	for f in "$STABLE" "$INCUBATING" "$SANDBOX"; do
		replay_json benign "$1" "$f"
		expect_alerts "$(basename "$f") on $1" "$WORK/benign.json" </dev/null
	done
}

attacks=samples/attacks.kcap
benign=samples/benign.kcap
check_attacks "$attacks" required
check_benign "$benign"

# ---- kite's rules file: loads alone, without a warning; the default rules without -r ----
run 0 "$KITE" replay --validate -r "$KITE_RULES_FILE"
contains err "16 rules: 16 active, 0 disabled, 0 skipped, 0 invalid"
[ "$(grep -c '' "$WORK/err")" -eq 1 ] || fail "kite_rules.yaml must load with no warning: $(cat "$WORK/err")"
run 0 "$KITE" replay -L -r "$KITE_RULES_FILE"
[ "$(wc -l <"$WORK/out")" -eq 16 ] || fail "-L lists $(wc -l <"$WORK/out") rules, expected 16"
run 0 env KITE_RULES="$KITE_RULES_FILE" "$KITE" replay -q "$attacks"
[ "$(wc -l <"$WORK/out")" -eq 16 ] || fail "without -r, \$KITE_RULES should give 16 alerts"
if [ -r "$(dirname "$KITE")/../rules/kite_rules.yaml" ]; then
	run 0 "$KITE" replay -q "$attacks"
	[ "$(wc -l <"$WORK/out")" -eq 16 ] || fail "without -r, rules/kite_rules.yaml next to the binary should give 16 alerts"
fi

# ---- text and JSON alerts ----
run 0 "$KITE" replay -r "$KITE_RULES_FILE" "$attacks"
python3 - "$WORK/out" <<'PY' || fail "text alerts are not 'HH:MM:SS.nnnnnnnnn: Priority output' lines"
import re, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 16, len(lines)
pat = re.compile(r"^\d\d:\d\d:\d\d\.\d{9}: (Emergency|Alert|Critical|Error|Warning|Notice|Informational|Debug) \S")
for l in lines:
    assert pat.match(l), l
PY
contains out ": Critical Program executed from memory (memfd) | "
contains err "16 alerts"
contains err "Fileless Execution From Memfd"
python3 - "$WORK/kite.json" <<'PY' || fail "JSON alerts do not have exactly Falco's keys"
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    assert set(a) == {"hostname", "output", "output_fields", "priority", "rule", "source", "tags", "time"}, sorted(a)
    assert a["source"] == "syscall" and isinstance(a["tags"], list) and isinstance(a["output_fields"], dict)
    assert a["output"].split(": ", 1)[1].startswith(a["priority"] + " "), a["output"]
PY

# ---- --fail-on: 1 when an alert at or above the priority fired, 0 when only lower ones did ----
run 1 "$KITE" replay -q --fail-on critical -r "$KITE_RULES_FILE" "$attacks"
ncrit=$(grep -c '^[0-9:.]* Critical ' "$WORK/out")
grep -q "^kite: failing: $ncrit alerts at Critical or above (--fail-on), the most severe Critical\$" "$WORK/err" ||
	fail "--fail-on critical: the message should count the $ncrit Critical alerts: $(cat "$WORK/err")"
run 0 "$KITE" replay -q --fail-on emergency -r "$KITE_RULES_FILE" "$attacks"
[ -s "$WORK/out" ] || fail "--fail-on emergency: the lower alerts should still be printed"
run 0 "$KITE" replay -q --fail-on critical -D Fileless -D "Release Agent" -r "$KITE_RULES_FILE" "$attacks"
run 1 "$KITE" replay -q --fail-on error -D Fileless -D "Release Agent" -r "$KITE_RULES_FILE" "$attacks"
run 0 "$KITE" replay -q --fail-on debug -r "$KITE_RULES_FILE" "$benign"

# ---- --priority drops the rules below it ----
run 0 "$KITE" replay -q --json --priority error -r "$KITE_RULES_FILE" "$attacks"
python3 - "$WORK/out" <<'PY' || fail "--priority error: wrong alerts"
import collections, json, sys
got = collections.Counter(json.loads(l)["priority"] for l in open(sys.argv[1]))
assert got == {"Critical": 2, "Error": 4}, got
PY

# ---- rule selection: -t (any of these tags), -T (none of these tags), -D (name contains) ----
rule_names() { python3 -c 'import json,sys; print("\n".join(sorted({json.loads(l)["rule"] for l in open(sys.argv[1])})))' "$WORK/out"; }
run 0 "$KITE" replay -q --json -t network -r "$KITE_RULES_FILE" "$attacks"
[ "$(rule_names | tr '\n' ,)" = "Network Socket Redirected To Standard Stream,New Listening Socket,Unexpected Outbound Connection," ] ||
	fail "-t network selected: $(rule_names | tr '\n' ,)"
run 0 "$KITE" replay -q --json -t network -t T1620 -r "$KITE_RULES_FILE" "$attacks"
[ "$(rule_names | wc -l)" -eq 4 ] || fail "-t network -t T1620 should select 4 rules: $(rule_names | tr '\n' ,)"
run 0 "$KITE" replay -q --json -T network -r "$KITE_RULES_FILE" "$attacks"
[ "$(wc -l <"$WORK/out")" -eq 13 ] && ! rule_names | grep -q -e Outbound -e Listening -e Redirected ||
	fail "-T network should drop the 3 network rules: $(rule_names | tr '\n' ,)"
run 0 "$KITE" replay -q --json -D Kernel -r "$KITE_RULES_FILE" "$attacks"
[ "$(wc -l <"$WORK/out")" -eq 14 ] && ! rule_names | grep -q Kernel ||
	fail "-D Kernel should drop Kernel Module Load and Release Agent Or Kernel Helper Write: $(rule_names | tr '\n' ,)"

# ---- --rule-matching: first (the default) gives one alert per event, all gives every match ----
if $official; then
	run 0 "$KITE" replay -q --json --rule-matching all -r "$KITE_RULES_FILE" -r "$STABLE" "$attacks"
	cp "$WORK/out" "$WORK/all.json"
	run 0 "$KITE" replay -q --json -r "$KITE_RULES_FILE" -r "$STABLE" "$attacks"
	python3 - "$WORK/out" "$WORK/all.json" <<'PY' || fail "--rule-matching first/all: wrong alerts"
import json, sys
first = [json.loads(l) for l in open(sys.argv[1])]
every = [json.loads(l) for l in open(sys.argv[2])]
assert len(every) == 34 and len(first) < len(every), (len(first), len(every))
t_first = [a["time"] for a in first]
assert len(set(t_first)) == len(t_first), "two alerts for one event"
assert set(t_first) == {a["time"] for a in every}, "an event lost its alert"
# cat /etc/shadow matches a rule of each file: the first loaded wins
shadow = [a["rule"] for a in first if a["output_fields"].get("fd.name") == "/etc/shadow"]
assert shadow == ["Credential File Read By Untrusted Program"], shadow
PY
fi

# ---- rules files that do not load: exit 2, and the error names the file, the line and the item ----
printf -- '- rule: Bad YAML\n  desc: d\n  condition: [evt.type=open\n  output: o\n  priority: WARNING\n' >"$WORK/yaml.yaml"
run 2 "$KITE" replay -r "$WORK/yaml.yaml" "$benign"
contains err "yaml.yaml:4:"
contains err "invalid YAML"
printf -- '- rule: Unknown Field\n  desc: d\n  condition: evt.type=open and proc.nosuch=1\n  output: o\n  priority: WARNING\n' >"$WORK/field.yaml"
run 2 "$KITE" replay -r "$WORK/field.yaml" "$benign"
contains err "field.yaml:3:"
contains err "rule 'Unknown Field'"
contains err "unknown field 'proc.nosuch'"
printf -- '- macro: kite_a\n  condition: evt.type=open\n- rule: Undefined Macro\n  desc: d\n  condition: kite_a and kite_no_such_macro\n  output: o\n  priority: WARNING\n' >"$WORK/macro.yaml"
run 2 "$KITE" replay -r "$WORK/macro.yaml" "$benign"
contains err "macro.yaml:5:"
contains err "rule 'Undefined Macro'"
contains err "undefined macro 'kite_no_such_macro'"
printf -- '- rule: No Output\n  desc: d\n  condition: evt.type=open\n  priority: WARNING\n' >"$WORK/key.yaml"
run 2 "$KITE" replay -r "$WORK/key.yaml" "$benign"
contains err "key.yaml:1:"
contains err "rule 'No Output'"
contains err "'output'"
run 2 "$KITE" replay --validate -r "$WORK/field.yaml"
contains err "rule 'Unknown Field'"
# fields Falco has and kite cannot fill (Kubernetes API, container probes): the rule loads, kite fields says why
printf -- '- rule: Old K8s Fields\n  desc: d\n  condition: evt.type=execve and not k8s.deployment.name in (a) and container.healthcheck != x\n  output: "%%k8s.rs.name %%container.ip"\n  priority: WARNING\n' >"$WORK/k8s.yaml"
run 0 "$KITE" replay --validate -r "$WORK/k8s.yaml"
contains err "1 rules: 1 active"
run 0 "$KITE" fields
grep -q '^k8s.deployment.name .*missing: needs the Kubernetes API server' "$WORK/out" || fail "kite fields must say k8s.deployment.name is always missing"
if $official; then
	for f in "$STABLE" "$INCUBATING" "$SANDBOX"; do
		run 0 "$KITE" replay --validate -r "$f"
	done
	run 0 "$KITE" replay --validate -r "$KITE_RULES_FILE" -r "$STABLE" -r "$INCUBATING" -r "$SANDBOX"
fi

# ---- fresh recordings of both scenarios (root and BPF) ----
if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	run 0 "$KITE_RECORD" --no-env --follow -w "$WORK/attacks.kcap" -- sh samples/scenarios/attacks.sh
	run 0 "$KITE_RECORD" --no-env --follow -w "$WORK/benign.kcap" -- sh samples/scenarios/benign.sh
	check_attacks "$WORK/attacks.kcap"
	check_benign "$WORK/benign.kcap"
elif [ "${CI:-}" = true ]; then
	fail "CI=true: recording the scenarios needs root and a kernel with BTF"
else
	echo "  SKIP: fresh recordings of the scenarios need root and a kernel with BTF" >&2
fi

finish

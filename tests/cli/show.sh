# show.sh - kite show, tree and fields on the recorded samples: filters, formats, JSON, time ranges, merging, errors.
. tests/cli-lib.sh
need python3 "checks --json output"

cap=samples/suspicious.kcap

# the scenario's actions, found by Falco conditions and printed with resolved state
run 0 "$KITE" show -p '%proc.name %fd.name %evt.res %proc.pname' "$cap" 'evt.type=openat and fd.name=/etc/shadow'
contains out "cat /etc/shadow SUCCESS sh"
run 0 "$KITE" show -p '%proc.name %proc.pname %proc.cmdline' "$cap" evt.type=execve and proc.pname=httpd
contains out "sh httpd sh -c id >/dev/null"
run 0 "$KITE" show -p '%proc.name %evt.arg.target %evt.arg.linkpath' "$cap" evt.type in '(symlink, symlinkat)'
contains out "ln /etc/shadow /tmp/kite-sample-"
run 0 "$KITE" show -p '%proc.exepath %proc.is_exe_from_memfd' "$cap" 'evt.type=execve and proc.is_exe_from_memfd=true'
contains out " true"
run 0 "$KITE" show -p '%proc.name %evt.arg.request' "$cap" 'evt.type=ptrace and evt.arg.request contains PTRACE_ATTACH'
contains out "PTRACE_ATTACH"
run 0 "$KITE" show -p '%fd.name %fd.l4proto %fd.sip %fd.is_server' "$cap" 'evt.type=connect and fd.sip=127.0.0.1'
contains out "127.0.0.1:"
contains out " tcp 127.0.0.1 false"
run 0 "$KITE" show -p '%fd.name %fd.is_server' "$cap" 'evt.type in (accept, accept4) and fd.l4proto=tcp'
contains out " true"

# the default line is sysdig's; every event is printed once
run 0 "$KITE" show "$cap"
total=$(wc -l <"$WORK/out")
[ "$total" -gt 100 ] || fail "only $total events shown"
contains out " openat fd=3(<f>/etc/shadow) dirfd=-100(AT_FDCWD) name=/etc/shadow"
python3 - "$WORK/out" <<'PY' || fail "evt.num is not 1..N in order"
import sys
nums = [int(l.split()[0]) for l in open(sys.argv[1])]
assert nums == list(range(1, len(nums) + 1)), nums[:5]
PY

# Falco's missing-field rule: != is false and `not =` is true where the field is missing
run 0 "$KITE" show -p '%evt.num' "$cap" 'fd.name != /no/such/file'
with_fd=$(wc -l <"$WORK/out")
run 0 "$KITE" show -p '%evt.num' "$cap" 'not fd.name exists'
without_fd=$(wc -l <"$WORK/out")
[ "$without_fd" -gt 0 ] && [ $((with_fd + without_fd)) -eq "$total" ] ||
	fail "fd.name != x ($with_fd) and not fd.name exists ($without_fd) should add up to $total"
run 0 "$KITE" show -p '%evt.num' "$cap" 'not fd.name = /no/such/file'
[ "$(wc -l <"$WORK/out")" -eq "$total" ] || fail "'not fd.name = x' must hold for every event"

# without '*', events with a missing field are skipped; with it they print <NA>
run 0 "$KITE" show -p '%evt.type %fd.name' "$cap" evt.type=procexit
[ -s "$WORK/out" ] && fail "procexit has no fd: a format without * must skip it"
run 0 "$KITE" show -p '*%evt.type %fd.name' "$cap" evt.type=procexit
contains out "procexit <NA>"

# -n, --json, -f
run 0 "$KITE" show -n 7 "$cap"
[ "$(wc -l <"$WORK/out")" -eq 7 ] || fail "-n 7 printed $(wc -l <"$WORK/out") lines"
run 0 "$KITE" show --json -f 'evt.type=openat' -n 20 "$cap"
python3 - "$WORK/out" <<'PY' || fail "show --json is not one object per line with the default keys"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 20
for r in rows:
    assert r["evt.type"] == "openat" and isinstance(r["evt.num"], int) and isinstance(r["thread.tid"], int)
    assert "fd" in r["evt.args"] and "name" in r["evt.args"]
PY
run 0 "$KITE" show -j -p '%proc.name %fd.num %proc.aname' -n 5 "$cap" evt.type=openat
python3 - "$WORK/out" <<'PY' || fail "show -j -p: keys are the format's fields, typed"
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    assert set(r) == {"proc.name", "fd.num", "proc.aname"}, r
    assert isinstance(r["fd.num"], int) and isinstance(r["proc.aname"], list)
PY

# --from/--to cut the time range; earlier events still build the state
run 0 "$KITE" show -p '%evt.rawtime' "$cap"
first=$(head -1 "$WORK/out")
last=$(tail -1 "$WORK/out")
mid=$(( (first + last) / 2 ))
run 0 "$KITE" show -p '%evt.rawtime' --from "$mid" "$cap"
python3 - "$WORK/out" "$mid" <<'PY' || fail "--from: an event before the start was printed"
import sys
ts = [int(l) for l in open(sys.argv[1])]
assert ts and min(ts) >= int(sys.argv[2])
PY
after=$(wc -l <"$WORK/out")
run 0 "$KITE" show -p '%evt.rawtime' --to "$mid" "$cap"
before=$(wc -l <"$WORK/out")
[ $((before + after)) -ge "$total" ] && [ "$before" -lt "$total" ] || fail "--to $mid printed $before, --from printed $after, of $total"
run 0 "$KITE" show -p '%proc.name' --from +0.001ms -n 1 "$cap" evt.type=openat and fd.name=/etc/shadow
contains out "cat"

# several files merge by time: the same capture twice gives every event twice, in order
run 0 "$KITE" show -p '%evt.rawtime' "$cap" "$cap"
[ "$(wc -l <"$WORK/out")" -eq $((total * 2)) ] || fail "two files: $(wc -l <"$WORK/out") events, expected $((total * 2))"
sort -n -c "$WORK/out" 2>/dev/null || fail "merged events are not in time order"

# errors: a bad filter names the column; an unknown field, a bad format, a missing file
run 2 "$KITE" show "$cap" 'proc.name = bash and (fd.num > 3'
contains err "column"
run 2 "$KITE" show "$cap" 'proc.nmae = bash'
contains err "unknown field 'proc.nmae'"
run 2 "$KITE" show "$cap" 'fd.num > abc'
contains err "abc"
run 2 "$KITE" show -p '%proc.nope' "$cap"
contains err "unknown field 'proc.nope'"
run 1 "$KITE" show /no/such.kcap
contains err "/no/such.kcap"
run 2 "$KITE" show --from yesterday "$cap"
contains err "--from"

# a capture cut short: the events before the cut, and exit status 3
run 0 "$SYNTH" -n 20000 -s 40 -c 8192 "$WORK/synth.kcap"
# --seek jumps with the index: the same events from the same moment (their state may be thinner)
run 0 "$KITE" show -p '%evt.rawtime' "$WORK/synth.kcap"
smid=$(sed -n 12345p "$WORK/out")
run 0 "$KITE" show -p '*%evt.rawtime %evt.type %evt.rawres' --from "$smid" "$WORK/synth.kcap"
mv "$WORK/out" "$WORK/from"
run 0 "$KITE" show -p '*%evt.rawtime %evt.type %evt.rawres' --seek --from "$smid" "$WORK/synth.kcap"
[ "$(wc -l <"$WORK/out")" -gt 7000 ] && cmp -s "$WORK/out" "$WORK/from" || fail "--seek --from and --from differ"
run 2 "$KITE" show --seek "$cap"
contains err "--seek needs --from"

# A filter on event types lets the reader pass over events of other types that change no state:
# everything shown (process and fd fields, evt.num, evt.deltatime), --from and --to, and kite
# replay's alerts and counts, are as when every event is read (KITE_READ_ALL=1).  The synthetic
# host has threads that appear mid-capture, execs from non-leader threads and pid reuse.
pfmt='*%evt.num %evt.deltatime %thread.tid %proc.pid %proc.ppid %proc.name %proc.pname %fd.num %fd.name %user.name %evt.type %evt.res'
for f in "$WORK/synth.kcap" samples/attacks.kcap; do
	for flt in "evt.type=connect" "evt.type in (open, openat)" "evt.type=execve" "evt.type=procexit" \
		"evt.type=clone or evt.type=read" "evt.type in (sendto, recvfrom) and fd.name exists"; do
		for range in "" "--from +0.2s" "--to +0.3s"; do
			KITE_READ_ALL=1 "$KITE" show $range -p "$pfmt" "$f" "$flt" >"$WORK/all" 2>&1
			"$KITE" show $range -p "$pfmt" "$f" "$flt" >"$WORK/some" 2>&1
			cmp -s "$WORK/all" "$WORK/some" ||
				fail "$f '$flt' $range: not what a full read shows: $(diff "$WORK/all" "$WORK/some" | head -3)"
		done
	done
	for range in "" "--to +0.3s"; do
		KITE_READ_ALL=1 "$KITE" replay $range "$f" >"$WORK/all" 2>&1
		"$KITE" replay $range "$f" >"$WORK/some" 2>&1
		cmp -s "$WORK/all" "$WORK/some" || fail "kite replay $range $f: not what a full read gives: $(diff "$WORK/all" "$WORK/some" | head -3)"
	done
done
# With process fields only (no fd.*, evt.args...), the events that only change fd tables (open,
# close, socket...) are passed over too: the same lines as a full read.
pfmt='*%evt.num %evt.deltatime %thread.tid %proc.pid %proc.ppid %proc.name %proc.pname %proc.cmdline %user.name %evt.type %evt.res'
for f in "$WORK/synth.kcap" samples/attacks.kcap; do
	for flt in "evt.type=execve" "evt.type in (clone, procexit)" "proc.name in (sh, bash) and evt.type!=close"; do
		KITE_READ_ALL=1 "$KITE" show -p "$pfmt" "$f" "$flt" >"$WORK/all" 2>&1
		"$KITE" show -p "$pfmt" "$f" "$flt" >"$WORK/some" 2>&1
		[ -s "$WORK/all" ] && cmp -s "$WORK/all" "$WORK/some" ||
			fail "$f '$flt' (no fd fields): not what a full read shows: $(diff "$WORK/all" "$WORK/some" | head -3)"
	done
done
size=$(stat -c %s "$WORK/synth.kcap")
head -c $((size * 2 / 3)) "$WORK/synth.kcap" >"$WORK/cut.kcap"
run 3 "$KITE" show -p '%evt.num' "$WORK/cut.kcap"
n=$(wc -l <"$WORK/out")
[ "$n" -gt 5000 ] && [ "$n" -lt 20000 ] || fail "a truncated capture gave $n events"
contains err "warning"

# kite tree: lineage with command lines; --at; --json
run 0 "$KITE" tree "$cap"
contains out "sh samples/scenarios/suspicious.sh"
contains out "cat /etc/shadow"
contains out "exit 0"
grep -q 'httpd -c' "$WORK/out" || fail "tree lacks the httpd shell"
grep -A1 'httpd -c' "$WORK/out" | grep -q '─ [0-9]* sh -c id' || fail "tree: sh -c id is not under httpd"
run 0 "$KITE" tree --json "$cap"
python3 - "$WORK/out" <<'PY' || fail "tree --json"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
byname = {r["cmdline"]: r for r in rows if r["cmdline"]}
cat = next(r for c, r in byname.items() if c.startswith("cat /etc/shadow"))
assert cat["exit_code"] == 0 and cat["signal"] is None and cat["end_ts"] >= cat["start_ts"]
PY
run 0 "$KITE" tree --at "$mid" "$cap"
grep -q 'cat /etc/shadow' "$WORK/out" && fail "tree --at: cat had exited by the middle of the capture"

# kite fields
run 0 "$KITE" fields
contains out "proc.aname[N]"
contains out "fd.sip"
run 0 "$KITE" fields --json fd.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(f["name"].startswith("fd.") for f in d) and len(d) > 20' "$WORK/out" ||
	fail "fields --json fd."
run 1 "$KITE" fields nosuch.
finish

# sql.sh - kite sql, kite export and the sqlite3 extension: known answers on the samples and the shared .scap captures, formats, pushdown, errors.
. tests/cli-lib.sh
need python3 "checks JSON output and exported databases"
export LC_ALL=C

cap=samples/attacks.kcap

# csv without its header and CRs: one value per line
q() {
	"$KITE" sql -f csv "$@" 2>"$WORK/qerr" | tail -n +2 | tr -d '\r'
}

# every event once, per type as kite show sees them
n_show=$("$KITE" show -p '%evt.num' "$cap" | wc -l)
[ "$(q "$cap" 'SELECT count(*) FROM events')" -eq "$n_show" ] || fail "events: not the $n_show events kite show prints"
"$KITE" show -p '%evt.type' "$cap" | sort | uniq -c | awk '{print $2 "," $1}' >"$WORK/types.show"
q "$cap" 'SELECT type, count(*) FROM events GROUP BY type ORDER BY type' >"$WORK/types.sql"
cmp -s "$WORK/types.show" "$WORK/types.sql" || fail "events per type differ from kite show: $(diff "$WORK/types.show" "$WORK/types.sql" | head -5)"
"$KITE" show -p '%proc.pid %fd.name' "$cap" 'evt.type=openat and fd.name=/etc/shadow' >"$WORK/shadow.show"
q "$cap" "SELECT pid || ' ' || fd_name FROM events WHERE type='openat' AND fd_name='/etc/shadow'" >"$WORK/shadow.sql"
[ -s "$WORK/shadow.sql" ] && cmp -s "$WORK/shadow.show" "$WORK/shadow.sql" || fail "openat of /etc/shadow: kite show and kite sql disagree"

# execs: the successful execve/execveat events, with the process after the exec and its parent
n_exec=$("$KITE" show -p '%evt.num' "$cap" 'evt.type in (execve, execveat) and evt.rawres=0' | wc -l)
[ "$(q "$cap" 'SELECT count(*) FROM execs')" -eq "$n_exec" ] || fail "execs: not the $n_exec successful execs"
[ "$(q "$cap" "SELECT parent_comm FROM execs WHERE cmdline='cat /etc/shadow'")" = sh ] || fail "execs: cat's parent is not sh"

# processes: one row per lifetime, with a surrogate id that events, execs and files point to
[ "$(q "$cap" "SELECT exit_code || ' ' || (end_ts >= start_ts) FROM processes WHERE cmdline='cat /etc/shadow'")" = "0 1" ] ||
	fail "processes: cat /etc/shadow should have exited 0 after it started"
[ "$(q "$cap" 'SELECT count(*) FROM processes')" = "$(q "$cap" 'SELECT count(DISTINCT id) FROM processes')" ] ||
	fail "processes: ids are not unique"
[ "$(q "$cap" 'SELECT count(*) FROM events e LEFT JOIN processes p ON e.proc_id = p.id WHERE p.id IS NULL')" -eq 0 ] ||
	fail "events whose proc_id is not in processes"
[ "$(q "$cap" 'SELECT count(*) FROM processes WHERE from_snapshot = 1 AND end_ts IS NULL AND exit_status IS NULL')" -gt 0 ] ||
	fail "processes: no process running from start to end (snapshot, still alive)"
[ "$(q "$cap" "SELECT p.cmdline FROM execs x JOIN processes p ON p.id = x.parent_id WHERE x.cmdline='cat /etc/shadow'")" = "sh samples/scenarios/attacks.sh" ] ||
	fail "execs.parent_id does not lead to the scenario's shell"
# joins: the inner side is looked up in a cached table; with no room to cache, replayed per row
j='SELECT count(*), sum(p.pid), sum(pp.pid) FROM events e JOIN processes p ON p.id = e.proc_id LEFT JOIN processes pp ON pp.id = p.parent_id'
a=$(q "$cap" "$j")
b=$(KITE_SQL_CACHE_BYTES=100 q "$cap" "$j")
[ "$a" = "$b" ] && [ "${a%%,*}" -eq "$n_show" ] || fail "joins: '$a' with the cache, '$b' without"
[ "$(q "$cap" 'SELECT count(*) FROM threads')" -ge "$(q "$cap" 'SELECT count(*) FROM processes')" ] ||
	fail "threads: fewer threads than processes"

# files, fds, connections
[ "$(q "$cap" "SELECT path2 FROM files WHERE type IN ('symlink', 'symlinkat') AND path LIKE '/tmp/kite-attacks-%'")" = /etc/shadow ] ||
	fail "files: the symlink to /etc/shadow"
[ "$(q "$cap" "SELECT count(*) FROM files WHERE path='/etc/shadow' AND comm='cat' AND write=0")" -ge 1 ] ||
	fail "files: cat reading /etc/shadow"
n_open=$("$KITE" show -p '%evt.num' "$cap" 'evt.type in (open, openat, openat2, creat)' | wc -l)
[ "$(q "$cap" "SELECT count(*) FROM files WHERE type IN ('open', 'openat', 'openat2', 'creat')")" -eq "$n_open" ] ||
	fail "files: not one row per open"
[ "$(q "$cap" "SELECT count(*) FROM fds WHERE name='/etc/shadow' AND close_ts >= open_ts")" -ge 1 ] || fail "fds: /etc/shadow's lifetime"
n_conn=$("$KITE" show -p '%evt.num' "$cap" 'evt.type=connect and fd.sip exists' | wc -l)
[ "$(q "$cap" "SELECT count(*) FROM connections WHERE role='client' AND remote_ip IS NOT NULL")" -ge 1 ] && [ "$n_conn" -ge 1 ] ||
	fail "connections: no outbound connection ($n_conn connects in kite show)"
[ "$(q "$cap" 'SELECT count(*) FROM captures')" -eq 1 ] || fail "captures: one row per file"
[ "$(q "$cap" 'SELECT events FROM captures')" -eq "$n_show" ] || fail "captures.events"
[ "$(q "$cap" "$cap" 'SELECT count(*) FROM captures')" -eq 2 ] || fail "captures: two files, two rows"
[ "$(q "$cap" "$cap" 'SELECT count(*) FROM events')" -eq $((n_show * 2)) ] || fail "two files merged: every event twice"

# alerts: the rules' alerts, as kite replay gives them
n_alerts=$("$KITE" replay -q -r rules/kite_rules.yaml "$cap" | wc -l)
[ "$(q -r rules/kite_rules.yaml "$cap" 'SELECT count(*) FROM alerts')" -eq "$n_alerts" ] || fail "alerts: not the $n_alerts of kite replay"
q -r rules/kite_rules.yaml "$cap" "SELECT tags, output_fields FROM alerts WHERE rule = 'Credential File Read By Untrusted Program'" -f json >/dev/null
"$KITE" sql -r rules/kite_rules.yaml -f json "$cap" "SELECT tags, output_fields, priority FROM alerts" >"$WORK/alerts.json"
python3 - "$WORK/alerts.json" <<'PY' || fail "alerts: tags and output_fields are not JSON"
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows
for r in rows:
    assert isinstance(json.loads(r["tags"]), list)
    assert isinstance(json.loads(r["output_fields"]), dict)
    assert r["priority"] in ("Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug")
PY
run 1 "$KITE" sql "$cap" 'SELECT count(*) FROM alerts'
contains err "no such table: alerts"
# options may follow the files, as in kite sql FILE... -r RULES QUERY
[ "$(q "$cap" -r rules/kite_rules.yaml 'SELECT count(*) FROM alerts')" -eq "$n_alerts" ] || fail "-r after the file"

# pushdown gives what sqlite's own filtering gives ('+col' keeps a constraint from the vtab)
first=$(q "$cap" 'SELECT min(ts) FROM events')
last=$(q "$cap" 'SELECT max(ts) FROM events')
mid=$(((first + last) / 2))
for cond in "ts >= $mid" "ts > $mid" "ts < $mid" "ts <= $mid AND ts > $first" "ts = $first" "type = 'openat'" \
	"type IN ('execve', 'procexit', 'nosuch')" "pid = (SELECT pid FROM execs WHERE comm = 'cat' LIMIT 1)"; do
	plus=$(echo "$cond" | sed -e 's/^ts/+ts/' -e 's/AND ts/AND +ts/' -e 's/^type/+type/' -e 's/^pid/+pid/')
	a=$(q "$cap" "SELECT count(*), sum(evt_num) FROM events WHERE $cond")
	b=$(q "$cap" "SELECT count(*), sum(evt_num) FROM events WHERE $plus")
	[ "$a" = "$b" ] || fail "pushdown of '$cond' gives $a, sqlite's filter $b"
done
n_from=$("$KITE" show -p '%evt.num' --from "$mid" "$cap" | wc -l)
[ "$(q "$cap" "SELECT count(*) FROM events WHERE ts >= $mid")" -eq "$n_from" ] || fail "ts >= x is not kite show --from x"
# the state before the range is still rebuilt: processes of events after mid are the same with and without it
a=$(q "$cap" "SELECT group_concat(proc_id || comm) FROM (SELECT proc_id, comm FROM events WHERE ts >= $mid ORDER BY evt_num)")
b=$(q "$cap" "SELECT group_concat(proc_id || comm) FROM (SELECT proc_id, comm FROM events WHERE +ts >= $mid ORDER BY evt_num)")
[ -n "$a" ] && [ "$a" = "$b" ] || fail "state of rows after a pushed-down ts bound differs"
"$KITE" sql "$cap" "EXPLAIN QUERY PLAN SELECT * FROM events WHERE ts > 5 AND type = 'x' AND pid = 1" >"$WORK/plan"
used=$(sed -n 's/.*VIRTUAL TABLE INDEX 0:\([A-Za-z]*\):.*/\1/p' "$WORK/plan")
case $used in *A*t*p* | *A*p*t* | *t*A*p* | *t*p*A* | *p*A*t* | *p*t*A*) ;; *) fail "ts/type/pid are not all pushed down: $(cat "$WORK/plan")" ;; esac

# output formats
run 0 "$KITE" sql -f csv "$cap" "SELECT 'a,\"b\"' AS x, NULL AS y, 3 AS z"
printf 'x,y,z\r\n"a,""b""",,3\r\n' | cmp -s - "$WORK/out" || fail "csv is not RFC 4180: $(cat -A "$WORK/out")"
run 0 "$KITE" sql -f json "$cap" "SELECT type, count(*) AS n FROM events GROUP BY type; SELECT 1 AS one WHERE 0"
python3 - "$WORK/out" <<'PY' || fail "json: one array per statement"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]).read().replace("\n", "").replace("][", "]\n[").splitlines()]
assert len(docs) == 2 and docs[1] == [] and all(isinstance(r["n"], int) for r in docs[0])
PY
run 0 "$KITE" sql -f jsonl "$cap" "SELECT type, res FROM events LIMIT 5"
python3 -c 'import json,sys; rows=[json.loads(l) for l in open(sys.argv[1])]; assert len(rows)==5 and set(rows[0])=={"type","res"}' "$WORK/out" ||
	fail "jsonl: one object per line"
run 0 "$KITE" sql -f markdown "$cap" "SELECT 'a|b' AS x, 2 AS y"
contains out "| x | y |"
contains out "| a\\|b | 2 |"
run 0 "$KITE" sql "$cap" "SELECT type, count(*) AS n FROM events WHERE type='execve' GROUP BY type"
contains out "type    n"
contains out "------  --"
# the args column is JSON with the parameters' names
run 0 "$KITE" sql -f jsonl "$cap" "SELECT args FROM events WHERE type='openat' LIMIT 1"
python3 -c 'import json,sys; a=json.loads(json.loads(open(sys.argv[1]).read())["args"]); assert {"fd","dirfd","name","flags"} <= set(a) and isinstance(a["fd"], int)' "$WORK/out" ||
	fail "events.args is not the arguments as JSON"

# the prompt: statements over several lines, dot commands
printf '.tables\nSELECT count(*)\n  FROM captures;\n.schema drops\nSELECT bad;\n.quit\nSELECT 2;\n' | "$KITE" sql "$cap" >"$WORK/out" 2>"$WORK/err"
[ $? -eq 1 ] || fail "a failed statement at the prompt should make the exit status 1"
contains out "events processes threads fds files connections execs drops captures"
contains out "CREATE TABLE drops(ts INTEGER"
grep -qx '1' "$WORK/out" || fail "prompt: SELECT count(*) over two lines"
grep -qx '2' "$WORK/out" && fail "prompt: read on after .quit"
contains err "no such column: bad"

# kite export: the same tables, real and indexed
run 0 "$KITE" export --sqlite "$WORK/x.db" -r rules/kite_rules.yaml "$cap"
contains err "exported events $n_show"
python3 - "$WORK/x.db" "$n_show" "$n_exec" "$n_alerts" <<'PY' || fail "export: tables, counts or indexes"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = lambda q: db.execute(q).fetchone()[0]
assert n("SELECT count(*) FROM events") == int(sys.argv[2])
assert n("SELECT count(*) FROM execs") == int(sys.argv[3])
assert n("SELECT count(*) FROM alerts") == int(sys.argv[4])
idx = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
assert {"events_ts", "events_pid", "events_type", "processes_id", "files_path"} <= idx, idx
plan = " ".join(str(r) for r in db.execute("EXPLAIN QUERY PLAN SELECT * FROM events WHERE ts > 5"))
assert "events_ts" in plan, plan
PY
a=$(q "$cap" 'SELECT type, count(*), sum(proc_id) FROM events GROUP BY type ORDER BY type' | md5sum)
b=$(python3 -c 'import sqlite3,sys; [print(",".join(map(str,r))) for r in sqlite3.connect(sys.argv[1]).execute("SELECT type, count(*), sum(proc_id) FROM events GROUP BY type ORDER BY type")]' "$WORK/x.db" | md5sum)
[ "$a" = "$b" ] || fail "export and kite sql disagree on events"
run 1 "$KITE" export --sqlite "$WORK/y.db" /no/such.kcap
rm -f "$WORK/fifo" && mkfifo "$WORK/fifo"
run 2 "$KITE" export --sqlite "$WORK/fifo" "$cap"
contains err "exists and is not a regular file"
[ -p "$WORK/fifo" ] || fail "export replaced a named pipe with a database"
[ -e "$WORK/y.db" ] && fail "a failed export left a database"
run 2 "$KITE" export "$cap"
contains err "--sqlite"

# errors: sqlite's message for bad SQL, the file and the reason for bad captures
run 1 "$KITE" sql "$cap" 'SELEC 1'
contains err 'near "SELEC": syntax error'
run 1 "$KITE" sql "$cap" 'SELECT nosuch FROM events'
contains err "no such column: nosuch"
run 1 "$KITE" sql /no/such.kcap 'SELECT 1'
contains err "/no/such.kcap"
run 1 "$KITE" sql samples/scenarios 'SELECT 1'
contains err "samples/scenarios"
run 2 "$KITE" sql - 'SELECT 1'
contains err "standard input"
echo "not a capture" >"$WORK/junk.kcap"
run 1 "$KITE" sql "$WORK/junk.kcap" 'SELECT count(*) FROM events'
contains err "junk.kcap"
run 2 "$KITE" sql -f yaml "$cap" 'SELECT 1'
contains err "yaml"
run 2 "$KITE" sql -r /no/such/rules.yaml "$cap" 'SELECT 1'
contains err "/no/such/rules.yaml"
run 0 "$KITE" sql --help
contains out "Exit status"
run 0 "$KITE" sql "$cap" "SELECT count(*) FROM kite_events('$cap')"
contains out "$n_show"
run 1 "$KITE" sql "$cap" "SELECT count(*) FROM kite_alerts('$cap')"
contains err "rules"
# a capture cut short: the rows before the cut, a warning, exit status 3
run 0 "$SYNTH" -n 20000 -s 40 -c 8192 "$WORK/synth.kcap"
size=$(stat -c %s "$WORK/synth.kcap")
head -c $((size * 2 / 3)) "$WORK/synth.kcap" >"$WORK/cut.kcap"
run 3 "$KITE" sql -f csv "$WORK/cut.kcap" 'SELECT count(*) FROM events'
n=$(tail -1 "$WORK/out" | tr -d '\r')
[ "$n" -gt 5000 ] && [ "$n" -lt 20000 ] || fail "a truncated capture gave $n events"
contains err "warning"
[ "$n" -eq "$("$KITE" show -p '%evt.num' "$WORK/cut.kcap" 2>/dev/null | wc -l)" ] || fail "truncated: kite sql and kite show disagree"
# columns without state and a type: the chunks without the types go unread, the rows are kite show's, evt_num included
"$KITE" show -p '%evt.num %evt.type %evt.rawres %evt.cpu' "$WORK/synth.kcap" 'evt.type in (execve, clone)' >"$WORK/skip.show"
q "$WORK/synth.kcap" "SELECT evt_num || ' ' || type || ' ' || res || ' ' || cpu FROM events WHERE type IN ('execve', 'clone')" >"$WORK/skip.sql"
[ "$(wc -l <"$WORK/skip.sql")" -gt 100 ] && cmp -s "$WORK/skip.show" "$WORK/skip.sql" ||
	fail "chunk skipping: rows differ from kite show: $(diff "$WORK/skip.show" "$WORK/skip.sql" | head -4)"

# docs/SQL.md documents every table and column (its reference section is kite sql --docs)
"$KITE" sql --docs >"$WORK/docs.md"
python3 -c 'import sys; assert open(sys.argv[1]).read() in open("docs/SQL.md").read()' "$WORK/docs.md" ||
	fail "docs/SQL.md is out of date: paste 'kite sql --docs' into it"

# the loadable extension in the sqlite3 shell gives what kite sql gives
if command -v sqlite3 >/dev/null 2>&1 && [ -f "${KITE_EXT:-}" ]; then
	ext=${KITE_EXT%.so}
	got=$(sqlite3 :memory: ".load $ext" "SELECT count(*) FROM kite_events('$cap')" 2>&1)
	[ "$got" = "$n_show" ] || fail "sqlite3 .load: kite_events gave '$got', expected $n_show"
	got=$(sqlite3 -csv :memory: ".load $ext" "CREATE VIRTUAL TABLE x USING kite_execs('$cap')" \
		"SELECT parent_comm, count(*) FROM x GROUP BY 1 ORDER BY 1" 2>&1 | tr -d '\r')
	want=$(q "$cap" 'SELECT parent_comm, count(*) FROM execs GROUP BY 1 ORDER BY 1')
	[ "$got" = "$want" ] || fail "sqlite3 .load: execs by parent differ: $got"
	got=$(sqlite3 :memory: ".load $ext" "SELECT count(*) FROM kite_alerts('$cap', 'rules/kite_rules.yaml')" 2>&1)
	[ "$got" = "$n_alerts" ] || fail "sqlite3 .load: kite_alerts gave '$got'"
	got=$(sqlite3 :memory: ".load $ext" "SELECT count(*) FROM kite_events('/no/such.kcap')" 2>&1)
	case $got in *"/no/such.kcap"*) ;; *) fail "sqlite3 .load: a missing file: '$got'" ;; esac
else
	need sqlite3 "loads the kite_sqlite extension (Debian package sqlite3)"
	[ "${CI:-}" = true ] && fail "the extension ${KITE_EXT:-} was not built"
	echo "  SKIP: the extension ${KITE_EXT:-} was not built" >&2
fi

# the shared .scap captures: exit events per type and per process, as sysdig printed them
data=${SCAP_DATA:-../shared/data/scap}
if [ ! -d "$data" ]; then
	[ "${CI:-}" = true ] && { fail "$data is missing (CI needs ../shared)"; finish; }
	echo "  SKIP: $data not found (the shared test data): .scap cross-checks not run" >&2
	finish
fi
for f in "$data"/*.scap; do
	name=$(basename "$f" .scap)
	want="$data/expected/$name.tsv"
	[ -f "$want" ] || continue
	# the TSV's columns: rawtime tid pid ppid type res name ...
	awk -F'\t' '{c[$5]++} END {for (t in c) print t "," c[t]}' "$want" | sort >"$WORK/$name.types.want"
	q "$f" "SELECT type, count(*) FROM events WHERE dir = '<' GROUP BY type ORDER BY type" >"$WORK/$name.types.got"
	cmp -s "$WORK/$name.types.want" "$WORK/$name.types.got" ||
		fail "$name: exit events per type differ from sysdig's: $(diff "$WORK/$name.types.want" "$WORK/$name.types.got" | head -4)"
	awk -F'\t' '{c[$3]++} END {for (p in c) print p "," c[p]}' "$want" | sort -t, -k1,1n >"$WORK/$name.pids.want"
	q "$f" "SELECT pid, count(*) FROM events WHERE dir = '<' GROUP BY pid ORDER BY pid" >"$WORK/$name.pids.got"
	cmp -s "$WORK/$name.pids.want" "$WORK/$name.pids.got" ||
		fail "$name: exit events per process differ from sysdig's: $(diff "$WORK/$name.pids.want" "$WORK/$name.pids.got" | head -4)"
	awk -F'\t' '$5 == "execve" && $6 == "SUCCESS"' "$want" | wc -l >"$WORK/$name.execs.want"
	q "$f" "SELECT count(*) FROM execs" >"$WORK/$name.execs.got"
	cmp -s "$WORK/$name.execs.want" "$WORK/$name.execs.got" ||
		fail "$name: $(cat "$WORK/$name.execs.got") execs, sysdig shows $(cat "$WORK/$name.execs.want") successful execve"
	[ "$(q "$f" 'SELECT format FROM captures')" = scap ] || fail "$name: captures.format"
done
finish

# record.sh - kite-record end to end (root and BPF): stdout, limits, rotation, filters, kill -9, errors.
. tests/cli-lib.sh
need_root() {
	[ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ] && return 0
	if [ "${CI:-}" = true ]; then
		fail "CI=true: recording needs root and a kernel with BTF"
		finish
	fi
	echo "  SKIP: recording needs root and a kernel with BTF" >&2
	exit 0
}
need_root
need python3 "reads --json output"
# wait_recording FILE: until the recorder has attached and written its snapshot (at most 20 s)
wait_recording() {
	for i in $(seq 200); do
		"$KITE" dump -b "$1" 2>/dev/null | grep -q ": SNAPSHOT" && return 0
		sleep 0.1
	done
	fail "the recorder did not start writing $1 within 20 s"
}
events() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$1"; }

# a command's exit status comes back; its events are in the file
run 5 "$KITE_RECORD" -w "$WORK/cmd.kcap" -- sh -c 'exit 5'
contains err "kite-record: "
contains err " events, 0 dropped"
[ "$(stat -c %a "$WORK/cmd.kcap")" = 600 ] || fail "captures must be 0600"
run 0 "$KITE" info "$WORK/cmd.kcap"
contains out "driver ebpf"

# -w - to a pipe; --events stops at exactly N
"$KITE_RECORD" -w - -n 50 -- sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do cat /etc/hostname >/dev/null; done' \
	2>"$WORK/err" | "$KITE" info --json - >"$WORK/out" || fail "kite-record -w - | kite info - failed: $(cat "$WORK/err")"
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$WORK/out")" -le 50 ] ||
	fail "--events 50 wrote more than 50 events"
run 0 "$KITE_RECORD" -w "$WORK/n.kcap" -n 20 -- sh -c 'for i in $(seq 200); do cat /etc/hostname >/dev/null; done'
"$KITE" info --json "$WORK/n.kcap" >"$WORK/n.json"
[ "$(events "$WORK/n.json")" -eq 20 ] || fail "--events 20 wrote $(events "$WORK/n.json") events"

# --duration stops on time
start=$(date +%s)
run 0 "$KITE_RECORD" -w "$WORK/d.kcap" -d 1
[ $(($(date +%s) - start)) -le 4 ] || fail "--duration 1 ran for more than 4 seconds"

# --io: reads and writes with -s bytes of their data; without it, none
run 0 "$KITE_RECORD" -w "$WORK/io.kcap" --io -s 5 --follow -- sh -c 'echo abcdefghij >"$1"; cat "$1" >/dev/null' sh "$WORK/io.txt"
"$KITE" dump "$WORK/io.kcap" >"$WORK/io.dump"
grep -q " write res=11 data=abcde fd=1 size=11" "$WORK/io.dump" || fail "--io -s 5: no write of 11 bytes with 5 bytes of data"
grep -q " read res=11 data=abcde " "$WORK/io.dump" || fail "--io -s 5: no read of the file's 11 bytes"
run 0 "$KITE_RECORD" -w "$WORK/noio.kcap" --follow -- sh -c 'cat /etc/hostname >/dev/null'
"$KITE" dump "$WORK/noio.kcap" | grep -q " read res=" && fail "reads were recorded without --io"

# --all: a syscall with no table row comes as a raw "syscall" record
run 0 "$KITE_RECORD" -w "$WORK/all.kcap" --all --follow -- sh -c 'cat /etc/hostname >/dev/null'
"$KITE" dump "$WORK/all.kcap" | grep -q " syscall id=" || fail "--all recorded no raw syscall record"

# --no-env: exec events carry no environment
run 0 "$KITE_RECORD" -w "$WORK/env.kcap" --no-env --follow -- env KITE_SECRET=hunter2 true
# (the secret is also in the command line, so look at the env parameter of true's exec only)
"$KITE" dump "$WORK/env.kcap" | grep " execve res=0 exe=true " | grep -q " env= tty=" ||
	fail "--no-env: the environment was recorded"
run 0 "$KITE_RECORD" -w "$WORK/env2.kcap" --follow -- env KITE_SECRET=hunter2 true
"$KITE" dump "$WORK/env2.kcap" | grep " execve res=0 exe=true " | grep -q " env=.*KITE_SECRET=hunter2.* tty=" ||
	fail "without --no-env the environment is missing"

# --comm: only tasks of that name (plus state changes of all)
run 0 "$KITE_RECORD" -w "$WORK/comm.kcap" --comm touch -- sh -c 'touch "$1"; mkdir "$1.d"; rmdir "$1.d"' sh "$WORK/c.txt"
"$KITE" dump "$WORK/comm.kcap" >"$WORK/comm.dump"
# mmap(PROT_EXEC) changes no state: kept for touch (the name matches), dropped for sh
python3 - "$WORK/comm.dump" <<'PY' || fail "--comm touch: mmap events are not exactly touch's"
import re, sys
lines = open(sys.argv[1]).read().splitlines()
def pids(exe):
    return {m.group(1) for l in lines if (m := re.search(r" pid=(\d+) execve res=0 exe=" + exe + " ", l))}
touch, sh = pids("touch"), pids("sh")
mmaps = {m.group(1) for l in lines if (m := re.search(r" pid=(\d+) mmap ", l))}
assert touch and mmaps & touch, ("no mmap of touch", touch, mmaps)
assert not (mmaps & sh), ("mmap of sh recorded", sh, mmaps)
PY
grep -Eq "pid=[0-9]+ (mkdir|mkdirat) " "$WORK/comm.dump" && fail "--comm touch recorded mkdir's mkdir"

# -G: a new file every second, named by strftime
mkdir -p "$WORK/g"
run 0 "$KITE_RECORD" -w "$WORK/g/%H%M%S.kcap" -G 1 -d 2.5
[ "$(ls "$WORK/g" | wc -l)" -ge 2 ] || fail "-G 1 over 2.5 s made $(ls "$WORK/g" | wc -l) files"

# rotation: every file complete; a ring of 3 names; never over a file this run did not write
mkdir -p "$WORK/rot"
run 0 "$KITE_RECORD" -w "$WORK/rot/r.kcap" -C 0.05 -W 3 -- sh -c 'for i in $(seq 3000); do cat /etc/hostname >/dev/null; done'
[ "$(ls "$WORK/rot" | wc -l)" -eq 3 ] || fail "-W 3 left $(ls "$WORK/rot" | wc -l) files: $(ls "$WORK/rot")"
for f in "$WORK"/rot/r.kcap0 "$WORK"/rot/r.kcap1 "$WORK"/rot/r.kcap2; do
	run 0 "$KITE" info "$f"
	contains out "State:         "
done
run 1 "$KITE_RECORD" -w "$WORK/rot/r.kcap" -C 0.05 -W 3 -- true
contains err "was not written by this run"

# --pid: only that process's events, except state changes of others
rm -f "$WORK/go"
mkfifo "$WORK/go"
# the target blocks in a builtin (no child processes) until recording has begun
sh -c 'read x <"$1"; for i in 1 2 3; do cat /etc/hostname >/dev/null; done' sh "$WORK/go" &
target=$!
"$KITE_RECORD" -w "$WORK/pid.kcap" --pid $target --follow 2>"$WORK/err" &
rec=$!
wait_recording "$WORK/pid.kcap"
echo go >"$WORK/go"
wait $target
sleep 0.3
kill -INT $rec
wait $rec || fail "kite-record --pid exited with $?: $(cat "$WORK/err")"
"$KITE" dump "$WORK/pid.kcap" >"$WORK/pid.dump"
python3 - "$WORK/pid.dump" "$target" <<'PY' || fail "--pid --follow let through events of other processes"
import re, sys
target = int(sys.argv[2])
family, ours = {target}, 0
for line in open(sys.argv[1]):
    m = re.match(r"\s+\S+ cpu=\d+ tid=(\d+) pid=(\d+) (\w+)", line)
    if not m:
        continue
    pid, kind = int(m.group(2)), m.group(3)
    if kind == "state_proc":  # descendants that existed when recording began
        pp = re.search(r" ppid=(\d+)", line)
        if pp and int(pp.group(1)) in family:
            family.add(int(re.search(r"state_proc tid=\d+ pid=(\d+)", line).group(1)))
    if kind.startswith("state_"):
        continue
    if kind in ("clone", "fork", "vfork", "clone3") and " res=0 " in line and re.search(r" ptid=(\d+)", line) \
            and int(re.search(r" ptid=(\d+)", line).group(1)) in family:
        family.add(pid)
    if pid not in family and kind != "drop":
        sys.exit(f"event of pid {pid}: {line.strip()[:200]}")
    ours += 1
if ours < 6:
    sys.exit(f"only {ours} events of the selected tree")
PY
# --follow through a multithreaded exec: the old leader's exit must not drop the process, whose
# exec'ing thread carries on under the same pid (cat's open of /etc/hostname comes after it)
cat >"$WORK/mtexec.py" <<'PY'
import os, threading, time
def go():
    time.sleep(0.05)
    os.execv("/bin/cat", ["cat", "/etc/hostname"])
t = threading.Thread(target=go)
t.start()
t.join()
PY
run 0 "$KITE_RECORD" -w "$WORK/mtexec.kcap" --follow -- python3 "$WORK/mtexec.py"
"$KITE" show -p '%proc.name' "$WORK/mtexec.kcap" 'evt.type=openat and fd.name=/etc/hostname' >"$WORK/out" 2>&1
[ "$(cat "$WORK/out")" = cat ] || fail "--follow lost the process after a multithreaded exec: '$(cat "$WORK/out")'"

# keyframes: the state again mid-file; --from starts at the last one before it and shows exactly
# what a full replay shows (the fd opened before the keyframe keeps its name, evt.num goes on)
run 0 "$KITE_RECORD" --keyframe 0.3 -w "$WORK/kf.kcap" -- sh -c 'exec 3</etc/hostname; sleep 1; exec 3<&-'
"$KITE" info "$WORK/kf.kcap" >"$WORK/out" 2>&1
grep -Eq '^State: .* in ([2-9]|[1-9][0-9]+) snapshot blocks' "$WORK/out" || fail "--keyframe 0.3 wrote no keyframe: $(grep State "$WORK/out")"
tp=$("$KITE" show -p '%evt.rawtime %proc.pid' "$WORK/kf.kcap" 'evt.type=close and fd.num=3 and fd.name=/etc/hostname' | tail -n 1)
[ -n "$tp" ] || fail "the close of fd 3 is not in the capture"
t=$((${tp% *} - 1)) pid=${tp#* }
# only the command's own events: a keyframe names other processes' fds as /proc does at that
# moment ("/tmp/x (deleted)" for a file removed since it was opened), a full replay as they were opened
f='%evt.rawtime %evt.num %evt.type %proc.name %fd.name'
"$KITE" show --from "$t" -p "$f" "$WORK/kf.kcap" "proc.pid=$pid" >"$WORK/kf.from" 2>&1
"$KITE" show -p "$f" "$WORK/kf.kcap" "evt.rawtime >= $t and proc.pid=$pid" >"$WORK/kf.all" 2>&1
[ -s "$WORK/kf.from" ] && cmp -s "$WORK/kf.from" "$WORK/kf.all" || fail "kite show --from on a keyframed capture differs from a full replay"
grep -q ' close sh /etc/hostname$' "$WORK/kf.from" || fail "--from lost the name of an fd opened before the keyframe"
# ... and so does kite sql with a lower ts bound on events (pushed down: it starts at the keyframe)
q="SELECT count(*), min(evt_num), group_concat(fd_name) FROM events WHERE %sts >= $t AND type = 'close' AND pid = $pid"
"$KITE" sql --format csv "$WORK/kf.kcap" "$(printf "$q" '')" >"$WORK/kf.sql1" 2>&1
"$KITE" sql --format csv "$WORK/kf.kcap" "$(printf "$q" '+')" >"$WORK/kf.sql2" 2>&1
cmp -s "$WORK/kf.sql1" "$WORK/kf.sql2" && grep -q '/etc/hostname' "$WORK/kf.sql1" ||
	fail "kite sql with a lower ts bound on a keyframed capture: $(cat "$WORK/kf.sql1") vs $(cat "$WORK/kf.sql2")"

# kite sql: on a kite-record capture a pid constraint passes over chunks by the index (the kernel
# gave the ids, so rows need no state for them); the rows are still a full replay's
run 0 "$KITE_RECORD" -w "$WORK/pids.kcap" -- sh -c 'for i in 1 2 3; do cat /etc/hostname >/dev/null; sleep 1.1; done'
for p in $("$KITE" sql -f csv "$WORK/pids.kcap" "SELECT DISTINCT pid FROM events WHERE type = 'execve'" | tail -n +2); do
	q="SELECT evt_num, tid, pid, type, res FROM events WHERE %spid = $p"
	a=$("$KITE" sql -f csv "$WORK/pids.kcap" "$(printf "$q" '')")
	b=$("$KITE" sql -f csv "$WORK/pids.kcap" "$(printf "$q" '+')")
	[ "$(echo "$a" | wc -l)" -gt 2 ] && [ "$a" = "$b" ] || fail "kite sql, pid $p: rows with chunk skipping differ from a full replay's"
done

# --follow with a command: only the command's tree (its children run cat)
run 0 "$KITE_RECORD" -w "$WORK/tree.kcap" --follow -- sh -c 'cat /etc/hostname >/dev/null; cat /etc/hostname >/dev/null'
"$KITE" dump "$WORK/tree.kcap" | grep -c ' execve res=0 ' >"$WORK/n" || true
[ "$(cat "$WORK/n")" -eq 3 ] || fail "--follow -- sh: expected 3 execs (sh, cat, cat), saw $(cat "$WORK/n")"

# --container: a cgroup named like a container (as runtimes name them) holds the only process recorded
cid=0123456789abcdef$(printf '%04x' $$)
hier=/sys/fs/cgroup/memory
[ -d "$hier" ] || hier=/sys/fs/cgroup/unified
[ -f "$hier/cgroup.procs" ] || hier=/sys/fs/cgroup
if mkdir "$hier/kite-test-$cid" 2>/dev/null; then
	rm -f "$WORK/cgo"
	mkfifo "$WORK/cgo"
	: >"$WORK/in"
	: >"$WORK/out"
	sh -c 'read x <"$1"; chmod 600 "$2"' sh "$WORK/cgo" "$WORK/in" &
	inside=$!
	echo $inside >"$hier/kite-test-$cid/cgroup.procs"
	"$KITE_RECORD" -w "$WORK/ct.kcap" --container $cid 2>"$WORK/err" &
	rec=$!
	wait_recording "$WORK/ct.kcap"
	chmod 600 "$WORK/out"
	echo go >"$WORK/cgo"
	wait $inside
	sleep 0.3
	kill -INT $rec
	wait $rec || fail "kite-record --container exited with $?: $(cat "$WORK/err")"
	"$KITE" dump "$WORK/ct.kcap" >"$WORK/ct.dump"
	grep -q "fchmodat res=0 .*filename=$WORK/in " "$WORK/ct.dump" || fail "--container missed the container's chmod"
	grep -q "filename=$WORK/out " "$WORK/ct.dump" && fail "--container recorded a chmod outside the container"
	rmdir "$hier/kite-test-$cid"
else
	fail "could not create a cgroup under $hier to stand for a container"
fi
run 2 "$KITE_RECORD" -w "$WORK/x.kcap" --container nothex
contains err "12 to 64 lowercase hex digits"
run 1 "$KITE_RECORD" -w "$WORK/x.kcap" --container ffffffffffffffffffff
contains err "no cgroup of that container"

# drops: a frozen recorder with 1 MiB rings under a flood of events loses some, and says so
"$KITE_RECORD" -w "$WORK/drop.kcap" --buffer-size 1 --io 2>"$WORK/drop.err" &
rec=$!
wait_recording "$WORK/drop.kcap"
dd if=/dev/zero of=/dev/null bs=1 count=3000000 2>/dev/null &
flood=$!
sleep 0.2
kill -STOP $rec
sleep 1
kill -CONT $rec
wait $flood
kill -INT $rec
wait $rec
grep -Eq "events, [1-9][0-9]* dropped" "$WORK/drop.err" || fail "no drops reported: $(cat "$WORK/drop.err")"
"$KITE" info --json "$WORK/drop.kcap" >"$WORK/drop.json"
"$KITE" dump "$WORK/drop.kcap" >"$WORK/drop.dump"
python3 - "$WORK/drop.json" "$WORK/drop.dump" "$WORK/drop.err" <<'PY' || fail "drop records, index and statistics disagree"
import json, re, sys
info = json.load(open(sys.argv[1]))
records = sum(int(m.group(1)) for m in re.finditer(r" drop nevents=(\d+) ", open(sys.argv[2]).read()))
stats = int(re.search(r"events, (\d+) dropped", open(sys.argv[3]).read()).group(1))
assert info["drops"] > 0 and info["drops"] == records == stats, (info["drops"], records, stats)
PY

# kill -9: the file reads up to the last complete chunk; recover makes it whole
"$KITE_RECORD" -w "$WORK/k.kcap" 2>/dev/null &
rec=$!
wait_recording "$WORK/k.kcap"
for i in $(seq 300); do cat /etc/hostname >/dev/null; done
sleep 2.5 # a chunk reaches the file at most about a second after its first event
kill -9 $rec
wait $rec 2>/dev/null
run 3 "$KITE" info --json "$WORK/k.kcap"
contains err "writer did not finish"
[ "$(events "$WORK/out")" -gt 0 ] || fail "a killed recorder's file held no events"
run 0 "$KITE" recover "$WORK/k.kcap"
run 0 "$KITE" info "$WORK/k.kcap"

# errors: bad options, a non-root user
run 2 "$KITE_RECORD" -w "$WORK/x.kcap" -W 3
contains err "-W needs -C or -G"
run 2 "$KITE_RECORD" -w "$WORK/x.kcap" --follow
contains err "--follow needs --pid, or a COMMAND"
run 1 "$KITE_RECORD" -w "$WORK/x.kcap" --pid 999999999
contains err "no such process"
if command -v setpriv >/dev/null; then
	chmod 777 "$WORK"
	run 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$KITE_RECORD" --driver ebpf -w "$WORK/nobody.kcap" -- true
	contains err "needs root, or the CAP_BPF and CAP_PERFMON capabilities"
	# the default driver (auto) falls back to ptrace for a command, and says why
	run 0 setpriv --reuid=65534 --regid=65534 --clear-groups "$KITE_RECORD" -w "$WORK/nobody.kcap" -- true
	contains err "needs root, or the CAP_BPF and CAP_PERFMON capabilities); using the ptrace driver"
	# ... but not to attach: that is slower, so only when asked for
	run 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$KITE_RECORD" -w "$WORK/nobody.kcap" --pid $$
	contains err "--driver ptrace -p PID attaches without privileges"
fi
finish

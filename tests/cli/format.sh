# format.sh - kite info, dump and recover on synthetic captures: clean, truncated, corrupted, not captures at all.
. tests/cli-lib.sh
need python3 "checks --json output"

cap=$WORK/a.kcap
run 0 "$SYNTH" -n 3000 -s 40 -c 8192 "$cap"
[ "$(stat -c %a "$cap")" = 600 ] || fail "captures must be created 0600"

# info: from the index, and by scanning: the same numbers
run 0 "$KITE" info "$cap"
contains out "Events:        3000,"
contains out "State:         40 records"
contains out "Index:         from the footer, with chunk summaries"
run 0 "$KITE" info --json "$cap"
cp "$WORK/out" "$WORK/indexed.json"
run 0 "$KITE" info --json --scan "$cap"
cp "$WORK/out" "$WORK/scanned.json"
python3 - "$WORK/indexed.json" "$WORK/scanned.json" <<'PY' || fail "info --json: index and scan disagree"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["events"] == 3000 and sum(a["events_per_type"].values()) == 3000, a
assert a["indexed"] and not b["indexed"]
for k in ("events", "events_per_type", "chunks", "raw_bytes", "compressed_bytes", "first_ts", "last_ts", "drops", "state_records"):
    assert a[k] == b[k], (k, a[k], b[k])
assert a["hostname"] == "testhost" and not a["damaged"]
PY

# dump: one line per record, decoded by name; the same through a pipe
run 0 "$KITE" dump "$cap"
[ "$(grep -c '^    [0-9]' "$WORK/out")" -eq 3040 ] || fail "dump printed $(grep -c '^    [0-9]' "$WORK/out") records, expected 3040"
contains out " openat fd="
contains out " name="
contains out "block 0 at offset 0: SHB"
contains out ": FOOTER, 44 bytes"
cp "$WORK/out" "$WORK/dump-file"
cat "$cap" | "$KITE" dump - >"$WORK/dump-pipe" 2>"$WORK/err" || fail "dump from a pipe failed: $(cat "$WORK/err")"
cmp -s "$WORK/dump-file" "$WORK/dump-pipe" || fail "dump differs between a file and a pipe"
run 0 "$KITE" dump -n 5 -S "$cap"
[ "$(grep -c '^    [0-9]' "$WORK/out")" -eq 5 ] || fail "dump -n 5 printed another count"
contains out "event  11 openat"

# truncated: read to the last complete chunk, exit 3, then recover
size=$(stat -c %s "$cap")
head -c $((size * 2 / 3)) "$cap" >"$WORK/cut.kcap"
run 3 "$KITE" info --json "$WORK/cut.kcap"
contains err "writer did not finish"
cut_events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$WORK/out")
[ "$cut_events" -gt 0 ] && [ "$cut_events" -lt 3000 ] || fail "truncated capture reports $cut_events events"
run 0 "$KITE" recover -o "$WORK/rec.kcap" "$WORK/cut.kcap"
contains err "recovered"
run 0 "$KITE" info --json "$WORK/rec.kcap"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["indexed"] and d["events"]==int(sys.argv[2]), d' \
	"$WORK/out" "$cut_events" || fail "recovered capture does not hold the events of the complete chunks"
[ "$(stat -c %a "$WORK/rec.kcap")" = 600 ] || fail "recovered capture must be 0600"
cp "$WORK/cut.kcap" "$WORK/inplace.kcap"
run 0 "$KITE" recover "$WORK/inplace.kcap"
run 0 "$KITE" info "$WORK/inplace.kcap"
contains out "Index:         from the footer"
run 0 "$KITE" recover "$cap"
contains err "nothing to do"

# corrupted: the damaged chunk is skipped with a message naming the offset, exit 3
cp "$cap" "$WORK/bad.kcap"
printf '\377\377\377\377' | dd of="$WORK/bad.kcap" bs=1 seek=$((size / 2)) conv=notrunc status=none
run 0 "$KITE" info "$WORK/bad.kcap"   # the index alone does not read chunks
run 3 "$KITE" info --scan "$WORK/bad.kcap"
contains err "checksum mismatch"
contains err "bad.kcap: offset "

# not captures, missing files, bad command lines
run 1 "$KITE" info /etc/passwd
contains err "/etc/passwd: not a pcapng file"
run 1 "$KITE" info "$WORK/nonexistent.kcap"
contains err "No such file or directory"
head -c 100 "$cap" >"$WORK/tiny.kcap"
run 1 "$KITE" dump "$WORK/tiny.kcap"
contains err "tiny.kcap: offset"
run 2 "$KITE" frobnicate
contains err "'frobnicate' is not a kite command"
run 2 "$KITE" info
run 2 "$KITE" dump -n lots "$cap"
run 0 "$KITE" info --help
contains out "usage: kite info"
run 0 "$KITE" --version
contains out "kite 0."
run 2 "$KITE_RECORD"
contains err "no output file"
run 2 "$KITE_RECORD" -w "$WORK/x.kcap" --driver nonesuch
contains err "unknown driver 'nonesuch'"

finish

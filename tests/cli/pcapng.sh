# pcapng.sh - other pcapng readers (Wireshark's tshark and capinfos) open kite captures without error.
. tests/cli-lib.sh
need tshark "Wireshark must open kite captures (package tshark)"
need capinfos "package tshark"

cap=$WORK/a.kcap
run 0 "$SYNTH" -n 2000 -s 20 "$cap"
run 0 tshark -r "$cap"
grep -v "Running as user" "$WORK/err" | grep -q . && fail "tshark complained: $(cat "$WORK/err")"
[ -s "$WORK/out" ] && fail "tshark saw packets in a kite capture: $(head -3 "$WORK/out")"
run 0 capinfos "$cap"
contains out "File type:           Wireshark/... - pcapng"
contains out "Number of packets:   0"
grep -qi "error" "$WORK/err" && fail "capinfos complained: $(cat "$WORK/err")"
finish

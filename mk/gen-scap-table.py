#!/usr/bin/env python3
# gen-scap-table.py - writes format/scap_table.c (the ppm event table as C data) from docs/dev/scap-notes.md section 3.
#
#   python3 mk/gen-scap-table.py [NOTES [OUT]]    (defaults: docs/dev/scap-notes.md, format/scap_table.c)
#
# The notes' section 3 holds a fenced listing, one line per event code:
#   <code> <name> <E|X> <categories|...> <flags|...> <nparams> <name:PT_x:PF_y[:info]>...  [;<note>]
# Notes starting with "0.29.3:" give how sysdig 0.29.3's table differs ("params=first N", or its whole
# parameter list, "params=(none)"); "absent in 0.29.3" marks codes that table does not have.  Only the
# parameter counts of 0.29.3 are kept (scap_event_nparams_0293); names, flags and categories are the
# current ones.  The script checks the listing (contiguous codes, E on even codes, nparams equal to the
# parameter count, known PT_/PF_/EC_/EF_ names) and fails loudly rather than write a wrong table.
# It then runs clang-format (the repository's .clang-format) on the output, which gives the committed
# layout; without clang-format the file is the same C, unformatted, and the script says so.
import os
import re
import shutil
import subprocess
import sys

PT = """NONE INT8 INT16 INT32 INT64 UINT8 UINT16 UINT32 UINT64 CHARBUF BYTEBUF ERRNO SOCKADDR SOCKTUPLE FD PID
FDLIST FSPATH SYSCALLID SIGTYPE RELTIME ABSTIME PORT L4PROTO SOCKFAMILY BOOL IPV4ADDR DYN FLAGS8 FLAGS16
FLAGS32 UID GID DOUBLE SIGSET CHARBUFARRAY CHARBUF_PAIR_ARRAY IPV4NET IPV6ADDR IPV6NET IPADDR IPNET MODE
FSRELPATH ENUMFLAGS8 ENUMFLAGS16 ENUMFLAGS32""".split()
PF = "NA DEC HEX 10_PADDED_DEC ID DIR OCT".split()
EC = """UNKNOWN OTHER FILE NET IPC MEMORY PROCESS SLEEP SYSTEM SIGNAL USER TIME PROCESSING IO_BASE IO_READ
IO_WRITE IO_OTHER WAIT SCHEDULER INTERNAL SYSCALL TRACEPOINT PLUGIN METAEVENT ITER""".split()
EF = """NONE CREATES_FD DESTROYS_FD USES_FD READS_FROM_FD WRITES_TO_FD MODIFIES_STATE UNUSED WAITS
SKIPPARSERESET OLD_VERSION DROP_SIMPLE_CONS LARGE_PAYLOAD CONVERTER_MANAGED""".split()
MAX_0293 = 336  # PPM_EVENT_MAX of the libs revision sysdig 0.29.3 uses (notes, section 0)


def die(msg):
    sys.exit("gen-scap-table.py: " + msg)


def listing(text):
    """The lines of the fenced block of section 3 that starts with an event code."""
    sec = re.search(r"^## 3\. .*?(?=^## 4\. )", text, re.M | re.S)
    if not sec:
        die("no '## 3.' section in the notes")
    for block in re.findall(r"^```\n(.*?)^```", sec.group(0), re.M | re.S):
        lines = block.splitlines()
        if lines and re.match(r"\d+ ", lines[0]):
            return lines
    die("no event listing in section 3")


def parse_param(text, where):
    f = text.split(":", 3)
    if len(f) < 3 or not re.fullmatch(r"\w+", f[0]):
        die(f"{where}: bad parameter '{text}'")
    if not f[1].startswith("PT_") or f[1][3:] not in PT:
        die(f"{where}: unknown type in '{text}'")
    if not f[2].startswith("PF_") or f[2][3:] not in PF:
        die(f"{where}: unknown format in '{text}'")
    info = f[3] if len(f) == 4 else None
    if info is not None:
        # dynamic tables are written "table,MAX_CONSTANT": the table name is what a decoder looks up
        info = info.split(",")[0]
        if not re.fullmatch(r"\w+(\(\d+\))?", info):
            die(f"{where}: bad info in '{text}'")
    return (f[0], f[1][3:], f[2][3:], info)


def parse_bits(text, known, prefix, where):
    out = []
    for b in text.split("|"):
        if not b.startswith(prefix) or b[len(prefix):] not in known:
            die(f"{where}: unknown '{b}'")
        out.append(b[len(prefix):])
    return out


def nparams_0293(code, n, note, where):
    """sysdig 0.29.3's parameter count for a code, from the ';0.29.3:' note (same as now without one)."""
    if "absent in 0.29.3" in note:
        if code < MAX_0293:
            die(f"{where}: code below {MAX_0293} marked absent")
        return None
    if code >= MAX_0293:
        die(f"{where}: code {code} >= {MAX_0293} not marked absent in 0.29.3")
    if not note:
        return n
    if not note.startswith("0.29.3:"):
        die(f"{where}: unknown note '{note}'")
    items = dict(item.strip().split("=", 1) for item in note[len("0.29.3:"):].split(";"))
    if set(items) - {"name", "cat", "flags", "params"}:
        die(f"{where}: unknown item in note '{note}'")
    if "params" not in items:
        return n
    val = items["params"].strip()
    if val == "(none)":
        return 0
    first = re.fullmatch(r"first (\d+)", val)
    if first:
        return int(first.group(1))
    return len([parse_param(p, where) for p in val.split()])


def parse(lines):
    events = []
    for i, line in enumerate(lines):
        where = f"listing line {i + 1}"
        main, _, note = line.partition(";")
        f = main.split()
        if len(f) < 6:
            die(f"{where}: too few fields")
        code, name, d, cats, flags, n = f[:6]
        if int(code) != i:
            die(f"{where}: code {code}, expected {i}")
        if d != "EX"[i & 1]:
            die(f"{where}: direction {d} on code {i}")
        params = [parse_param(p, where) for p in f[6:]]
        if int(n) != len(params):
            die(f"{where}: nparams {n} but {len(params)} parameters")
        if not re.fullmatch(r"\w+", name):
            die(f"{where}: bad name '{name}'")
        events.append(dict(code=i, name=name, dir=d, cats=parse_bits(cats, EC, "EC_", where),
                           flags=parse_bits(flags, EF, "EF_", where), params=params,
                           n0293=nparams_0293(i, len(params), note.strip(), where)))
    return events


def c_bits(bits, prefix):
    return " | ".join(f"SCAP_{prefix}_{b}" for b in bits)


def emit(events, src):
    o = []
    o.append("/* scap_table.c - the ppm event table (codes, names, categories, flags, parameters) and 0.29.3's "
             "parameter counts. */")
    o.append("/*")
    o.append(" * GENERATED by mk/gen-scap-table.py from " + src + " section 3: do not edit.")
    o.append(" * Regenerate after changing the notes with:  python3 mk/gen-scap-table.py")
    o.append(" */")
    o.append("#include <stddef.h>")
    o.append("#include <stdint.h>")
    o.append("")
    o.append('#include "scap.h"')
    o.append("")
    for e in events:
        if not e["params"]:
            continue
        o.append(f"static const struct scap_param_info p{e['code']}[] = {{")
        for name, t, fmt, info in e["params"]:
            cinfo = f'"{info}"' if info else "NULL"
            o.append(f'\t{{"{name}", SCAP_PT_{t}, SCAP_PF_{fmt}, {cinfo}}},')
        o.append("};")
    o.append("")
    o.append(f"static const struct scap_event_info table[{len(events)}] = {{")
    for e in events:
        params = f"p{e['code']}" if e["params"] else "NULL"
        o.append(f"\t[{e['code']}] = {{\"{e['name']}\", '{e['dir']}', {c_bits(e['cats'], 'EC')},")
        o.append(f"\t\t{c_bits(e['flags'], 'EF')}, {len(e['params'])}, {params}}},")
    o.append("};")
    o.append("")
    counts = [e["n0293"] for e in events if e["n0293"] is not None]
    o.append("/* sysdig 0.29.3 (libs e5c53d64): codes 0..%d, its parameter count for each. */" % (len(counts) - 1))
    o.append(f"static const uint8_t nparams_0293[{len(counts)}] = {{")
    for i in range(0, len(counts), 16):
        row = ", ".join(str(c) for c in counts[i:i + 16])
        o.append(f"\t{row}, /* {i}.. */")
    o.append("};")
    o.append("")
    o.append("const uint16_t scap_event_max = sizeof(table) / sizeof(table[0]);")
    o.append("const uint16_t scap_event_max_0293 = sizeof(nparams_0293);")
    o.append("")
    o.append("const struct scap_event_info *scap_event_info(uint16_t code)")
    o.append("{")
    o.append("\treturn code < sizeof(table) / sizeof(table[0]) ? &table[code] : NULL;")
    o.append("}")
    o.append("")
    o.append("uint8_t scap_event_nparams_0293(uint16_t code)")
    o.append("{")
    o.append("\treturn code < sizeof(nparams_0293) ? nparams_0293[code] : 0;")
    o.append("}")
    return "\n".join(o) + "\n"


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    notes = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "docs/dev/scap-notes.md")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "format/scap_table.c")
    with open(notes, encoding="utf-8") as f:
        events = parse(listing(f.read()))
    if sum(e["n0293"] is not None for e in events) != MAX_0293:
        die(f"the listing does not cover 0.29.3's {MAX_0293} codes")
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        f.write(emit(events, "docs/dev/scap-notes.md"))
    os.replace(out + ".tmp", out)
    if shutil.which("clang-format"):
        subprocess.run(["clang-format", "-i", out], check=True, cwd=root)
    else:
        print("gen-scap-table.py: clang-format not found: the output is not formatted", file=sys.stderr)
    print(f"{out}: {len(events)} event codes, {MAX_0293} with 0.29.3 counts")


if __name__ == "__main__":
    main()

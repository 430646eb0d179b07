#!/usr/bin/env python3
"""gen-scap-sc.py - writes format/scap_sc.c, the PPM_SC syscall names, from docs/dev/scap-notes.md section 9."""
import re
import sys

notes = open(sys.argv[1] if len(sys.argv) > 1 else "docs/dev/scap-notes.md").read()
sec = notes[notes.index("## 9. PPM_SC syscall codes"):]
block = sec[sec.index("```") + 3:]
block = block[:block.index("```")]
names = {}
for m in re.finditer(r"(\d+)=([A-Za-z0-9_]+)", block):
    names[int(m.group(1))] = m.group(2)
n = max(names) + 1
out = [
    "/* scap_sc.c - the PPM_SC syscall codes of .scap generic events, by number (generated: mk/gen-scap-sc.py"
    " from docs/dev/scap-notes.md section 9). */",
    '#include "scap_import.h"',
    "",
    "static const char *const names[] = {",
]
for i in range(n):
    out.append('\t"%s",' % names.get(i, "unknown"))
out += [
    "};",
    "",
    "const char *scap_sc_name(uint16_t code)",
    "{",
    "\treturn code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;",
    "}",
    "",
    "const uint16_t scap_sc_max = (uint16_t)(sizeof(names) / sizeof(names[0]));",
    "",
]
open(sys.argv[2] if len(sys.argv) > 2 else "format/scap_sc.c", "w").write("\n".join(out))

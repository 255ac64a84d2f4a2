"""Every tensor-core main loop of the kernels whose name contains SUBSTRING, told apart by its HMMA variant (a
kernel with fp32, TF32 and BF16 paths has one loop per tensor-core path; ../shared/gpu/sass-mix.sh reports only
the first), with its length and issue slots per HMMA. A static proxy, not a timing.
Usage: python3 bench/gpu/sass_loops.py FATBIN SUBSTRING [ARCH]  (cuobjdump: the copy sass-mix.sh caches)"""
import collections
import os
import re
import subprocess
import sys

fatbin, want = sys.argv[1], sys.argv[2]
arch = sys.argv[3] if len(sys.argv) > 3 else "sm_90"
cuobjdump = os.path.join(os.environ.get("SASS_MIX_CACHE", os.path.expanduser("~/.cache/sass-mix")), "x/usr/bin/cuobjdump")
text = subprocess.run([cuobjdump, "-sass", "-arch", arch, fatbin], capture_output=True, text=True, check=True).stdout
instruction = re.compile(r"/\*([0-9a-f]{4,})\*/\s+(@!?U?P[T0-9]\s+)?([A-Z0-9_.]+)([^;]*);")
for function in re.split(r"\n\s*Function : ", text)[1:]:
    name = function.split("\n", 1)[0].strip()
    if want not in name:
        continue
    code = [(int(m.group(1), 16), m.group(3), m.group(4)) for m in instruction.finditer(function)]
    at = {address: i for i, (address, _, _) in enumerate(code)}
    for i, (address, op, rest) in enumerate(code):
        target = re.search(r"0x([0-9a-f]+)", rest) if op.startswith("BRA") else None
        if not target or int(target.group(1), 16) > address or int(target.group(1), 16) not in at:
            continue
        body = code[at[int(target.group(1), 16)]:i + 1]
        hmma = [o for _, o, _ in body if o.startswith("HMMA")]
        if len(body) >= 40 and hmma:
            variant = collections.Counter(hmma).most_common(1)[0][0]
            print(f"{name[:40]:40s} {variant:24s} {len(body):5d} instr {len(hmma):3d} HMMA {len(body) / len(hmma):6.1f} slots/HMMA")

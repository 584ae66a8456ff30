#!/usr/bin/env python3
"""Write bad variants of a good hvt image for test-elf.sh.

usage: mutate.py GOOD OUTDIR COUNT

OUTDIR/named/NAME: one image per kind of defect (NAME says which; the
test checks the refusal reason); OUTDIR/random/NNNN: COUNT images with
1-8 random bytes changed (seeded, so runs are repeatable), most of them in
the headers.
"""
import random
import struct
import sys

good_path, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
good = open(good_path, "rb").read()
phoff = struct.unpack_from("<Q", good, 32)[0]
phnum = struct.unpack_from("<H", good, 56)[0]


def ph(i):
    return phoff + 56 * i


def variant(name, data):
    with open(f"{out}/named/{name}", "wb") as f:
        f.write(bytes(data))


def patch(fmt, off, value):
    b = bytearray(good)
    struct.pack_into(fmt, b, off, value)
    return b


variant("empty", b"")
variant("truncated-ident", good[:10])
variant("truncated-header", good[:63])
variant("truncated-phdrs", good[:phoff + 20])
variant("truncated-data", good[:ph(phnum)+8])
variant("bad-magic", patch("<B", 1, ord("X")))
variant("class32", patch("<B", 4, 1))
variant("big-endian", patch("<B", 5, 2))
variant("machine-i386", patch("<H", 18, 3))
variant("type-dyn", patch("<H", 16, 3))
variant("type-rel", patch("<H", 16, 1))
variant("phentsize", patch("<H", 54, 32))
variant("phnum-huge", patch("<H", 56, 0xffff))
variant("phoff-wraps", patch("<Q", 32, 0xffffffffffffff00))
variant("segment-beyond-memory", patch("<Q", ph(0) + 16, 0x7fff0000))
variant("segment-size-wraps", patch("<Q", ph(0) + 40, 0xfffffffffffff000))
variant("segment-below-1m", patch("<Q", ph(0) + 16, 0x1000))
variant("filesz-over-memsz", patch("<Q", ph(0) + 32, 0x10000))
variant("offset-beyond-file", patch("<Q", ph(0) + 8, 0x7fffffff))
variant("write-and-exec", patch("<I", ph(0) + 4, 7))
variant("misaligned", patch("<Q", ph(0) + 48, 0x300))
b = bytearray(good)
vaddr0 = struct.unpack_from("<Q", good, ph(0) + 16)[0]
struct.pack_into("<Q", b, ph(1) + 16, vaddr0)
variant("overlapping", b)
variant("entry-outside", patch("<Q", 24, 0x50))
b = bytearray(good)
struct.pack_into("<Q", b, 24, struct.unpack_from("<Q", good, ph(1) + 16)[0])
variant("entry-not-exec", b)
variant("interp", patch("<I", ph(0), 3))
# Fine in 64M, too big for 2M: 2 MiB of zero fill in segment 1.
variant("big-bss", patch("<Q", ph(1) + 40, 0x200000))

rng = random.Random(1234)
for n in range(count):
    b = bytearray(good)
    for _ in range(rng.randint(1, 8)):
        if rng.random() < 0.8:
            i = rng.randrange(0, ph(phnum))  # headers
        else:
            i = rng.randrange(0, len(b))
        b[i] = rng.randrange(256) if rng.random() < 0.7 else b[i] ^ (1 << rng.randrange(8))
    if rng.random() < 0.05:
        b = b[: rng.randrange(len(b))]
    with open(f"{out}/random/{n:04d}", "wb") as f:
        f.write(b)

# Block data that outlives a guest, for tests/xen/test-xen.sh: --write=SEED
# writes 64 KiB of a pattern at sector 8 of blk0 and flushes; --check=SEED
# (in a later guest on the same disk) reads it back and compares.
name = xenblk
sources = main.c
libraries = rt
devices = block:blk0

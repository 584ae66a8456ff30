# Block device round trip through platform.h, for the hvt tests.
name = hvtblock
sources = main.c
libraries = rt
devices = block:blk0

# Test app: the block device path of a target (write, flush, read back).
name = blktest
sources = main.c
libraries = rt
devices = block:blk0

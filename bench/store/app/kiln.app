# bench/store's unikernel: commit rates, filling, and timed recovery.
name = storebench
sources = main.c
libraries = store
devices = block:blk0

# The store under power cuts: "write" commits batches forever, printing
# "ack N" once commit N is durable; "check" opens the store after a cut
# and verifies that it holds exactly the state after some commit at or
# after the last acknowledged one (tests/store/test-crash.sh).
name = crashapp
sources = main.c
libraries = store
devices = block:blk0

#!/usr/bin/env bash
# The short form of tests/tcp/long-impair.sh for the suite: the four
# impairment profiles of issue 18 through tests/tcp/impair.c, 2 MiB each
# way on unix and hvt against Linux<->Linux over the same bridge in the
# same run, byte-exact and within 8x. `make test-long` runs 16 MiB and
# holds the goal, 3x, which loss 10% does not meet yet (docs/tcp.md: 6.6x
# on unix and 7.5x on hvt at 16 MiB; at 2 MiB a lost first SYN, 1 s in
# both, hides most of the difference: 1.4-2.5x for every profile in one
# run); the wider bound here still catches a return to waiting for
# timeouts (before RACK-TLP loss 10% took 40-400x Linux's time).
# timeout: 400
IMPAIR_MIB=${IMPAIR_MIB:-2} IMPAIR_BOUND=${IMPAIR_BOUND:-8} exec bash "$(dirname "$0")/long-impair.sh"

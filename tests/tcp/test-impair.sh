#!/usr/bin/env bash
# The short form of tests/tcp/long-impair.sh for the suite: the four
# impairment profiles of issue 18 through tests/tcp/impair.c, 2 MiB each
# way on unix and hvt against Linux<->Linux over the same bridge in the
# same run, byte-exact and within 8x. `make test-long` runs 16 MiB and
# holds the goal, 3x, which loss 10% meets only at the edge (docs/tcp.md:
# 2.8-3.7x at 16 MiB against Linux's BBR; at 2 MiB 1.1-3.1x for every
# profile in a run, mixed the highest); the wider bound here still
# catches a return to waiting for timeouts (before RACK-TLP loss 10% took
# 40-400x Linux's time, before the probes in recovery about 6-17x).
# timeout: 400
IMPAIR_MIB=${IMPAIR_MIB:-2} IMPAIR_BOUND=${IMPAIR_BOUND:-8} exec bash "$(dirname "$0")/long-impair.sh"

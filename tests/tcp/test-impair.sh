#!/usr/bin/env bash
# The short form of tests/tcp/long-impair.sh for the suite: the four
# impairment profiles of issue 18 through tests/tcp/impair.c, 2 MiB each
# way on unix and hvt against Linux<->Linux over the same bridge in the
# same run, byte-exact and within 3x. `make test-long` runs 16 MiB.
# timeout: 400
IMPAIR_MIB=${IMPAIR_MIB:-2} exec bash "$(dirname "$0")/long-impair.sh"

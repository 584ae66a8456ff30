#!/usr/bin/env bash
# The suite's form of tests/tcp/long-impair.sh: the four impairment
# profiles of issue 18 through tests/tcp/impair.c, on unix and hvt
# against Linux<->Linux over the same bridge in the same run, byte-exact:
# - BBR (--tcp-cc=bbr) against Linux's BBR, 16 MiB each way, within 3x
#   (the goal; measured 0.6-1.9x, docs/tcp.md);
# - CUBIC, Kiln's default, 2 MiB each way against the host's default
#   controller, within 8x: a loss-based controller cannot keep up with
#   BBR at 10% random loss (Linux's own CUBIC takes 28 s there, 20x its
#   BBR), but the bound still catches a return to waiting for timeouts
#   (before RACK-TLP loss 10% took 40-400x Linux's time).
# timeout: 1200
IMPAIR_SPECS=${IMPAIR_SPECS:-bbr:16:3:bbr cubic:2:8:host} exec bash "$(dirname "$0")/long-impair.sh"

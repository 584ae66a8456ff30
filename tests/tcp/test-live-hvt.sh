#!/usr/bin/env bash
# TCP against Linux with apps/echo on hvt (kiln-hvt on KVM): the heavy
# cases of test-live.sh (1,000 sequential and 100 concurrent connections,
# 64 MiB each way checked by SHA-256, a 10,000-SYN flood) and the impaired
# path with 8 MiB each way. A script of its own so that each stays within
# its time limit; SKIP without a usable /dev/kvm.
# timeout: 420
exec bash "$(dirname "$0")/test-live.sh" hvt

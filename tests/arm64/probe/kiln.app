# Test app of the aarch64 targets: faults the supervisor must report, and
# a long sleep that must wait in WFI (tests/arm64/test-arm64.sh).
name = probe
sources = main.c
libraries = rt
targets = arm64 rpi3

# Faults on purpose, for the hvt fault-report tests: --fault=KIND.
name = hvtfaults
sources = main.c
libraries = rt

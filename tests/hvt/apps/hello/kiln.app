# A hello for the hvt tests: prints its boot arguments, exits with the
# status given by --status=N.
name = hvthello
sources = main.c
libraries = rt

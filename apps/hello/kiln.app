# The smallest Kiln app: console, boot arguments, clocks, timers, fibers.
name = hello
sources = main.c
libraries = rt

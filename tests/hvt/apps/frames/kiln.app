# Floods of frames through platform.h's net calls, for tests/hvt/test-frames.sh.
name = hvtframes
sources = main.c
libraries = rt
devices = net:net0

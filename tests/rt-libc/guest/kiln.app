# A test app for lib/rt/libc inside a real freestanding image (hvt,
# virtio): tests/rt-libc/test-guest.sh copies this folder, generates
# expected.h with the host's snprintf and runs it.
name = libc-guest
sources = main.c
libraries = rt
targets = hvt virtio

# kiln, the build front end (a host program). Included by the top-level
# Makefile; adds bin/kiln to HOST_PROGRAMS.

KILN_SRCS := $(wildcard tool/*.c)
KILN_HDRS := $(wildcard tool/*.h) include/kiln/view.h

HOST_PROGRAMS += bin/kiln

bin/kiln: $(KILN_SRCS) $(KILN_HDRS) tool/build.mk | bin
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_CPPFLAGS) -o $@ $(KILN_SRCS)

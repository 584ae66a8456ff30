# kiln-hvt, the KVM monitor of the hvt target. The CPL 0 supervisor
# (platform/hvt/supervisor.S) is assembled into the monitor, which copies
# it into every guest. Host options, tap and user-mode networking come
# from host/, shared with the unix target.
HVT_SRCS := $(wildcard monitor/hvt/*.c) platform/hvt/supervisor.S \
	host/hostopt.c host/tap.c host/usernet.c host/pollset.c
HVT_HDRS := $(wildcard monitor/hvt/*.h) platform/hvt/hvt_abi.h \
	include/kiln/view.h $(wildcard host/*.h)

HOST_PROGRAMS += bin/kiln-hvt

bin/kiln-hvt: $(HVT_SRCS) $(HVT_HDRS) | bin
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_CPPFLAGS) -Iplatform/hvt \
		$(HVT_SRCS) -o $@ -lseccomp -lslirp

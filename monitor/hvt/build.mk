# kiln-hvt, the KVM monitor of the hvt target. The CPL 0 supervisor
# (platform/hvt/supervisor.S) is assembled into the monitor, which copies
# it into every guest. Host options and tap come from host/, shared with
# the unix target; host/'s user-mode networking (libslirp) goes into
# kiln-hvt-usernet.so, loaded only by runs that use it.
#
# kiln-hvt-test is the same monitor with the tests' switches compiled in
# (KILN_HVT_TEST_HOOKS: KILN_HVT_BREAK_IST, KILN_HVT_SECCOMP_EXPORT,
# KILN_HVT_SECCOMP_SELFTEST, read from the environment); the production
# kiln-hvt reads none of them.
HVT_SRCS := $(wildcard monitor/hvt/*.c) platform/hvt/supervisor.S \
	host/hostopt.c host/tap.c host/pollset.c host/stop.c host/vchan_link.c
HVT_HDRS := $(wildcard monitor/hvt/*.h) platform/hvt/hvt_abi.h \
	include/kiln/view.h $(wildcard host/*.h)

HOST_PROGRAMS += bin/kiln-hvt bin/kiln-hvt-test bin/kiln-hvt-usernet.so

bin/kiln-hvt: $(HVT_SRCS) $(HVT_HDRS) | bin
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_CPPFLAGS) -Iplatform/hvt \
		$(HVT_SRCS) -o $@ -lseccomp -ldl

bin/kiln-hvt-test: $(HVT_SRCS) $(HVT_HDRS) | bin
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_CPPFLAGS) -Iplatform/hvt \
		-DKILN_HVT_TEST_HOOKS $(HVT_SRCS) -o $@ -lseccomp -ldl

bin/kiln-hvt-usernet.so: host/usernet.c host/pollset.c $(wildcard host/*.h) | bin
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_CPPFLAGS) -fPIC -shared \
		host/usernet.c host/pollset.c -o $@ -lslirp

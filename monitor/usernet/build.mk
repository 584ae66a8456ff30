# kiln-usernet: host/usernet.c's user-mode networking (libslirp behind the
# guest frame filter) for one QEMU network device, over QEMU's
# "-netdev stream" socket. The virtio target's launcher runs it for
# --net user (docs/virtio.md).
USERNET_SRCS := monitor/usernet/main.c monitor/usernet/stream.c \
	monitor/usernet/seccomp.c host/usernet.c host/hostopt.c host/pollset.c
USERNET_HDRS := $(wildcard monitor/usernet/*.h) $(wildcard host/*.h) \
	include/kiln/view.h

HOST_PROGRAMS += bin/kiln-usernet

bin/kiln-usernet: $(USERNET_SRCS) $(USERNET_HDRS) | bin
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_CPPFLAGS) $(USERNET_SRCS) -o $@ \
		-lslirp -lseccomp

# kiln-tap-relay: frames between a tap and a kiln-usernet stream, so that
# kiln-usernet can serve a guest that is not QEMU (a Xen guest's vif on a
# bridge of its own; platform/xen/launch on a Xen host).
TAPRELAY_SRCS := monitor/usernet/tap_relay.c monitor/usernet/stream.c \
	host/tap.c

HOST_PROGRAMS += bin/kiln-tap-relay

bin/kiln-tap-relay: $(TAPRELAY_SRCS) $(USERNET_HDRS) | bin
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_CPPFLAGS) $(TAPRELAY_SRCS) -o $@

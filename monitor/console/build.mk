# kiln-console: runs a QEMU guest of the aarch64 targets (arm64, rpi3),
# passes its console output on and exits with the status the guest's
# supervisor writes at its end (docs/arm64.md).
CONSOLE_SRCS := monitor/console/main.c monitor/console/mark.c
CONSOLE_HDRS := monitor/console/mark.h include/kiln/view.h

HOST_PROGRAMS += bin/kiln-console

bin/kiln-console: $(CONSOLE_SRCS) $(CONSOLE_HDRS) | bin
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_CPPFLAGS) $(CONSOLE_SRCS) -o $@

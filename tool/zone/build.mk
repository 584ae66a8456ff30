# bin/kiln-zone: checks master files with lib/dns's own parser at build
# time (an app's prebuild), so a zone mistake is "FILE:LINE: message"
# before anything is compiled.
KILN_ZONE_SRCS := tool/zone/kiln-zone.c lib/dns/master.c lib/dns/zone.c \
	lib/dns/name.c
HOST_PROGRAMS += bin/kiln-zone

bin/kiln-zone: $(KILN_ZONE_SRCS) include/kiln/dns.h lib/dns/zone_data.h | bin
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_CPPFLAGS) -o $@ $(KILN_ZONE_SRCS)

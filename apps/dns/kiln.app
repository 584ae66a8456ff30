# dns - an authoritative DNS server for the zones in zones/ (NAME.zone
# holds zone NAME), compiled into the image; checked at build time by
# bin/kiln-zone, so a zone mistake is FILE:LINE before anything compiles.
name = dns
sources = main.c
libraries = dns net assets
devices = net:net0
assets = zones
prebuild = $KILN_ROOT/bin/kiln-zone zones
forward = 5353:53/udp 5353:53/tcp

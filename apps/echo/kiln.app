# Echo (RFC 862) over TCP and UDP on port 7, and the stack's counters as
# text over UDP on port 8 (any datagram gets them).
name = echo
sources = main.c
libraries = net
devices = net:net0

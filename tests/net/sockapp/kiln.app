# Checks of the UDP socket API on the real runtime (fibers, deadlines),
# run by tests/net/test-sockets.sh.
name = sockapp
sources = main.c
libraries = net
devices = net:net0

# Test app: one TCP connect through lib/net, and how it ended.
name = connect
sources = main.c
libraries = net
devices = net:net0

# Test app: the network device path of a target, with hand-made frames.
name = nettest
sources = main.c
libraries = rt
devices = net:net0

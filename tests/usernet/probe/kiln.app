# Test app: tries to reach past user-mode networking with hand-made
# frames, sent from a fiber with the default stack.
name = probe
sources = main.c
libraries = rt
devices = net:net0

# An echo server over vchan (and, with --tcp-port, over TCP on the same
# loop): every byte a client sends comes back. docs/vchan.md.
name = vchan-echo
sources = main.c {root}/tool/assets/sha256.c
libraries = vchan net

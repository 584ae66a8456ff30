# The client of apps/vchan-echo: streams bytes through the echo and checks
# what comes back (SHA-256), or measures round trips; over vchan, or over
# TCP with --tcp=ADDR:PORT. docs/vchan.md.
name = vchan-client
sources = main.c {root}/tool/assets/sha256.c
libraries = vchan net

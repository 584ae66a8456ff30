# http-hello - HTTP handlers: a greeting, a path pattern, an upload that
# is hashed (FNV-1a, SHA-256), a streamed body, a failing handler, /metrics
# (see docs in include/kiln/http.h, "routes").
name = http-hello
sources = main.c {root}/tool/assets/sha256.c
libraries = http net
devices = net:net0
forward = 8080:80/http

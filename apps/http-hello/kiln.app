# http-hello - HTTP handlers: a greeting, a path pattern, an upload that
# is hashed, a streamed body, a failing handler (see docs in
# include/kiln/http.h, "routes").
name = http-hello
sources = main.c
libraries = http net
devices = net:net0
forward = 8080:80/http

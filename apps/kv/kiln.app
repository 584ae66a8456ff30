# kv - a key-value service on lib/store: one line per request over TCP
# (port 7070), every write durable before it is answered.
name = kv
sources = main.c
libraries = store net
devices = net:net0 block:blk0
forward = 7070:7070/tcp

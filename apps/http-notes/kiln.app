# http-notes - a small JSON service on lib/http's handlers: notes posted
# as request bodies, kept in memory within a budget (docs/apps.md).
name = http-notes
sources = main.c
libraries = http net
devices = net:net0
forward = 8080:80/http

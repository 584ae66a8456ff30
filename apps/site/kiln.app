# site - Kiln's own web site: the home page, the docs (README and docs/*.md
# as HTML), the decks and the benchmarks with their plots, all made at build
# time by prebuild.sh into public/ and compiled into the image.
name = site
sources = main.c
libraries = http net assets
devices = net:net0
assets = public
prebuild = sh prebuild.sh
# kiln run forwards 127.0.0.1:8080 to the server and prints its URL.
forward = 8080:80/http

# decks - serves slide decks (reveal.js) from assets compiled into the
# image: the index at /, one deck per folder (/kiln/, /writing-apps/).
name = decks
sources = main.c follow.c
libraries = http net assets
devices = net:net0
# site/ is the decks; vendor/ is filled by prebuild.sh from npm, plots/
# with the benchmark plots of bench/data/.
assets = site vendor:/reveal plots:/bench
prebuild = sh prebuild.sh
# kiln run forwards 127.0.0.1:8080 to the server and prints its URL.
forward = 8080:80/http

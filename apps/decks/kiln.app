# decks - serves slide decks (reveal.js) from assets compiled into the
# image: the index at /, one deck per folder (/kiln/, /writing-apps/).
name = decks
sources = main.c
libraries = http net assets
devices = net:net0
# site/ is the decks; vendor/ is filled by prebuild.sh from npm.
assets = site vendor:/reveal
prebuild = sh prebuild.sh

#!/bin/sh
# ./make.sh TARGET... - make, on a machine that may not have make yet.
#
# A fresh Debian 12 has neither make nor a compiler: this installs what
# scripts/packages.txt lists (build-essential, and with it make, among
# them), then runs make with the arguments. `./make.sh run` and
# `./make.sh test` are the README's two commands.
set -e
cd "$(dirname "$0")"
bash scripts/deps.sh
exec make "$@"

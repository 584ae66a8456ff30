#!/usr/bin/env bash
# install.sh PREFIX - install Kiln under PREFIX (make install PREFIX=...).
#
#   PREFIX/lib/kiln/   the tree kiln builds from: bin/ (the host programs
#                      but the test build of kiln-hvt), include/, lib/,
#                      platform/, host/, scripts/, tool/assets/
#   PREFIX/bin/kiln    a relative link to ../lib/kiln/bin/kiln
#
# kiln finds its tree from its own location (the parent of the bin/ folder
# holding the real file), so the installed copy needs no KILN_ROOT and
# PREFIX can be moved as a whole. DESTDIR is put before PREFIX, as usual.
# lib/tls's wolfSSL source (_deps/) is not copied: run
# PREFIX/lib/kiln/scripts/wolfssl-source.sh there for kiln --tls.
set -euo pipefail
[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: install.sh PREFIX" >&2; exit 2; }
prefix=$1
case "$prefix" in /*) ;; *) echo "install.sh: PREFIX must be absolute ($prefix)" >&2; exit 2 ;; esac
src=$(cd "$(dirname "$0")/.." && pwd)
dest="${DESTDIR:-}$prefix/lib/kiln"
[ -x "$src/bin/kiln" ] || { echo "install.sh: $src/bin/kiln is missing (run make)" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest/bin" "$dest/tool" "${DESTDIR:-}$prefix/bin"
for f in "$src"/bin/*; do
	case "$(basename "$f")" in kiln-hvt-test) continue ;; esac
	install -m 0755 "$f" "$dest/bin/"
done
# Sources only: no _build/ folders, objects or fuzzing leftovers.
(cd "$src" && tar -c --exclude=_build --exclude='*.o' --exclude='*.d' \
	include lib platform host scripts tool/assets) | tar -x -C "$dest"
ln -sfn ../lib/kiln/bin/kiln "${DESTDIR:-}$prefix/bin/kiln"
echo "installed Kiln in $dest; run $prefix/bin/kiln"

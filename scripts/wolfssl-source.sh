#!/usr/bin/env bash
# Fetch and unpack Debian's wolfssl source package into _deps/ (git-ignored),
# the TLS library lib/tls compiles (docs/tls.md). Reproducible: the version
# is pinned and apt checks the archive's signatures and the .dsc's hashes.
# The machine's apt configuration is left alone: a private APT_CONFIG adds
# deb-src entries copied from the deb entries it already has. Needs only
# Debian's package archive; safe to run again (does nothing once unpacked).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=5.5.4-2+deb12u3
upstream=${version%%-*}
dest="$root/_deps/wolfssl-$upstream"
stamp="$dest/.kiln-version"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
	exit 0
fi
command -v dpkg-source >/dev/null || {
	echo "wolfssl-source: dpkg-source missing (package dpkg-dev)" >&2
	exit 1
}
work=$(mktemp -d "${TMPDIR:-/tmp}/kiln-wolfssl.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" \
	"$work/sources.list.d" "$work/src"
# deb-src twins of the system's deb entries (deb822 .sources and one-line
# .list files).
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	sed -e 's/^Types:.*/Types: deb-src/' "$f" >"$work/sources.list.d/$(basename "$f")"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n -e 's/^deb \(.*\)/deb-src \1/p' "$f" >"$work/sources.list.d/src-$(basename "$f")"
done
cat >"$work/apt.conf" <<CONF
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$work/sources.list.d";
Dir::State::Lists "$work/lists";
Dir::Cache "$work/cache";
Dir::State::status "/var/lib/dpkg/status";
APT::Sandbox::User "root";
CONF
export APT_CONFIG="$work/apt.conf"
echo "wolfssl-source: fetching wolfssl $version (Debian source package)"
apt-get update -qq -o Debug::NoLocking=1 >/dev/null
(cd "$work/src" && apt-get source -qq --download-only -o Debug::NoLocking=1 "wolfssl=$version" >/dev/null)
# apt checked the .dsc and the tarballs against the hashes of the archive's
# signed Sources index; the maintainer's own signature on the .dsc would
# need a keyring Debian does not install by default.
(cd "$work/src" && dpkg-source --no-check -x "wolfssl_$version.dsc" unpacked >/dev/null)
rm -rf "$dest"
mkdir -p "$root/_deps"
mv "$work/src/unpacked" "$dest"
echo "$version" >"$stamp"
echo "wolfssl-source: unpacked in ${dest#$root/}"

#!/bin/sh
# packaging/debian/build.sh [OUTDIR] - build the Debian packages vantage and vantage-mirror
# (binary only, unsigned) from a clean copy of this source tree, and copy the .deb files to
# OUTDIR (default: ./build-deb). Needs: dpkg-dev, debhelper (>= 13) and the Build-Depends of
# packaging/debian/control (./dev.sh deps installs them, or: apt-get build-dep ./ after the
# copy; dpkg-checkbuilddeps says what is missing).
#
#   DEB_BUILD_OPTIONS="nocheck parallel=4" packaging/debian/build.sh /tmp/debs
#
# The copy: the working tree without .git, build directories and autotools output (the
# package build runs autoreconf), with packaging/debian as debian/.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$SRC/build-deb}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vantage-deb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
VERSION=$(sed -n '1s/^vantage (\([^)]*\)).*/\1/p' "$SRC/packaging/debian/changelog")
TREE=$WORK/vantage-$VERSION

mkdir -p "$TREE"
# the sources: everything but VCS data, build trees and generated autotools files
(cd "$SRC" && tar -cf - \
	--exclude=./.git --exclude=./build --exclude='./build-*' --exclude=./autom4te.cache \
	--exclude=./debian --exclude='*.o' --exclude='*.a' --exclude='*~' \
	--exclude=./configure --exclude=./Makefile.in --exclude=./aclocal.m4 \
	--exclude=./autoconf.h.in --exclude=./config.status --exclude=./config.log \
	--exclude=./Makefile --exclude=./autoconf.h --exclude=./stamp-h1 .) | (cd "$TREE" && tar -xf -)
cp -R "$SRC/packaging/debian" "$TREE/debian"
rm -f "$TREE/debian/build.sh"

cd "$TREE"
dpkg-checkbuilddeps || { echo "build.sh: install the missing build dependencies first" >&2; exit 1; }
dpkg-buildpackage -us -uc -b
cp "$WORK"/*.deb "$OUT"/
ls -1 "$OUT"/*.deb

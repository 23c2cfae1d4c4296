#!/bin/sh
# packaging/openwrt/update-hash.sh - write a release tarball's version and SHA-256 into the
# OpenWrt package Makefile (PKG_VERSION, PKG_HASH; PKG_RELEASE back to 1 for a new version).
#   update-hash.sh TARBALL [MAKEFILE]          TARBALL: the vantage-VERSION.tar.gz published
#   update-hash.sh --dist BUILDDIR [MAKEFILE]  `make dist` in BUILDDIR first, then its tarball
# MAKEFILE defaults to vantage/Makefile beside this script. Hash the file that is uploaded:
# `make dist` is not byte-for-byte reproducible (tar and gzip record times), so a second
# `make dist` of the same tree gives another hash.
set -eu
here=$(dirname "$0")
if [ "${1:-}" = --dist ]; then
	[ $# -ge 2 ] || { echo "usage: $0 --dist BUILDDIR [MAKEFILE]" >&2; exit 2; }
	make -C "$2" dist > /dev/null
	ver=$(sed -n 's/^PACKAGE_VERSION = //p' "$2/Makefile")
	tarball=$2/vantage-$ver.tar.gz
	shift 2
else
	[ $# -ge 1 ] || { echo "usage: $0 TARBALL [MAKEFILE] | --dist BUILDDIR [MAKEFILE]" >&2; exit 2; }
	tarball=$1
	shift
fi
mk=${1:-$here/vantage/Makefile}
name=$(basename "$tarball")
case $name in
vantage-*.tar.gz) ver=${name#vantage-}; ver=${ver%.tar.gz} ;;
*) echo "$0: $name is not vantage-VERSION.tar.gz" >&2; exit 1 ;;
esac
hash=$(sha256sum "$tarball" | cut -d ' ' -f 1)
old=$(sed -n 's/^PKG_VERSION:=//p' "$mk")
release='&'
[ "$old" = "$ver" ] || release='PKG_RELEASE:=1'
sed -e "s/^PKG_VERSION:=.*/PKG_VERSION:=$ver/" -e "s/^PKG_HASH:=.*/PKG_HASH:=$hash/" \
	-e "s/^PKG_RELEASE:=.*/$release/" "$mk" > "$mk.tmp"
mv -f "$mk.tmp" "$mk"
echo "$mk: PKG_VERSION:=$ver PKG_HASH:=$hash"

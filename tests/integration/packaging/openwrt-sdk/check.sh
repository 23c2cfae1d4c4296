#!/bin/sh
# tests/integration/packaging/openwrt-sdk/check.sh - the checks of the SDK stand-in
# (include/package.mk calls it; pkg_openwrt.sh runs that). Every failure is one line
# "sdk-check: WHAT" on stderr; the exit status is the number of failures (0 = all good).
#   check.sh fields     PKG_* (from the environment) and each package's define blocks
#   check.sh installed  after the install recipe ran into $SDK_OUT/root-PKG
# Needs PKGS (package names) and SDK_OUT (the files BuildPackage wrote); SDK_SRC is the
# source tree (PKG_LICENSE_FILES are looked up there).
here=$(dirname "$0")
bad=0
no() { echo "sdk-check: $*" >&2; bad=$((bad + 1)); }
matches() { printf '%s\n' "$1" | grep -Eqx -- "$2"; }
field() { sed -n "s/^$2=//p" "$SDK_OUT/$1.fields"; }

# SPDX identifiers OpenWrt's package policy accepts in PKG_LICENSE (a subset: the usual ones)
SPDX=' ISC MIT BSD-2-Clause BSD-3-Clause Apache-2.0 MPL-2.0 GPL-2.0-only GPL-2.0-or-later'
SPDX="$SPDX GPL-3.0-only GPL-3.0-or-later LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0-or-later"
SPDX="$SPDX AGPL-3.0-only 0BSD Unlicense Zlib CC0-1.0 "

check_fields() {
	matches "$PKG_NAME" '[a-z0-9][a-z0-9+._-]*' || no "PKG_NAME '$PKG_NAME'"
	matches "$PKG_VERSION" '[0-9]+(\.[0-9]+)*([._~+][0-9A-Za-z]+)*' || no "PKG_VERSION '$PKG_VERSION'"
	matches "$PKG_RELEASE" '[1-9][0-9]*' || no "PKG_RELEASE '$PKG_RELEASE' (a number from 1)"
	case $PKG_HASH in
	skip) no "PKG_HASH is skip: a release needs the sha256 of its tarball" ;;
	*) matches "$PKG_HASH" '[0-9a-f]{64}' || no "PKG_HASH '$PKG_HASH' is not a sha256 (64 hex digits)"
	   matches "$PKG_HASH" '0{64}' && no "PKG_HASH is all zeros" ;;
	esac
	matches "$PKG_SOURCE" "$PKG_NAME-$PKG_VERSION\.tar\.(gz|xz|bz2|zst)" ||
		no "PKG_SOURCE '$PKG_SOURCE' is not \$(PKG_NAME)-\$(PKG_VERSION).tar.*"
	matches "$PKG_SOURCE_URL" 'https://[^ ]+/' || no "PKG_SOURCE_URL '$PKG_SOURCE_URL' (https, ending in /)"
	[ -n "$PKG_LICENSE" ] || no "PKG_LICENSE not set"
	for w in $PKG_LICENSE; do
		case $SPDX in *" $w "*) ;; *) no "PKG_LICENSE: '$w' is not an SPDX identifier" ;; esac
	done
	[ -n "$PKG_LICENSE_FILES" ] || no "PKG_LICENSE_FILES not set"
	for f in $PKG_LICENSE_FILES; do
		[ -f "$SDK_SRC/$f" ] || no "PKG_LICENSE_FILES: $f is not in the sources"
	done
	matches "$PKG_MAINTAINER" '[^<>]+ <[^<> ]+@[^<> ]+>' || no "PKG_MAINTAINER '$PKG_MAINTAINER' (Name <address>)"
	for w in $PKG_FIXUP; do
		case $w in autoreconf|libtool|libtool-abiver|gettext-version|patch-libtool) ;;
		*) no "PKG_FIXUP: unknown '$w'" ;; esac
	done
	for w in $PKG_CONFIG_DEPENDS; do
		matches "$w" 'CONFIG_[A-Za-z0-9_]+' || no "PKG_CONFIG_DEPENDS: '$w' is not a CONFIG_ symbol"
	done
	for p in $PKGS; do
		for v in SECTION CATEGORY TITLE; do
			[ -n "$(field "$p" "$v")" ] || no "Package/$p: $v not set"
		done
		v=$(field "$p" USERID)
		[ -z "$v" ] || matches "$v" '[a-z_][a-z0-9_-]*=[0-9]+:[a-z_][a-z0-9_-]*=[0-9]+' ||
			no "Package/$p: USERID '$v' (user=uid:group=gid)"
		grep -q '[^[:space:]]' "$SDK_OUT/$p.description" || no "Package/$p/description is empty"
		[ "$(cat "$SDK_OUT/$p.has_install")" = yes ] || no "Package/$p/install is not defined"
		set -f
		# shellcheck disable=SC2013 # DEPENDS is a list of words, not lines
		for w in $(cat "$SDK_OUT/$p.depends"); do
			matches "$w" '(\+|@)?(!?[A-Z0-9_]+:)?[a-z0-9][a-z0-9._+-]*|@!?[A-Z0-9_]+' ||
				{ no "Package/$p: DEPENDS '$w' is not [+|@][SYMBOL:]package"; continue; }
			case $w in @[A-Z0-9_!]*) continue ;; esac
			v=${w#[+@]}
			case $v in
			*:*)
				sym=${v%%:*}; sym=${sym#!}; v=${v#*:}
				case $sym in
				PACKAGE_*) ;;
				*)
					grep -Eq "^[[:space:]]*config[[:space:]]+$sym\$" "$SDK_OUT/$p.kconfig" ||
						no "Package/$p: DEPENDS on $sym, which Package/$p/config does not define"
					case " $PKG_CONFIG_DEPENDS " in *" CONFIG_$sym "*) ;;
					*) no "PKG_CONFIG_DEPENDS lacks CONFIG_$sym (a change would not rebuild)" ;; esac ;;
				esac ;;
			esac
			grep -qx -- "$v" "$here/packages.list" || no "Package/$p: DEPENDS on '$v', no such package"
		done
		set +f
		awk '/^[[:space:]]*config[[:space:]]/ { if (s != "" && !(t && d)) print s; s = $2; t = d = 0 }
			/^[[:space:]]*(bool|tristate|string|int)[[:space:]]/ { t = 1 }
			/^[[:space:]]*default[[:space:]]/ { d = 1 }
			END { if (s != "" && !(t && d)) print s }' "$SDK_OUT/$p.kconfig" > "$SDK_OUT/$p.kbad"
		while read -r sym; do
			no "Package/$p/config: $sym needs a type and a default"
		done < "$SDK_OUT/$p.kbad"
		while read -r f; do
			[ -n "$f" ] || continue
			case $f in /*) ;; *) no "Package/$p/conffiles: '$f' is not an absolute path" ;; esac
		done < "$SDK_OUT/$p.conffiles"
		for f in prerm postrm postinst; do
			[ -f "$SDK_OUT/$p.$f" ] || continue
			head -n 1 "$SDK_OUT/$p.$f" | grep -qx '#!/bin/sh' || no "Package/$p/$f: first line is not #!/bin/sh"
			sh -n "$SDK_OUT/$p.$f" || no "Package/$p/$f: sh -n fails"
		done
	done
}

check_installed() {
	for p in $PKGS; do
		root=$SDK_OUT/root-$p
		while read -r f; do
			[ -n "$f" ] || continue
			[ -f "$root$f" ] || no "Package/$p/conffiles: $f is not installed"
		done < "$SDK_OUT/$p.conffiles"
		for f in "$root"/etc/init.d/* "$root"/etc/uci-defaults/* "$root"/usr/sbin/* "$root"/usr/bin/*; do
			[ -e "$f" ] || continue
			[ -x "$f" ] || no "${f#"$root"} is not executable"
		done
		for f in "$root"/etc/uci-defaults/*; do
			[ -e "$f" ] || continue
			sh -n "$f" || no "${f#"$root"}: sh -n fails"
		done
		[ -n "$(find "$root" -type f)" ] || no "Package/$p/install installed nothing"
	done
}

case $1 in
fields) check_fields ;;
installed) check_installed ;;
*) echo "usage: check.sh fields|installed" >&2; exit 2 ;;
esac
exit "$bad"

#!/bin/bash
# tests/integration/vantaged_config.sh - `vantaged -n`: a good config exits 0, each broken one
# exits 1 with "file:line: message" naming the right line; the shipped etc/vantaged.yaml passes;
# -V prints the version.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_vantaged
tap_plan 23

good=$T/good.yaml
vantaged_conf "$good" listen="127.0.0.1:0" upstream="127.0.0.1:5300"
"$VANTAGED" -n -c "$good" > "$T/n.out" 2>&1
is "$?" 0 "-n on a good config exits 0"

# bad CASE_NAME LINE < yaml: -n must exit 1 and print FILE:LINE: (LINE = the offending line;
# an ERE such as "(2|3)" where libyaml may only notice the error on the next line)
bad() {
	local name=$1 line=$2 f=$T/bad-$1.yaml out st
	cat > "$f"
	out=$("$VANTAGED" -n -c "$f" 2>&1); st=$?
	is "$st" 1 "-n, $name: exit 1"
	if ! like "$out" "(^|[[:space:]])$f:$line: [^[:space:]]" "-n, $name: message is $f:$line: ..."; then
		diag "config:" "$(cat -n "$f")"
	fi
}

bad unknown-key 3 <<EOF2
listen: ["127.0.0.1:0"]
upstreams: ["127.0.0.1:5300"]
no_such_key: 1
user: ""
EOF2
bad duplicate-key 3 <<EOF2
listen: ["127.0.0.1:0"]
upstreams: ["127.0.0.1:5300"]
listen: ["127.0.0.2:0"]
user: ""
EOF2
bad bad-address 2 <<EOF2
user: ""
listen: ["999.1.2.3:53"]
upstreams: ["127.0.0.1:5300"]
EOF2
bad bad-port 3 <<EOF2
listen: ["127.0.0.1:0"]
user: ""
upstreams: ["127.0.0.1:99999"]
EOF2
bad unknown-nested-key 4 <<EOF2
listen: ["127.0.0.1:0"]
upstreams: ["127.0.0.1:5300"]
cache:
  max_entriez: 10
user: ""
EOF2
bad bad-number 4 <<EOF2
listen: ["127.0.0.1:0"]
upstreams: ["127.0.0.1:5300"]
cache:
  max_entries: lots
user: ""
EOF2
bad yaml-syntax "(2|3)" <<EOF2
listen: ["127.0.0.1:0"]
upstreams: ["127.0.0.1:5300"
user: ""
EOF2
bad alias "(1|3)" <<EOF2
listen: &l ["127.0.0.1:0"]
user: ""
upstreams: *l
EOF2
bad bad-log-level 4 <<EOF2
listen: ["127.0.0.1:0"]
upstreams: ["127.0.0.1:5300"]
log:
  level: chatty
user: ""
EOF2

out=$("$VANTAGED" -n -c "$T/does-not-exist.yaml" 2>&1)
is "$?" 1 "-n on a missing file exits 1"
like "$out" "does-not-exist\.yaml" "the message names the missing file"

if [ -s "$top_srcdir/etc/vantaged.yaml" ]; then
	out=$("$VANTAGED" -n -c "$top_srcdir/etc/vantaged.yaml" 2>&1)
	if ! is "$?" 0 "-n on the shipped etc/vantaged.yaml exits 0"; then diag "$out"; fi
else
	fail "etc/vantaged.yaml is missing or empty"
fi

version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "$top_builddir"/autoconf.h "$top_builddir"/config.h 2> /dev/null | head -n 1)
like "$("$VANTAGED" -V 2>&1)" "${version//./\\.}" "-V prints the version ($version)"

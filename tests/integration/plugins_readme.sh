#!/bin/bash
# tests/integration/plugins_readme.sh - every plugin of plugins/PLUGINS has a README.md with the
# sections STYLE.md asks for (Name, Description, Syntax, Examples, Metrics), and every ```yaml
# example block in it is a configuration fragment that `vantaged -n` accepts once wrapped in a
# minimal config (an explicit upstream; a block that does not start with `plugins:` is put
# under it). A spoiled copy of an example must fail: the check can fail.
. "${top_srcdir:?}/tests/integration/lib.sh"
require_vantaged

# blocks README: write each ```yaml block to $T/NAME-N.frag; prints the count
blocks() {
	awk -v out="$T/$2" '
		/^```yaml[[:space:]]*$/ { n++; f = out "-" n ".frag"; printf "" > f; inblk = 1; next }
		/^```/ && inblk { inblk = 0; close(f); next }
		inblk { print >> f }
		END { print n + 0 }' "$1"
}

# wrap FRAGMENT CONFIG: a minimal vantaged config around the fragment
wrap() {
	{
		echo 'upstreams: ["127.0.0.1:5300"]'
		if grep -q '^plugins:' "$1"; then cat "$1"; else echo 'plugins:'; sed 's/^/  /' "$1"; fi
	} > "$2"
}

names=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$top_srcdir/plugins/PLUGINS" | grep -v '^$')
[ -n "$names" ] || skip_all "plugins/PLUGINS lists no plugin"
for p in $names; do
	readme=$top_srcdir/plugins/$p/README.md
	if ! ok "$p: plugins/$p/README.md exists" test -f "$readme"; then continue; fi
	for sec in Name Description Syntax Examples Metrics; do
		ok "$p: README has a '## $sec' section" grep -q "^## $sec\$" "$readme"
	done
	n=$(blocks "$readme" "$p")
	cmp_ok "$n" -ge 1 "$p: README has at least one yaml example"
	for ((i = 1; i <= n; i++)); do
		wrap "$T/$p-$i.frag" "$T/$p-$i.yaml"
		out=$("$VANTAGED" -n -c "$T/$p-$i.yaml" 2>&1); st=$?
		is "$st/$out" "0/$T/$p-$i.yaml: configuration OK" "$p: README example $i passes vantaged -n"
		out=$("$VANTAGED" -n -v -c "$T/$p-$i.yaml" 2>&1)
		ok "$p: example $i enables $p (vantaged -nv shows it)" grep -q "^  $p:\$" <<< "$out"
	done
	# the control: the first example with a key the plugin does not know
	if [ "$n" -ge 1 ]; then
		wrap "$T/$p-1.frag" "$T/$p-bad.yaml"
		if grep -q "^  $p: *{" "$T/$p-bad.yaml"; then
			sed -i "s/^  $p: *{/  $p: { no_such_key: 1,/" "$T/$p-bad.yaml"
		elif grep -q "^  $p: *\$" "$T/$p-bad.yaml" && ! grep -q '^    ' "$T/$p-bad.yaml"; then
			sed -i "s/^  $p: *\$/  $p: { no_such_key: 1 }/" "$T/$p-bad.yaml"
		else
			sed -i "/^  $p:/a\\    no_such_key: 1" "$T/$p-bad.yaml"
		fi
		out=$("$VANTAGED" -n -c "$T/$p-bad.yaml" 2>&1); st=$?
		like "$st/$out" "^1/$T/$p-bad\.yaml:[0-9]+: unknown key 'no_such_key' in $p$" \
			"$p: the example with an unknown key fails with file:line"
	fi
done

# etc/vantaged.yaml ships the plugins section commented out: uncommented, it must pass too.
sed -n '/^# plugins:/,$p' "$top_srcdir/etc/vantaged.yaml" | sed -n 's/^# \{0,1\}//p' |
	sed 's/[[:space:]]*# .*$//' > "$T/etc-plugins.frag"
wrap "$T/etc-plugins.frag" "$T/etc-plugins.yaml"
out=$("$VANTAGED" -n -v -c "$T/etc-plugins.yaml" 2>&1); st=$?
is "$st" 0 "etc/vantaged.yaml: the commented plugins section, uncommented, passes vantaged -n"
for p in $names; do
	ok "... and it shows every compiled-in plugin ($p)" grep -q "^  $p:\$" <<< "$out"
done
done_testing

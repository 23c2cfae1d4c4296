#!/bin/sh
# tests/config/run.sh - golden config tests (OpenBSD bgpd style), printing TAP.
#   NN.yaml     -> NN.ok:      the exact stdout of `vantaged -nv -c NN.yaml` (exit 0)
#   bad/NN.yaml -> bad/NN.err: the exact one-line stderr of `vantaged -n -c NN.yaml` (exit 1)
# A bad/NN.err without its NN.yaml checks the message for a missing file. In messages the
# config path reads FILE and the resolv.conf path reads RESOLV, so golden files do not
# depend on where the tree lives; so does the resolv.conf path in the printed config. `upstreams: auto` reads NN.resolv when present, else
# resolv.conf from this directory (through VANTAGED_RESOLV_CONF).
# Set REGEN=1 to rewrite the golden files from the current output (then review the diff).

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
srcdir=$top_srcdir/tests/config
vantaged=$top_builddir/vantaged
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vantage-config.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ ! -x "$vantaged" ]; then
	echo "1..0 # SKIP $vantaged not built"
	exit 0
fi

# Replace every occurrence of the literal string $2 in stdin with $3.
subst() {
	awk -v from="$2" -v to="$3" '{
		out = ""
		while ((i = index($0, from)) > 0) {
			out = out substr($0, 1, i - 1) to
			$0 = substr($0, i + length(from))
		}
		print out $0
	}' <"$1"
}

good=$(cd "$srcdir" && ls [0-9]*.yaml 2>/dev/null)
bad=$(cd "$srcdir/bad" && ls [0-9]*.err 2>/dev/null)
set -- $good $bad
echo "1..$#"

n=0
fails=0
for f in $good; do
	n=$((n + 1))
	base=${f%.yaml}
	yaml=$srcdir/$f
	resolv=$srcdir/resolv.conf
	[ -f "$srcdir/$base.resolv" ] && resolv=$srcdir/$base.resolv
	VANTAGED_RESOLV_CONF=$resolv "$vantaged" -nv -c "$yaml" >"$tmp/raw" 2>"$tmp/err"
	rc=$?
	subst "$tmp/raw" "$resolv" RESOLV >"$tmp/out"
	if [ -n "$REGEN" ] && [ $rc -eq 0 ]; then
		cp "$tmp/out" "$srcdir/$base.ok"
	fi
	if [ $rc -ne 0 ]; then
		echo "not ok $n - $f: exit $rc"
		sed 's/^/# /' "$tmp/err"
		fails=$((fails + 1))
	elif [ -s "$tmp/err" ]; then
		echo "not ok $n - $f: unexpected stderr"
		sed 's/^/# /' "$tmp/err"
		fails=$((fails + 1))
	elif ! diff -u "$srcdir/$base.ok" "$tmp/out" >"$tmp/diff" 2>&1; then
		echo "not ok $n - $f: output differs from $base.ok"
		sed 's/^/# /' "$tmp/diff"
		fails=$((fails + 1))
	else
		echo "ok $n - $f"
	fi
done

for f in $bad; do
	n=$((n + 1))
	base=${f%.err}
	yaml=$srcdir/bad/$base.yaml
	resolv=$srcdir/resolv.conf
	[ -f "$srcdir/bad/$base.resolv" ] && resolv=$srcdir/bad/$base.resolv
	VANTAGED_RESOLV_CONF=$resolv "$vantaged" -n -c "$yaml" >"$tmp/out" 2>"$tmp/raw"
	rc=$?
	subst "$tmp/raw" "$yaml" FILE >"$tmp/err1"
	subst "$tmp/err1" "$resolv" RESOLV >"$tmp/err"
	if [ -n "$REGEN" ] && [ $rc -eq 1 ]; then
		cp "$tmp/err" "$srcdir/bad/$base.err"
	fi
	if [ $rc -ne 1 ]; then
		echo "not ok $n - bad/$base: exit $rc, not 1"
		sed 's/^/# /' "$tmp/err" "$tmp/out"
		fails=$((fails + 1))
	elif [ -s "$tmp/out" ]; then
		echo "not ok $n - bad/$base: unexpected stdout"
		fails=$((fails + 1))
	elif ! diff -u "$srcdir/bad/$base.err" "$tmp/err" >"$tmp/diff" 2>&1; then
		echo "not ok $n - bad/$base: message differs from $base.err"
		sed 's/^/# /' "$tmp/diff"
		fails=$((fails + 1))
	else
		echo "ok $n - bad/$base: $(cat "$tmp/err")"
	fi
done
exit 0

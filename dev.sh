#!/bin/bash
# dev.sh - developer entry points: deps, build, run, test (the README's test command is
# `./dev.sh test`; .ci/run calls it on a fresh Debian 12 machine).
#
#   ./dev.sh deps    install the Debian packages needed to build, test and benchmark (root)
#   ./dev.sh build   autoreconf -fi, configure out of tree in ./build, make -j
#   ./dev.sh run     deps + build, then run ./build/vantaged -d in the foreground: as root on
#                    127.0.0.1:53 with etc/vantaged.yaml, otherwise (or when port 53 is taken) on
#                    127.0.0.1:5353 with a temporary copy of the config
#   ./dev.sh test    deps + build + make check; ends with "N passed, N failed[, N skipped]" and
#                    exits non-zero when anything failed
#   ./dev.sh demo    deps + build, then demo/demo.sh: NSD, a lying dnsmasq, three mirrors and
#                    vantaged on 127.x addresses; an honest name answered, the poisoned one REFUSED
#   ./dev.sh asan    the same in ./build-asan (ASAN_BUILD_DIR) configured with
#                    --enable-sanitizers (ASAN+UBSAN, -fno-sanitize-recover): the whole suite
#                    under the sanitizers, same closing line
#
# Environment: BUILD_DIR (default ./build), CONFIGURE_FLAGS (extra configure arguments),
# JOBS (make -j, default nproc), SKIP_DEPS=1 (do not apt-get even as root).
set -eu
cd "$(dirname "$0")"
SRC=$PWD
BUILD_DIR=${BUILD_DIR:-$SRC/build}
JOBS=${JOBS:-$(nproc 2> /dev/null || echo 2)}

DEB_PACKAGES="build-essential autoconf automake libtool pkg-config
	libldns-dev libevent-dev libwolfssl-dev libnghttp2-dev libyaml-dev libcmocka-dev libseccomp-dev
	libhiredis-dev redis-server
	nsd ldnsutils bind9-dnsutils knot-dnsutils dnsmasq-base
	curl util-linux iproute2 procps mandoc valgrind ca-certificates
	debhelper dpkg-dev jq openssl python3 python3-h2 shellcheck systemd dnsdist
	unbound knot-resolver dnsperf nghttp2-client prometheus logrotate faketime"
# The dashboard's pages are tested in a real headless browser (tests/integration/dashboard_browser.sh).
DEB_PACKAGES="$DEB_PACKAGES chromium"

say() { printf 'dev.sh: %s\n' "$*" >&2; }

deps() {
	local missing="" p
	if [ "${SKIP_DEPS:-0}" = 1 ]; then say "SKIP_DEPS=1: not installing packages"; return 0; fi
	for p in $DEB_PACKAGES; do
		dpkg-query -W -f '${Status}\n' "$p" 2> /dev/null | grep -q 'install ok installed' || missing="$missing $p"
	done
	if [ -z "$missing" ]; then say "all packages present"; return 0; fi
	if [ "$(id -u)" != 0 ]; then
		say "missing packages:$missing"
		say "run as root, or: sudo apt-get install$missing"
		return 1
	fi
	say "installing:$missing"
	# No service may start during the install (nsd, unbound, dnsmasq, dnsdist, knot-resolver
	# ship units): policy-rc.d 101 = "action not allowed".  Remove it afterwards only if we created it.
	local policy=/usr/sbin/policy-rc.d created=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; created=1
	fi
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
	[ "$created" = 1 ] && rm -f "$policy"
	# keep the shipped daemons off: the tests start their own on 127.x.y.z
	for s in nsd unbound dnsmasq dnsdist prometheus kresd.target kresd@1 kres-cache-gc redis-server; do
		if command -v systemctl > /dev/null && [ -d /run/systemd/system ]; then
			systemctl disable --now "$s" > /dev/null 2>&1 || true
		fi
	done
	return 0
}

build() {
	if [ ! -x "$SRC/configure" ] || [ "$SRC/configure.ac" -nt "$SRC/configure" ] ||
	    find "$SRC" -name '*.mk' -newer "$SRC/configure" -o -name Makefile.am -newer "$SRC/configure" | grep -q .; then
		(cd "$SRC" && autoreconf -fi)
	fi
	mkdir -p "$BUILD_DIR"
	cd "$BUILD_DIR"
	if [ ! -f Makefile ]; then
		# shellcheck disable=SC2086
		"$SRC/configure" ${CONFIGURE_FLAGS:-}
	fi
	make -j"$JOBS"
}

run() {
	deps; (build)
	local conf=$SRC/etc/vantaged.yaml port_busy=0 tmp listen=127.0.0.1:5353 user='""'
	if command -v ss > /dev/null && ss -Hlun 'sport = :53' 2> /dev/null | grep -q '127\.0\.0\.1:53'; then port_busy=1; fi
	# Everything the daemon writes (state, journal, dissent log, control socket) goes to a
	# fresh directory of its own, and the shipped mirror list (etc/mirrors.yaml) is its
	# bootstrap file: a clean run cross-checks, and warns about nothing that is missing.
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vantaged-dev.XXXXXX")
	cp "$SRC/etc/mirrors.yaml" "$tmp/mirrors.yaml"
	if [ "$(id -u)" = 0 ] && [ "$port_busy" = 0 ]; then
		if ! id vantage > /dev/null 2>&1; then
			say "creating system user vantage"
			useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vantage
		fi
		listen=127.0.0.1:53 user=vantage
		chown -R vantage "$tmp"
		chmod 755 "$tmp"
	elif [ "$(id -u)" != 0 ]; then say "not root: using 127.0.0.1:5353 instead of port 53"
	else say "127.0.0.1:53 is already in use: using 127.0.0.1:5353 instead"; fi
	# a copy of the shipped config with the listener, the user and the paths moved
	sed -e "s|^listen:.*|listen: [\"$listen\"]|" \
	    -e "s|^user:.*|user: $user|" \
	    -e "s|^  bootstrap: .*|  bootstrap: $tmp/mirrors.yaml|" \
	    -e "s|/var/lib/vantage/|$tmp/|g; s|/run/vantage/|$tmp/|g; s|/var/log/vantage/|$tmp/|g" \
	    "$conf" > "$tmp/vantaged.yaml"
	# the web dashboard, with its pages straight from the source tree (edit, reload the page;
	# `kill -HUP` re-reads them)
	printf 'dashboard: { listen: "127.0.0.1:8053", root: "%s" }\n' "$SRC/share/dashboard" \
		>> "$tmp/vantaged.yaml"
	say "config: $tmp/vantaged.yaml (mirrors: $tmp/mirrors.yaml, state in $tmp)"
	say "dashboard: http://127.0.0.1:8053/ (pages from $SRC/share/dashboard)"
	say "try: dig @${listen%:*} -p ${listen##*:} example.com; $BUILD_DIR/vantagectl -s $tmp/control.sock mirrors"
	say "starting vantaged on $listen (Ctrl-C stops it)"
	exec "$BUILD_DIR/vantaged" -d -c "$tmp/vantaged.yaml"
}

summary() {
	# One line from the .trs files of the last `make check` (each TAP test case is one
	# ":test-result:" line).  $1 = failures to add that no .trs records (a broken build).
	local extra=${1:-0} trs pass=0 failn=0 skipn=0 r
	while IFS= read -r trs; do
		while IFS= read -r r; do
			case $r in
			PASS | XFAIL) pass=$((pass + 1)) ;;
			FAIL | XPASS | ERROR) failn=$((failn + 1)) ;;
			SKIP) skipn=$((skipn + 1)) ;;
			esac
		done < <(sed -n 's/^:test-result: \([A-Z]*\).*/\1/p' "$trs")
	done < <(if [ -e "$BUILD_DIR/.check-start" ]; then
			find "$BUILD_DIR" -name '*.trs' -newer "$BUILD_DIR/.check-start"
		else
			find "$BUILD_DIR" -name '*.trs'
		fi 2> /dev/null)
	failn=$((failn + extra))
	if [ "$skipn" -gt 0 ]; then
		echo "$pass passed, $failn failed, $skipn skipped"
	else
		echo "$pass passed, $failn failed"
	fi
	[ "$failn" = 0 ]
}

test_all() {
	deps
	if ! (build); then
		say "the build failed; no test ran"
		echo "0 passed, 1 failed"
		return 1
	fi
	cd "$BUILD_DIR"
	rm -f test-suite.log
	touch .check-start
	local st=0 extra=0
	make -j"$JOBS" check || st=$?
	if [ "$st" != 0 ]; then
		if [ -f test-suite.log ]; then
			# the failing tests' logs, so that a CI log alone explains the failure
			sed -n '/^FAIL\|^ERROR/,$p' test-suite.log | head -n 400 >&2 || true
		else
			# make check stopped before the tests (a check program did not build)
			say "make check failed before running the tests"
			extra=1
		fi
	fi
	summary "$extra" || st=1
	return "$st"
}

# The suite under ASAN+UBSAN: its own build directory, so ./build stays a plain build.
test_asan() {
	BUILD_DIR=${ASAN_BUILD_DIR:-$SRC/build-asan}
	CONFIGURE_FLAGS="--enable-sanitizers ${CONFIGURE_FLAGS:-}"
	# A sanitizer report fails the process that made it (and so its test); leaks count.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	if [ -f "$BUILD_DIR/Makefile" ] && ! grep -q '^SAN_CFLAGS = .*fsanitize=address' "$BUILD_DIR/Makefile"; then
		say "$BUILD_DIR was configured without --enable-sanitizers; reconfiguring"
		rm -f "$BUILD_DIR/Makefile"
	fi
	test_all
}

case ${1:-} in
deps) deps ;;
build) deps; build ;;
run) run ;;
test) test_all ;;
demo) deps; (build) > /dev/null; BUILD_DIR=$BUILD_DIR exec "$SRC/demo/demo.sh" ;;
asan) test_asan ;;
summary) summary ;;	# the closing line of the last `make check` in $BUILD_DIR
*) echo "usage: $0 deps|build|run|test|asan|demo" >&2; exit 2 ;;
esac

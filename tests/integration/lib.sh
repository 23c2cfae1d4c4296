# tests/integration/lib.sh - sourced helpers for the TAP integration tests (bash only).
#
# A scenario script does:
#     . "${top_srcdir:?}/tests/integration/lib.sh"
#     tap_plan 3                      # or done_testing at the end
#     ...
# and runs under automake's tap-driver from the build directory, which exports absolute
# $top_srcdir and $top_builddir.  Run one by hand with:
#     top_srcdir=/work/main top_builddir=/tmp/build bash tests/integration/vantaged_basic.sh
#
# The API below is stable (the mirror tests source this file too); add, don't change.
#
# TAP
#   tap_plan N                    print the plan "1..N"
#   done_testing                  print the plan at the end instead ("1..<tests run>")
#   ok DESC CMD [ARGS...]         pass when CMD exits 0 (CMD's output goes to diag on failure;
#                                 CMD runs in a command substitution, so it cannot set variables)
#   nok DESC CMD [ARGS...]        pass when CMD exits non-zero
#   is GOT EXPECTED DESC          pass when the strings are equal
#   isnt GOT UNEXPECTED DESC      pass when the strings differ
#   like GOT REGEX DESC           pass when GOT matches the bash ERE REGEX (multi-line GOT is fine)
#   unlike GOT REGEX DESC         pass when it does not
#   cmp_ok A OP B DESC            numeric comparison, OP one of -lt -le -eq -ne -ge -gt
#   pass DESC / fail DESC         unconditional result
#   skip REASON [N]               N (default 1) tests reported as "ok # SKIP"
#   todo_next REASON              mark the next result as "# TODO REASON" (expected to fail)
#   skip_all REASON               "1..0 # SKIP REASON" and exit 0 (call before any test)
#   bail_out REASON               "Bail out! REASON" and exit 1 (the harness reports ERROR)
#   diag MSG...                   each MSG (may be multi-line) as "# " lines on stdout (.log file)
#   TAP_FAILED                    number of failed tests so far
#
# Scratch directory and processes
#   $T                            per-test scratch dir (mktemp -d under ${TMPDIR:-/tmp}); removed at
#                                 exit when every test passed, kept (and named) otherwise, or when
#                                 KEEP_T=1 is set
#   spawn NAME CMD [ARGS...]      run CMD in the background, stdout+stderr to $T/NAME.log, stdin
#                                 /dev/null; sets SPAWNED_PID; the exit trap ends it by PID
#   stop_pid PID [SECS]           TERM (then KILL after SECS, default 5) PID and its descendants;
#                                 returns the process's exit status (137 when it needed KILL)
#   alive PID                     true when PID exists and is not a zombie
#   At exit every spawned process is ended (TERM, bounded wait, KILL).  When a test failed or
#   the script died, the tail of every $T/*.log is printed as diag lines.
#
# Timing
#   wait_until SECS CMD [ARGS...] poll CMD (10 ms growing to 200 ms) until it exits 0; returns 1
#                                 after SECS seconds.  The only way tests wait for anything.
#   now_ms                        wall clock in milliseconds
#
# Addresses
#   unique_addr                   prints a 127.x.y.z (x >= 1) unique to this test process
#                                 (derived from $$ and a counter kept in $T, so $(unique_addr)
#                                 works); at most 16 per process.  Never 127.0.0.x, so neither
#                                 127.0.0.1, 127.0.0.53 nor the benchmark's addresses.
#
# Servers
#   zone_path FILE                FILE as is when absolute, else $top_srcdir/tests/integration/zones/FILE
#   start_nsd ADDR PORT ZONE FILE [ZONE FILE...]
#                                 NSD (UDP+TCP) serving the zones; waits until it answers SOA of the
#                                 first zone; sets NSD_ADDR NSD_PORT NSD_PID NSD_LOG NSD_CONF
#   nsd_stat [ADDR:PORT] KEY      one counter of `nsd-control stats_noreset` (num.queries, num.tcp,
#                                 num.udp, num.type.A, num.rcode.NXDOMAIN, ...); default: last NSD
#   count_nsd_queries [ADDR:PORT] num.queries of that NSD: how many queries the upstream saw
#   start_sink ADDR PORT          a black-hole "upstream" (reads UDP/TCP, never answers); sets SINK_PID
#   start_redis [ADDR] [ARGS...]  redis-server on ADDR (default $(unique_addr)) port 6379 and on the
#                                 unix socket $T/redisN.sock, nothing persisted, ARGS appended
#                                 (e.g. --requirepass X); waits until it answers PING; sets
#                                 REDIS_ADDR REDIS_PORT REDIS_SOCK REDIS_PID REDIS_LOG REDIS_URL
#                                 (redis://ADDR:6379/0) REDIS_UNIX_URL (unix:$REDIS_SOCK)
#   restart_redis                 the last start_redis again (same address, socket and ARGS),
#                                 after stopping it if it still runs
#   rcli ARGS...                  redis-cli against the last start_redis (its unix socket)
#   $TOOLS_DIR/dnsjunk            packet tool built by make check: send (junk), probe KIND, pipe
#                                 (TCP pipelining), sink, spoof (forged answers), slow MS (delayed
#                                 upstream); see the top of tools/dnsjunk.c
#   vantaged_conf FILE [key=value...]
#                                 write a vantaged config.  Keys: listen=ADDR:PORT (default
#                                 $(unique_addr):0), upstream=ADDR:PORT (repeatable; default
#                                 $NSD_ADDR:$NSD_PORT), cache='{ ... }' flow mapping,
#                                 timeout=1500ms, level=debug, extra='raw YAML lines'
#   start_vantaged CONFIG [ARGS...]
#                                 $top_builddir/vantaged -d -c CONFIG ARGS; waits for the first
#                                 "listen: bound ADDR:PORT" line and for "main: ready"; sets
#                                 VANTAGED_ADDR VANTAGED_PORT VANTAGED_PID VANTAGED_LOG; returns 1
#                                 (after printing the log) when it does not come up in
#                                 $VANTAGED_START_TIMEOUT seconds (default 10) or exits
#   VANTAGED                      path of the binary under test ($top_builddir/vantaged)
#   can_valgrind BINARY           valgrind is installed and BINARY is not an ASAN build
#   VANTAGED_WRAPPER              words put before it, e.g.
#                                 "valgrind -q --error-exitcode=99 --leak-check=full"
#                                 (then raise VANTAGED_START_TIMEOUT; a leak makes the SIGTERM
#                                 exit status 99, which vantaged_signals.sh reports)
#
# DNS clients (all bounded: one try, short timeouts)
#   qdig ADDR PORT ARGS...        dig @ADDR -p PORT +tries=1 +time=2 ARGS
#   vdig ARGS...                  qdig against the running vantaged
#   answer_norm                   filter: RR lines of dig/kdig/drill answer output with the TTL
#                                 removed, owner lowercased, whitespace squeezed, sorted
#   dig_rcode                     filter: the status of dig's header line (NOERROR, NXDOMAIN, ...)
#   dig_flags                     filter: the flags of dig's header line ("qr rd ra")
#   dig_ttl                       filter: TTL of the first answer RR of `dig +noall +answer` output
#   log_has REGEX [FILE]          true when FILE (default $VANTAGED_LOG) has a line matching REGEX

# ---------------------------------------------------------------------------------------------
# TAP core

TAP_RUN=0
TAP_FAILED=0
TAP_PLANNED=""
TAP_TODO=""
TAP_DONE=0
TAP_BAILED=0

tap_plan() { TAP_PLANNED=$1; echo "1..$1"; }

done_testing() { TAP_PLANNED=$TAP_RUN; TAP_DONE=1; echo "1..$TAP_RUN"; }

diag() {
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do printf '# %s\n' "$line"; done
}

# _tap_result STATUS(0 = pass) DESC
_tap_result() {
	local st=$1 desc=$2 dir=""
	TAP_RUN=$((TAP_RUN + 1))
	desc=${desc//\#/\\#}
	if [ -n "$TAP_TODO" ]; then dir=" # TODO $TAP_TODO"; TAP_TODO=""; fi
	if [ "$st" -eq 0 ]; then
		echo "ok $TAP_RUN - $desc$dir"
	else
		echo "not ok $TAP_RUN - $desc$dir"
		[ -z "$dir" ] && TAP_FAILED=$((TAP_FAILED + 1))
	fi
	return "$st"
}

pass() { _tap_result 0 "$1"; }
fail() { _tap_result 1 "$1"; }
todo_next() { TAP_TODO=$1; }

ok() {
	local desc=$1 out st; shift
	out=$("$@" 2>&1); st=$?
	if ! _tap_result $(( st != 0 )) "$desc"; then
		diag "command: $*" "exit status: $st"
		[ -n "$out" ] && diag "$(printf '%s\n' "$out" | tail -n 40)"
		return 1
	fi
}

nok() {
	local desc=$1 out st; shift
	out=$("$@" 2>&1); st=$?
	if ! _tap_result $(( st == 0 )) "$desc"; then
		diag "command unexpectedly succeeded: $*"
		[ -n "$out" ] && diag "$(printf '%s\n' "$out" | tail -n 40)"
		return 1
	fi
}

is() {
	if [ "$1" = "$2" ]; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"; diag "     got: '$1'" "expected: '$2'"; return 1
	fi
}

isnt() {
	if [ "$1" != "$2" ]; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"; diag "got '$1', which it should not be"; return 1
	fi
}

like() {
	if [[ $1 =~ $2 ]]; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"; diag "got:" "$1" "does not match: $2"; return 1
	fi
}

unlike() {
	if ! [[ $1 =~ $2 ]]; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"; diag "got:" "$1" "matches (and should not): $2"; return 1
	fi
}

cmp_ok() {
	local a=${1:-x} op=$2 b=${3:-x} desc=$4
	if [[ $a =~ ^-?[0-9]+$ && $b =~ ^-?[0-9]+$ ]] && [ "$a" "$op" "$b" ]; then
		_tap_result 0 "$desc"
	else
		_tap_result 1 "$desc"; diag "wanted: '$1' $op '$3'"; return 1
	fi
}

skip() {
	local reason=$1 n=${2:-1} i
	for ((i = 0; i < n; i++)); do
		TAP_RUN=$((TAP_RUN + 1)); echo "ok $TAP_RUN # SKIP $reason"
	done
}

skip_all() { TAP_DONE=1; TAP_PLANNED=0; echo "1..0 # SKIP $1"; exit 0; }

bail_out() { TAP_FAILED=$((TAP_FAILED + 1)); TAP_BAILED=1; echo "Bail out! $1"; exit 1; }

# ---------------------------------------------------------------------------------------------
# environment, scratch dir, processes

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fi
: "${top_builddir:=$PWD}"
VANTAGED=${VANTAGED:-$top_builddir/vantaged}
ZONES_DIR=$top_srcdir/tests/integration/zones
TOOLS_DIR=$top_builddir/tests/integration/tools

T=$(mktemp -d "${TMPDIR:-/tmp}/vantage-it.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
echo 0 > "$T/.addr_counter"

declare -a _SPAWNED=()
declare -A _SPAWN_NAME=()
declare -A NSD_CONFS=()
SPAWNED_PID=""
NSD_ADDR="" NSD_PORT="" NSD_PID="" NSD_LOG="" NSD_CONF=""
VANTAGED_ADDR="" VANTAGED_PORT="" VANTAGED_PID="" VANTAGED_LOG=""
SINK_PID=""
_NSD_N=0
_VD_N=0

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

alive() {
	[ -n "$1" ] && [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

_descendants() {
	local p=$1 c
	echo "$p"
	for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do _descendants "$c"; done
}

spawn() {
	local name=$1; shift
	"$@" > "$T/$name.log" 2>&1 < /dev/null &
	SPAWNED_PID=$!
	_SPAWNED+=("$SPAWNED_PID")
	_SPAWN_NAME[$SPAWNED_PID]=$name
}

stop_pid() {
	local pid=$1 secs=${2:-5} p pids left deadline st=0
	alive "$pid" || { wait "$pid" 2>/dev/null; return $?; }
	pids=$(_descendants "$pid")
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	deadline=$(( $(now_ms) + secs * 1000 ))
	while :; do
		left=""
		for p in $pids; do alive "$p" && left="$left $p"; done
		[ -z "$left" ] && break
		if [ "$(now_ms)" -ge "$deadline" ]; then
			diag "pid(s)$left ignored SIGTERM for ${secs}s, sending SIGKILL"
			for p in $left; do kill -KILL "$p" 2>/dev/null; done
			break
		fi
		sleep 0.05
	done
	wait "$pid" 2>/dev/null; st=$?
	return "$st"
}

_print_logs() {
	local f
	for f in "$T"/*.log; do
		[ -s "$f" ] || continue
		diag "----- $f (last 60 lines) -----"
		diag "$(tail -n 60 "$f")"
	done
}

_cleanup() {
	local st=$? i pid bad=0
	trap - EXIT
	for ((i = ${#_SPAWNED[@]} - 1; i >= 0; i--)); do
		pid=${_SPAWNED[i]}
		alive "$pid" && stop_pid "$pid" 5 > /dev/null
	done
	[ "$TAP_FAILED" -gt 0 ] && bad=1
	[ "$st" -ne 0 ] && bad=1
	if [ -n "$TAP_PLANNED" ] && [ "$TAP_PLANNED" != "$TAP_RUN" ] && [ "$TAP_DONE" = 0 ]; then
		diag "planned $TAP_PLANNED tests but ran $TAP_RUN"
		bad=1
	fi
	# A script whose last command was a failing test helper exits 1; that failure is already in
	# the TAP stream, and a non-zero status would add a spurious ERROR result.
	if [ "$st" = 1 ] && [ "$TAP_BAILED" = 0 ] && [ "$TAP_PLANNED" = "$TAP_RUN" ]; then st=0; fi
	if [ "$bad" = 1 ]; then
		_print_logs
		diag "scratch directory kept: $T"
	elif [ "${KEEP_T:-0}" = 1 ]; then
		diag "scratch directory kept (KEEP_T=1): $T"
	else
		rm -rf "$T"
	fi
	exit "$st"
}
trap _cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

wait_until() {
	local secs=$1 deadline delay=0.01; shift
	deadline=$(( $(now_ms) + secs * 1000 ))
	while :; do
		"$@" > /dev/null 2>&1 && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep "$delay"
		case $delay in 0.01) delay=0.02 ;; 0.02) delay=0.05 ;; 0.05) delay=0.1 ;; *) delay=0.2 ;; esac
	done
}

unique_addr() {
	local c n m
	c=$(cat "$T/.addr_counter")
	if [ "$c" -ge 16 ]; then echo "unique_addr: more than 16 addresses in one test" >&2; return 1; fi
	echo $((c + 1)) > "$T/.addr_counter"
	# 2^19 PIDs x 16 = 2^23 addresses, spread over 127.[1-130].[0-255].[1-254]
	n=$(( ($$ % 524288) * 16 + c ))
	m=$(( n / 254 ))
	echo "127.$(( 1 + m / 256 )).$(( m % 256 )).$(( 1 + n % 254 ))"
}

# ---------------------------------------------------------------------------------------------
# DNS clients

qdig() { local a=$1 p=$2; shift 2; timeout 15 dig @"$a" -p "$p" +tries=1 +time=2 "$@"; }
vdig() { qdig "$VANTAGED_ADDR" "$VANTAGED_PORT" "$@"; }

answer_norm() {
	awk '
		{ line[NR] = $0 }
		/^;; ANSWER SECTION:/ { sections = 1 }
		END {
			insec = !sections
			for (i = 1; i <= NR; i++) {
				l = line[i]
				if (l ~ /^;; ANSWER SECTION:/) { insec = 1; continue }
				if (sections && insec && (l ~ /^;/ || l ~ /^[ \t]*$/)) insec = 0
				if (!insec || l ~ /^;/ || l ~ /^[ \t]*$/) continue
				n = split(l, f, /[ \t]+/)
				out = tolower(f[1])
				for (k = 2; k <= n; k++) if (!(k == 2 && f[k] ~ /^[0-9]+$/)) out = out " " f[k]
				print out
			}
		}' | sort
}

dig_rcode() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' | head -n 1; }
dig_flags() { sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' | head -n 1; }
dig_ttl() { awk '!/^;/ && NF >= 5 { print $2; exit }'; }

log_has() { grep -Eq -- "$1" "${2:-$VANTAGED_LOG}"; }

# ---------------------------------------------------------------------------------------------
# servers

zone_path() { case $1 in /*) echo "$1" ;; *) echo "$ZONES_DIR/$1" ;; esac; }

start_nsd() {
	local addr=$1 port=$2 dir conf first z f; shift 2
	command -v nsd > /dev/null || { diag "nsd not installed"; return 1; }
	_NSD_N=$((_NSD_N + 1))
	dir=$T/nsd$_NSD_N
	mkdir -p "$dir"
	conf=$dir/nsd.conf
	cat > "$conf" <<-EOF
	server:
	    ip-address: $addr@$port
	    port: $port
	    do-ip4: yes
	    do-ip6: no
	    server-count: 1
	    username: ""
	    chroot: ""
	    zonesdir: "$dir"
	    database: ""
	    zonelistfile: "$dir/zone.list"
	    xfrdfile: "$dir/xfrd.state"
	    xfrdir: "$dir"
	    pidfile: "$dir/nsd.pid"
	    verbosity: 1
	    hide-version: yes
	    zonefiles-write: 0
	    refuse-any: no
	    # Response rate limiting off: every client here is 127.0.0.0/24 to NSD, and its
	    # default 200 answers a second per prefix and wildcard would drop answers under
	    # load (a soak measured NSD's limiter, not vantage).
	    rrl-ratelimit: 0
	    rrl-whitelist-ratelimit: 0
	remote-control:
	    control-enable: yes
	    control-interface: "$dir/nsd.ctl"
	EOF
	first=$1
	while [ $# -ge 2 ]; do
		z=$1 f=$(zone_path "$2"); shift 2
		cp "$f" "$dir/$z.zone" || return 1
		printf 'zone:\n    name: "%s"\n    zonefile: "%s.zone"\n' "$z" "$z" >> "$conf"
	done
	spawn "nsd$_NSD_N" nsd -d -c "$conf"
	NSD_PID=$SPAWNED_PID NSD_LOG=$T/nsd$_NSD_N.log NSD_CONF=$conf NSD_ADDR=$addr NSD_PORT=$port
	NSD_CONFS[$addr:$port]=$conf
	if ! wait_until 10 _nsd_up "$NSD_PID" "$addr" "$port" "$first" || ! alive "$NSD_PID"; then
		diag "nsd on $addr:$port did not answer SOA $first within 10 s (or exited)"
		diag "$(tail -n 30 "$NSD_LOG")"
		return 1
	fi
	# the stats socket too: the first stats call may race the control listener
	wait_until 5 nsd_stat "$addr:$port" num.queries || { diag "nsd-control stats failed"; return 1; }
}

_nsd_up() {
	alive "$1" || return 0	# dead: stop polling, the caller's check below catches it
	[ -n "$(dig @"$2" -p "$3" +tries=1 +time=1 +short "$4" SOA 2> /dev/null)" ]
}

nsd_stat() {
	local key conf v
	if [ $# -ge 2 ]; then conf=${NSD_CONFS[$1]:-}; key=$2; else conf=$NSD_CONF; key=$1; fi
	[ -n "$conf" ] || { echo "nsd_stat: unknown NSD" >&2; return 1; }
	v=$(timeout 10 nsd-control -c "$conf" stats_noreset 2> /dev/null) || return 1
	v=$(printf '%s\n' "$v" | sed -n "s/^$key=//p")
	echo "${v:-0}"
}

count_nsd_queries() { nsd_stat "$@" num.queries; }

start_sink() {
	local addr=$1 port=$2
	[ -x "$TOOLS_DIR/dnsjunk" ] || { diag "missing $TOOLS_DIR/dnsjunk (make check builds it)"; return 1; }
	spawn "sink-$addr-$port" "$TOOLS_DIR/dnsjunk" sink "$addr" "$port"
	SINK_PID=$SPAWNED_PID
	wait_until 5 grep -q listening "$T/sink-$addr-$port.log"
}

_REDIS_N=0
start_redis() {
	local addr=${1:-}
	[ $# -gt 0 ] && shift
	[ -n "$addr" ] || addr=$(unique_addr)
	command -v redis-server > /dev/null || { diag "redis-server not installed"; return 1; }
	_REDIS_N=$((_REDIS_N + 1))
	REDIS_ADDR=$addr REDIS_PORT=6379 REDIS_SOCK=$T/redis$_REDIS_N.sock
	_REDIS_ARGS=("$@")
	_redis_spawn
}

_redis_spawn() {
	mkdir -p "$T/redis$_REDIS_N"
	spawn "redis$_REDIS_N" redis-server --bind "$REDIS_ADDR" --port "$REDIS_PORT" \
		--unixsocket "$REDIS_SOCK" --unixsocketperm 700 --save '' --appendonly no \
		--daemonize no --protected-mode no --dir "$T/redis$_REDIS_N" "${_REDIS_ARGS[@]}"
	REDIS_PID=$SPAWNED_PID REDIS_LOG=$T/redis$_REDIS_N.log
	REDIS_URL=redis://$REDIS_ADDR:$REDIS_PORT/0 REDIS_UNIX_URL=unix:$REDIS_SOCK
	wait_until 10 _redis_ready || { diag "redis-server did not come up"; return 1; }
}

# Ready means answering: PONG, or NOAUTH when it wants a password (it is up all the same).
_redis_ready() {
	local r
	r=$(redis-cli -s "$REDIS_SOCK" ping 2> /dev/null) || return 1
	[ "$r" = PONG ] || [[ $r == NOAUTH* ]]
}

restart_redis() {
	if alive "$REDIS_PID"; then stop_pid "$REDIS_PID" > /dev/null || true; fi
	_redis_spawn
}

rcli() {
	redis-cli -s "$REDIS_SOCK" "$@"
}

vantaged_conf() {
	local file=$1 kv listen="" ups=() cache="" timeout="1500ms" level=debug extra="" u; shift
	for kv in "$@"; do
		case $kv in
		listen=*) listen=${kv#listen=} ;;
		upstream=*) ups+=("${kv#upstream=}") ;;
		cache=*) cache=${kv#cache=} ;;
		timeout=*) timeout=${kv#timeout=} ;;
		level=*) level=${kv#level=} ;;
		extra=*) extra=${kv#extra=} ;;
		*) echo "vantaged_conf: unknown key $kv" >&2; return 1 ;;
		esac
	done
	[ -n "$listen" ] || listen="$(unique_addr):0"
	[ ${#ups[@]} -gt 0 ] || ups=("$NSD_ADDR:$NSD_PORT")
	[ -n "$cache" ] || cache="{ max_entries: 1000, min_ttl: 0, max_ttl: 86400, negative_max_ttl: 3600, state_file: $T/state }"
	{
		echo "# written by tests/integration/lib.sh"
		echo "listen: [\"$listen\"]"
		printf 'upstreams: ['
		local sep=""
		for u in "${ups[@]}"; do printf '%s"%s"' "$sep" "$u"; sep=", "; done
		printf ']\n'
		echo "upstream_timeout: $timeout"
		echo "cache: $cache"
		echo "control: { socket: $T/ctl.sock }"
		echo "log: { level: $level }"
		echo 'user: ""'
		[ -n "$extra" ] && printf '%s\n' "$extra"
	} > "$file"
}

start_vantaged() {
	local conf=$1 line hp; shift
	[ -x "$VANTAGED" ] || { diag "vantaged binary not found: $VANTAGED"; return 1; }
	_VD_N=$((_VD_N + 1))
	VANTAGED_LOG=$T/vantaged$_VD_N.log
	# shellcheck disable=SC2086
	spawn "vantaged$_VD_N" ${VANTAGED_WRAPPER:-} "$VANTAGED" -d -c "$conf" "$@"
	VANTAGED_PID=$SPAWNED_PID
	if ! wait_until "${VANTAGED_START_TIMEOUT:-10}" _vantaged_up "$VANTAGED_PID" "$VANTAGED_LOG" ||
	    ! log_has 'main: ready'; then
		if alive "$VANTAGED_PID"; then
			diag "vantaged did not log 'listen: bound' and 'main: ready' within ${VANTAGED_START_TIMEOUT:-10} s"
		else
			wait "$VANTAGED_PID"; diag "vantaged exited during start-up with status $?"
		fi
		diag "config $conf:" "$(cat "$conf")" "log:" "$(tail -n 40 "$VANTAGED_LOG")"
		return 1
	fi
	line=$(grep -m 1 'listen: bound ' "$VANTAGED_LOG")
	hp=${line#*listen: bound }
	hp=${hp%% *}
	VANTAGED_PORT=${hp##*:}
	VANTAGED_ADDR=${hp%:*}
	VANTAGED_ADDR=${VANTAGED_ADDR#[}
	VANTAGED_ADDR=${VANTAGED_ADDR%]}
	if ! [[ $VANTAGED_PORT =~ ^[0-9]+$ ]] || [ "$VANTAGED_PORT" = 0 ]; then
		diag "cannot parse the bound address from: $line"
		return 1
	fi
}

_vantaged_up() {
	alive "$1" || return 0
	grep -q 'listen: bound ' "$2" && grep -q 'main: ready' "$2"
}

# can_valgrind BINARY: true when valgrind is installed and BINARY is not built with ASAN
# (the two cannot run together: ./configure --enable-sanitizers builds such binaries).
can_valgrind() { command -v valgrind > /dev/null && ! grep -qa __asan_init "$1" 2> /dev/null; }

# Skip the whole test when a required program is missing.
require_progs() {
	local p
	for p in "$@"; do command -v "$p" > /dev/null || skip_all "$p not installed"; done
}

require_vantaged() {
	[ -x "$VANTAGED" ] || skip_all "no vantaged binary at $VANTAGED"
}

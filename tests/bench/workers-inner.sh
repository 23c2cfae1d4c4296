# tests/bench/workers-inner.sh - the measuring part of workers.sh, sourced inside its network
# and PID namespaces (only lo exists; every daemon dies with the namespace).  Same method as
# the shared peers.sh: servers pinned apart from dnsperf, caches primed twice, CPU from
# /proc/PID/stat (utime+stime, every thread of the process) around each dnsperf run.
RES=$OUT/workers.tsv
TCK=$(getconf CLK_TCK)
declare -A PID=() ADDR=()
STARTED=()

descendants() { local p=$1 c; echo "$p"; for c in $(ps -o pid= --ppid "$p" 2> /dev/null); do descendants "$c"; done; }
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2> /dev/null; }
stop_tree() {	# TERM then KILL one started process and its children, by PID
	local p i left pids
	pids=$(descendants "$1")
	for p in $pids; do kill -TERM "$p" 2> /dev/null; done
	for i in $(seq 50); do
		left=""
		for p in $pids; do alive "$p" && left="$left $p"; done
		[ -z "$left" ] && break
		sleep 0.1	# polling for the exit, bounded by the loop
	done
	for p in $left; do kill -KILL "$p" 2> /dev/null; done
	wait "$1" 2> /dev/null
	return 0
}
cleanup_inner() { local i; for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do alive "${STARTED[i]}" && stop_tree "${STARTED[i]}"; done; }
trap cleanup_inner EXIT
trap 'exit 143' TERM INT HUP

rec() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RES"; }
render() {	# template out workdir addr port
	sed -e "s|@WORKDIR@|$3|g" -e "s|@AUTH_ADDR@|$AUTH_ADDR|g" -e "s|@AUTH_PORT@|$AUTH_PORT|g" \
		-e "s|@ADDR@|$4|g" -e "s|@PORT@|$5|g" -e "s|@UPSTREAM_ADDR@|$AUTH_ADDR|g" \
		-e "s|@UPSTREAM_PORT@|$AUTH_PORT|g" -e "s|@DNSMASQ_CACHE@|$((NAMES * 2 + 1000))|g" \
		-e "s|@KRESD_MODE@|FORWARD|g" -e "s|@KRESD_CACHE@|$3/cache|g" "$SHARED_BENCH/conf/$1" > "$2"
}
start_server() {	# name cpus logfile cmd...
	local name=$1 cpus=$2 logf=$3
	shift 3
	taskset -c "$cpus" "$@" > "$logf" 2>&1 < /dev/null &
	PID[$name]=$!
	STARTED+=("$!")
}
wait_ready() {	# addr port timeout_s: until the server answers a name of the zone
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		dig +short +time=1 +tries=1 -p "$2" "@$1" ns1.bench.test A 2> /dev/null | grep -qx "$AUTH_ADDR" && return 0
		sleep 0.1	# polling for readiness, bounded by the loop
	done
	return 1
}
start_target() {	# name addr port cpus [workers binary]
	local t=$1 a=$2 p=$3 cpus=$4 d=$WORK/$1
	mkdir -p "$d"
	ADDR[$t]="$a $p"
	case $t in
	unbound) render unbound.conf.in "$d/unbound.conf" "$d" "$a" "$p"
		start_server "$t" "$cpus" "$d/stderr.log" unbound -d -c "$d/unbound.conf" ;;
	dnsmasq) render dnsmasq.conf.in "$d/dnsmasq.conf" "$d" "$a" "$p"
		start_server "$t" "$cpus" "$d/stderr.log" dnsmasq -k -C "$d/dnsmasq.conf" ;;
	kresd) mkdir -p "$d/cache" "$d/run"
		render kresd.conf.in "$d/kresd.conf" "$d" "$a" "$p"
		start_server "$t" "$cpus" "$d/stderr.log" kresd -n -c "$d/kresd.conf" "$d/run" ;;
	*) mkdir -p "$d/work"
		start_server "$t" "$cpus" "$d/stderr.log" env VANTAGED="$6" BENCH_WORKERS="${5#-}" BENCH_METRICS="$a:9153" \
			OURS_ADDR="$a" OURS_PORT="$p" UPSTREAM_ADDR=$AUTH_ADDR UPSTREAM_PORT=$AUTH_PORT \
			OURS_WORKDIR="$d/work" "$HERE/vantaged-bench.sh" ;;
	esac
	if ! wait_ready "$a" "$p" 30; then
		log "$t did not answer on $a:$p; log:"
		tail -5 "$d/stderr.log" >&2
		rec "$t" failed start
		stop_tree "${PID[$t]}"
		return 1
	fi
	log "$t ready on $a:$p, cpus $cpus (pid ${PID[$t]})"
}

cpu_ticks() {	# utime+stime of a process tree (fields 14 and 15 of /proc/PID/stat)
	local p s t=0
	for p in $(descendants "$1"); do
		s=$(sed 's/^.*) //' "/proc/$p/stat" 2> /dev/null) || continue
		set -- $s
		t=$((t + ${12} + ${13}))
	done
	echo "$t"
}
nsd_queries() { nsd-control -c "$WORK/auth/nsd.conf" stats_noreset 2> /dev/null | awk -F= '$1=="num.queries"{print $2}'; }
dnsperf_run() {	# outfile limit_s args...: dnsperf pinned to CLIENT_CPU, bounded
	local out=$1 lim=$2
	shift 2
	timeout -k 5 "$lim" taskset -c "$CLIENT_CPU" dnsperf "$@" > "$out" 2>&1
}
dp_field() { awk -v k="$2" 'index($0, k) { sub(/^[^:]*:[[:space:]]*/, ""); split($0, a, /[[:space:]]+/); print a[1]; exit }' "$1"; }
sat_pcts() {	# file: "p50 p99" in seconds of the NOERROR answers dnsperf -v printed
	awk '/^> / && $2 == "NOERROR" { print $NF }' "$1" | sort -g | awk '
		{ a[++n] = $1 }
		END { if (n == 0) { print "- -"; exit }
		      i = int(0.5 * n + 0.999999); j = int(0.99 * n + 0.999999)
		      if (i < 1) i = 1
		      if (j > n) j = n
		      printf "%.6f %.6f\n", a[i], a[j] }'
}

ip link set lo up
: > "$RES"
rec meta date "$(date -u +%FT%TZ)"
rec meta host "$(uname -r) $(nproc)cpu"
rec meta load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
rec meta reps "$REPS"
rec meta duration "$DURATION"
rec meta dnsperf "-c $W_CLIENTS -q $OUTSTANDING, cpu $CLIENT_CPU"

mkdir -p "$WORK/auth"
render nsd.conf.in "$WORK/auth/nsd.conf" "$WORK/auth" - -
cp "$WORK/bench.test.zone" "$WORK/auth/"
start_server auth "$SERVER_CPU" "$WORK/auth/stderr.log" nsd -d -c "$WORK/auth/nsd.conf"
ADDR[auth]="$AUTH_ADDR $AUTH_PORT"
wait_ready "$AUTH_ADDR" "$AUTH_PORT" 15 || { log "nsd did not come up"; exit 1; }

TARGETS=auth
for t in $PEERS; do
	case $t in unbound) ap="127.0.0.11 5301" ;; dnsmasq) ap="127.0.0.12 5302" ;; kresd) ap="127.0.0.13 5303" ;;
	*) log "unknown peer $t"; continue ;; esac
	start_target "$t" $ap "$SERVER_CPU" && TARGETS="$TARGETS $t"
done
i=0
while read -r label bin w; do
	i=$((i + 1))
	cpus=$(cpus_for "$w")
	rec "$label" workers "$w"
	rec "$label" cpus "$cpus"
	start_target "$label" "127.0.0.$((40 + i))" 5304 "$cpus" "$w" "$bin" && TARGETS="$TARGETS $label"
done < <(instances)
rec meta targets "$TARGETS"

for t in $TARGETS; do
	[ "$t" = auth ] && continue
	read -r a p <<< "${ADDR[$t]}"
	for k in 1 2; do	# twice: the second pass must come from the cache
		dnsperf_run "$OUT/W-prime$k-$t.txt" 120 -s "$a" -p "$p" -d "$WORK/queries-all.txt" -n 1 -q 100 -t 5
	done
	log "$t primed"
done

for ((r = 1; r <= REPS; r++)); do
	for t in $TARGETS; do
		read -r a p <<< "${ADDR[$t]}"
		f=$OUT/W-qps-$t-r$r.txt
		u0=$(nsd_queries) c0=$(cpu_ticks "${PID[$t]}")
		dnsperf_run "$f" $((DURATION + 40)) -s "$a" -p "$p" -d "$WORK/queries-all.txt" \
			-l "$DURATION" -c "$W_CLIENTS" -q "$OUTSTANDING" -t 5
		c1=$(cpu_ticks "${PID[$t]}") u1=$(nsd_queries)
		rec "$t" "qps.r$r" "$(dp_field "$f" 'Queries per second')"
		rec "$t" "done.r$r" "$(dp_field "$f" 'Queries completed')"
		rec "$t" "cpu_s.r$r" "$(awk -v d=$((c1 - c0)) -v h="$TCK" 'BEGIN { printf "%.2f", d / h }')"
		[ "$t" != auth ] && rec "$t" "upstream.r$r" "$((u1 - u0))"
		log "rep $r $t: $(dp_field "$f" 'Queries per second') qps, cpu $((c1 - c0)) ticks"
	done
	[ "$W_SAT_DURATION" -gt 0 ] || continue
	for t in $TARGETS; do
		[ "$t" = auth ] && continue
		read -r a p <<< "${ADDR[$t]}"
		f=$OUT/W-satv-$t-r$r.txt
		dnsperf_run "$f" $((W_SAT_DURATION + 40)) -s "$a" -p "$p" -d "$WORK/queries-all.txt" \
			-l "$W_SAT_DURATION" -c "$W_CLIENTS" -q "$OUTSTANDING" -t 5 -v
		read -r p50 p99 <<< "$(sat_pcts "$f")"
		rec "$t" "sat_p50.r$r" "$p50"
		rec "$t" "sat_p99.r$r" "$p99"
		rec "$t" "sat_qps.r$r" "$(dp_field "$f" 'Queries per second')"
		gzip -f "$f"
		log "rep $r saturated -v $t: p50 $p50 p99 $p99"
	done
done
rec meta load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
# How the kernel spread the questions over each instance's loops (a build without the
# per-loop counter has none): the counts since start, priming included.
for t in $TARGETS; do
	case $t in auth | unbound | dnsmasq | kresd) continue ;; esac
	read -r a p <<< "${ADDR[$t]}"
	loops=$(curl -s --max-time 5 "http://$a:9153/metrics" |
		awk '/^vantaged_worker_queries_total\{/ { printf "%s%s", sep, $NF; sep = " " }')
	[ -n "$loops" ] && rec "$t" loops "$loops"
done
for t in $TARGETS; do
	[ "$t" = auth ] && continue
	stop_tree "${PID[$t]}"	# first, so that the log holds what the daemon says at exit
	cp "$WORK/$t/stderr.log" "$OUT/log-$t.txt" 2> /dev/null
done
exit 0

# tests/integration/mirror/lib_replica.sh - helpers for replicas of one mirror sharing a Redis
# (mirror_replicas.sh, adv_replica.sh). Sourced after lib.sh and lib_mirror.sh. The test sets
# A_ADDR (the address the mirror's certificate names: the one address of the mirror), writes
# $T/a.yaml and $T/b.yaml, and keeps the shared keys in $T/keys.

# start_replica a|b: sets A_HP or B_HP (ADDR:PORT) and A_PID or B_PID.
start_replica() {
	start_mirror "$T/$1.yaml" "mirror-$1" || return 1
	eval "${1^^}_HP=$MIRROR_ADDR:$MIRROR_PORT ${1^^}_PID=$MIRROR_PID"
	wait_until 10 log_has "shared: state read from Redis" "$T/mirror-$1.log"
}
# rcurl a|b PATH [curl args...]: HTTPS to that replica as to the mirror's one address (the
# certificate's), as a load balancer in front of them would route it; pinned to the one CA.
rcurl() {
	local hp=${1^^}_HP path=$2; shift 2
	curl -sS --max-time 10 --cacert "$T/keys/ca.pem" --connect-to "$A_ADDR:443:${!hp}" \
		"$@" "https://$A_ADDR:443$path"
}
get() { rcurl "$1" "$2"; }
post() {	# a|b PATH BODY
	rcurl "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3" -w ' HTTP %{http_code}'
}
lists() { get "$1" /v1/mirrors | grep -q "\"id\":\"$2\""; }
entry() { get "$1" "/v1/mirrors?id=$2"; }
entry_has() { entry "$1" "$2" | grep -Eq -- "$3"; }
health_has() { get "$1" /v1/health | grep -Eq -- "$2"; }
join_body() {	# ID NAME ADDR KEYDIR
	printf '{"version":1,"id":"%s","name":"%s","address":"%s","port":443,"region":"test","ca_pem":%s}' \
		"$1" "$2" "$3" "$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$4/ca.pem")"
}


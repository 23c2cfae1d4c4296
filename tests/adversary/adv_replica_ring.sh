#!/bin/bash
# tests/adversary/adv_replica_ring.sh - the replicas' shared ring of recent client questions
# under attack. Each entry names its own client network, and audits vet what is in the ring:
# whoever writes to Redis or publishes on its channel could fill every replica's ring with
# questions from as many made-up networks as it likes, so that audits never ask the names a
# selective liar lies on. Entries are sealed like peer rows (under a key of their own derived
# from the TLS key file): unsealed ones, ones sealed with another key or with the rows' key,
# and oversize ones are refused, LPUSHed (read at a restart) or PUBLISHed (taken live), and
# counted. Then the same flood sealed with the right key (a replica whose key leaked): the
# entries get in, but once local clients ask, all entries from other replicas together hold
# one share (1/8) of the ring, however many networks they name.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/mirror/lib_replica.sh"
require_progs curl redis-server redis-cli python3
require_mirror
tap_plan 16

PFX=ring:
start_redis || bail_out "cannot start redis-server"
A_ADDR=$(unique_addr) && B_ADDR=$(unique_addr) || bail_out "no address"
mirror_keygen "$T/keys" "$A_ADDR" || bail_out "keygen failed"
shared="shared: { redis: \"$REDIS_UNIX_URL\", prefix: \"$PFX\", timeout: 500ms }
network: { allow_private: true, recent_questions: 64 }"
mirror_conf "$T/a.yaml" "$A_ADDR:0" "127.0.0.1:9" "$T/keys" "$T/state-a" "$shared"
mirror_conf "$T/b.yaml" "$B_ADDR:0" "127.0.0.1:9" "$T/keys" "$T/state-b" "$shared"
start_replica a || bail_out "replica a did not start"
start_replica b || bail_out "replica b did not start"

# ring.py KIND FIRST N [MODE]: N entries (question i.KIND.test., network 10.x.y.0 for i from
# FIRST on) as Redis commands for `redis-cli --pipe`: one LPUSH each (MODE lpush), or
# PUBLISHed as another replica does, at most 60 a message. KIND: unsealed, forged (a random
# key), rowkey (the peer rows' key), sealed (the ring's key: what a replica writes),
# oversize.
cat > "$T/ring.py" <<'EOF'
import hashlib, hmac, os, sys
kind, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mode, prefix = sys.argv[4], sys.argv[5].encode()
pem = open(sys.argv[6], "rb").read()
row_key = hashlib.sha256(b"vantage-mirror replica rows v1\0" + prefix + b"\0" + pem).digest()
ring_key = hmac.new(row_key, b"vantage-mirror replica ring v1", hashlib.sha256).digest()
key = {"forged": os.urandom(32), "rowkey": row_key}.get(kind, ring_key)
def entry(i):
    e = b"1 10.%d.%d.0 %d.%s.test." % (i // 256 % 256, i % 256, i, kind.encode())
    if kind == "oversize":
        e = b"1 - " + b"a" * 2000
    if kind == "unsealed":
        return e
    return b"v1 " + hmac.new(key, e, hashlib.sha256).hexdigest().encode() + b" " + e
def cmd(*args):
    sys.stdout.buffer.write(b"*%d\r\n" % len(args) +
        b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
entries = [entry(i) for i in range(first, first + n)]
if mode == "lpush":
    for e in entries:
        cmd(b"LPUSH", prefix + b"ring", e)
else:
    for k in range(0, n, 60):
        cmd(b"PUBLISH", prefix + b"events", b"ring 0123456789abcdef\n" + b"\n".join(entries[k:k + 60]))
EOF
plant() {	# KIND FIRST N MODE
	python3 "$T/ring.py" "$@" "$PFX" "$T/keys/server.key" | rcli --pipe > /dev/null
}
# The counter NAME in replica R's /v1/health.
counter() { get "$1" /v1/health | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"; }
counter_is() { [ "$(counter "$1" "$2")" = "$3" ]; }

# 1. Planted in the list: b reads the newest recent_questions (64) at its restart, oldest
# first. 651 entries, 10.x.y.0 networks all different; the 64 newest begin with one of each
# kind (the log says 10 lines a minute).
plant rowkey 100 30 lpush
plant forged 100 270 lpush
plant unsealed 100 287 lpush
for kind in oversize rowkey forged unsealed; do plant "$kind" 0 1 lpush; done
plant rowkey 1 20 lpush
plant forged 1 20 lpush
plant unsealed 1 20 lpush
cmp_ok "$(rcli llen "${PFX}ring")" -eq 651 "651 forged entries planted on the ring"
stop_pid "$B_PID" > /dev/null
start_replica b || bail_out "replica b did not restart"
ok "b refuses the unsealed entries" log_has "shared: ring entry skipped: not sealed" "$T/mirror-b.log"
ok "b refuses entries sealed with another key" log_has \
	"shared: ring entry skipped: seal does not match" "$T/mirror-b.log"
ok "b refuses the oversize entry" log_has "shared: ring entry skipped: oversize \(2072 bytes" \
	"$T/mirror-b.log"
like "$(get b /v1/health)" '"invalid":64,' "b counts all 64 it read (the 21 sealed with the rows' key too)"
like "$(get b /v1/health)" '"ring_taken":0,' "b took none of them"
like "$(get b /v1/health)" '"recent":0,"recent_taken":0' "b's ring is empty"

# 2. The same kinds published: a takes announcements live.
rcli del "${PFX}ring" > /dev/null
for kind in oversize rowkey forged unsealed; do plant "$kind" 0 1 publish; done
plant rowkey 1 60 publish
plant forged 1 60 publish
plant unsealed 1 60 publish
ok "a refuses the published ones (184)" wait_until 10 counter_is a invalid 184
ok "... logged" log_has "shared: ring entry skipped: not sealed" "$T/mirror-a.log"
like "$(get a /v1/health)" '"recent":0,"recent_taken":0' "a's ring is empty"

# 3. Sealed with the ring's key (what a replica writes; here a leaked key): taken. An empty
# ring takes any (an idle replica audits with the others' questions): 1020 networks.
plant sealed 0 1020 publish
ok "a takes entries sealed with the ring's key" wait_until 10 counter_is a ring_taken 1020
like "$(get a /v1/health)" '"recent":64,"recent_taken":64' "an empty ring took them all"

# 4. Local clients of 8 networks (127.250.N.0/24) ask 64 questions: their questions take
# the ring back from the other replicas' entries down to one share (64 / 8); the flood that
# goes on meanwhile replaces only its own.
doh_q() {	# NAME: a DoH GET parameter asking NAME/A
	python3 -c 'import base64, struct, sys
q = struct.pack(">HHHHHH", 0, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(l)]) + l.encode() for l in sys.argv[1].split(".")) + b"\0" + struct.pack(">HH", 1, 1)
print(base64.urlsafe_b64encode(q).decode().rstrip("="))' "$1"
}
pids=()
for n in 1 2 3 4 5 6 7 8; do
	for i in 1 2 3 4 5 6 7 8; do
		rcurl a "/dns-query?dns=$(doh_q "q$i.net$n.local.test")" --interface "127.250.$n.1" \
			--max-time 5 -o /dev/null 2> /dev/null &
		pids+=($!)
	done
done
plant sealed 2000 300 publish
wait "${pids[@]}"
ok "the flood went on meanwhile" wait_until 20 counter_is a ring_taken 1320
cmp_ok "$(counter a dns_queries)" -ge 64 "a's clients asked their 64 questions"
ok "other replicas' entries hold at most 8 of the 64" wait_until 10 bash -c \
	"{ $(declare -f rcurl get counter); A_ADDR=$A_ADDR A_HP=$A_HP T=$T; [ \$(counter a recent_taken) -le 8 ]; }"
diag "a's ring: $(get a /v1/health | grep -Eo '"recent":[0-9]+,"recent_taken":[0-9]+')"
ok "both replicas still serve" bash -c "kill -0 $A_PID && kill -0 $B_PID"

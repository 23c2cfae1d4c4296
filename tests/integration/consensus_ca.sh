#!/bin/bash
# tests/integration/consensus_ca.sh - the CA evidence (DESIGN.md section 5, ladder rule 6) with
# real TLS servers: openssl s_server on 443 of addresses in distinct /24s, certificates made
# now from test CAs (a root and its intermediate; another CA; a self-signed leaf). Three
# vantage-mirrors (eu, us, ap) each with its own NSD view of ca.test, where every name points
# at that mirror's own server (a CDN: leaves differ per region, the intermediate does not);
# vantaged's upstream is a fourth view, the local one.
#   (a) cdn: the local address is in no mirror's /24, but serves the intermediate's chain:
#       answered, the pair cached (explain, metrics, the state file), no second probe
#   (b) bank: the local address serves another CA's certificate: REFUSED, EDE, log lines
#   (c) shop: the local address serves a self-signed one: REFUSED
#   (d) tlsa: _443._tcp.tlsa publishes TLSA 2 0 1 (the intermediate); one mirror's view lies
#       (another CA): the consensus holds, the name is answered on the TLSA
#   (e) www.caa: caa.ca.test's CAA permits only other-ca.test; ca_issuers maps the
#       intermediate to test-int.test: REFUSED
#   (f) hist: the state file says the name's CA was another for 40 days: flagged
#   (g) q3: quorum 3 (an override), ap's view has no address for it (NODATA: a minority RCODE
#       dissent, which must not switch the probe off), TLSA agreed, the probe ok: the quorum
#       still fails, so REFUSED, and no pair is stored (it would make the next question agree)
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
require_progs nsd nsd-control dig openssl jq curl sha256sum
require_vantaged
require_mirror
VANTAGECTL=$top_builddir/vantagectl
[ -x "$VANTAGECTL" ] || skip_all "no vantagectl binary at $VANTAGECTL"
[ "$(id -u)" = 0 ] || skip_all "needs root (TLS servers on port 443)"
tap_plan 57

# Addresses for the TLS servers: one /16 each above unique_addr's 127.1-130 range, so that no
# two share a /24 (ladder rule 4 must not hold) and no other suite uses them.
tls_addr() { local n=$(( $$ % 64516 )); echo "127.$(( 131 + $1 )).$(( n / 254 )).$(( n % 254 + 1 ))"; }
L_GOOD=$(tls_addr 0) L_OTHER=$(tls_addr 1) L_SELF=$(tls_addr 2) L_NONE=$(tls_addr 6)
declare -A MSRV=([eu]=$(tls_addr 3) [us]=$(tls_addr 4) [ap]=$(tls_addr 5))

# --- certificates
C=$T/certs
mkdir -p "$C"
ossl() { openssl "$@" > /dev/null 2>> "$C/openssl.log"; }
ext_ca='basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid'
names="agree.ca.test plain.ca.test cdn.ca.test cdn2.ca.test cdn3.ca.test cdn4.ca.test bank.ca.test shop.ca.test tlsa.ca.test www.caa.ca.test hist.ca.test q3.ca.test"
# newkey NAME: an EC P-256 key
newkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$C/$1.key"; }
# ca NAME SUBJECT [ISSUER]: a CA certificate, self-signed without ISSUER
mkca() {
	newkey "$1" || return 1
	if [ -z "${3:-}" ]; then
		ossl req -x509 -new -key "$C/$1.key" -subj "/CN=$2" -days 30 -out "$C/$1.pem" \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
	else
		ossl req -new -key "$C/$1.key" -subj "/CN=$2" -out "$C/$1.csr" &&
		ossl x509 -req -in "$C/$1.csr" -CA "$C/$3.pem" -CAkey "$C/$3.key" -CAcreateserial \
			-days 30 -out "$C/$1.pem" -extfile <(printf '%s\n' "$ext_ca")
	fi
}
# leaf NAME ISSUER DNSNAMES...: a server certificate for the names
mkleaf() {
	local n=$1 is=$2 san; shift 2
	san=$(printf 'DNS:%s,' "$@"); san=${san%,}
	newkey "$n" && ossl req -new -key "$C/$n.key" -subj "/CN=$1" -out "$C/$n.csr" &&
	ossl x509 -req -in "$C/$n.csr" -CA "$C/$is.pem" -CAkey "$C/$is.key" -CAcreateserial -days 30 \
		-out "$C/$n.pem" -extfile <(printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san")
}
fp() { openssl x509 -in "$C/$1.pem" -outform DER | sha256sum | cut -c1-64; }
{
	mkca root "vantage test root" && mkca int "vantage test intermediate" root &&
	mkca other "another CA" &&
	# shellcheck disable=SC2086
	mkleaf good int $names && mkleaf eu int $names && mkleaf us int $names && mkleaf ap int $names &&
	mkleaf bank other bank.ca.test &&
	newkey self && ossl req -x509 -new -key "$C/self.key" -subj /CN=shop.ca.test -days 30 \
		-out "$C/self.pem" -addext "subjectAltName=DNS:shop.ca.test"
} || bail_out "openssl could not make the certificates: $(tail -n 5 "$C/openssl.log")"
FP_INT=$(fp int) FP_OTHER=$(fp other)

# --- the TLS servers: leaf then intermediate, as real servers send them
serve() {	# serve ADDR CERT [CHAIN]
	local chain=()
	[ -n "${3:-}" ] && chain=(-cert_chain "$C/$3.pem")
	spawn "tls-$1" openssl s_server -quiet -accept "$1:443" -cert "$C/$2.pem" -key "$C/$2.key" \
		"${chain[@]}" -www
}
listening() { (exec 3<> "/dev/tcp/$1/443") 2> /dev/null; }
serve "$L_GOOD" good int
serve "$L_OTHER" bank other
serve "$L_SELF" self
for r in eu us ap; do serve "${MSRV[$r]}" "$r" int; done
for a in "$L_GOOD" "$L_OTHER" "$L_SELF" "${MSRV[@]}"; do
	wait_until 10 listening "$a" || bail_out "openssl s_server on $a:443 did not start"
done

# --- the views: every name at the view's own server; the local one poisons bank and shop
view() {	# view NAME ADDR [BANK SHOP TLSA-FP]
	cat > "$T/$1.zone" <<-EOF
	\$TTL 300
	@	IN SOA ns.ca.test. host.ca.test. 1 3600 600 86400 60
	@	IN NS ns.ca.test.
	ns	IN A 192.0.2.53
	cdn	IN A $2
	cdn2	IN A $2
	cdn3	IN A $2
	cdn4	IN A $2
	bank	IN A ${3:-$2}
	shop	IN A ${4:-$2}
	tlsa	IN A $2
	_443._tcp.tlsa IN TLSA 2 0 1 ${5:-$FP_INT}
	$( [ "$1" = ap ] || printf 'q3\tIN A %s' "$2" )
	_443._tcp.q3 IN TLSA 2 0 1 $FP_INT
	www.caa	IN A $2
	caa	IN CAA 0 issue "other-ca.test"
	hist	IN A $2
	down	IN A ${6:-$2}
	agree	IN A $L_GOOD
	plain	IN A $L_GOOD
	EOF
	local a
	a=$(unique_addr) || return 1
	start_nsd "$a" 5300 ca.test "$T/$1.zone" || return 1
	VIEW[$1]=$a:5300
}
view local "$L_GOOD" "$L_OTHER" "$L_SELF" "" "$L_NONE" || bail_out "cannot start the local view"
view eu "${MSRV[eu]}" || bail_out "cannot start the eu view"
view us "${MSRV[us]}" || bail_out "cannot start the us view"
view ap "${MSRV[ap]}" "" "" "$FP_OTHER" || bail_out "cannot start the ap view"	# lies about TLSA

# --- the mirrors: notaries allowed to observe loopback servers
ca_mirror() {	# ca_mirror NAME (= region = view)
	local a
	a=$(unique_addr) || return 1
	mirror_keygen "$T/keys-$1" "$a" "$1" || return 1
	mkdir -p "$T/state-$1"
	cat > "$T/mirror-$1.yaml" <<-EOF
	listen: ["$a:0"]
	name: $1
	tls: { dir: "$T/keys-$1" }
	upstreams: ["${VIEW[$1]}"]
	upstream_timeout: 2s
	region: $1
	state_dir: "$T/state-$1"
	observe: { allow_private: true, timeout: 3s }
	EOF
	start_mirror "$T/mirror-$1.yaml" "mirror-$1" || return 1
	MHP[$1]=$MIRROR_ADDR:$MIRROR_PORT MID[$1]=$KEY_ID MKEYS[$1]=$T/keys-$1 MREGION[$1]=$1
	MPID[$1]=$MIRROR_PID
}
for r in eu us ap; do ca_mirror "$r" || bail_out "mirror $r did not start"; done

# --- (f) prepared: the state file remembers hist.ca.test under another CA, stable 40 days
now=$(date +%s)
hist_hex=$(printf '04686973740263610474657374' ; printf '00')
printf 'vantage-state 3\nh %s %s 0 0 %s 0:%s\n' "$((now - 40 * 86400))" "$now" "$hist_hex" \
	"$FP_OTHER" > "$T/state"

cons_vconf "$T/vd.yaml" mirrors="eu us ap" upstream="${VIEW[local]}" state="$T/state" \
	c.allow_private=true c.probe=on-dissent c.probe_timeout=3s \
	c.overrides="[{ zone: agree.ca.test, probe: always }, { zone: q3.ca.test, quorum: 3 }]" \
	c.ca_issuers="[{ domain: test-int.test, sha256: [\"$FP_INT\"] }, { domain: other-ca.test, sha256: [\"$FP_OTHER\"] }]"
echo "metrics: { listen: \"$(unique_addr):0\" }" >> "$T/vd.yaml"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not start"
SOCK=$T/ctl-vd.sock
jctl() { timeout 30 "$VANTAGECTL" -s "$SOCK" -j "$@"; }
probes() { jctl status | jq -r "[.ca.probes[]] | add"; }

# --- (a) a CDN: no address in common, no /24 in common; the intermediate is
t0=$(now_ms)
out=$(vdig cdn.ca.test A)
ms=$(( $(now_ms) - t0 ))
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "cdn.ca.test A: NOERROR without EDE"
is "$(answer_norm <<< "$out")" "cdn.ca.test. IN A $L_GOOD" "... the local address, though no mirror has it"
diag "first answer with the CA evidence: $ms ms"
ok "the log says the notaries' CA and the probe agreed" log_has \
	'cdn\.ca\.test\.? A: CA evidence \(notary, 1 CA\): ok'
ok "... and the verdict is an agreement by rule ca" log_has \
	'consensus: cdn\.ca\.test\.? A: [23] of 3 mirrors corroborate \(rule ca\)'
st=$(jctl status)
is "$(jq -r '.ca.probes.ok' <<< "$st")" 1 "one probe, ok"
is "$(jq -r '.ca.pairs_stored' <<< "$st")" 1 "one (name, address, CA) pair stored"
p1=$(probes)
out=$(vdig cdn.ca.test A)
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/cdn.ca.test. IN A $L_GOOD" \
	"asked again: the same answer"
e=$(jctl explain cdn.ca.test A)
is "$(jq -r '.verdict.outcome + " " + .verdict.rule' <<< "$e")" "agree ca" \
	"explain (the mirrors asked afresh): agree by rule ca"
is "$(jq -r '.ca.source + " " + .ca.judgement' <<< "$e")" "pair ok" "... on the cached pair"
is "$(jq -r '.ca.probes[0] | .address + " " + .result + " " + (.cached | tostring)' <<< "$e")" \
	"$L_GOOD ok true" "... for the local address, not probed again"
is "$(probes)" "$p1" "no new probe for the second query nor for explain"

# Three CDN names at once: each mirror observes a few targets at a time per client (429
# beyond), so observations run together or wait their turn within the budget
pids=()
for n in 2 3 4; do vdig "cdn$n.ca.test" A > "$T/cdn$n.out" & pids+=($!); done
wait "${pids[@]}"
for n in 2 3 4; do
	is "$(dig_rcode < "$T/cdn$n.out")/$(answer_norm < "$T/cdn$n.out")" \
		"NOERROR/cdn$n.ca.test. IN A $L_GOOD" "cdn2, cdn3 and cdn4 asked at once: cdn$n answered"
done

# --- (b) and (c): a poisoned address serving another CA, and a self-signed one
out=$(vdig bank.ca.test A)
is "$(dig_rcode <<< "$out")" REFUSED "bank.ca.test A (another CA's certificate): REFUSED"
is "$(ede_of <<< "$out")" \
	"0 vantage: local $L_OTHER presents a certificate from a CA the mirrors do not see for bank.ca.test" \
	"... EDE 0 saying why"
ok "... a warning line with the probe outcome" log_has \
	"bank\.ca\.test\.? A: CA evidence \(notary\) dissents: local ${L_OTHER//./\\.} presents"
line=$(grep -m1 '"bank\.ca\.test' "$T/dissent.jsonl")
is "$(jq -r '.action + " " + .ca.judgement + " " + .ca.probes[0].result' <<< "$line" 2>&1)" \
	"refuse dissent other-ca" "... and a dissent log line carrying the probe outcome"
is "$(jq -r '.ca.cas[0]' <<< "$line" 2>&1)" "$FP_INT" "... and the consensus CA (the intermediate)"
out=$(vdig shop.ca.test A)
is "$(dig_rcode <<< "$out")" REFUSED "shop.ca.test A (self-signed): REFUSED"
like "$(ede_of <<< "$out")" "^0 vantage: local ${L_SELF//./\\.} presents a certificate from a CA the mirrors do not see" \
	"... EDE 0 saying why"
is "$(jq -r '.ca.probes["other-ca"]' <<< "$(jctl status)")" 2 "two probes said other-ca"
out=$(vdig bank.ca.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" \
	"REFUSED/0 vantage: local $L_OTHER fails the TLS check against the mirrors' CA" \
	"bank.ca.test again: REFUSED from the verified cache, still saying why"
is "$(jq -r '.ca.probes["other-ca"]' <<< "$(jctl status)")" 2 "... without a new probe"

# --- (d) TLSA 2 0 1 published, one mirror lying about it
out=$(vdig tlsa.ca.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "NOERROR/" "tlsa.ca.test A, one mirror lying about the TLSA: NOERROR"
e=$(jctl explain tlsa.ca.test A)
ok "explain: agree (cached pair from the first answer)" test "$(jq -r .verdict.outcome <<< "$e")" = agree
ok "the first answer was decided on the TLSA consensus" log_has \
	'tlsa\.ca\.test\.? A: CA evidence \(tlsa, 1 CA\): ok'
jctl cache flush tlsa.ca.test > /dev/null
e=$(jctl explain tlsa.ca.test A)
is "$(jq -r '.ca.source + " " + .ca.tlsa + " " + .ca.judgement' <<< "$e")" "tlsa agreed ok" \
	"after a flush: TLSA agreed (the liar outvoted), probe ok"
is "$(jq -r '.ca.consensus_ca | join(" ")' <<< "$e")" "$FP_INT" "... on the intermediate, not the liar's CA"

# --- (e) CAA forbids the issuer the mirrors see
out=$(vdig www.caa.ca.test A)
is "$(dig_rcode <<< "$out")" REFUSED "www.caa.ca.test A (CAA permits only other-ca.test): REFUSED"
is "$(ede_of <<< "$out")" \
	"0 vantage: CAA of www.caa.ca.test forbids test-int.test, the issuer the mirrors see" \
	"... EDE 0 naming the forbidden issuer"
ok "... and a warning line" log_has 'www\.caa\.ca\.test\.? A: CA evidence \(notary\) dissents: CAA of'
e=$(jctl explain cdn.ca.test A)
is "$(jq -r '.verdict.outcome' <<< "$e")" agree "cdn.ca.test (no CAA anywhere above it) stays answered"

# --- no TLS at the local address: the probe proves nothing, the address dissent stands
out=$(vdig down.ca.test A)
like "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" \
	"^REFUSED/0 vantage: [23] of 3 mirrors dissent \\(local ${L_NONE//./\\.}\\)$" \
	"down.ca.test (nothing on 443 locally): REFUSED as the mirrors' dissent says"
e=$(jctl explain down.ca.test A)
is "$(jq -r '.ca.judgement + " " + .ca.probes[0].result' <<< "$e")" "unknown unreachable" \
	"... explain: probe unreachable, judgement unknown"

# --- probe: always (a zone override): agreeing addresses are probed too
e=$(jctl explain agree.ca.test A)
is "$(jq -r '[.verdict.outcome, .verdict.rule, .ca.source, .ca.judgement] | join(" ")' <<< "$e")" \
	"agree equal notary ok" "agree.ca.test (probe: always): equal answers, and the probe ok too"
e=$(jctl explain plain.ca.test A)
is "$(jq -r '.verdict.outcome + " " + (.ca | tostring)' <<< "$e")" "agree null" \
	"plain.ca.test (on-dissent): agreement, no CA evidence asked"

# --- (f) history: the CA changed after 40 stable days
out=$(vdig hist.ca.test A)
is "$(dig_rcode <<< "$out")/$(answer_norm <<< "$out")" "NOERROR/hist.ca.test. IN A $L_GOOD" \
	"hist.ca.test A: answered (the mirrors agree on the new CA)"
is "$(ede_of <<< "$out")" "0 vantage: CA of hist.ca.test changed after 40 days" "... flagged with EDE 0"
ok "... a warning line" log_has 'hist\.ca\.test\.?: the mirrors. CA changed after 40 days'
is "$(jq -r 'select(.name == "hist.ca.test.") | .action' "$T/dissent.jsonl" 2>&1 | head -n 1)" flag \
	"... and a dissent log line (action flag)"
out=$(vdig hist.ca.test A)
is "$(ede_of <<< "$out")" "0 vantage: CA of hist.ca.test changed after 40 days" "still flagged from the cache"
is "$(jq -r '.ca.changes_flagged' <<< "$(jctl status)")" 1 "status counts one CA change flagged"

# --- (g) review findings 9 and 11: the probe proves the address, the quorum still fails
stored=$(jq -r '.ca.pairs_stored' <<< "$(jctl status)")
out=$(vdig q3.ca.test A)
is "$(dig_rcode <<< "$out")" REFUSED "q3 (quorum 3, one mirror NODATA): REFUSED"
ok "... the probe proved the address" log_has 'q3\.ca\.test\.? A: CA evidence \(tlsa, 1 CA\): ok'
is "$(jq -r '.ca.pairs_stored' <<< "$(jctl status)")" "$stored" "... and no pair was stored"
e=$(jctl explain q3.ca.test A)
is "$(jq -r '[.mirrors[] | select(.evidence == "dissents")] | length' <<< "$e") $(jq -r '.ca.judgement + " " + .ca.source + " " + .verdict.outcome' <<< "$e")" \
	"1 ok tlsa dissent" "explain: ap's NODATA dissents, the CA evidence still ran (ok), no pair: dissent"

# --- metrics and persistence
URL=$(sed -n 's|.*metrics: serving \(http://[^ ]*\).*|\1|p' "$VANTAGED_LOG" | head -n 1)
ok "metrics: probes by result" curl -sf --max-time 5 "$URL" -o "$T/metrics.txt"
like "$(grep '^vantaged_ca_probes_total' "$T/metrics.txt")" 'result="ok"\} ([3-9]|[1-9][0-9])' "... ok probes counted"
stop_pid "$VANTAGED_PID"; is "$?" 0 "vantaged stops cleanly (state flushed)"
is "$(head -n 1 "$T/state")" "vantage-state 4" "the state file is version 4"
ok "... and holds the cdn pair with the intermediate" grep -Eq \
	"^p [0-9]+ $(printf '0363646e0263610474657374' ; printf '00') 4 [0-9a-f]{8} 0 $FP_INT\$" "$T/state"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not restart"
e=$(jctl explain cdn.ca.test A)
is "$(jq -r '.verdict.rule + " " + .ca.source' <<< "$e")" "ca pair" "after a restart the pair still decides"
is "$(probes)" 0 "... without a probe"

# --- the pairs alone: verdicts forgotten, every mirror down; cdn's address proved its CA
stop_pid "$VANTAGED_PID"
for r in eu us ap; do stop_pid "${MPID[$r]}"; done
grep -E '^(vantage-state|p |h )' "$T/state" > "$T/state.new" && mv "$T/state.new" "$T/state"
start_vantaged "$T/vd.yaml" || bail_out "vantaged did not restart"
out=$(vdig cdn.ca.test A)
is "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")/$(answer_norm <<< "$out")" \
	"NOERROR//cdn.ca.test. IN A $L_GOOD" "mirrors down, no verdict kept: cdn.ca.test answered at once on its pair"
ok "... as the log says" log_has 'cdn\.ca\.test\.? A: every address has a proven pair: answered without the mirrors'
out=$(vdig bank.ca.test A)
like "$(ede_of <<< "$out")" '^22 vantage: no mirror reachable' "bank.ca.test (no pair): no mirror reachable, EDE 22"


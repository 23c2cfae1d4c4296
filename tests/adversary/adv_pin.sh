#!/bin/bash
# tests/adversary/adv_pin.sh - issue 12 finding 1, the pin bypass. vantaged knows mirrors eu and us
# by their CA's SHA-256 only, so it fetches their CA from /v1/mirrors over an unauthenticated
# connection. The attacker, on the path to both, answers with its own server (its own CA) and a
# /v1/mirrors whose ca_pem is the genuine CA followed by the attacker's CA: the first certificate
# hashes to the pin. Old code then trusted both certificates, the attacker's "eu" and "us"
# relayed the lying resolver's answer, and 2 of 3 mirrors "corroborated" the poisoned name. Now
# such a PEM is refused (exactly one certificate), the pin fails with a clear log line, the
# attacker is never asked a question, and its address reaches neither glibc nor dig. The same
# PEM in a /v1/join to a genuine mirror is refused too, and in vantaged's own configuration.
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require python3
tap_plan 16

liar_begin
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
liar_honest pin.adv.test. A "pin.adv.test. 300 IN A $EVIL"
liar_start || bail_out "cannot start the lying resolver"

# The honest world: adv.test on NSD, mirrors eu, us, ap (ap accepts joins from loopback, so
# that only the PEM check can refuse the forged join below).
a=$(unique_addr) || bail_out "no address"
start_nsd "$a" 5300 "$ADV_ZONE" "$top_srcdir/tests/adversary/zones/adv.test.zone" ||
	bail_out "cannot start NSD"
VIEW[honest]=$a:5300
cons_mirror eu eu honest || bail_out "cannot start mirror eu"
cons_mirror us us honest || bail_out "cannot start mirror us"
cons_mirror ap ap honest "network: { allow_private: true }" || bail_out "cannot start mirror ap"

# The attacker: a CA of its own, and a /v1/mirrors naming eu and us by their genuine ids with
# ca_pem = genuine CA + attacker's CA.
mirror_keygen "$T/keys-evil" 127.0.0.1 zz || bail_out "keygen for the attacker failed"
cat "${MKEYS[eu]}/ca.pem" "$T/keys-evil/ca.pem" > "$T/eu-evil.pem"
cat "${MKEYS[us]}/ca.pem" "$T/keys-evil/ca.pem" > "$T/us-evil.pem"
ha1=$(unique_addr) && ha2=$(unique_addr) || bail_out "no address"
cat > "$T/evil-mirrors.json" <<EOF
{"version":1,"mirrors":[
 {"id":"${MID[eu]}","name":"eu","address":"$ha1","port":443,"region":"eu","state":"self",
  "ca_pem":$(hostile_pem_json "$T/eu-evil.pem")},
 {"id":"${MID[us]}","name":"us","address":"$ha2","port":443,"region":"us","state":"active",
  "ca_pem":$(hostile_pem_json "$T/us-evil.pem")}]}
EOF
hostile_mirror evil "$T/keys-evil" "$T/evil-mirrors.json" "$ha1" "$ha2" ||
	bail_out "cannot start the hostile mirror"

# vantaged reaches "eu" and "us" at the attacker's addresses (it is on the path), ap directly.
# on_insufficient: refuse, because what is under test here is the pin: with eu and us failing
# their pins, the shipped fail-open default would serve the lie flagged with EDE 23 (issue 12
# finding 9, tested on its own).
cons_vconf "$T/vd.yaml" listen="$(unique_addr):53" upstream="$LIAR" learn=false \
	mirrors="eu@${HOSTILE_HP[0]} us@${HOSTILE_HP[1]} ap" c.bypass="[home.arpa, local, lan]" \
	c.allow_private=true c.on_insufficient=refuse || bail_out "cannot write the vantaged config"
start_vantaged "$T/vd.yaml" || bail_out "cannot start vantaged"
L=$VANTAGED_ADDR
printf 'nameserver %s\noptions timeout:3 attempts:1\n' "$L" > "$T/resolv.conf"
printf 'hosts: files dns\n' > "$T/nsswitch.conf"

out=$(adv_dig pin.adv.test A)
diag "pin.adv.test: $(dig_rcode <<< "$out") EDE $(ede_of <<< "$out")"
ok "the pin of eu fails: its CA PEM holds a second certificate" wait_until 15 log_has \
	"mirror eu \(${HOSTILE_HP[0]}\): certificate does not chain to the pinned CA \(.*more than one PEM block"
ok "the pin of us fails likewise" wait_until 15 log_has \
	"mirror us \(${HOSTILE_HP[1]}\): certificate does not chain to the pinned CA \(.*more than one PEM block"
ok "ap's genuine single-certificate PEM still passes its pin" wait_until 15 log_has \
	"mirror ap \(${MHP[ap]}\): CA fetched from /v1/mirrors, SHA-256 matches the pin"
nok "vantaged never trusted the attacker's CA for eu or us" log_has \
	"mirror (eu|us) .*CA fetched from /v1/mirrors"
# EDE 23 when the verdict is insufficient (two pins failed); EDE 0 when ap's dissent is in
# first, since one dissent among failures is a dissent (consensus_outcome)
like "$(dig_rcode <<< "$out")/$(ede_of <<< "$out")" "^(SERVFAIL|REFUSED)/(23|0) " \
	"the poisoned name is not served: refused, with EDE 23 (pin failures) or 0 (ap dissents)"
nok "no quorum of mirrors corroborates the poisoned name" log_has \
	"pin\\.adv\\.test\\. A: [23] of 3 mirrors corroborate"
nok "the attacker's server was never asked a DoH question" grep -q "dns-query" "$T/evil.log"
nok "the attacker's address reaches neither glibc nor dig" adv_evil_reached pin.adv.test
out=$(adv_dig www.adv.test A)
unlike "$(adv_dig www.adv.test A +short)" "127\\.201\\." "an honest name still carries no attacker data"

# /v1/join to the genuine mirror ap: us's id, the attacker's address, us's CA + the attacker's.
cat > "$T/join.json" <<EOF
{"version":1,"id":"${MID[us]}","name":"us","address":"$ha2","port":${HOSTILE_HP[1]##*:},
 "region":"us","ca_pem":$(hostile_pem_json "$T/us-evil.pem")}
EOF
resp=$(curl -sS --max-time 10 --cacert "${MKEYS[ap]}/ca.pem" -H 'Content-Type: application/json' \
	--data-binary @"$T/join.json" -w ' HTTP %{http_code}' "https://${MHP[ap]}/v1/join")
like "$resp" "HTTP 400$" "a /v1/join whose ca_pem adds the attacker's CA is refused (400)"
like "$resp" "ca_pem: more than one PEM block" "... saying why"
nok "ap took no candidate from it" log_has "join: candidate" "$T/mirror-ap.log"
unlike "$(curl -sS --max-time 10 --cacert "${MKEYS[ap]}/ca.pem" "https://${MHP[ap]}/v1/mirrors")" \
	"$ha2" "ap does not list the attacker's address"

# /v1/mirrors?id=: the one entry a CA fetch needs (a long list must not be the price of a CA).
like "$(curl -sS --max-time 10 --cacert "${MKEYS[ap]}/ca.pem" "https://${MHP[ap]}/v1/mirrors?id=${MID[ap]}")" \
	"^\{\"version\":1,\"mirrors\":\[\{\"id\":\"${MID[ap]}\"[^]]*\"state\":\"self\"[^]]*\]\}" \
	"/v1/mirrors?id= lists that one entry"
like "$(curl -sS --max-time 10 --cacert "${MKEYS[ap]}/ca.pem" -w ' %{http_code}' "https://${MHP[ap]}/v1/mirrors?id=nothex")" \
	"bad-request.* 400$" "... and refuses an id that is not 64 hex digits"

# The same PEM in vantaged's own configuration: refused at start with the reason.
sed -e "s|ca_sha256: \"${MID[eu]}\" }|ca_sha256: \"${MID[eu]}\", ca_pem: $(hostile_pem_json "$T/eu-evil.pem") }|" \
	-e "s|^listen: .*|listen: [\"$(unique_addr):0\"]|" -e "s|ctl-vd.sock|ctl-vd-pem.sock|" \
	"$T/vd.yaml" > "$T/vd-pem.yaml"
like "$(timeout 10 "$VANTAGED" -d -c "$T/vd-pem.yaml" 2>&1)" \
	"ca_pem: CA PEM rejected: more than one PEM block" \
	"vantaged refuses to start with a configured ca_pem holding a second certificate"

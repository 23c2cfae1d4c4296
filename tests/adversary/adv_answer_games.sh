#!/bin/bash
# tests/adversary/adv_answer_games.sh - what a careful lying resolver tries once plain lies are
# refused: records beside an honest answer (DNAME, wildcard owners, other owners, other types),
# authority and additional sections, case and TTL games, truncation then a different TCP answer,
# NXDOMAIN and error RCODEs carrying data, and answers for another question.  Every attack ends
# with glibc (getent) and dig: no 127.201/16 address reaches the client in any section, while the
# honest part of each answer still does.  Shipped defaults (enforce, refuse, probe on-dissent),
# allow_private: true (see lib_adversary.sh).
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require

SOA="adv.test. 300 IN SOA ns1.adv.test. hostmaster.adv.test. 1 3600 900 604800 30"
EVILSOA="evil.test. 300 IN SOA ns.evil.test. h.evil.test. 1 3600 900 604800 30"
liar_begin
# 1. DNAME: the zone redirected, the synthesised CNAME leading to the attacker
liar_entry t1.adv.test. A
liar_rr ANSWER "adv.test. 300 IN DNAME evil.test."
liar_rr ANSWER "t1.adv.test. 300 IN CNAME t1.evil.test."
liar_rr ANSWER "t1.evil.test. 300 IN A $EVIL"
liar_end
# 2. the honest address plus a DNAME riding along
liar_entry t2.adv.test. A
liar_rr ANSWER "t2.adv.test. 300 IN A 127.200.1.2"
liar_rr ANSWER "adv.test. 300 IN DNAME evil.test."
liar_end
# 3. the honest answer, with the attacker's records in authority and additional
liar_entry t3.adv.test. A
liar_rr ANSWER "t3.adv.test. 300 IN A 127.200.1.3"
liar_rr AUTHORITY "adv.test. 300 IN NS ns.evil.test."
liar_rr ADDITIONAL "ns.evil.test. 300 IN A $EVIL"
liar_rr ADDITIONAL "www.adv.test. 300 IN A $EVIL2"
liar_end
liar_honest www.adv.test. A "www.adv.test. 300 IN A 127.200.0.10"
# 4. case games: the honest answer in another case; the attacker's record in a third case
liar_honest t4.adv.test. A "T4.AdV.TeSt. 300 IN A 127.200.1.4"
liar_entry t5.adv.test. A
liar_rr ANSWER "t5.adv.test. 300 IN A 127.200.1.5"
liar_rr ANSWER "T5.ADV.TEST. 300 IN A $EVIL"
liar_end
# 6. TTL games: an honest address with the largest TTL; a lie hidden behind TTL 0
liar_honest t6.adv.test. A "t6.adv.test. 4294967295 IN A 127.200.1.6"
liar_entry t7.adv.test. A
liar_rr ANSWER "t7.adv.test. 300 IN A 127.200.1.7"
liar_rr ANSWER "t7.adv.test. 0 IN A $EVIL"
liar_end
# 8. wildcard owners: a literal wildcard record alone, and beside the honest answer
liar_honest t8.adv.test. A "*.adv.test. 300 IN A $EVIL"
liar_entry t9.adv.test. A
liar_rr ANSWER "t9.adv.test. 300 IN A 127.200.1.9"
liar_rr ANSWER "*.adv.test. 300 IN A $EVIL"
liar_end
# 10. truncation: the honest answer truncated over UDP, a lie over TCP
LIAR_MATCH=UDP liar_entry t10.adv.test. A "QR TC RD RA"
liar_end
LIAR_MATCH=TCP liar_honest t10.adv.test. A "t10.adv.test. 300 IN A $EVIL"
# 11. the reverse: a truncated UDP answer carrying the attacker's data, honest over TCP
LIAR_MATCH=UDP liar_entry t11.adv.test. A "QR TC RD RA"
liar_rr ANSWER "t11.adv.test. 300 IN A $EVIL"
liar_end
LIAR_MATCH=TCP liar_honest t11.adv.test. A "t11.adv.test. 300 IN A 127.200.1.11"
# 12. NXDOMAIN carrying data, for a name that exists and for one that does not
liar_entry t12.adv.test. A "QR RD RA" NXDOMAIN
liar_rr ANSWER "t12.adv.test. 300 IN A $EVIL"
liar_rr AUTHORITY "$SOA"
liar_end
liar_entry nx1.adv.test. A "QR RD RA" NXDOMAIN
liar_rr ANSWER "nx1.adv.test. 300 IN A $EVIL"
liar_rr AUTHORITY "$SOA"
liar_rr ADDITIONAL "www.adv.test. 300 IN A $EVIL2"
liar_end
# 13. NODATA for a name without AAAA... carrying an A record and a foreign SOA
liar_entry nx2.adv.test. A "QR RD RA" NXDOMAIN
liar_rr AUTHORITY "$EVILSOA"
liar_end
# 14. error RCODEs carrying data
liar_entry t14.adv.test. A "QR RD RA" NOTIMPL
liar_rr ANSWER "t14.adv.test. 300 IN A $EVIL"
liar_end
liar_entry t15.adv.test. A "QR RD RA" SERVFAIL
liar_rr ANSWER "t15.adv.test. 300 IN A $EVIL"
liar_end
liar_entry t16.adv.test. A "QR RD RA" YXDOMAIN
liar_rr ANSWER "t16.adv.test. 300 IN A $EVIL"
liar_end
# 17. an answer for another question, and the right question answered for another owner
liar_entry t17.adv.test. A "QR RD RA" NOERROR www.adv.test. A
liar_rr ANSWER "www.adv.test. 300 IN A $EVIL"
liar_end
liar_honest t18.adv.test. A "www.adv.test. 300 IN A $EVIL"
# 19. a CNAME owned by an unrelated name, beside the honest answer
liar_entry t19.adv.test. A
liar_rr ANSWER "t19.adv.test. 300 IN A 127.200.1.19"
liar_rr ANSWER "www.adv.test. 300 IN CNAME t20.evil.test."
liar_rr ANSWER "t20.evil.test. 300 IN A $EVIL"
liar_end
# 20. records of another type in the answer section
liar_entry t20.adv.test. A
liar_rr ANSWER "t20.adv.test. 300 IN A 127.200.1.20"
liar_rr ANSWER "t20.adv.test. 300 IN AAAA $EVIL6"
liar_end
liar_start || bail_out "cannot start the lying resolver"
adv_world || bail_out "cannot build the world"

rcode_of() { adv_dig "$1" "${2:-A}" | dig_rcode; }
answer_of() { adv_dig "$1" "${2:-A}" +noall +answer | awk '{ print $1, $4, $5 }' | sort; }

# --- attacks that must be refused outright: the local answer is not the honest one
for n in t1 t8 t10 t12 t18; do
	nok "$n: no attacker address reaches glibc or dig" adv_evil_reached $n.adv.test
	is "$(rcode_of $n.adv.test)" "REFUSED" "$n: REFUSED"
done
# --- the honest part of the answer is served, and only it
for n in t2 t3 t9 t19 t20; do
	nok "$n: no attacker address reaches glibc or dig" adv_evil_reached $n.adv.test
	is "$(answer_of $n.adv.test)" "$n.adv.test. A 127.200.1.${n#t}" "$n: the honest record alone"
done
is "$(adv_dig t2.adv.test A +noall +answer | grep -c DNAME)" 0 "t2: no DNAME served"
is "$(adv_dig t3.adv.test A +noall +authority | grep -c evil)" 0 "t3: no NS from the attacker in authority"
is "$(adv_getent www.adv.test)" "127.200.0.10" "t3's additional did not poison www"
# --- case: an honest answer in another case is the honest answer, in the client's case
is "$(answer_of t4.adv.test)" "t4.adv.test. A 127.200.1.4" "t4: the honest answer in the client's case"
for n in t5 t7; do
	nok "$n: the attacker's record beside the honest one reaches nobody" adv_evil_reached $n.adv.test
done
# --- TTL: an absurd TTL is clamped to the configured maximum (cache.max_ttl, 86400 here);
# above 2^31 - 1 it counts as 0 (RFC 2181 section 8)
ttl=$(adv_dig t6.adv.test A +noall +answer | awk '{ print $2; exit }')
ok "t6: TTL 4294967295 is served as at most 86400 (got $ttl)" test "${ttl:-999999}" -le 86400
# --- truncation: a lie over TCP after an honest truncated UDP answer is refused; data in a
# truncated UDP answer is never used
nok "t11: the truncated UDP answer's data reaches nobody" adv_evil_reached t11.adv.test
is "$(answer_of t11.adv.test)" "t11.adv.test. A 127.200.1.11" "t11: the honest TCP answer"
# --- NXDOMAIN and error RCODEs carry no data to the client
nok "nx1: NXDOMAIN carrying an A record reaches nobody with it" adv_evil_reached nx1.adv.test
is "$(adv_dig nx1.adv.test A | sed -n 's/.*ANSWER: \([0-9]*\),.*/\1/p')" 0 "nx1: no answer records"
is "$(adv_dig nx2.adv.test A +noall +authority | grep -c evil)" 0 "nx2: no foreign SOA in authority"
for n in t14 t15 t16; do
	nok "$n: an error RCODE carrying an A record reaches nobody with it" adv_evil_reached $n.adv.test
	is "$(rcode_of $n.adv.test)" "SERVFAIL" "$n: SERVFAIL"
done
# --- another question
nok "t17: an answer to another question reaches nobody" adv_evil_reached t17.adv.test
# vantaged drops the mismatched answer and waits out the upstream: give dig the time it takes
like "$(adv_dig t17.adv.test A +time=8 | dig_rcode)" "^(SERVFAIL|REFUSED)$" "t17: SERVFAIL or REFUSED"
is "$(adv_getent www.adv.test)" "127.200.0.10" "www is still the honest address"
ok "vantaged is still running" alive "$VANTAGED_PID"
done_testing

#!/bin/bash
# tests/adversary/adv_flags.sh - trust bits and flags (issue 12, finding 7).  AD set by the lying
# resolver never reaches a client (vantaged does not validate DNSSEC: with glibc's trust-ad an
# AD bit makes SSHFP records a host-key MITM); a CD=1 question is never merged with a CD=0 one;
# refusals by the ACL count against the rate limit like answers (a reflector wants REFUSED too).
. "${top_srcdir:?}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/mirror/lib_mirror.sh"
. "$top_srcdir/tests/integration/consensus/lib_consensus.sh"
. "$top_srcdir/tests/adversary/lib_adversary.sh"
adv_require
tap_plan 13

liar_begin
liar_entry www.adv.test. A "QR RD RA AD"
liar_rr ANSWER "www.adv.test. 300 IN A 127.200.0.10"
liar_end
liar_entry txt.adv.test. TXT "QR RD RA AD"
liar_rr ANSWER 'txt.adv.test. 300 IN TXT "honest view"'
liar_end
# t8 answers after a second: long enough for a second client to ask while the first waits.
liar_entry t8.adv.test. A "QR RD RA AD"
echo "ADJUST sleep=1" >> "$LIAR_DATA"
liar_rr ANSWER "t8.adv.test. 300 IN A 127.200.1.8"
liar_end
LIAR_OPTS=-v liar_start || bail_out "cannot start the lying resolver"
# t8 answers after a second, serially: the CD=1 question queues behind the CD=0 one and its
# retries, so give the upstream time (the default 2 s made this check depend on the load)
adv_world upstream_timeout=6s || bail_out "cannot build the world"
VD_LOGS=("$VANTAGED_LOG")

has_ad() { [[ " $(dig_flags <<< "$1") " == *" ad "* ]]; }

out=$(adv_dig www.adv.test A +adflag)
is "$(dig_rcode <<< "$out")" NOERROR "AD from the liar: the checked answer is served"
nok "... without AD to a client that set AD (trust-ad)" has_ad "$out"
out=$(adv_dig www.adv.test A +dnssec)
nok "... nor to a DO client" has_ad "$out"
out=$(adv_dig www.adv.test A +adflag)
nok "... nor from the cache" has_ad "$out"
out=$(adv_dig txt.adv.test TXT +adflag)
is "$(dig_rcode <<< "$out")" NOERROR "an unchecked type is forwarded"
nok "... without the liar's AD" has_ad "$out"

# CD: a CD=0 client asks t8; while vantaged waits for the liar, a CD=1 client asks the same.
# The liar must see a CD=1 question of its own: merged, the CD=1 client would get the CD=0
# answer (and, the other way round, a CD=0 client an answer nobody validated).
t8_queries() {
	awk -v want="$1" '/^query [0-9]+:.* t8\.adv\.test\./ { q = 1; next }
		q && /^;; flags:/ { q = 0; cd = / cd /; if ((want == "cd") == cd) n++ }
		END { print n + 0 }' "$T/liar.log"
}
adv_dig t8.adv.test A +noadflag +time=8 > "$T/cd0.out" &
p0=$!
wait_until 10 sh -c "[ \"\$(awk '/^query [0-9]+:.* t8\\.adv\\.test\\./' '$T/liar.log' | wc -l)\" -ge 1 ]" ||
	diag "the liar never saw t8"
adv_dig t8.adv.test A +cd +time=8 > "$T/cd1.out" &
p1=$!
wait "$p0" "$p1"
is "$(dig_rcode < "$T/cd0.out")/$(dig_rcode < "$T/cd1.out")" "NOERROR/NOERROR" \
	"CD=0 and CD=1 clients asking at once both get an answer"
cmp_ok "$(t8_queries cd)" -ge 1 "... the CD=1 question reaches the upstream as such (not merged)"
cmp_ok "$(t8_queries nocd)" -ge 1 "... and so does the CD=0 one"
like "$(dig_flags < "$T/cd1.out")" "cd" "... the CD=1 client's answer says CD"

# Refusals are rate limited: a client the ACL refuses, 1 q/s with a burst of 3, twelve
# questions at once: at most the burst plus what refilled meanwhile are answered.
BAD=$(unique_addr)
vantaged_conf "$T/rl.yaml" upstream="$LIAR" extra="acl:
  - { from: 127.0.0.1/32, action: allow }
  - { from: $BAD/32, action: refuse }
ratelimit: { qps: 1, burst: 3 }"
start_vantaged "$T/rl.yaml" || bail_out "vantaged did not start with an ACL"
VD_LOGS+=("$VANTAGED_LOG")
out=$(timeout 10 dig -b "$BAD" @"$VANTAGED_ADDR" -p "$VANTAGED_PORT" +tries=1 +time=1 www.adv.test A)
like "$out" "status: REFUSED.*|EDE: 18" "the ACL refuses the client (EDE 18)"
pids=()
t0=$(now_ms)
for i in $(seq 1 12); do
	timeout 10 dig -b "$BAD" @"$VANTAGED_ADDR" -p "$VANTAGED_PORT" +tries=1 +time=1 \
		"n$i.adv.test" A > "$T/rl.$i" 2>&1 &
	pids+=($!)
done
t1=$(now_ms)
wait "${pids[@]}"
answered=$(grep -l "status: REFUSED" "$T"/rl.* | wc -l)
limit=$((3 + (t1 - t0 + 999) / 1000 + 1))
cmp_ok "$answered" -le "$limit" "refusals beyond the rate limit are dropped ($answered of 12 refused, at most $limit)"
unlike "$(cat "${VD_LOGS[@]}")" "(AddressSanitizer|runtime error:)" "no sanitizer report"

# tests/adversary/local.mk - the attacker's suite (issue "Verdicts that are evidence"): a lying
# resolver (ldns-testns datafiles), forged and hostile mirrors, floods.  Each script is one
# finding or one attack family; lib_adversary.sh builds the world.  They need the binaries and
# test tools of the other fragments: vantaged, vantage-mirror, doh_client, dnsjunk.
ADVERSARY_TESTS = \
	tests/adversary/adv_smoke.sh \
	tests/adversary/adv_answer_games.sh \
	tests/adversary/adv_ladder.sh \
	tests/adversary/adv_sticky.sh \
	tests/adversary/adv_workers.sh \
	tests/adversary/adv_portal.sh \
	tests/adversary/adv_private.sh \
	tests/adversary/adv_stale.sh \
	tests/adversary/adv_prefetch.sh \
	tests/adversary/adv_handshake.sh \
	tests/adversary/adv_served.sh \
	tests/adversary/adv_flags.sh \
	tests/adversary/adv_audit_flood.sh \
	tests/adversary/adv_observe.sh \
	tests/adversary/adv_pin.sh \
	tests/adversary/adv_slowloris.sh \
	tests/adversary/adv_stall.sh \
	tests/adversary/adv_webpki_mitm.sh \
	tests/adversary/adv_monitor_join.sh \
	tests/adversary/adv_refused_ttl.sh \
	tests/adversary/adv_h2_hostile.sh \
	tests/adversary/adv_h2_flood.sh \
	tests/adversary/adv_h2_reset.sh \
	tests/adversary/adv_workers_flood.sh \
	tests/adversary/adv_redis_hostile.sh \
	tests/adversary/adv_redis_shapes.sh \
	tests/adversary/adv_replica.sh \
	tests/adversary/adv_replica_stale.sh \
	tests/adversary/adv_replica_notices.sh \
	tests/adversary/adv_replica_huge.sh \
	tests/adversary/adv_replica_ring.sh
TESTS += $(ADVERSARY_TESTS)
EXTRA_DIST += $(ADVERSARY_TESTS) \
	tests/adversary/lib_adversary.sh \
	tests/adversary/hostile_mirror.py \
	tests/adversary/hostile_redis.py \
	tests/adversary/dribbler.py \
	tests/adversary/hostile_body.py \
	tests/adversary/hostile_h2.py \
	tests/adversary/h2attack.py \
	tests/adversary/loopwatch.py \
	tests/adversary/workers_flood.py \
	tests/adversary/freeze_thread.py \
	tests/adversary/slow_eventfd.c \
	tests/adversary/zones/adv.test.zone

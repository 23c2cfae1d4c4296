/* mirror/replay.h - which client questions are fit to judge peers with, and how to judge. */
#ifndef VANTAGE_MIRROR_REPLAY_H
#define VANTAGE_MIRROR_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "dnswire.h"
#include "http.h"
#include "mirror_config.h"
#include "netaddr.h"
#include "qring.h"

/* Questions fit to replay, and rejected ones, remembered: apart, so that a flood of
 * rejected names cannot evict the fit ones. The oldest verdict of a kind goes first. */
#define REPLAY_STABLE_MAX 64
#define REPLAY_REJECT_MAX 256
/* The part of the ring (1/N) one client network may hold (qring.h). */
#define REPLAY_RING_SHARE QRING_SHARE
/* Questions being vetted at once, and started per verify interval: bounded work. */
#define REPLAY_VET_MAX 4
#define REPLAY_VET_PER_TICK 2
/* Other mirrors asked the question while it is vetted. */
#define REPLAY_WITNESSES 3
/* An answer kept for less than this (seconds) may change between two askers. */
#define REPLAY_MIN_TTL 30
/* The two own lookups of a question are at least this far apart (ms). */
#define REPLAY_GAP_MS 1000
/* A vetted question is trusted this long (ms), then vetted again if still asked. */
#define REPLAY_STABLE_MS (10 * 60 * 1000)
/* A rejected one is not vetted again for this long (ms): a flood costs one vetting. */
#define REPLAY_REJECT_MS (10 * 60 * 1000)

/*
 * A dissent is confirmed before it counts (replay_confirm): up to REPLAY_WITNESSES other
 * mirrors (never the peer under audit) are asked again, and at least this many of them
 * must agree with our fresh answer.
 */
#define REPLAY_CONFIRM_QUORUM 2
/*
 * Confirmed dissents one registrable domain may add to one peer's record per window
 * (replay_domain_charge). One, because an outsider's own zone can show one mirror a view
 * of its own (told apart by the address asking) that no witness sees: from the network's
 * side that is exactly a liar, so one zone must not be enough to remove a mirror; a
 * mirror that lies is removed for lies across many domains.
 */
#define REPLAY_DOMAIN_DISSENTS 1
/*
 * The window (ms; at least network.audit_period) of the reputation record, which starts
 * votes. Long, so that one zone adds one bad mark now and then among a peer's many
 * replays, never half of them. The counts of an audit or a trial are not capped: they
 * must fill within one audit period, and a liar lies on few domains there.
 */
#define REPLAY_DOMAIN_WINDOW_MS (10 * 60 * 1000)
/* Peer and domain pairs tallied at once; the oldest window makes room. */
#define REPLAY_DOMAIN_SLOTS 512

struct peers;
struct replay;
struct resolve;

/* What the replay pool works with: the configuration slot, then services. */
struct replay_env {
	struct mirror_config *const *cfg;	/* the mirror's current-config slot (reloads swap it) */
	struct resolve *resolve;		/* our own lookups of a question being vetted */
	struct peers *peers;			/* the witnesses asked while vetting */
};

/* How a peer's answer compares with ours. */
enum replay_judgement {
	REPLAY_AGREE,
	REPLAY_DISSENT,
	REPLAY_UNUSABLE		/* one of the answers cannot be compared */
};

/*
 * replay_new - the ring of recent client questions (network.recent_questions) and the pool
 * of those vetted as fit to replay; env is copied. Free it before env->peers: witness
 * answers in flight then find no vetting to land in. NULL on allocation failure.
 */
struct replay *replay_new(const struct replay_env *env);

/* replay_free - cancels every vetting in flight; accepts NULL. */
void replay_free(struct replay *rp);

/* replay_reconfigure - resize the ring after a reload (the ring is emptied when it changes). */
void replay_reconfigure(struct replay *rp);

/*
 * replay_note - remember a question a client (may be NULL) asked: a candidate, never
 * replayed unvetted. One client network (an IPv4 /24, an IPv6 /48) holds at most
 * REPLAY_RING_SHARE of the ring: past it, its own oldest question makes room, so a flood
 * from a few networks cannot push everyone else's questions out.
 */
void replay_note(struct replay *rp, const struct dnsq *q, const struct netaddr *client);

/*
 * replay_take - the same for a question a client asked another replica of this mirror
 * (its network is what Redis says): all such entries together hold at most
 * REPLAY_RING_SHARE of a full ring, each network REPLAY_RING_SHARE of that, so that the
 * other replicas (or whoever writes to Redis) cannot push this mirror's own clients'
 * questions out of the ring audits vet from.
 */
void replay_take(struct replay *rp, const struct dnsq *q, const struct netaddr *client);

/*
 * replay_tick - one verify interval at now (monotonic ms): expire old verdicts, advance
 * the vettings in flight and start up to REPLAY_VET_PER_TICK new ones. A question is
 * fit to replay only when our own two lookups, REPLAY_GAP_MS apart, gave equal answers
 * with a TTL of REPLAY_MIN_TTL or more, and the other mirrors asked (witnesses) show
 * that our answer is not ours alone: at least one corroborates it and no more dissent
 * than corroborate. That keeps out what an outsider can make differ between honest
 * mirrors: answers that change in time (TTL 0, random) and answers that depend on who
 * asks (whoami names, per-region data).
 */
void replay_tick(struct replay *rp, uint64_t now);

/* replay_ring_held - ring entries from client's network (NULL: no known address), local. */
size_t replay_ring_held(const struct replay *rp, const struct netaddr *client);

/* replay_ring_count - questions in the ring. */
size_t replay_ring_count(const struct replay *rp);

/* replay_ring_taken - ring entries taken from the other replicas (replay_take). */
size_t replay_ring_taken(const struct replay *rp);

/* replay_count - questions currently fit to replay. */
size_t replay_count(const struct replay *rp);

/* replay_pick - a random question fit to replay into q (flags RD); 0, or -1 when none. */
int replay_pick(struct replay *rp, struct dnsq *q);

/*
 * replay_judge - whether a peer's answer (peer, plen) to q is corroborated by ours
 * (own, olen) on the consensus ladder (resolver/consensus.c): everything the peer
 * claims must be backed by what we saw, not be byte-equal to it. allow_private lets
 * loopback and private addresses count (test networks). Pure.
 */
enum replay_judgement replay_judge(const struct dnsq *q, const uint8_t *own, size_t olen,
    const uint8_t *peer, size_t plen, int allow_private);

/*
 * replay_confirm - a peer's answer (peer, plen) dissented from ours; is that confirmed?
 * own is our fresh answer (asked again after the dissent), wit[0..nwit) with wlen the
 * answers the other mirrors gave to the same question at the same time (NULL: none),
 * never including the peer under audit. Returns REPLAY_DISSENT when the peer still
 * dissents from our fresh answer, at least REPLAY_CONFIRM_QUORUM witnesses (all of them
 * when fewer were asked, and at least one) agree with it, more agree than dissent, and
 * no witness backs the peer's answer: the peer is the odd one out. REPLAY_AGREE when the
 * peer now agrees with our fresh answer; REPLAY_UNUSABLE otherwise (the answer depends
 * on who asks or when: the question is not fit to judge by). Pure.
 */
enum replay_judgement replay_confirm(const struct dnsq *q, const uint8_t *own, size_t olen,
    const uint8_t *peer, size_t plen, const uint8_t *const *wit, const size_t *wlen,
    size_t nwit, int allow_private);

/*
 * replay_domain_charge - whether a confirmed dissent of the peer id on q may count in
 * its reputation at now (monotonic ms): at most REPLAY_DOMAIN_DISSENTS per registrable
 * domain of q's name (approximated by its last two labels; we do not know zone cuts)
 * per window (REPLAY_DOMAIN_WINDOW_MS). Returns 1 and charges the domain, or 0 when its
 * share is used.
 */
int replay_domain_charge(struct replay *rp, const uint8_t *id, const struct dnsq *q,
    uint64_t now);

/*
 * replay_doh_answer - whether resp is a DoH answer (200, application/dns-message, a DNS
 * response) to q: what a peer asked a question over /dns-query must send back. Pure.
 */
int replay_doh_answer(const struct http_response *resp, const struct dnsq *q);

/*
 * replay_reject - q turned out unfit to judge by (a dissent not confirmed): out of the
 * questions fit to replay, and not vetted again for REPLAY_REJECT_MS from now.
 */
void replay_reject(struct replay *rp, const struct dnsq *q, uint64_t now);

#endif

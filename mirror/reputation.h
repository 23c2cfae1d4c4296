/* mirror/reputation.h - what this mirror thinks of each peer; shared by its replicas only. */
#ifndef VANTAGE_MIRROR_REPUTATION_H
#define VANTAGE_MIRROR_REPUTATION_H

#include <stddef.h>
#include <stdint.h>

#include "mirror_config.h"
#include "tls.h"

#define REPUTATION_FILE "reputation.json"
/* Replays remembered one by one for the "recently bad" test (a bit each). */
#define REP_HISTORY 32

/* How one replayed question went. */
enum rep_outcome {
	REP_AGREE,	/* the peer's answer matched ours */
	REP_DISSENT,	/* it differed */
	REP_TIMEOUT	/* no usable answer in time (TLS, HTTP, DNS failure, or too slow) */
};

/* One peer's record. Averages are exponentially weighted (1/8 per sample). */
struct rep {
	uint8_t id[TLS_SHA256_LEN];
	uint64_t agree, dissent, timeout;	/* replays, since the record began */
	uint64_t pings, ping_fail;		/* GET /v1/health */
	uint32_t ping_ms, response_ms;		/* averages; 0 = no sample yet */
	uint32_t hist_bad;			/* last replays, newest in bit 0: 1 = not agree */
	uint8_t n_hist;				/* valid bits of hist_bad */
	uint64_t last;				/* unix time of the last sample */
	/* replicas: the part of agree, dissent, timeout, pings, ping_fail Redis has */
	uint64_t shared[5];
};

/* Counts over a window (a candidate's test, an audit): what the judge looks at. */
struct rep_counts {
	unsigned agree, dissent, timeout;
	uint64_t response_ms_sum;		/* of the answered replays */
	unsigned responses;
	uint64_t ping_ms_sum;
	unsigned pings, ping_fail;
};

enum rep_verdict {
	REP_PASS,
	REP_FAIL,
	REP_UNDECIDED	/* fewer than min_samples replays */
};

struct reputation;

/*
 * reputation_open - the records kept in dir/reputation.json (none yet is fine). NULL with
 * err set when the file exists but cannot be read: better to stop than to lose history.
 */
struct reputation *reputation_open(const char *dir, char *err, size_t errlen);

/* reputation_free - accepts NULL; does not save. */
void reputation_free(struct reputation *r);

/* reputation_find - id's record, or NULL. Valid until the next call that adds one. */
const struct rep *reputation_find(const struct reputation *r, const uint8_t *id);

/* reputation_count - records kept; reputation_at - the i-th, for a walk (NULL past). */
size_t reputation_count(const struct reputation *r);
struct rep *reputation_at(struct reputation *r, size_t i);

/*
 * reputation_record - id's record, made when there is none, for a caller about to change
 * its counts (replica.c); the records are marked to be saved. NULL when full.
 */
struct rep *reputation_record(struct reputation *r, const uint8_t *id);

/* reputation_replay - count one replay of id (elapsed_ms for answered ones) at unix now. */
void reputation_replay(struct reputation *r, const uint8_t *id, enum rep_outcome o,
    uint32_t elapsed_ms, uint64_t now);

/* reputation_ping - count one health probe of id (ok, with its round trip). */
void reputation_ping(struct reputation *r, const uint8_t *id, int ok, uint32_t rtt_ms,
    uint64_t now);

/* reputation_clear_recent - forget id's recent history (after a vote kept it). */
void reputation_clear_recent(struct reputation *r, const uint8_t *id);

/* reputation_forget - drop id's record (a deleted peer). */
void reputation_forget(struct reputation *r, const uint8_t *id);

/*
 * reputation_tripped - whether id's recent record calls for an audit: at least
 * min_samples recent replays of which remove_dissent percent or more went wrong, or an
 * average response time over max_response. why (len bytes) says which. Pure.
 */
int reputation_tripped(const struct rep *rep, const struct mirror_network *cfg, char *why,
    size_t len);

/*
 * reputation_judge - the verdict on a window of samples: REP_PASS when at least
 * pass_agree percent of them agreed and the mean response and ping times are under their
 * limits; REP_FAIL with the first reason in why otherwise; REP_UNDECIDED below
 * min_samples replays. Pure: no clock, no I/O.
 */
enum rep_verdict reputation_judge(const struct rep_counts *c, const struct mirror_network *cfg,
    char *why, size_t len);

/* reputation_dirty / reputation_save - whether to save; write the file atomically (0/-1). */
int reputation_dirty(const struct reputation *r);
int reputation_save(struct reputation *r);

#endif

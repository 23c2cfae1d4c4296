/*
 * resolver/mirror_int.h - what the mirror client's files share about a mirror: requests
 * (mirror_client.c), lanes (mirror_lane.c), connections (mirror_conn.c), the set, the
 * bootstrap file and selection (mirror_set.c), learning (mirror_master.c) and the kept
 * chains (mirror_chains.c). Not for other modules.
 */
#ifndef VANTAGED_MIRROR_INT_H
#define VANTAGED_MIRROR_INT_H

#include <sys/queue.h>

#include <event2/event.h>

#include "dnswire.h"
#include "config.h"
#include "http.h"
#include "mirror_h2.h"
#include "mirror_types.h"
#include "netaddr.h"
#include "tls.h"


/*
 * Bounds on a /v1/mirrors body (the CA fetch and the master list parse the same shape),
 * sized to real lists so that parsing one never holds the event loop past ~10 ms (issue
 * 12; tests/bench/stall.sh measures it: ~5-10 ms for a body at these limits on a busy
 * 2-core VM, where 256 KiB took 10-20 ms). A mirror's entry is ~0.9 KiB and ~41 JSON nodes
 * with its CA PEM and tallies, so 128 KiB and 8,192 nodes take a list of ~150 mirrors (the
 * design expects ~100); an entry has ~10 keys. More is refused with the reason in the log.
 */
#define MIRROR_LIST_MAX_BYTES (128u * 1024)
#define MIRROR_LIST_MAX_NODES 8192
#define MIRROR_LIST_MAX_KEYS 64
/* A DoH answer is one DNS message (RFC 8484 section 6); anything longer is garbage. */
#define MIRROR_MAX_ANSWER DNS_MAXMSG
/* /v1/mirrors lists ~100 entries of ~1.2 KiB (CA PEM included); see above. */
#define MIRROR_MAX_LIST MIRROR_LIST_MAX_BYTES

/*
 * Connections kept per mirror (lanes), for a mirror that speaks HTTP/1.1 only. One that
 * speaks HTTP/2 (ALPN h2) gets one connection carrying many concurrent streams instead;
 * it uses a second lane only while the first drains after a GOAWAY. A mirror server answers the requests of one
 * connection one after the other (evhttp), so one connection carries about one upstream
 * round trip's worth of cold questions at a time: ~50 a second at 20 ms. Eight lanes make
 * that ~400 per mirror, the cold rate a busy home network or a small office sees, for
 * eight file descriptors and eight TLS sessions per mirror at most. Extra lanes open only
 * when every open one is busy, and the server closes them again when idle.
 */
#define MIRROR_LANES 8

enum req_where {
	REQ_QUEUED,	/* waiting for its lane's connection or a window slot */
	REQ_INFLIGHT,	/* written; its HTTP response has not come */
	REQ_LOOSE,	/* its outcome is decided; the event delivers it */
};

enum req_kind {
	REQ_DOH,	/* a DNS question: POST /dns-query */
	REQ_GET		/* GET target, the body handed back as it is */
};

struct mirror_lane;
struct mirror_master;

struct mirror_req {
	TAILQ_ENTRY(mirror_req) entry;
	struct mirror *m;
	struct mirror_lane *lane;	/* the lane it waits on or travels on */
	struct event *ev;	/* the deadline; also delivers a decided outcome */
	enum req_kind kind;
	struct dnsq q;		/* REQ_DOH */
	char *target;		/* REQ_GET */
	int live;		/* 0 once delivered or cancelled (an orphan when in flight) */
	mirror_cb cb;		/* REQ_DOH */
	mirror_body_cb bcb;	/* REQ_GET */
	void *arg;
	uint64_t sent_us;
	enum req_where where;
	enum cons_transport result;	/* for REQ_LOOSE */
	int retried;		/* re-sent once after a keep-alive close race or a GOAWAY */
	int32_t sid;		/* its HTTP/2 stream while in flight on an h2 connection */
};
TAILQ_HEAD(req_list, mirror_req);

enum conn_kind {
	CONN_NOTARY,	/* fetching this mirror's CA from its /v1/mirrors (accepts any chain) */
	CONN_DOH	/* a pinned connection requests travel on */
};

/* A lane's connection (mirror_conn.c). */
struct mirror_conn {
	struct mirror_lane *lane;
	enum conn_kind kind;
	/* The TLS bufferevent: ours until the handshake, then owned by http or h2. */
	struct bufferevent *bev;
	struct http_client *http;	/* HTTP/1.1 (and every notary connection) */
	struct mirror_h2 *h2;		/* HTTP/2, when ALPN said h2 */
	struct tls_conn *tls;
	int up;				/* handshake done */
	int session_kept;		/* its TLS session was kept for resumption */
	uint64_t started_us;
	/* The first request sent since its last answer (0: none waits): for the stall check. */
	uint64_t waiting_us;
};

/* One connection slot of a mirror, with its own state machine and requests. */
struct mirror_lane {
	struct mirror *m;
	unsigned idx;		/* 0 is the primary: it fetches the CA and speaks for health */
	enum mirror_state state;
	struct mirror_conn *conn;
	struct event *timer;	/* CONNECTING: handshake deadline; BACKOFF: retry time */
	uint32_t backoff_ms;
	int fail_logged;	/* the current failure kind was logged (0 none, else 1 + transport) */
	struct req_list queue, inflight;
	size_t n_queued, n_inflight;
};

struct mirror {
	struct mirror_set *set;
	char *name, *region, *hostname, *ca_pem;
	char id_hex[TLS_SHA256_HEX + 8];	/* hex CA SHA-256, or "webpki:HOST" (truncated) */
	uint8_t pin[TLS_SHA256_LEN];
	uint8_t *id;		/* what the selection hashes: the pin, or "webpki:HOST" */
	size_t id_len;
	struct netaddr addr;
	char addr_str[NETADDR_STRLEN];
	enum mirror_verify verify;
	int usable;		/* 0: a webpki mirror without a trust store */
	int has_pin;		/* webpki: pin (ca_sha256) must be in the verified chain */
	char why[320];		/* why it is not usable now ("" when it is), for vantagectl */
	enum cons_transport why_t;	/* and what a question to it meanwhile gets */
	/* webpki: the chain it presented last (SHA-256 by depth, leaf first). */
	uint8_t chain[TLS_MAX_CHAIN][TLS_SHA256_LEN];
	size_t chain_n;
	/* webpki: the CA above its leaf when last seen, also from before a restart. */
	uint8_t known_ca[TLS_SHA256_LEN];
	int has_known_ca;
	int doh_get;		/* method: get (RFC 8484 GET ?dns=), else POST */
	/* The TLS session of its last connection, offered for resumption (tickets). */
	struct tls_session *session;
	char last_err[160];	/* why its last failed request failed, for vantagectl */
	int learned;		/* from the master list, not the configuration: no vote */
	int inactive;		/* a majority of the configured mirrors says so: not selected */
	struct tls_ctx *ctx;	/* trusts exactly this mirror's CA; NULL until known */
	struct mirror_lane lanes[MIRROR_LANES];
	struct req_list loose;	/* settled requests whose delivery event is pending */
	uint64_t srtt_us;
	struct mirror_stats st;	/* st.state: the mirror as a whole, from its lanes */
};

struct mirror_set {
	struct event_base *base;
	uint8_t secret[32];
	struct mirror **mirrors;
	size_t n;
	struct tls_ctx *notary;	/* for the CA fetch only; trusts nothing */
	struct tls_ctx *webpki;	/* mirrors.trust_store, shared by the webpki mirrors */
	char *trust_store;
	char webpki_err[256];	/* why the trust store could not be loaded */
	int busy;		/* depth of user callbacks on the stack */
	int dead;		/* mirror_set_free was called inside one: free on the way out */
	int tls_inited;
	struct mirror_master *master;	/* NULL when not learning */
	struct event *start_timer;	/* mirror_set_start: waits for the first handshakes */
	char *chains_path;	/* <state_file>.chains, NULL: not kept (mirror_chains.c) */
	uint64_t start_ms;
};

/*
 * mirror_chains_load - remember path (a copy) as where the webpki mirrors' CAs are kept, and
 * give each webpki mirror of the set the CA recorded there for its id and address. A missing
 * file is nothing known yet; a broken one is logged and ignored.
 */
void mirror_chains_load(struct mirror_set *set, const char *path);

/* mirror_chains_save - write the known CA of every webpki mirror to the file (atomically). */
void mirror_chains_save(struct mirror_set *set);

/* mirror_probe - open m's primary connection now, when it is usable and has none. */
void mirror_probe(struct mirror *m);

/* mirror_settled - 1 once m's first connection attempt has an outcome (or it is unusable). */
int mirror_settled(const struct mirror *m);

/* mirror_lanes_init - set up m's lanes (timers on base); 0, or -1 when memory ran out. */
int mirror_lanes_init(struct mirror *m, struct event_base *base);

/* mirror_lanes_free - close m's connections and free every request without calling back. */
void mirror_lanes_free(struct mirror *m);

/*
 * mirror_set_add_entry - a new mirror from e, appended to the set; learned marks one from the
 * master list. NULL with err set when e is unusable or memory ran out.
 */
struct mirror *mirror_set_add_entry(struct mirror_set *set, const struct config_mirror *e,
    int learned, char *err, size_t errlen);

/*
 * mirror_master_new - learn mirrors for set (mirror_master.c): shortly after start and every
 * hour, ask every configured mirror for its /v1/mirrors; take in a mirror that a strict
 * majority of them list as active with the same CA fingerprint, mark inactive one that a
 * majority list as inactive, and keep the learned ones in path (bootstrap file shape; NULL:
 * not kept). NULL when there are too few configured mirrors to vote, or without memory.
 */
struct mirror_master *mirror_master_new(struct mirror_set *set, const char *path);

/* mirror_master_free - cancels its requests without calling back; accepts NULL. */
void mirror_master_free(struct mirror_master *mm);

/* mirror_set_destroy - free the set now; nested: from inside one of our callbacks. */
void mirror_set_destroy(struct mirror_set *set, int nested);

/* ---- requests (mirror_client.c) ---- */

/* mirror_note_error - keep why a request of m failed, for vantagectl mirrors. */
void mirror_note_error(struct mirror *m, const char *why);

/* mirror_timer_add - arm ev to fire in ms milliseconds. */
void mirror_timer_add(struct event *ev, uint32_t ms);

/* mirror_req_free - free r (on no list any more) and its deadline event. */
void mirror_req_free(struct mirror_req *r);

/*
 * mirror_req_settle - decide r's outcome t now and deliver it from the event loop (never
 * from the caller's stack); an orphan is simply freed. r leaves its list.
 */
void mirror_req_settle(struct mirror_req *r, enum cons_transport t);

/*
 * mirror_req_send - write r to its lane's connection: 0, -1 when the question cannot be
 * encoded, -2 when the connection refuses it.
 */
int mirror_req_send(struct mirror_lane *l, struct mirror_req *r);

/* ---- lanes (mirror_lane.c) ---- */

/* mirror_lane_set_state - l is now in state s; the mirror's state follows its lanes. */
void mirror_lane_set_state(struct mirror_lane *l, enum mirror_state s);

/* mirror_lane_count_up - how many of m's lanes have an established connection. */
size_t mirror_lane_count_up(const struct mirror *m);

/*
 * mirror_lane_check_stall - drop l's connection when it answered nothing for 10 s while
 * requests waited on it (l may be NULL). 1 when dropped, else 0.
 */
int mirror_lane_check_stall(struct mirror_lane *l);

/* mirror_lane_fail_all - fail every request of l with t (orphans are just freed). */
void mirror_lane_fail_all(struct mirror_lane *l, enum cons_transport t);

/* mirror_lane_pump - move l's queued requests into its connection's window. */
void mirror_lane_pump(struct mirror_lane *l);

/* mirror_lane_pick - the lane a new request of m goes to; NULL when none can take one. */
struct mirror_lane *mirror_lane_pick(struct mirror *m);

/* ---- connections (mirror_conn.c) ---- */

/* mirror_conn_open - open l's connection (the notary one while the CA is unknown). Failures
 * come through mirror_conn_fail, from deferred callbacks only. */
void mirror_conn_open(struct mirror_lane *l);

/* mirror_conn_close - close l's connection, if any; no callbacks run. */
void mirror_conn_close(struct mirror_lane *l);

/* mirror_conn_fail - l's connection (or the attempt) failed: close it, fail its requests
 * with t, log (once per kind) and back off before the next attempt. */
void mirror_conn_fail(struct mirror_lane *l, enum cons_transport t, const char *why);

/* mirror_conn_draining - whether c is an HTTP/2 connection that takes no new stream. */
int mirror_conn_draining(const struct mirror_conn *c);

/* mirror_conn_keep_session - keep c's TLS session for the mirror's next connection. */
void mirror_conn_keep_session(struct mirror_conn *c);

/*
 * mirror_conn_request - send a request on c, HTTP/2 (cb2) or HTTP/1.1 (cb1); on HTTP/2,
 * *sid (when not NULL) gets its stream. 0 or -1.
 */
int mirror_conn_request(struct mirror_conn *c, const char *method, const char *target,
    const char *accept, const char *ct, const void *body, size_t len, size_t max_body,
    http_response_cb cb1, mirror_h2_cb cb2, void *arg, int32_t *sid);

#endif

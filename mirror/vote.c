/* mirror/vote.c - removal votes: the auditors asked, their findings pulled, the majority acted on. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "json.h"
#include "log.h"
#include "reputation.h"
#include "vote.h"
#include "vutil.h"
#include "yconf.h"

#define CT_JSON "application/json"

/* A removal vote this mirror runs: the peers asked and what they answered. */
struct vote {
	TAILQ_ENTRY(vote) entry;
	uint64_t serial;
	uint8_t suspect[TLS_SHA256_LEN];
	char reason[200];
	uint64_t pull_after_ms, deadline_ms;
	size_t n;
	struct {
		uint8_t id[TLS_SHA256_LEN];
		enum audit_vote v;
		int busy;
		char reason[200];
	} asked[MIRROR_MAX_FANOUT];
};

/* What a pull is about (copied by peers_request; the context is freed before the table). */
struct vote_ref {
	struct vote_ctx *vc;
	uint64_t serial;
	size_t idx;
};

struct vote_ctx {
	struct vote_env env;
	uint64_t serial;
	TAILQ_HEAD(, vote) votes;
};

static const char *const vote_names[] = { "none", "pending", "remove", "keep", "abstain",
	NULL };

const char *
vote_name(enum audit_vote v)
{
	return (unsigned)v <= VOTE_ABSTAIN ? vote_names[v] : "?";
}

static const struct mirror_config *
vote_cfg(const struct vote_ctx *vc)
{
	return *vc->env.cfg;
}

static struct vote *
vote_find(struct vote_ctx *vc, const uint8_t *suspect)
{
	struct vote *v;

	TAILQ_FOREACH(v, &vc->votes, entry)
		if (memcmp(v->suspect, suspect, TLS_SHA256_LEN) == 0)
			return v;
	return NULL;
}

int
vote_running(struct vote_ctx *vc, const uint8_t *suspect)
{
	return vote_find(vc, suspect) != NULL;
}

size_t
vote_count(const struct vote_ctx *vc)
{
	const struct vote *v;
	size_t n = 0;

	TAILQ_FOREACH(v, &vc->votes, entry)
		n++;
	return n;
}

static void
vote_remove_sent(struct peers *ps, struct peer *p, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	(void)ps;
	(void)elapsed_ms;
	(void)ctx;
	log_debug(LOG_G_MIRROR, "remove request to %s (%s): HTTP %d", p->name, p->addr_str,
	    resp->status);
}

/* Ask to to audit suspect (POST /v1/remove). */
static void
vote_send_remove(struct vote_ctx *vc, struct peer *to, const struct peer *suspect,
    const char *reason)
{
	struct evbuffer *b = evbuffer_new();
	const void *data;

	if (b == NULL)
		return;
	evbuffer_add(b, "{", 1);
	json_kv_u64(b, 1, "version", 1);
	json_kv_str(b, 0, "id", suspect->idhex);
	json_kv_str(b, 0, "reason", reason);
	evbuffer_add(b, "}\n", 2);
	if ((data = evbuffer_pullup(b, -1)) != NULL)
		(void)peers_request(vc->env.peers, to, "POST", "/v1/remove", CT_JSON, data,
		    evbuffer_get_length(b), vote_remove_sent, NULL, 0);
	evbuffer_free(b);
}

void
vote_start(struct vote_ctx *vc, struct peer *p, const char *reason)
{
	const struct mirror_network *net = &vote_cfg(vc)->network;
	struct peer *to[MIRROR_MAX_FANOUT];
	struct vote *v;
	size_t i;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return;
	v->serial = ++vc->serial;
	memcpy(v->suspect, p->id, TLS_SHA256_LEN);
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	v->n = peers_pick(vc->env.peers, to, net->audit_fanout, p->id,
	    (const uint8_t (*)[TLS_SHA256_LEN])vote_cfg(vc)->id, 1);
	for (i = 0; i < v->n; i++) {
		memcpy(v->asked[i].id, to[i]->id, TLS_SHA256_LEN);
		v->asked[i].v = VOTE_PENDING;
		vote_send_remove(vc, to[i], p, reason);
	}
	/* Our own audit runs alongside, so that our vote is there for others who ask. */
	if (p->audit_until_ms == 0)
		vc->env.begin_audit(vc->env.arg, p);
	v->pull_after_ms = now_ms() + net->audit_period_ms;
	v->deadline_ms = v->pull_after_ms + net->audit_period_ms + 2 * net->response_timeout_ms;
	TAILQ_INSERT_TAIL(&vc->votes, v, entry);
	log_info(LOG_G_MIRROR, "vote on %s (%s): %s; asked %zu peer(s) to audit", p->name,
	    p->addr_str, reason, v->n);
}

/*
 * A scalar of root copied into out (len bytes); else 0. A null one is taken as its text
 * ("null") unless skip_null: what the older parser did, kept so that nothing shown moves.
 */
static int
vote_scalar(struct yconf *y, yaml_node_t *root, const char *key, int skip_null, char *out,
    size_t len)
{
	yaml_node_t *v;
	const char *s;

	if ((v = yconf_get(y, root, key)) == NULL || v->type != YAML_SCALAR_NODE ||
	    (skip_null && yconf_is_null(v)) || (s = yconf_scalar(y, v, key)) == NULL)
		return 0;
	snprintf(out, len, "%s", s);
	return 1;
}

int
vote_parse(const struct http_response *resp, enum audit_vote *vote, char *reason, size_t rlen,
    char *state, size_t slen)
{
	char sreason[256];
	struct yconf y;
	yaml_node_t *root, *v;
	int i, rc = -1;

	memset(&y, 0, sizeof(y));
	y.max_nodes = 64;
	if (resp->status != 200 || yconf_load_buffer(&y, "audit", resp->body, resp->body_len))
		goto out;
	if ((root = yconf_root(&y)) == NULL || (v = yconf_get(&y, root, "vote")) == NULL ||
	    yconf_enum(&y, v, "vote", vote_names, &i) != 0)
		goto out;
	*vote = (enum audit_vote)i;
	reason[0] = state[0] = '\0';
	(void)vote_scalar(&y, root, "vote_reason", 0, reason, rlen);
	(void)vote_scalar(&y, root, "state", 0, state, slen);
	if (vote_scalar(&y, root, "state_reason", 1, sreason, sizeof(sreason)) && sreason[0] &&
	    strcmp(state, "inactive") == 0)
		snprintf(reason, rlen, "%s", sreason);
	rc = 0;
out:
	yconf_free(&y);
	return rc;
}

static void
vote_pulled(struct peers *ps, struct peer *p, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	struct vote_ref *ref = ctx;
	struct vote *v;
	enum audit_vote val;
	char reason[200], state[32];

	(void)ps;
	(void)elapsed_ms;
	TAILQ_FOREACH(v, &ref->vc->votes, entry)
		if (v->serial == ref->serial)
			break;
	if (v == NULL || ref->idx >= v->n)
		return;
	v->asked[ref->idx].busy = 0;
	if (vote_parse(resp, &val, reason, sizeof(reason), state, sizeof(state)) != 0) {
		log_debug(LOG_G_MIRROR, "vote: no usable answer from %s (HTTP %d)", p->name,
		    resp->status);
		return;
	}
	/* The connection is pinned to p's CA: this answer is p's, and p's only. */
	v->asked[ref->idx].v = val == VOTE_NONE ? VOTE_ABSTAIN : val;
	snprintf(v->asked[ref->idx].reason, sizeof(v->asked[ref->idx].reason), "%s", reason);
}

int
vote_decide_count(const enum audit_vote *v, const char *const *reasons, size_t n,
    unsigned *rm, unsigned *keep, const char **why)
{
	size_t i;

	*rm = *keep = 0;
	for (i = 0; i < n; i++) {
		if (v[i] == VOTE_REMOVE) {
			(*rm)++;
			if (why != NULL && reasons != NULL && reasons[i] != NULL && reasons[i][0])
				*why = reasons[i];
		} else if (v[i] == VOTE_KEEP) {
			(*keep)++;
		}
	}
	return *rm > *keep;
}

/* Removed by vote: deactivate, and propagate to peers that were not in this cluster. */
static void
vote_remove(struct vote_ctx *vc, struct vote *v, struct peer *p, const char *reason)
{
	struct peer *to[MIRROR_MAX_FANOUT];
	size_t i, n;

	if (p->state == PEER_INACTIVE)
		return;
	vc->env.deactivate(vc->env.arg, p, reason);
	/* Each peer outside the cluster audits for itself. */
	n = peers_pick(vc->env.peers, to, vote_cfg(vc)->network.fanout, p->id,
	    (const uint8_t (*)[TLS_SHA256_LEN])v->asked, v->n);
	for (i = 0; i < n; i++)
		vote_send_remove(vc, to[i], p, reason);
}

/* Count and act: the majority of the auditors that voted decides, ties keep. */
static void
vote_decide(struct vote_ctx *vc, struct vote *v)
{
	struct peer *p = peers_find(vc->env.peers, v->suspect);
	enum audit_vote vals[MIRROR_MAX_FANOUT];
	const char *reasons[MIRROR_MAX_FANOUT], *why = v->reason;
	unsigned rm, keep;
	char reason[320];
	size_t i;

	for (i = 0; i < v->n; i++) {
		vals[i] = v->asked[i].v;
		reasons[i] = v->asked[i].reason;
	}
	if (p == NULL) {
		/* Forgotten meanwhile: nothing to act on. */
	} else if (vote_decide_count(vals, reasons, v->n, &rm, &keep, &why)) {
		snprintf(reason, sizeof(reason), "removed by vote (%u of %zu auditors): %s", rm,
		    v->n, why);
		log_warnx(LOG_G_MIRROR, "vote on %s (%s): remove, %u remove / %u keep / %zu asked",
		    p->name, p->addr_str, rm, keep, v->n);
		vote_remove(vc, v, p, reason);
	} else {
		log_info(LOG_G_MIRROR, "vote on %s (%s): keep, %u remove / %u keep / %zu asked",
		    p->name, p->addr_str, rm, keep, v->n);
		reputation_clear_recent(vc->env.rep, p->id);
	}
	TAILQ_REMOVE(&vc->votes, v, entry);
	free(v);
}

/* One vote at now: pull what is pending, decide when all is in or time is up. */
static void
vote_step(struct vote_ctx *vc, struct vote *v, uint64_t now)
{
	struct peer *p, *suspect = peers_find(vc->env.peers, v->suspect);
	struct vote_ref ref;
	char target[96];
	size_t i, open = 0;

	if (suspect == NULL) {
		TAILQ_REMOVE(&vc->votes, v, entry);
		free(v);
		return;
	}
	if (now < v->pull_after_ms)
		return;
	snprintf(target, sizeof(target), "/v1/audit?id=%s", suspect->idhex);
	for (i = 0; i < v->n; i++) {
		if (v->asked[i].v != VOTE_PENDING)
			continue;
		open++;
		if (v->asked[i].busy || (p = peers_find(vc->env.peers, v->asked[i].id)) == NULL)
			continue;
		ref.vc = vc;
		ref.serial = v->serial;
		ref.idx = i;
		if (peers_request(vc->env.peers, p, "GET", target, NULL, NULL, 0, vote_pulled, &ref,
		    sizeof(ref)) == 0)
			v->asked[i].busy = 1;
	}
	if (open == 0 || now >= v->deadline_ms)
		vote_decide(vc, v);
}

void
vote_tick(struct vote_ctx *vc, uint64_t now)
{
	struct vote *v, *vnext;

	for (v = TAILQ_FIRST(&vc->votes); v != NULL; v = vnext) {
		vnext = TAILQ_NEXT(v, entry);
		vote_step(vc, v, now);
	}
}

void
vote_json(struct peers *ps, const uint8_t *self, const uint8_t *id, struct evbuffer *b)
{
	struct peer *p = peers_find(ps, id);
	char hex[TLS_SHA256_HEX];

	evbuffer_add(b, "{", 1);
	json_kv_u64(b, 1, "version", 1);
	json_kv_str(b, 0, "id", tls_hex(id, TLS_SHA256_LEN, hex));
	json_kv_str(b, 0, "auditor", tls_hex(self, TLS_SHA256_LEN, hex));
	json_kv_str(b, 0, "state", p ? peers_state_name(p->state) : "unknown");
	json_kv_str(b, 0, "state_reason", p && p->reason[0] ? p->reason : NULL);
	json_kv_str(b, 0, "vote", vote_names[p ? p->finding : VOTE_NONE]);
	json_kv_str(b, 0, "vote_reason", p && p->finding != VOTE_NONE ? p->finding_reason : NULL);
	if (p != NULL)
		json_kv_u64(b, 0, "replays", p->audit_counts.agree + p->audit_counts.dissent +
		    p->audit_counts.timeout);
	evbuffer_add(b, "}\n", 2);
}

struct vote_ctx *
vote_ctx_new(const struct vote_env *env)
{
	struct vote_ctx *vc = calloc(1, sizeof(*vc));

	if (vc == NULL)
		return NULL;
	vc->env = *env;
	TAILQ_INIT(&vc->votes);
	return vc;
}

void
vote_ctx_free(struct vote_ctx *vc)
{
	struct vote *v;

	if (vc == NULL)
		return;
	while ((v = TAILQ_FIRST(&vc->votes)) != NULL) {
		TAILQ_REMOVE(&vc->votes, v, entry);
		free(v);
	}
	free(vc);
}

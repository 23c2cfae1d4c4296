/* mirror/notice.c - removal notices: telling a peer we removed it, and hearing we were removed. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "notice.h"
#include "vote.h"
#include "vutil.h"
#include "yconf.h"

#define CT_JSON "application/json"
/* A remove or notice body: three short keys. */
#define NOTICE_BODY_MAX_NODES 16

/* A removal this mirror was told about, for its operator. */
struct notice {
	uint8_t by[TLS_SHA256_LEN];
	char name[MIRROR_NAME_MAX + 1];
	char reason[256];
	int verified;
	uint64_t at;
};

struct notice_ctx {
	struct mirror_config *const *cfg;
	struct peers *peers;
	struct notice notices[NOTICE_MAX];
	size_t n;
};

struct notice_ctx *
notice_ctx_new(struct mirror_config *const *cfg, struct peers *ps)
{
	struct notice_ctx *nc = calloc(1, sizeof(*nc));

	if (nc != NULL) {
		nc->cfg = cfg;
		nc->peers = ps;
	}
	return nc;
}

void
notice_ctx_free(struct notice_ctx *nc)
{
	free(nc);
}

static void
notice_sent(struct peers *ps, struct peer *p, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	(void)ps;
	(void)elapsed_ms;
	(void)ctx;
	log_debug(LOG_G_MIRROR, "notice to %s (%s): HTTP %d", p->name, p->addr_str, resp->status);
}

void
notice_send(struct notice_ctx *nc, struct peer *p)
{
	struct evbuffer *b = evbuffer_new();
	char hex[TLS_SHA256_HEX];
	const void *data;

	if (b == NULL)
		return;
	evbuffer_add(b, "{", 1);
	json_kv_u64(b, 1, "version", 1);
	json_kv_str(b, 0, "from", tls_hex((*nc->cfg)->id, TLS_SHA256_LEN, hex));
	json_kv_str(b, 0, "reason", p->reason);
	evbuffer_add(b, "}\n", 2);
	if ((data = evbuffer_pullup(b, -1)) != NULL)
		(void)peers_request(nc->peers, p, "POST", "/v1/notice", CT_JSON, data,
		    evbuffer_get_length(b), notice_sent, NULL, 0);
	evbuffer_free(b);
}

static void
notice_add(struct notice_ctx *nc, const uint8_t *by, const char *name, const char *reason,
    int verified)
{
	struct notice *n = NULL;
	size_t i;

	for (i = 0; i < nc->n; i++)
		if (memcmp(nc->notices[i].by, by, TLS_SHA256_LEN) == 0)
			n = &nc->notices[i];
	if (n == NULL) {
		if (nc->n < NOTICE_MAX)
			nc->n++;
		memmove(&nc->notices[1], &nc->notices[0], (nc->n - 1) * sizeof(*n));
		n = &nc->notices[0];
	}
	memcpy(n->by, by, TLS_SHA256_LEN);
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->reason, sizeof(n->reason), "%s", reason);
	n->verified = verified;
	n->at = wall_s();
	log_warnx(LOG_G_MIRROR, "peer %s reports this mirror removed%s: %s", name,
	    verified ? "" : " (unverified: its CA is unknown here)", reason);
}

/* The peer's own answer about us (ctx: the notice context, freed before the table). */
static void
notice_checked(struct peers *ps, struct peer *p, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	struct notice_ctx *nc = *(struct notice_ctx **)ctx;
	enum audit_vote val;
	char reason[200], state[32];

	(void)ps;
	(void)elapsed_ms;
	if (vote_parse(resp, &val, reason, sizeof(reason), state, sizeof(state)) != 0)
		return;
	if (strcmp(state, "inactive") == 0)
		notice_add(nc, p->id, p->name, reason, 1);
}

const char *
notice_receive(struct notice_ctx *nc, const uint8_t *from, const char *reason)
{
	char target[96], hex[TLS_SHA256_HEX];
	struct peer *p;

	/* Ask the named peer itself, over its pinned connection, rather than trust the POST. */
	if ((p = peers_find(nc->peers, from)) != NULL && p->ctx != NULL) {
		snprintf(target, sizeof(target), "/v1/audit?id=%s", tls_hex((*nc->cfg)->id,
		    TLS_SHA256_LEN, hex));
		if (peers_request(nc->peers, p, "GET", target, NULL, NULL, 0, notice_checked, &nc,
		    sizeof(nc)) == 0)
			return "verifying";
	}
	notice_add(nc, from, tls_hex(from, TLS_SHA256_LEN, hex), reason, 0);
	return "unverified";
}

void
notice_json(const struct notice_ctx *nc, struct evbuffer *b)
{
	char hex[TLS_SHA256_HEX];
	size_t i;

	evbuffer_add_printf(b, ",\"removed_by\":[");
	for (i = 0; i < nc->n; i++) {
		const struct notice *n = &nc->notices[i];

		evbuffer_add_printf(b, "%s{", i ? "," : "");
		json_kv_str(b, 1, "id", tls_hex(n->by, TLS_SHA256_LEN, hex));
		json_kv_str(b, 0, "name", n->name);
		json_kv_str(b, 0, "reason", n->reason);
		evbuffer_add_printf(b, ",\"verified\":%s", n->verified ? "true" : "false");
		json_kv_u64(b, 0, "at", n->at);
		evbuffer_add(b, "}", 1);
	}
	evbuffer_add_printf(b, "]");
}

int
notice_parse_body(const void *body, size_t len, const char *key, uint8_t *id, char *reason,
    size_t rlen, char *err, size_t errlen)
{
	const char *keys[] = { "version", key, "reason", NULL };
	struct yconf y;
	yaml_node_t *root, *v;
	unsigned long u;
	const char *s;
	int rc = -1;

	memset(&y, 0, sizeof(y));
	y.max_nodes = NOTICE_BODY_MAX_NODES;
	reason[0] = '\0';
	if (yconf_load_buffer(&y, "body", body, len) != 0)
		goto out;
	if ((root = yconf_root_keys(&y, "body", "request", keys)) == NULL)
		goto out;
	if ((v = yconf_get(&y, root, "version")) == NULL || yconf_uint(&y, v, "version", 1, 1, &u)) {
		yconf_error(&y, root, "version: 1 is required");
		goto out;
	}
	if ((v = yconf_get(&y, root, key)) == NULL || (s = yconf_scalar(&y, v, key)) == NULL ||
	    tls_unhex(s, id, TLS_SHA256_LEN) != 0) {
		yconf_error(&y, v ? v : root, "%s: 64 hex digits are required", key);
		goto out;
	}
	if ((v = yconf_get(&y, root, "reason")) != NULL && !yconf_is_null(v)) {
		if ((s = yconf_scalar(&y, v, "reason")) == NULL)
			goto out;
		snprintf(reason, rlen, "%s", s);
	}
	rc = 0;
out:
	return yconf_done(&y, rc, err, errlen);
}

/* mirror/notice.h - removal notices: telling a peer we removed it, and hearing we were removed. */
#ifndef VANTAGE_MIRROR_NOTICE_H
#define VANTAGE_MIRROR_NOTICE_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "mirror_config.h"
#include "peers.h"

/* Removal notices this mirror keeps for its operator (/v1/health), newest first. */
#define NOTICE_MAX 16

struct notice_ctx;

/*
 * notice_ctx_new - no notice yet. cfg is the mirror's current-config slot (our id), ps
 * the peer table the notices go to and are checked with. NULL on allocation failure.
 */
struct notice_ctx *notice_ctx_new(struct mirror_config *const *cfg, struct peers *ps);

/* notice_ctx_free - accepts NULL. */
void notice_ctx_free(struct notice_ctx *nc);

/* notice_send - tell p (POST /v1/notice) that we set it inactive, with p->reason. */
void notice_send(struct notice_ctx *nc, struct peer *p);

/*
 * notice_receive - the peer from says it removed us, for reason. The claim is not
 * trusted: when from is a peer we can reach pinned to its CA, it is asked for its state
 * of us (GET /v1/audit) and the notice is kept only if that says inactive ("verifying");
 * otherwise the notice is kept as unverified ("unverified"). Returns that status.
 */
const char *notice_receive(struct notice_ctx *nc, const uint8_t *from, const char *reason);

/* notice_json - append ,"removed_by":[...] (the notices kept, newest first) to b. */
void notice_json(const struct notice_ctx *nc, struct evbuffer *b);

/*
 * notice_parse_body - a POST /v1/remove or /v1/notice body (len bytes): {"version":1,
 * KEY:"<64 hex>", "reason":"..."} (remove: "id"; notice: "from"); the id into id and the
 * reason (may be absent) into reason (rlen bytes). Returns 0, or -1 with err set.
 */
int notice_parse_body(const void *body, size_t len, const char *key, uint8_t *id,
    char *reason, size_t rlen, char *err, size_t errlen);

#endif

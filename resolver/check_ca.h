/*
 * resolver/check_ca.h - the CA evidence for one verdict (DESIGN.md section 5, ladder rule 5):
 * the name's CA from the mirrors (TLSA, else their notary observations), a TLS probe of
 * the local addresses, CAA and history. The I/O side of the pure resolver/ca.c.
 */
#ifndef VANTAGED_CHECK_CA_H
#define VANTAGED_CHECK_CA_H

#include <stddef.h>
#include <stdint.h>

#include "ca.h"
#include "config.h"
#include "consensus.h"
#include "dnswire.h"
#include "policy.h"
#include "tls.h"
#include "check_env.h"
#include "check_ca_view.h"

/* Called once with the verdict as the CA evidence left it; v and view live during the call. */
typedef void (*check_ca_cb)(void *arg, const struct cons_verdict *v,
    const struct check_ca_view *view);

/* Everything check_ca_start needs; nothing of it is kept after the call but copies. */
struct check_ca_req {
	const struct dnsq *q;
	const struct consensus_settings *set;
	const struct cons_answer *local;
	struct mirror *const *mirrors;	/* the mirrors asked about q */
	const struct cons_answer *const *answers;	/* their answers, NULL when none came */
	size_t nm;
	const struct cons_verdict *v;
	uint32_t budget_ms;		/* how long the CA evidence may take, from now */
	check_ca_cb cb;
	void *arg;
};

/*
 * check_ca_wanted - whether verdict v on the local answer to q wants CA evidence:
 * consensus.probe (the name's), an A or AAAA answer with addresses, a verdict the
 * evidence could change (on-dissent: a dissent by data or by a weak signal only;
 * always: any verdict with some mirror's word), and a probe set to run it.
 */
int check_ca_wanted(const struct check_ca_ctx *cx, const struct dnsq *q,
    const struct consensus_settings *set, const struct cons_answer *local,
    const struct cons_verdict *v);

/*
 * check_ca_start - gather the CA evidence for req->v; req->cb runs exactly once, later
 * (never from inside this call), unless cancelled. NULL when it cannot start (then decide
 * without it).
 */
struct check_ca *check_ca_start(struct check_ca_ctx *cx, const struct check_ca_req *req);

/* check_ca_cancel - stop; the callback will not run. Accepts NULL. */
void check_ca_cancel(struct check_ca *ca);

/*
 * check_ca_pairs_cover - when the name's probes are on and every address of the local A or
 * AAAA answer has a live cached pair, fill v (an agreement by rule 5, nm mirrors asked
 * and none waited for) and view, and return 1: the answer can go out at once. Else 0.
 */
int check_ca_pairs_cover(struct check_ca_ctx *cx, const struct dnsq *q,
    const struct consensus_settings *set, const struct cons_answer *local, size_t nm,
    struct cons_verdict *v, struct check_ca_view *view);

/*
 * check_ca_flag - the history's word on a decision about q (an A or AAAA question): while
 * the name's CA counts as recently changed (consensus.ca_history), a served answer is
 * flagged with EDE 0 "vantage: CA of NAME changed after N days". Returns 1 when it flagged.
 */
int check_ca_flag(struct check_ca_ctx *cx, const struct dnsq *q, struct policy_decision *d);

/*
 * check_ca_json - `,"ca":{...}`: view as a member of a dissent log line, into out (cap
 * bytes). Returns the length written (0 when it does not fit).
 */
size_t check_ca_json(const struct check_ca_view *view, char *out, size_t cap);

/*
 * check_ca_new - the CA evidence's context (env copied): the daemon's probe set and the
 * trust store (mirrors.trust_store) its own handshakes are judged against. Without a
 * usable store the handshake gives no CA evidence (logged). NULL when out of memory.
 */
struct check_ca_ctx *check_ca_new(const struct check_ca_env *env);

/*
 * check_ca_reconfigure - load cfg's trust store (at reload, before cfg replaces the running
 * one). When it cannot be read the running store stays (logged). Returns 0, or -1 then.
 */
int check_ca_reconfigure(struct check_ca_ctx *cx, const struct config *cfg);

/* check_ca_free - cancels every probe; accepts NULL. Evidence under way must be gone. */
void check_ca_free(struct check_ca_ctx *cx);

#endif

/* resolver/policy.h - from a consensus verdict to what the client gets (pure). */
#ifndef VANTAGED_POLICY_H
#define VANTAGED_POLICY_H

#include "config.h"
#include "consensus.h"

enum policy_action {
	ACTION_SERVE,		/* the local answer, as is */
	ACTION_SERVE_FLAG,	/* the local answer, with an EDE saying what is wrong */
	ACTION_REFUSE,		/* REFUSED + EDE */
	ACTION_SERVFAIL,	/* SERVFAIL + EDE */
	ACTION_SERVE_CONSENSUS	/* the mirrors' answer instead, EDE 4 (Forged Answer) */
};

struct policy_decision {
	enum policy_action action;
	int ede;		/* RFC 8914 INFO-CODE, -1 for none */
	char text[200];		/* EXTRA-TEXT: one short sentence */
};

/*
 * policy_decide - the action for verdict v under the consensus settings s (those of the
 * name: config_consensus_for).
 * local_summary describes the local answer ("203.0.113.9") for the EXTRA-TEXT.
 * monitor mode never withholds an answer: anything but agreement is a flag.
 */
void policy_decide(const struct cons_verdict *v, const struct consensus_settings *s,
    const char *local_summary, struct policy_decision *d);

/* policy_action_name - "serve", "flag", "refuse", "servfail", "consensus". */
const char *policy_action_name(enum policy_action a);

#endif

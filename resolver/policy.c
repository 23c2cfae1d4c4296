/* resolver/policy.c - from a consensus verdict to what the client gets (pure). */
#include "autoconf.h"

#include <stdio.h>

#include "dnswire.h"
#include "policy.h"

static void
policy_insufficient(const struct cons_verdict *v, struct policy_decision *d)
{
	if (v->tls_failures && v->corroborated == 0 && v->dissented == 0) {
		d->ede = DNS_EDE_NETWORK_ERROR;
		snprintf(d->text, sizeof(d->text),
		    "vantage: mirror TLS verification failed (%u of %u mirrors usable)",
		    v->asked - v->failed, v->asked);
	} else if (v->failed == v->asked) {
		d->ede = DNS_EDE_NO_REACHABLE_AUTHORITY;
		snprintf(d->text, sizeof(d->text), "vantage: no mirror reachable (%u asked)",
		    v->asked);
	} else if (v->regions_short) {
		d->ede = DNS_EDE_OTHER;
		snprintf(d->text, sizeof(d->text),
		    "vantage: corroborating mirrors are all in one region");
	} else {
		d->ede = v->tls_failures ? DNS_EDE_NETWORK_ERROR : DNS_EDE_OTHER;
		snprintf(d->text, sizeof(d->text),
		    "vantage: not verified: %u of %u mirrors corroborate, %u needed", v->corroborated,
		    v->asked, v->required);
	}
}

void
policy_decide(const struct cons_verdict *v, const struct consensus_settings *s,
    const char *local_summary, struct policy_decision *d)
{
	d->action = ACTION_SERVE;
	d->ede = -1;
	d->text[0] = '\0';
	switch (v->outcome) {
	case OUTCOME_AGREE:
		return;
	case OUTCOME_DISSENT:
		d->ede = DNS_EDE_OTHER;
		snprintf(d->text, sizeof(d->text), "vantage: %u of %u mirrors dissent (local %s)",
		    v->dissented, v->asked, local_summary);
		if (s->mode == MODE_MONITOR) {
			d->action = ACTION_SERVE_FLAG;
			return;
		}
		switch (s->on_dissent) {
		case DISSENT_REFUSE:
			d->action = ACTION_REFUSE;
			break;
		case DISSENT_SERVFAIL:
			d->action = ACTION_SERVFAIL;
			break;
		case DISSENT_FLAG:
			d->action = ACTION_SERVE_FLAG;
			break;
		case DISSENT_CONSENSUS:
			if (v->consensus_mirror >= 0) {
				d->action = ACTION_SERVE_CONSENSUS;
				d->ede = DNS_EDE_FORGED_ANSWER;
				snprintf(d->text, sizeof(d->text),
				    "vantage: local answer (%s) replaced by the mirrors' consensus",
				    local_summary);
			} else
				d->action = ACTION_REFUSE; /* no answer the mirrors share to offer */
			break;
		}
		return;
	case OUTCOME_INSUFFICIENT:
		policy_insufficient(v, d);
		d->action = s->mode == MODE_ENFORCE &&
			s->on_insufficient == INSUFFICIENT_REFUSE
		    ? ACTION_SERVFAIL
		    : ACTION_SERVE_FLAG;
		return;
	}
}

const char *
policy_action_name(enum policy_action a)
{
	static const char *const names[] = { "serve", "flag", "refuse", "servfail", "consensus" };

	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

/* resolver/dissent.c - the dissent log: one JSON line per dissent or flag. */
#include "autoconf.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check_ca.h"
#include "dissent.h"
#include "dnswire.h"
#include "json.h"
#include "log.h"
#include "vutil.h"

/* One line at most (bytes): sixteen mirrors with their answers and the CA evidence. */
#define DISSENT_LINE_MAX 8192

struct dissent {
	int fd;				/* -1: no log */
};

/* The log at path, or -1 (logged when the open fails). */
static int
dissent_open(const char *path)
{
	int fd;

	if (path == NULL)
		return -1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		log_warn(LOG_G_CONSENSUS, "cannot open the dissent log %s", path);
	return fd;
}

struct dissent *
dissent_new(const char *path)
{
	struct dissent *dl = malloc(sizeof(*dl));

	if (dl != NULL)
		dl->fd = dissent_open(path);
	return dl;
}

void
dissent_reopen(struct dissent *dl, const char *path)
{
	int fd = dissent_open(path);

	if (dl->fd >= 0)
		close(dl->fd);
	dl->fd = fd;
}

void
dissent_free(struct dissent *dl)
{
	if (dl == NULL)
		return;
	if (dl->fd >= 0)
		close(dl->fd);
	free(dl);
}

/* One mirror's member of the "mirrors" array; returns the bytes it took. */
static size_t
dissent_mirror_json(const struct dissent_entry *e, size_t i, char *out, size_t cap)
{
	const struct cons_verdict *v = e->v;
	const char *evidence = v->evidence[i] == EVIDENCE_CORROBORATES ? "corroborates"
	    : v->evidence[i] == EVIDENCE_DISSENTS			  ? "dissents"
									  : "failed";
	char mname[200];
	size_t o;

	json_escape(mname, sizeof(mname), e->mirrors[i].name);
	o = (size_t)snprintf(out, cap,
	    "%s{\"mirror\":\"%s\",\"region\":\"%s\",\"answer\":\"%s\",\"evidence\":\"%s\"",
	    i ? "," : "", mname, e->mirrors[i].region, e->mirrors[i].answer, evidence);
	/* Why it dissents, and the weak signal (overlap, prefix, cname) if one held: what an
	 * operator needs to tell a CDN from an attacker. */
	if (v->evidence[i] == EVIDENCE_DISSENTS && o < cap)
		o += (size_t)snprintf(out + o, cap - o, ",\"why\":\"%s\"%s%s%s",
		    consensus_why_name(v->why[i]), v->why[i] == WHY_WEAK ? ",\"weak\":\"" : "",
		    v->why[i] == WHY_WEAK ? consensus_rule_name(v->mirror_rule[i]) : "",
		    v->why[i] == WHY_WEAK ? "\"" : "");
	if (o < cap)
		o += (size_t)snprintf(out + o, cap - o, "}");
	return o;
}

size_t
dissent_format(const struct dissent_entry *e, const char *time, char *out, size_t cap)
{
	char esc[1100], tb[16];
	size_t o;

	json_escape(esc, sizeof(esc), e->name);
	o = (size_t)snprintf(out, cap,
	    "{\"time\":\"%s\",\"name\":\"%s\",\"type\":\"%s\",\"local\":\"%s\",\"outcome\":\"%s\","
	    "\"action\":\"%s\",\"mirrors\":[",
	    time, esc, dnswire_type2str(e->qtype, tb, sizeof(tb)), e->local,
	    consensus_outcome_name(e->v->outcome), policy_action_name(e->action));
	/* Room is left for the mirrors still to come and the CA evidence: a line cut short is
	 * worse than one with fewer mirrors. */
	for (size_t i = 0; i < e->n_mirrors && cap > 600 && o < cap - 600; i++)
		o += dissent_mirror_json(e, i, out + o, cap - o);
	if (o < cap)
		o += (size_t)snprintf(out + o, cap - o, "]");
	if (e->ca && cap > 1200 && o < cap - 1200)
		o += check_ca_json(e->ca, out + o, cap - o);
	if (o < cap)
		o += (size_t)snprintf(out + o, cap - o, "}\n");
	return o < cap ? o : 0;
}

void
dissent_write(struct dissent *dl, const struct dissent_entry *e)
{
	char line[DISSENT_LINE_MAX], stamp[VUTIL_RFC3339_LEN];
	size_t n;

	if (dl == NULL || dl->fd < 0)
		return;
	vutil_rfc3339(stamp);
	if ((n = dissent_format(e, stamp, line, sizeof(line))) == 0)
		return;
	if (write(dl->fd, line, n) < 0)
		log_warn(LOG_G_CONSENSUS, "dissent log");
}

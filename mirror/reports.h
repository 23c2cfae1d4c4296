/* mirror/reports.h - clients' reports: strict parsing and per-mirror tallies kept on disk. */
#ifndef VANTAGE_MIRROR_REPORTS_H
#define VANTAGE_MIRROR_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "tls.h"

#define REPORT_MAX_RESULTS 64		/* mirrors one client asks per question, with room */
#define REPORT_MAX_NODES 1024		/* YAML nodes in one body: bounds parse work */
#define REPORT_MAX_KEYS 64		/* keys in one object of a report */
/*
 * Tallies kept. Past it a new id takes the place of the stalest tally: one last reported
 * more than REPORTS_MAX_AGE ago, else one of the least reported, least recent first.
 * Reports are unauthenticated: without eviction a flood of made-up ids filled the table
 * for good and no new mirror was ever counted again.
 */
#define REPORTS_MAX_MIRRORS 4096
#define REPORTS_MAX_AGE (30 * 86400)	/* seconds */
#define REPORTS_FILE "reports.json"

enum report_outcome {
	REPORT_AGREE,		/* the mirror's answer matched the consensus */
	REPORT_DISSENT,		/* it answered differently */
	REPORT_TIMEOUT,		/* it did not answer in time */
	REPORT_ERROR,		/* TLS, HTTP or DNS failure */
	REPORT_NOUTCOMES
};

struct report_result {
	uint8_t mirror[TLS_SHA256_LEN];
	uint8_t digest[TLS_SHA256_LEN];
	int has_digest;
	enum report_outcome outcome;
};

/* One parsed report. */
struct report {
	char name[256];		/* question name, presentation form */
	uint16_t qtype;
	struct report_result results[REPORT_MAX_RESULTS];
	size_t n_results;
};

/* One mirror's tally. */
struct report_tally {
	uint8_t mirror[TLS_SHA256_LEN];
	uint64_t counts[REPORT_NOUTCOMES];
	uint64_t last;		/* unix time of the last report naming it */
	uint64_t seq;		/* order of the last report (ties within a second) */
	uint64_t shared[REPORT_NOUTCOMES];	/* replicas: the part of counts Redis has */
};

struct reports;

/* report_outcome_name - "agree", "dissent", "timeout", "error". */
const char *report_outcome_name(enum report_outcome o);

/*
 * report_parse - check a POST /v1/report body (JSON) strictly: known keys only, version
 * 1, a valid question, 1..REPORT_MAX_RESULTS results with 64-hex ids, a digest exactly for
 * agree/dissent, no mirror twice. Returns 0 and fills rep, or -1 with "line N: why" (or
 * just why) in err.
 */
int report_parse(const void *body, size_t len, struct report *rep, char *err, size_t errlen);

/*
 * reports_open - the tallies kept in dir/reports.json (none yet is fine). Returns NULL
 * with err set when the file exists but is unreadable or corrupt: better to stop than to
 * overwrite history.
 */
struct reports *reports_open(const char *dir, char *err, size_t errlen);

/* reports_free - accepts NULL; does not save. */
void reports_free(struct reports *r);

/*
 * reports_record - add rep to the tallies at unix time now, evicting stale tallies when
 * the table is full. Returns the results counted.
 */
size_t reports_record(struct reports *r, const struct report *rep, uint64_t now);

/* reports_dirty - whether there is something to save. */
int reports_dirty(const struct reports *r);

/*
 * reports_save - write the tallies atomically (temp file, fsync, rename, fsync of the
 * directory) so that a crash leaves the old or the new file, never a torn one. 0 or -1.
 */
int reports_save(struct reports *r);

/* reports_find - the tally of mirror, or NULL. Valid until the next record. */
const struct report_tally *reports_find(const struct reports *r, const uint8_t *mirror);

/* reports_at - the i-th tally (0 <= i < reports_count), for a walk; NULL past the end. */
struct report_tally *reports_at(struct reports *r, size_t i);

/*
 * reports_tally - mirror's tally, made (evicting, as reports_record does) when there is
 * none, for a caller about to change its counts (replica.c); the tallies are marked to be
 * saved. NULL out of memory.
 */
struct report_tally *reports_tally(struct reports *r, const uint8_t *mirror, uint64_t now);

/* reports_count - tallies kept. */
size_t reports_count(const struct reports *r);

/* reports_evicted - tallies evicted to make room since the start. */
uint64_t reports_evicted(const struct reports *r);

#endif

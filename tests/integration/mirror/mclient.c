/* tests/integration/mirror/mclient.c - test driver for resolver/mirror_client.c against real mirrors. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "dnswire.h"
#include "log.h"
#include "mirror_client.h"
#include "netaddr.h"
#include "tls.h"
#include "vutil.h"

/*
 * Loads a vantaged-style config, builds the mirror set from it and then either lists it
 * (--list), prints the selection for names (--select), or asks one mirror (--mirror)
 * --count questions in rounds, printing what came back:
 *   result: ok=N timeout=N error=N tls=N wrong=N   (wrong: OK but not the --expect address)
 *   state: up|idle|connecting|backoff|pin-failed
 *   handshakes: N
 *   elapsed_ms: N (per round), per_query_us: N (sequential rounds)
 * --hold ADDR:PORT listens there and never accepts: the kernel completes TCP handshakes
 * into the backlog and nothing ever answers (a hanging mirror).
 * --distinct asks q<N>.NAME for the N-th question, so that no cache answers for the
 * upstream; --warm asks one question first (the CA fetch happens then, so that the rounds
 * can use every connection lane); --get TARGET sends one GET with mirror_get and prints
 *   get: transport=N status=N len=N
 *   body: ...
 */

struct run {
	struct event_base *base;
	struct mirror_set *set;
	struct mirror *m;
	struct dnsq q;
	const char *expect;
	long count, depth, sent, done;
	long n[4], wrong, cancelled_cb;
	uint32_t timeout_ms;
	int in_query;
	int reentrant;		/* a callback ran inside mirror_query */
	int cancel_odd;		/* cancel every other request */
	int distinct;		/* q<N>.NAME instead of NAME */
	int free_inside;	/* free the set from inside the first callback */
	struct mirror_req **reqs;
	uint64_t t0, first_us, last_us;
};

static const char *const state_names[] = { "idle", "connecting", "up", "backoff",
	"pin-failed" };

/* The first A record's address of a response, or "" (enough for the tests' answers). */
static void
first_a(const uint8_t *p, size_t len, char *out, size_t cap)
{
	size_t off = DNS_HDRLEN;
	uint16_t an, i;

	out[0] = '\0';
	if (len < DNS_HDRLEN)
		return;
	an = dnswire_get16(p + 6);
	/* skip the question: name, type, class */
	while (off < len && p[off] != 0 && (p[off] & 0xc0) == 0)
		off += 1 + p[off];
	off += (off < len && (p[off] & 0xc0) == 0xc0) ? 2 : 1;
	off += 4;
	for (i = 0; i < an && off < len; i++) {
		uint16_t type, rdlen;

		while (off < len && p[off] != 0 && (p[off] & 0xc0) == 0)
			off += 1 + p[off];
		off += (off < len && (p[off] & 0xc0) == 0xc0) ? 2 : 1;
		if (off + 10 > len)
			return;
		type = dnswire_get16(p + off);
		rdlen = dnswire_get16(p + off + 8);
		off += 10;
		if (off + rdlen > len)
			return;
		if (type == DNS_TYPE_A && rdlen == 4) {
			inet_ntop(AF_INET, p + off, out, (socklen_t)cap);
			return;
		}
		off += rdlen;
	}
}

static void run_send(struct run *r);
static void usage(void);

/* mirror_get's answer: printed, then the loop ends. */
static void
get_cb(void *arg, enum cons_transport t, int status, const uint8_t *body, size_t len)
{
	struct run *r = arg;

	printf("get: transport=%d status=%d len=%zu\nbody: %.*s\n", (int)t, status, len,
	    (int)(len > 2000 ? 2000 : len), body != NULL ? (const char *)body : "");
	r->done++;
	event_base_loopbreak(r->base);
}

/* One question, waited for, before the measured rounds. */
static void
warm_cb(void *arg, enum cons_transport t, const uint8_t *wire, size_t len)
{
	struct run *r = arg;

	(void)wire;
	(void)len;
	printf("warm: transport=%d\n", (int)t);
	event_base_loopbreak(r->base);
}

/* What a cancelled request's slot holds: its callback must never see it. */
static char cancelled_marker;
#define CANCELLED ((struct mirror_req *)&cancelled_marker)

static void
run_cb(void *arg, enum cons_transport t, const uint8_t *wire, size_t len)
{
	struct mirror_req **slot = arg;
	struct run *r = *(struct run **)(slot + 1);
	char ip[64];

	if (r->in_query)
		r->reentrant = 1;
	if (*slot == CANCELLED)
		r->cancelled_cb++;
	*slot = NULL;
	r->done++;
	r->n[t]++;
	r->last_us = now_us();
	if (r->first_us == 0)
		r->first_us = r->last_us;
	if (t == TRANSPORT_OK && r->expect != NULL) {
		first_a(wire, len, ip, sizeof(ip));
		if (strcmp(ip, r->expect) != 0)
			r->wrong++;
	}
	if (r->free_inside) {
		/* Ends everything: no further callback may run, and nothing may leak. */
		mirror_set_free(r->set);
		r->set = NULL;
		event_base_loopbreak(r->base);
		return;
	}
	run_send(r);
}

/* Keep depth requests outstanding (depth 0: all at once). */
static void
run_send(struct run *r)
{
	while (r->sent < r->count && (r->depth == 0 || r->sent - r->done < r->depth)) {
		/* Each slot holds the request handle, then the run pointer (for the callback). */
		struct mirror_req **slot = &r->reqs[2 * r->sent];

		struct dnsq q = r->q;

		*(struct run **)(slot + 1) = r;
		if (r->distinct) {
			char label[24];
			int ll = snprintf(label, sizeof(label), "q%ld", r->sent);

			if ((size_t)ll + 1 + r->q.qname_len > DNS_MAXNAME)
				usage();
			q.qname[0] = (uint8_t)ll;
			memcpy(q.qname + 1, label, (size_t)ll);
			memcpy(q.qname + 1 + ll, r->q.qname, r->q.qname_len);
			q.qname_len = (uint8_t)(1 + ll + r->q.qname_len);
		}
		r->in_query = 1;
		*slot = mirror_query(r->m, &q, r->timeout_ms, run_cb, slot);
		r->in_query = 0;
		if (*slot == NULL) {
			fprintf(stderr, "mirror_query failed\n");
			exit(2);
		}
		r->sent++;
		if (r->cancel_odd && r->sent % 2 == 0) {
			mirror_cancel(*slot);
			*slot = CANCELLED;
			r->done++;	/* counted as finished: its callback must never run */
		}
	}
	if (r->done >= r->count)
		event_base_loopbreak(r->base);
}

static void
hold_listen(const char *spec)
{
	struct netaddr a;
	int fd, one = 1;

	if (netaddr_parse(spec, 0, &a) != 0 ||
	    (fd = socket(a.ss.ss_family, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&a.ss, a.len) != 0 || listen(fd, 64) != 0) {
		perror(spec);
		exit(2);
	}
	/* fd stays open and is never read: a mirror that accepts and then says nothing. */
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: mclient -c CONFIG [-v] [--secret HEX] [--hold ADDR:PORT]\n"
	    "       (--list | --select NAME:K ... | --mirror NAME [--name N] [--type T]\n"
	    "        [--count N] [--depth D] [--rounds R] [--pause MS] [--timeout MS]\n"
	    "        [--expect IP] [--cancel-odd] [--free-inside] [--free-early MS]\n"
	    "        [--distinct] [--warm] [--get TARGET])\n");
	exit(2);
}

static void
print_stats(struct mirror *m)
{
	struct mirror_stats st;

	mirror_get_stats(m, &st);
	printf("state: %s\nhandshakes: %llu\nstats: queries=%llu answers=%llu timeouts=%llu "
	       "errors=%llu tls_failures=%llu srtt_ms=%u\n",
	    state_names[st.state], (unsigned long long)st.handshakes,
	    (unsigned long long)st.queries, (unsigned long long)st.answers,
	    (unsigned long long)st.timeouts, (unsigned long long)st.errors,
	    (unsigned long long)st.tls_failures, st.srtt_ms);
	printf("proto: %s\nresumed: %llu\nlast_error: %s\n", mirror_proto_name(st.proto),
	    (unsigned long long)st.resumed, mirror_last_error(m));
}

static void
loop_for(struct event_base *base, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "secret", required_argument, NULL, 'S' },
		{ "hold", required_argument, NULL, 'H' },
		{ "list", no_argument, NULL, 'l' },
		{ "select", required_argument, NULL, 's' },
		{ "mirror", required_argument, NULL, 'm' },
		{ "name", required_argument, NULL, 'N' },
		{ "type", required_argument, NULL, 'T' },
		{ "count", required_argument, NULL, 'n' },
		{ "depth", required_argument, NULL, 'd' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "pause", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "expect", required_argument, NULL, 'e' },
		{ "cancel-odd", no_argument, NULL, 'C' },
		{ "free-inside", no_argument, NULL, 'F' },
		{ "free-early", required_argument, NULL, 'E' },
		{ "distinct", no_argument, NULL, 'D' },
		{ "warm", no_argument, NULL, 'W' },
		{ "get", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = NULL, *mname = NULL, *qname = "www.example.test.", *qtype = "A";
	const char *selects[64], *get = NULL;
	size_t n_selects = 0;
	long rounds = 1, pause_ms = 0, free_early = -1;
	int list = 0, verbose = 0, warm = 0, ch, rc = 0;
	uint8_t secret[32] = { 0 };
	struct run r = { 0 };
	struct config *cfg;
	char err[512];

	r.count = 1;
	r.timeout_ms = 2000;
	while ((ch = getopt_long(argc, argv, "c:v", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'v': verbose = 1; break;
		case 'S':
			if (tls_unhex(optarg, secret, sizeof(secret)) != 0)
				usage();
			break;
		case 'H': hold_listen(optarg); break;
		case 'l': list = 1; break;
		case 's':
			if (n_selects == NELEMS(selects))
				usage();
			selects[n_selects++] = optarg;
			break;
		case 'm': mname = optarg; break;
		case 'N': qname = optarg; break;
		case 'T': qtype = optarg; break;
		case 'n': r.count = atol(optarg); break;
		case 'd': r.depth = atol(optarg); break;
		case 'r': rounds = atol(optarg); break;
		case 'p': pause_ms = atol(optarg); break;
		case 't': r.timeout_ms = (uint32_t)atol(optarg); break;
		case 'e': r.expect = optarg; break;
		case 'C': r.cancel_odd = 1; break;
		case 'F': r.free_inside = 1; break;
		case 'E': free_early = atol(optarg); break;
		case 'D': r.distinct = 1; break;
		case 'W': warm = 1; break;
		case 'G': get = optarg; break;
		default: usage();
		}
	}
	if (conf == NULL)
		usage();
	log_init("mclient", 1, verbose ? LOG_L_DEBUG : LOG_L_INFO);
	if ((cfg = config_load(conf, "/dev/null", err, sizeof(err))) == NULL) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	r.base = event_base_new();
	if ((r.set = mirror_set_new(r.base, cfg, secret, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mirror_set_new: %s\n", err);
		config_free(cfg);
		event_base_free(r.base);
		return 3;
	}
	printf("mirrors: %zu\n", mirror_set_count(r.set));
	if (list)
		for (size_t i = 0; i < mirror_set_count(r.set); i++) {
			struct mirror *m = mirror_set_get(r.set, i);
			printf("mirror: %s region=%s id=%s usable=%d\n", mirror_name(m),
			    mirror_region(m), mirror_id_hex(m), mirror_usable(m));
		}
	if (mname != NULL) {
		for (size_t i = 0; i < mirror_set_count(r.set); i++)
			if (strcmp(mirror_name(mirror_set_get(r.set, i)), mname) == 0)
				r.m = mirror_set_get(r.set, i);
		if (r.m == NULL) {
			fprintf(stderr, "no mirror named %s\n", mname);
			rc = 2;
			goto out;
		}
		r.q.qname_len = (uint8_t)dnswire_name_from_str(qname, r.q.qname, sizeof(r.q.qname));
		r.q.qtype = dnswire_str2type(qtype);
		r.q.qclass = DNS_CLASS_IN;
		if (r.q.qname_len == 0 || r.q.qtype == 0)
			usage();
		r.reqs = calloc((size_t)r.count * 2, sizeof(*r.reqs));
		if (get != NULL) {
			if (mirror_get(r.m, get, r.timeout_ms, get_cb, &r) == NULL) {
				fprintf(stderr, "mirror_get failed\n");
				rc = 2;
				goto out;
			}
			event_base_dispatch(r.base);
			rounds = 0;
		}
		if (warm) {
			if (mirror_query(r.m, &r.q, r.timeout_ms, warm_cb, &r) == NULL) {
				fprintf(stderr, "mirror_query failed\n");
				rc = 2;
				goto out;
			}
			event_base_dispatch(r.base);
		}
		for (long round = 0; round < rounds && r.set != NULL; round++) {
			uint64_t t0;

			if (round > 0 && pause_ms > 0)
				loop_for(r.base, pause_ms);
			r.sent = r.done = r.wrong = 0;
			memset(r.n, 0, sizeof(r.n));
			r.first_us = 0;
			t0 = r.t0 = now_us();
			run_send(&r);
			if (free_early >= 0) {
				loop_for(r.base, free_early);
				long before = r.done;

				printf("freed with %ld of %ld requests pending\n", r.sent - r.done,
				    r.sent);
				mirror_set_free(r.set);
				r.set = NULL;
				/* Nothing may call back after this: run the loop to prove it. */
				loop_for(r.base, 300);
				printf("callbacks after free: %ld\n", r.done - before);
				break;
			}
			if (r.done < r.count)
				event_base_dispatch(r.base);
			printf("round %ld: result: ok=%ld timeout=%ld error=%ld tls=%ld wrong=%ld "
			       "done=%ld/%ld\n", round + 1, r.n[0], r.n[1], r.n[2], r.n[3], r.wrong,
			    r.done, r.count);
			printf("round %ld: first_ms: %llu elapsed_ms: %llu\n", round + 1,
			    (unsigned long long)((r.first_us - t0) / 1000),
			    (unsigned long long)((r.last_us - t0) / 1000));
			if (r.depth == 1 && r.count > 1)
				printf("round %ld: per_query_us: %llu\n", round + 1,
				    (unsigned long long)((r.last_us - r.first_us) /
				    (unsigned long long)(r.count - 1)));
			if (r.set != NULL)
				print_stats(r.m);
		}
		if (r.reentrant) {
			printf("ERROR: a callback ran inside mirror_query\n");
			rc = 1;
		}
		if (r.cancelled_cb != 0) {
			printf("ERROR: %ld cancelled callbacks ran\n", r.cancelled_cb);
			rc = 1;
		}
	}
	/* After the queries, so that their outcome (a mirror in backoff) shows in the choice. */
	for (size_t i = 0; i < n_selects && r.set != NULL; i++) {
		/* NAME:K: the k mirrors chosen for NAME, best first. */
		char name[300], *colon;
		uint8_t wire[DNS_MAXNAME];
		struct mirror *out[32];
		size_t wl, k, got;

		snprintf(name, sizeof(name), "%s", selects[i]);
		if ((colon = strrchr(name, ':')) == NULL)
			usage();
		*colon = '\0';
		k = (size_t)atol(colon + 1);
		if (k > NELEMS(out) || (wl = dnswire_name_from_str(name, wire, sizeof(wire))) == 0)
			usage();
		got = mirror_set_select(r.set, wire, wl, k, out);
		printf("select %s:", name);
		for (size_t j = 0; j < got; j++)
			printf(" %s/%s", mirror_name(out[j]), mirror_region(out[j]));
		printf("\n");
	}
out:
	mirror_set_free(r.set);
	free(r.reqs);
	config_free(cfg);
	event_base_free(r.base);
	return rc;
}

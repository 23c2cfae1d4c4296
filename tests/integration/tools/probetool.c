/*
 * tests/integration/tools/probetool.c - run TLS probes (resolver/probe.c) on an event loop.
 *
 * probetool ADDR PORT NAME [SEL:HEX64 ...] [--timeout MS] [--count K] [--max N]
 *     [--repeat R] [--cancel-after MS] [--free-in-callback] [--sandbox]
 *
 * Starts K probes (default 1) of ADDR:PORT with SNI NAME against the accepted CAs given as
 * selector:sha256-hex (TLSA 2 SEL 1), at most N in flight (default K), and prints one line
 * per probe when it ends:
 *     probe=0 result=ok matched=0 chain=<hex>,<hex> elapsed_ms=3 detail="..."
 * (with reentrant=1 appended if a callback ever came from inside probe_start).
 * A probe refused by probe_start prints result=busy or result=unreachable (not-started).
 * --repeat R starts each probe again from its callback, R times in all (sequential,
 * warm handshakes), and ends with a line "repeat=R min_ms=.. median_ms=.. max_ms=..".
 * --count/--max are ignored then.
 * --cancel-after cancels every probe still running after MS ms (result=cancelled).
 * --free-in-callback frees the whole set from the first callback (the others are
 * cancelled with it: result=cancelled).
 * --sandbox enters vantaged's sandbox (no_new_privs, Landlock, seccomp) before probing.
 * Exits 0 whatever the results; 2 on usage errors, 1 when the set cannot be made.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netaddr.h"
#include "probe.h"
#include "sandbox.h"

#define PROBETOOL_MAX_CAS 16
#define PROBETOOL_MAX_COUNT 64

struct probetool {
	struct event_base *base;
	struct probe_set *ps;
	struct probe *probes[PROBETOOL_MAX_COUNT];
	size_t running;
	struct event *cancel;		/* --cancel-after */
	/* --repeat */
	long repeat, done;
	uint64_t ms[1000];
	const struct netaddr *addr;
	uint16_t port;
	const char *name;
	const struct probe_ca *cas;
	size_t n_cas;
	uint32_t timeout;
	int free_in_cb;
};

struct slot {
	struct probetool *t;
	size_t i;
};

static void
usage(void)
{
	fprintf(stderr, "usage: probetool ADDR PORT NAME [SEL:HEX64 ...] [--timeout MS] "
	    "[--count K] [--max N] [--cancel-after MS] [--sandbox]\n");
	exit(2);
}

/* Set around probe_start: a callback from inside it would break the contract. */
static int starting;

static void
done(void *arg, const struct probe_outcome *o)
{
	struct slot *s = arg;
	char hex[TLS_SHA256_HEX];
	size_t i;

	printf("probe=%zu result=%s matched=%d chain=", s->i, probe_result_name(o->result),
	    o->matched);
	for (i = 0; i < o->n_chain; i++)
		printf("%s%s", i ? "," : "", tls_hex(o->chain[i], TLS_SHA256_LEN, hex));
	printf(" elapsed_ms=%llu detail=\"%s\"%s\n", (unsigned long long)o->elapsed_ms, o->detail,
	    starting ? " reentrant=1" : "");
	fflush(stdout);
	s->t->probes[s->i] = NULL;
	s->t->running--;
	if (s->t->free_in_cb) {
		struct probetool *t = s->t;

		probe_set_free(t->ps);
		t->ps = NULL;
		for (i = 0; i < PROBETOOL_MAX_COUNT; i++)
			if (t->probes[i] != NULL) {
				t->probes[i] = NULL;
				t->running--;
				printf("probe=%zu result=cancelled\n", i);
			}
	}
	if (s->t->repeat > 0 && s->t->ps != NULL) {
		struct probetool *t = s->t;

		t->ms[t->done++] = o->elapsed_ms;
		if (t->done < t->repeat && (t->probes[s->i] = probe_start(t->ps, t->addr, t->port,
		    t->name, t->cas, t->n_cas, t->timeout, done, s, NULL)) != NULL)
			t->running++;
	}
	/* Nothing left to cancel: let the loop end. */
	if (s->t->running == 0 && s->t->cancel != NULL)
		event_del(s->t->cancel);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
cancel_all(evutil_socket_t fd, short what, void *arg)
{
	struct probetool *t = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < PROBETOOL_MAX_COUNT; i++)
		if (t->probes[i] != NULL) {
			probe_cancel(t->probes[i]);
			t->probes[i] = NULL;
			t->running--;
			printf("probe=%zu result=cancelled\n", i);
		}
	fflush(stdout);
}

static long
num(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	struct probetool t = { 0 };
	struct probe_ca cas[PROBETOOL_MAX_CAS];
	struct slot slots[PROBETOOL_MAX_COUNT];
	struct netaddr addr;
	enum probe_result why;
	long timeout = 5000, count = 1, max = 0, cancel_after = -1, port;
	size_t n_cas = 0, i;
	int sandbox = 0, a;

	if (argc < 4)
		usage();
	if (netaddr_parse(argv[1], 0, &addr) != 0)
		usage();
	port = num(argv[2], 1, 65535);
	for (a = 4; a < argc; a++) {
		if (strcmp(argv[a], "--timeout") == 0 && a + 1 < argc) {
			timeout = num(argv[++a], 1, 600000);
		} else if (strcmp(argv[a], "--count") == 0 && a + 1 < argc) {
			count = num(argv[++a], 1, PROBETOOL_MAX_COUNT);
		} else if (strcmp(argv[a], "--max") == 0 && a + 1 < argc) {
			max = num(argv[++a], 1, PROBETOOL_MAX_COUNT);
		} else if (strcmp(argv[a], "--repeat") == 0 && a + 1 < argc) {
			t.repeat = num(argv[++a], 1, 1000);
		} else if (strcmp(argv[a], "--cancel-after") == 0 && a + 1 < argc) {
			cancel_after = num(argv[++a], 0, 600000);
		} else if (strcmp(argv[a], "--free-in-callback") == 0) {
			t.free_in_cb = 1;
		} else if (strcmp(argv[a], "--sandbox") == 0) {
			sandbox = 1;
		} else if (n_cas < PROBETOOL_MAX_CAS && (argv[a][0] == '0' || argv[a][0] == '1') &&
		    argv[a][1] == ':' &&
		    tls_unhex(argv[a] + 2, cas[n_cas].sha256, TLS_SHA256_LEN) == 0) {
			cas[n_cas++].selector = (uint8_t)(argv[a][0] - '0');
		} else {
			usage();
		}
	}
	if (t.repeat > 0)
		count = max = 1;
	if (max == 0)
		max = count;
	log_init("probetool", 1, t.repeat > 0 ? LOG_L_WARN : LOG_L_DEBUG);
	t.addr = &addr;
	t.port = (uint16_t)port;
	t.name = argv[3];
	t.cas = cas;
	t.n_cas = n_cas;
	t.timeout = (uint32_t)timeout;
	if ((t.base = event_base_new()) == NULL || (t.ps = probe_set_new(t.base, (size_t)max)) ==
	    NULL) {
		fprintf(stderr, "probetool: cannot set up the probes\n");
		return 1;
	}
	if (sandbox) {
		struct sandbox_paths paths;
		struct sandbox_state st;
		char err[256];

		memset(&paths, 0, sizeof(paths));
		if (sandbox_enter(&paths, 1, &st, err, sizeof(err)) != 0) {
			fprintf(stderr, "probetool: sandbox: %s\n", err);
			return 1;
		}
		printf("sandbox no_new_privs=%d landlock_abi=%d seccomp=%d exec_errno=%d\n",
		    st.no_new_privs, st.landlock_abi, st.seccomp, sandbox_selftest_exec());
	}
	for (i = 0; i < (size_t)count; i++) {
		slots[i].t = &t;
		slots[i].i = i;
		starting = 1;
		t.probes[i] = probe_start(t.ps, &addr, (uint16_t)port, argv[3], cas, n_cas,
		    (uint32_t)timeout, done, &slots[i], &why);
		starting = 0;
		if (t.probes[i] == NULL)
			printf("probe=%zu result=%s not-started\n", i, probe_result_name(why));
		else
			t.running++;
	}
	fflush(stdout);
	if (cancel_after >= 0) {
		struct timeval tv = { cancel_after / 1000, cancel_after % 1000 * 1000 };

		if (t.running > 0 && (t.cancel = evtimer_new(t.base, cancel_all, &t)) != NULL)
			evtimer_add(t.cancel, &tv);
	}
	/* The loop ends when nothing is left: every probe reported or cancelled, and libevent
	 * has freed their connections. */
	event_base_dispatch(t.base);
	if (t.repeat > 0 && t.done > 0) {
		qsort(t.ms, (size_t)t.done, sizeof(t.ms[0]), cmp_u64);
		printf("repeat=%ld min_ms=%llu median_ms=%llu max_ms=%llu\n", t.done,
		    (unsigned long long)t.ms[0], (unsigned long long)t.ms[t.done / 2],
		    (unsigned long long)t.ms[t.done - 1]);
	}
	if (t.cancel != NULL)
		event_free(t.cancel);
	probe_set_free(t.ps);
	event_base_free(t.base);
	return 0;
}

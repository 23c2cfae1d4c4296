/* tests/fuzz/fuzz.h - what every fuzz target shares: the libFuzzer entry point and helpers. */
#ifndef VANTAGE_FUZZ_H
#define VANTAGE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The libFuzzer entry point. With --enable-fuzzing libFuzzer calls it; in `make check`
 * tests/fuzz/standalone.c calls it once per corpus and regress file (gcc, no libFuzzer).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * fuzz_dup - an exact-size heap copy of data (one byte more when nul is set, holding a
 * NUL), so that ASAN sees a read one past the end. Never returns NULL: out of memory in a
 * fuzzer is an abort, not a finding.
 */
static inline uint8_t *
fuzz_dup(const uint8_t *data, size_t size, int nul)
{
	uint8_t *p = malloc(size + (nul ? 1 : 0) + (size == 0 && !nul));

	if (p == NULL)
		abort();
	if (size)
		memcpy(p, data, size);
	if (nul)
		p[size] = '\0';
	return p;
}

/* A tiny reader over the input: control bytes first, the rest is the payload. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	uint8_t v = 0;

	if (in->n > 0) {
		v = in->p[0];
		in->p++;
		in->n--;
	}
	return v;
}

/*
 * fuzz_avoid_known - whether to step around the known, not yet fixed bug named what
 * (listed in tests/fuzz/README.md), so that a long run finds new bugs instead of that one
 * again: FUZZ_AVOID_KNOWN=all, or a comma-separated list of names. Unset by default: the
 * targets, and their reproducers in tests/fuzz/regress/, do hit them.
 */
static inline int
fuzz_avoid_known(const char *what)
{
	const char *v = getenv("FUZZ_AVOID_KNOWN");
	size_t n = strlen(what);

	if (v == NULL)
		return 0;
	if (strcmp(v, "all") == 0)
		return 1;
	for (const char *p = v; (p = strstr(p, what)) != NULL; p += n)
		if ((p == v || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

#endif

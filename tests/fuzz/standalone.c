/* tests/fuzz/standalone.c - run a fuzz target's LLVMFuzzerTestOneInput once per file (no libFuzzer). */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>

#include "fuzz.h"

/* The mirror target renames vantage-mirror's main() with -Dmain=...; this one stays. */
#undef main

/*
 * `make check` builds every target with this main() instead of libFuzzer's, with the
 * ordinary compiler (and ASAN+UBSAN under --enable-sanitizers), so that the seed corpora
 * and every saved reproducer (tests/fuzz/regress/) run on each check. Usage:
 * standalone_NAME FILE...; prints one line per file, exits 1 when a file cannot be read
 * (a crash ends the process, which tests/fuzz/smoke.sh reports).
 */

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 4096);
			if (nb == NULL)
				abort();
			buf = nb;
		}
		if ((n = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	/* An exact-size copy: a read past the input must be past an allocation. */
	uint8_t *in = fuzz_dup(buf, len, 0);
	free(buf);
	(void)LLVMFuzzerTestOneInput(in, len);
	free(in);
	return 0;
}

int
main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (run_file(argv[i]) != 0)
			rc = 1;
		else
			printf("ran %s\n", argv[i]);
		fflush(stdout);
	}
	return rc;
}

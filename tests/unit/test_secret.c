/* tests/unit/test_secret.c - resolver/secret.c: the install's secret is made once, kept
 * (0600) beside the state file, read back the same, and remade when the file is short. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "secret.h"

static void
test_no_state(void **state)
{
	uint8_t a[SECRET_LEN], b[SECRET_LEN];

	(void)state;
	/* Without a state file: fresh each time. */
	assert_int_equal(secret_load(NULL, a), 0);
	assert_int_equal(secret_load(NULL, b), 0);
	assert_memory_not_equal(a, b, SECRET_LEN);
}

static void
test_kept(void **state)
{
	char dir[] = "/tmp/test_secret.XXXXXX", sf[64], key[80];
	uint8_t a[SECRET_LEN], b[SECRET_LEN], c[SECRET_LEN];
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sf, sizeof(sf), "%s/state", dir);
	snprintf(key, sizeof(key), "%s/state.key", dir);
	assert_int_equal(secret_load(sf, a), 0); /* made */
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_size, SECRET_LEN);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(secret_load(sf, b), 1); /* read */
	assert_memory_equal(a, b, SECRET_LEN);
	/* A short file (a crash while writing it): made again, and kept whole. */
	assert_non_null(f = fopen(key, "w"));
	fputs("short", f);
	fclose(f);
	assert_int_equal(secret_load(sf, c), 0);
	assert_memory_not_equal(a, c, SECRET_LEN);
	assert_int_equal(secret_load(sf, b), 1);
	assert_memory_equal(b, c, SECRET_LEN);
	unlink(key);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_state),
		cmocka_unit_test(test_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

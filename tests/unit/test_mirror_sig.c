/* tests/unit/test_mirror_sig.c - answer signatures: equal answers share one, others do not. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sig.h"
#include "testpkt.h"

/* www.example.test A with addresses 127.200.0.last[i], TTL ttl, RCODE rcode. */
static void
answer(struct tpkt *p, int rcode, uint32_t ttl, const uint8_t *last, size_t n)
{
	size_t i;

	tp_hdr(p, 1, (uint16_t)(0x8180 | rcode), 1, (uint16_t)n, 0, 0);
	tp_question(p, "www.example.test", 1);
	for (i = 0; i < n; i++)
		tp_a_at_q(p, ttl, 127, 200, 0, last[i]);
}

static void
sig_of(const struct tpkt *p, uint8_t out[TLS_SHA256_LEN])
{
	assert_int_equal(sig_answer(p->b, p->n, out), 0);
}

/* Order and TTLs do not matter; addresses and the RCODE do. */
static void
test_order_and_ttl(void **state)
{
	const uint8_t x[] = { 1, 2, 3 }, y[] = { 3, 1, 2 }, z[] = { 1, 2, 4 };
	uint8_t s1[TLS_SHA256_LEN], s2[TLS_SHA256_LEN];
	struct tpkt a, b;

	(void)state;
	answer(&a, 0, 300, x, 3);
	answer(&b, 0, 60, y, 3);
	sig_of(&a, s1);
	sig_of(&b, s2);
	assert_memory_equal(s1, s2, TLS_SHA256_LEN);
	answer(&b, 0, 300, z, 3);
	sig_of(&b, s2);
	assert_memory_not_equal(s1, s2, TLS_SHA256_LEN);
	answer(&b, 3, 300, x, 3);
	sig_of(&b, s2);
	assert_memory_not_equal(s1, s2, TLS_SHA256_LEN);
	answer(&b, 0, 300, x, 2);
	sig_of(&b, s2);
	assert_memory_not_equal(s1, s2, TLS_SHA256_LEN);
}

/* A CNAME's target counts without case, compressed or not. */
static void
test_cname_canonical(void **state)
{
	uint8_t s1[TLS_SHA256_LEN], s2[TLS_SHA256_LEN];
	struct tpkt a, b;
	size_t rd;

	(void)state;
	tp_hdr(&a, 1, 0x8180, 1, 1, 0, 0);
	tp_question(&a, "www.example.test", 5);
	tp_ptr(&a, 12);
	tp_u16(&a, 5);
	tp_u16(&a, 1);
	tp_u32(&a, 300);
	rd = a.n;
	tp_u16(&a, 0);
	tp_name(&a, "Cdn.Example.TEST");
	tp_set16(&a, rd, (uint16_t)(a.n - rd - 2));
	/* The same target, as a pointer into the question's "example.test" after a label. */
	tp_hdr(&b, 1, 0x8180, 1, 1, 0, 0);
	tp_question(&b, "www.example.test", 5);
	tp_ptr(&b, 12);
	tp_u16(&b, 5);
	tp_u16(&b, 1);
	tp_u32(&b, 60);
	tp_u16(&b, 6);
	tp_u8(&b, 3);
	tp_bytes(&b, "cdn", 3);
	tp_ptr(&b, 12 + 4);
	sig_of(&a, s1);
	sig_of(&b, s2);
	assert_memory_equal(s1, s2, TLS_SHA256_LEN);
}

static void
test_malformed(void **state)
{
	uint8_t out[TLS_SHA256_LEN];
	const uint8_t x[] = { 1 };
	struct tpkt a;

	(void)state;
	answer(&a, 0, 300, x, 1);
	assert_int_equal(sig_answer(a.b, 11, out), -1);		/* shorter than a header */
	assert_int_equal(sig_answer(a.b, a.n - 2, out), -1);	/* RDATA cut short */
	/* A name pointer that points at itself. */
	tp_hdr(&a, 1, 0x8180, 1, 0, 0, 0);
	tp_ptr(&a, 12);
	assert_int_equal(sig_answer(a.b, a.n, out), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_ttl),
		cmocka_unit_test(test_cname_canonical),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

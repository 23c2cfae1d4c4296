/*
 * resolver/fleet_codec.c - a shared verdict as bytes in Redis and back, authenticated.
 *
 * The value, big-endian, every variable part with its length:
 *   "VF" version outcome rule flags corroborated dissented asked failed   (10 bytes)
 *   expire (8)  qtype (2)  qname_len (1) qname
 *   rclass (1)  n_rrs (1)  { type (2) len (2) rdata } * n_rrs
 *   n_chain (1) chain_len (2) chain
 *   n_mirrors (1) { len (1) name } * n_mirrors   summary_len (1) summary
 *   HMAC-SHA256 (32) over: key length (2), the key (the prefix included), everything above.
 * The MAC covering the key makes a value copied under another name's key fail, and the
 * name inside it is checked against the key besides (a fleet key leaked to a second fleet
 * with another prefix still cannot move values between them).
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnswire.h"
#include "fleet_codec.h"
#include "tls.h"
#include "vcache.h"

#define FLEET_HEAD 10
#define FLEET_HMAC_BLOCK 64		/* SHA-256's block size (RFC 2104's B) */
/* The flags a value may carry: those vcache_info knows (VCACHE_F_SHARED is added by the
 * importer, never taken from the value). */
#define FLEET_FLAGS (VCACHE_F_TLS | VCACHE_F_REGIONS | VCACHE_F_CA | VCACHE_F_STICKY | \
	VCACHE_F_CHAIN)

size_t
fleet_key(const char *prefix, enum fleet_key_kind kind, const uint8_t *qname, size_t qname_len,
    uint16_t qtype, char *out, size_t cap)
{
	char name[4 * DIGEST_NAME + 2], tb[16];
	int n;

	dnswire_name2str(qname, qname_len, name, sizeof(name));
	n = snprintf(out, cap, "%s%c:%s:%s", prefix, kind == FLEET_KEY_LOCK ? 'l' : 'v',
	    dnswire_type2str(qtype, tb, sizeof(tb)), name);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

int
fleet_hmac(const uint8_t *key, size_t klen, const void *a, size_t alen, const void *b,
    size_t blen, uint8_t out[FLEET_MAC_LEN])
{
	uint8_t k0[FLEET_HMAC_BLOCK] = { 0 }, outer[FLEET_HMAC_BLOCK + FLEET_MAC_LEN];
	uint8_t *inner = malloc(FLEET_HMAC_BLOCK + alen + blen);

	if (inner == NULL)
		return -1;
	if (klen > FLEET_HMAC_BLOCK)
		tls_sha256(key, klen, k0);
	else if (klen > 0)
		memcpy(k0, key, klen);
	for (size_t i = 0; i < FLEET_HMAC_BLOCK; i++) {
		inner[i] = k0[i] ^ 0x36;
		outer[i] = k0[i] ^ 0x5c;
	}
	if (alen)
		memcpy(inner + FLEET_HMAC_BLOCK, a, alen);
	if (blen)
		memcpy(inner + FLEET_HMAC_BLOCK + alen, b, blen);
	tls_sha256(inner, FLEET_HMAC_BLOCK + alen + blen, outer + FLEET_HMAC_BLOCK);
	tls_sha256(outer, sizeof(outer), out);
	free(inner);
	return 0;
}

/* The MAC of body[0..len) read under key. */
static int
fleet_mac(const char *key, const uint8_t *mkey, size_t mklen, const uint8_t *body, size_t len,
    uint8_t out[FLEET_MAC_LEN])
{
	size_t kl = strlen(key);
	uint8_t head[2 + FLEET_KEY_MAX];

	if (kl >= FLEET_KEY_MAX)
		return -1;
	dnswire_put16(head, (uint16_t)kl);
	memcpy(head + 2, key, kl);
	/* Two pieces: the framed key, then the body (fleet_hmac copies them into one). */
	return fleet_hmac(mkey, mklen, head, 2 + kl, body, len, out);
}

/* A writer into a bounded buffer: past cap it only remembers that it overflowed. */
struct fleet_w {
	uint8_t *p;
	size_t o, cap;
	int over;
};

static void
fleet_put(struct fleet_w *w, const void *p, size_t n)
{
	if (w->over || n > w->cap - w->o) {
		w->over = 1;
		return;
	}
	memcpy(w->p + w->o, p, n);
	w->o += n;
}

static void
fleet_put8(struct fleet_w *w, unsigned v)
{
	uint8_t b = (uint8_t)v;

	fleet_put(w, &b, 1);
}

static void
fleet_put16(struct fleet_w *w, unsigned v)
{
	uint8_t b[2];

	dnswire_put16(b, (uint16_t)v);
	fleet_put(w, b, 2);
}

/* A short string, cut to max bytes, anything but printable ASCII as '?' (as read back). */
static void
fleet_put_str(struct fleet_w *w, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char c[256];

	for (size_t i = 0; i < n && i < sizeof(c); i++)
		c[i] = s[i] < 0x20 || s[i] >= 0x7f ? '?' : s[i];
	fleet_put8(w, (unsigned)n);
	fleet_put(w, c, n);
}

/* The answer judged: class, final set, chain. */
static void
fleet_put_answer(struct fleet_w *w, const struct cons_answer *a)
{
	fleet_put8(w, (unsigned)a->rclass);
	fleet_put8(w, (unsigned)a->n_rrs);
	for (size_t i = 0; i < a->n_rrs; i++) {
		fleet_put16(w, a->rrs[i].type);
		fleet_put16(w, a->rrs[i].len);
		fleet_put(w, a->rrs[i].rdata, a->rrs[i].len);
	}
	fleet_put8(w, a->n_chain);
	fleet_put16(w, (unsigned)a->chain_len);
	if (a->chain_len)
		fleet_put(w, a->chain, a->chain_len);
}

size_t
fleet_encode(const struct fleet_verdict *v, const char *key, const uint8_t *mkey, size_t mklen,
    uint8_t *out, size_t cap)
{
	struct fleet_w w = { .p = out, .cap = cap };
	uint8_t head[FLEET_HEAD] = { 'V', 'F', FLEET_VERSION, (uint8_t)v->outcome, (uint8_t)v->rule,
		(uint8_t)(v->flags & FLEET_FLAGS), (uint8_t)v->corroborated, (uint8_t)v->dissented,
		(uint8_t)v->asked, (uint8_t)v->failed };
	uint8_t exp[8];

	if ((v->outcome != OUTCOME_AGREE && v->outcome != OUTCOME_DISSENT) ||
	    v->ans.n_rrs > DIGEST_MAX_RRS || v->n_mirrors > CONSENSUS_MAX_MIRRORS ||
	    v->qname_len == 0 || v->qname_len > DIGEST_NAME)
		return 0;
	for (int i = 0; i < 8; i++)
		exp[i] = (uint8_t)(v->expire >> (56 - 8 * i));
	fleet_put(&w, head, sizeof(head));
	fleet_put(&w, exp, sizeof(exp));
	fleet_put16(&w, v->qtype);
	fleet_put8(&w, (unsigned)v->qname_len);
	fleet_put(&w, v->qname, v->qname_len);
	fleet_put_answer(&w, &v->ans);
	fleet_put8(&w, v->n_mirrors);
	for (unsigned i = 0; i < v->n_mirrors; i++)
		fleet_put_str(&w, v->mirrors[i], FLEET_NAME_MAX);
	fleet_put_str(&w, v->summary, sizeof(v->summary) - 1);
	if (w.over || w.o + FLEET_MAC_LEN > cap || w.o + FLEET_MAC_LEN > FLEET_VALUE_MAX ||
	    fleet_mac(key, mkey, mklen, out, w.o, out + w.o) != 0)
		return 0;
	return w.o + FLEET_MAC_LEN;
}

/* A reader over a bounded buffer: past its end every read fails (and keeps failing). */
struct fleet_r {
	const uint8_t *p;
	size_t o, len;
	int bad;
};

static const uint8_t *
fleet_get(struct fleet_r *r, size_t n)
{
	const uint8_t *at = r->p + r->o;

	if (r->bad || n > r->len - r->o) {
		r->bad = 1;
		return NULL;
	}
	r->o += n;
	return at;
}

static unsigned
fleet_get8(struct fleet_r *r)
{
	const uint8_t *b = fleet_get(r, 1);

	return b ? b[0] : 0;
}

static unsigned
fleet_get16(struct fleet_r *r)
{
	const uint8_t *b = fleet_get(r, 2);

	return b ? dnswire_get16(b) : 0;
}

/* A short printable string into out (cap >= 256 or the string's limit + 1). */
static int
fleet_get_str(struct fleet_r *r, char *out, size_t max)
{
	size_t n = fleet_get8(r);
	const uint8_t *s = fleet_get(r, n);

	if (s == NULL || n > max)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			return -1; /* it reaches logs and JSON: printable ASCII only */
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/*
 * The length of the wire name at p[0..len) (labels of 1..63 bytes, a root label, at most
 * DIGEST_NAME bytes), or 0 when it is not one.
 */
static size_t
fleet_wire_name(const uint8_t *p, size_t len)
{
	size_t o = 0;

	while (o < len && o < DIGEST_NAME) {
		if (p[o] == 0)
			return o + 1;
		if (p[o] > 63)
			return 0;
		o += 1 + (size_t)p[o];
	}
	return 0;
}

/* A name in lower-cased wire form (what the digest keeps): no upper-case letter. */
static int
fleet_name_lower(const uint8_t *p, size_t len)
{
	for (size_t o = 0; o < len && p[o] != 0; o += 1 + (size_t)p[o])
		for (size_t i = 1; i <= p[o]; i++)
			if (p[o + i] >= 'A' && p[o + i] <= 'Z')
				return 0;
	return 1;
}

/* The final set into v->rrs / v->buf, its addresses for A and AAAA. */
static enum fleet_err
fleet_get_rrs(struct fleet_r *r, struct fleet_verdict *v, unsigned n)
{
	size_t used = 0;

	if (n > DIGEST_MAX_RRS)
		return FLEET_E_CONTENT;
	for (unsigned i = 0; i < n; i++) {
		unsigned type = fleet_get16(r), len = fleet_get16(r);
		const uint8_t *rd = fleet_get(r, len);

		if (rd == NULL || len > sizeof(v->buf) - used || type != v->qtype)
			return rd == NULL ? FLEET_E_SIZE : FLEET_E_CONTENT;
		memcpy(v->buf + used, rd, len);
		v->rrs[i] = (struct cons_rr){ .type = (uint16_t)type, .len = (uint16_t)len,
			.rdata = v->buf + used };
		used += len;
		if (type == DNS_TYPE_A || type == DNS_TYPE_AAAA) {
			struct cons_addr *a;
			if (len != (type == DNS_TYPE_A ? 4u : 16u) ||
			    v->ans.n_addrs == CONSENSUS_MAX_ADDRS)
				return FLEET_E_CONTENT;
			a = &v->ans.addrs[v->ans.n_addrs++];
			a->family = type == DNS_TYPE_A ? 4 : 6;
			memcpy(a->bytes, rd, len);
		}
	}
	v->ans.rrs = v->rrs;
	v->ans.n_rrs = n;
	return FLEET_OK;
}

/* The CNAME chain: n_chain wire names filling chain_len exactly. */
static enum fleet_err
fleet_get_chain(struct fleet_r *r, struct fleet_verdict *v)
{
	unsigned n = fleet_get8(r), len = fleet_get16(r);
	const uint8_t *p = fleet_get(r, len);
	size_t o = 0, last = 0;

	if (p == NULL)
		return FLEET_E_SIZE;
	if (n > DIGEST_MAX_CHAIN || len > sizeof(v->chain) || (n == 0) != (len == 0))
		return FLEET_E_CONTENT;
	for (unsigned i = 0; i < n; i++) {
		size_t l = fleet_wire_name(p + o, len - o);
		if (l == 0 || !fleet_name_lower(p + o, l))
			return FLEET_E_CONTENT;
		last = o;
		o += l;
	}
	if (o != len)
		return FLEET_E_CONTENT;
	memcpy(v->chain, p, len);
	v->ans.chain = len ? v->chain : NULL;
	v->ans.chain_len = len;
	v->ans.n_chain = n;
	if (len) {
		v->ans.cname_tail_len = len - last;
		memcpy(v->ans.cname_tail, p + last, len - last);
	}
	return FLEET_OK;
}

/*
 * The checks every value passes before a byte of it is parsed: its size, magic ("V" and
 * kind), version and MAC under key. FLEET_OK with r set over the body past the head.
 */
static enum fleet_err
fleet_verify(const uint8_t *p, size_t len, char kind, const char *key, const uint8_t *mkey,
    size_t mklen, struct fleet_r *r)
{
	uint8_t mac[FLEET_MAC_LEN], diff = 0;

	if (len < 3 + FLEET_MAC_LEN || len > FLEET_VALUE_MAX)
		return FLEET_E_SIZE;
	if (p[0] != 'V' || p[1] != kind)
		return FLEET_E_MAGIC;
	if (p[2] != FLEET_VERSION)
		return FLEET_E_VERSION;
	/* Nothing else is read before the MAC holds: a forger gets no parser to play with. */
	if (fleet_mac(key, mkey, mklen, p, len - FLEET_MAC_LEN, mac) != 0)
		return FLEET_E_MAC;
	for (size_t i = 0; i < FLEET_MAC_LEN; i++)
		diff |= (uint8_t)(mac[i] ^ p[len - FLEET_MAC_LEN + i]); /* in constant time */
	if (diff != 0)
		return FLEET_E_MAC;
	*r = (struct fleet_r){ .p = p, .o = 3, .len = len - FLEET_MAC_LEN };
	return FLEET_OK;
}

/* The fixed head: version, outcome, rule, flags, counts. */
static enum fleet_err
fleet_get_head(struct fleet_r *r, struct fleet_verdict *v)
{
	const uint8_t *h = fleet_get(r, FLEET_HEAD);

	if (h == NULL)
		return FLEET_E_SIZE;
	if (h[0] != 'V' || h[1] != 'F')
		return FLEET_E_MAGIC;
	if (h[2] != FLEET_VERSION)
		return FLEET_E_VERSION;
	v->outcome = (enum cons_outcome)h[3];
	v->rule = (enum cons_rule)h[4];
	v->flags = h[5];
	v->corroborated = h[6];
	v->dissented = h[7];
	v->asked = h[8];
	v->failed = h[9];
	if ((h[3] != OUTCOME_AGREE && h[3] != OUTCOME_DISSENT) || h[4] > RULE_ADDRS ||
	    (h[5] & ~FLEET_FLAGS) || v->asked == 0 || v->asked > CONSENSUS_MAX_MIRRORS ||
	    v->corroborated + v->dissented + v->failed > v->asked)
		return FLEET_E_FIELD;
	/* An agreement names the rule that corroborated it; a weak signal never does. */
	if (v->outcome == OUTCOME_AGREE && consensus_rule_rank(v->rule) == 0)
		return FLEET_E_FIELD;
	return FLEET_OK;
}

/* Expiry, question (checked against key), and the answer's class. */
static enum fleet_err
fleet_get_question(struct fleet_r *r, struct fleet_verdict *v, const char *key,
    const char *prefix, uint64_t now)
{
	const uint8_t *e = fleet_get(r, 8), *qn;
	char want[FLEET_KEY_MAX];
	uint64_t max;

	v->qtype = (uint16_t)fleet_get16(r);
	v->qname_len = fleet_get8(r);
	if (e == NULL || (qn = fleet_get(r, v->qname_len)) == NULL)
		return FLEET_E_SIZE;
	v->expire = 0;
	for (int i = 0; i < 8; i++)
		v->expire = v->expire << 8 | e[i];
	if (v->qname_len == 0 || fleet_wire_name(qn, v->qname_len) != v->qname_len ||
	    !fleet_name_lower(qn, v->qname_len))
		return FLEET_E_NAME;
	memcpy(v->qname, qn, v->qname_len);
	if (fleet_key(prefix, FLEET_KEY_VERDICT, v->qname, v->qname_len, v->qtype, want,
		sizeof(want)) == 0 ||
	    strcmp(want, key) != 0)
		return FLEET_E_NAME;
	max = now + FLEET_SKEW_S +
	    (v->outcome == OUTCOME_AGREE ? FLEET_AGREE_MAX_S : FLEET_DISSENT_MAX_S);
	if (v->expire <= now || v->expire > max)
		return FLEET_E_EXPIRY;
	v->ans.rclass = (enum cons_rclass)fleet_get8(r);
	if (r->bad)
		return FLEET_E_SIZE;
	/* A verdict on an answer that says nothing (RCLASS_OTHER) can only be a dissent. */
	if (v->ans.rclass > RCLASS_OTHER ||
	    (v->ans.rclass == RCLASS_OTHER && v->outcome == OUTCOME_AGREE))
		return FLEET_E_FIELD;
	return FLEET_OK;
}

/* The answer's records and chain, the mirrors' names and the summary. */
static enum fleet_err
fleet_get_body(struct fleet_r *r, struct fleet_verdict *v)
{
	unsigned n = fleet_get8(r);
	enum fleet_err e;

	if ((e = fleet_get_rrs(r, v, n)) != FLEET_OK || (e = fleet_get_chain(r, v)) != FLEET_OK)
		return e;
	if ((v->ans.rclass == RCLASS_DATA) != (v->ans.n_rrs > 0))
		return FLEET_E_CONTENT;
	v->n_mirrors = fleet_get8(r);
	if (v->n_mirrors > CONSENSUS_MAX_MIRRORS)
		return r->bad ? FLEET_E_SIZE : FLEET_E_FIELD;
	for (unsigned i = 0; i < v->n_mirrors; i++)
		if (fleet_get_str(r, v->mirrors[i], FLEET_NAME_MAX) != 0)
			return r->bad ? FLEET_E_SIZE : FLEET_E_FIELD;
	if (fleet_get_str(r, v->summary, sizeof(v->summary) - 1) != 0)
		return r->bad ? FLEET_E_SIZE : FLEET_E_FIELD;
	return r->bad ? FLEET_E_SIZE : FLEET_OK;
}

enum fleet_err
fleet_decode(const uint8_t *p, size_t len, const char *key, const char *prefix,
    const uint8_t *mkey, size_t mklen, uint64_t now, struct fleet_verdict *v)
{
	struct fleet_r r;
	enum fleet_err e;

	memset(v, 0, sizeof(*v));
	if ((e = fleet_verify(p, len, 'F', key, mkey, mklen, &r)) != FLEET_OK)
		return e;
	r.o = 0; /* the head holds the counts too: read again */
	if (len < FLEET_HEAD + FLEET_MAC_LEN)
		return FLEET_E_SIZE;
	if ((e = fleet_get_head(&r, v)) != FLEET_OK ||
	    (e = fleet_get_question(&r, v, key, prefix, now)) != FLEET_OK ||
	    (e = fleet_get_body(&r, v)) != FLEET_OK)
		return e;
	return r.o == r.len ? FLEET_OK : FLEET_E_SIZE;
}

size_t
fleet_pair_key(const char *prefix, const struct fleet_pair *p, char *out, size_t cap)
{
	char name[4 * DIGEST_NAME + 2], a[64];
	int n;

	if ((p->addr.family != 4 && p->addr.family != 6) ||
	    inet_ntop(p->addr.family == 4 ? AF_INET : AF_INET6, p->addr.bytes, a,
		sizeof(a)) == NULL)
		return 0;
	dnswire_name2str(p->qname, p->qname_len, name, sizeof(name));
	n = snprintf(out, cap, "%sp:%s:%s", prefix, name, a);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

size_t
fleet_pair_encode(const struct fleet_pair *p, const char *key, const uint8_t *mkey,
    size_t mklen, uint8_t *out, size_t cap)
{
	struct fleet_w w = { .p = out, .cap = cap };
	uint8_t head[3] = { 'V', 'P', FLEET_VERSION }, exp[8];

	if (p->qname_len == 0 || p->qname_len > DIGEST_NAME)
		return 0;
	for (int i = 0; i < 8; i++)
		exp[i] = (uint8_t)(p->expire >> (56 - 8 * i));
	fleet_put(&w, head, sizeof(head));
	fleet_put8(&w, (unsigned)p->qname_len);
	fleet_put(&w, p->qname, p->qname_len);
	fleet_put8(&w, p->addr.family);
	fleet_put(&w, p->addr.bytes, p->addr.family == 4 ? 4 : 16);
	fleet_put8(&w, p->ca.selector);
	fleet_put(&w, p->ca.sha256, sizeof(p->ca.sha256));
	fleet_put(&w, exp, sizeof(exp));
	if (w.over || w.o + FLEET_MAC_LEN > cap ||
	    fleet_mac(key, mkey, mklen, out, w.o, out + w.o) != 0)
		return 0;
	return w.o + FLEET_MAC_LEN;
}

/* A pair's fields past its MAC, each checked. */
static enum fleet_err
fleet_pair_fields(struct fleet_r *r, const char *key, const char *prefix, uint64_t now,
    struct fleet_pair *out)
{
	const uint8_t *qn, *a, *sha, *e;
	char want[FLEET_KEY_MAX];
	unsigned fam;

	out->qname_len = fleet_get8(r);
	if ((qn = fleet_get(r, out->qname_len)) == NULL)
		return FLEET_E_SIZE;
	if (out->qname_len == 0 || fleet_wire_name(qn, out->qname_len) != out->qname_len ||
	    !fleet_name_lower(qn, out->qname_len))
		return FLEET_E_NAME;
	memcpy(out->qname, qn, out->qname_len);
	if ((fam = fleet_get8(r)) != 4 && fam != 6)
		return r->bad ? FLEET_E_SIZE : FLEET_E_FIELD;
	out->addr.family = (uint8_t)fam;
	a = fleet_get(r, fam == 4 ? 4 : 16);
	out->ca.selector = (uint8_t)fleet_get8(r);
	sha = fleet_get(r, sizeof(out->ca.sha256));
	if (a == NULL || sha == NULL || (e = fleet_get(r, 8)) == NULL || r->o != r->len)
		return FLEET_E_SIZE;
	memcpy(out->addr.bytes, a, fam == 4 ? 4 : 16);
	memcpy(out->ca.sha256, sha, sizeof(out->ca.sha256));
	for (int i = 0; i < 8; i++)
		out->expire = out->expire << 8 | e[i];
	if (out->ca.selector > 1)
		return FLEET_E_FIELD;
	if (fleet_pair_key(prefix, out, want, sizeof(want)) == 0 || strcmp(want, key) != 0)
		return FLEET_E_NAME;
	if (out->expire <= now || out->expire > now + FLEET_PAIR_MAX_S + FLEET_SKEW_S)
		return FLEET_E_EXPIRY;
	return FLEET_OK;
}

enum fleet_err
fleet_pair_decode(const uint8_t *p, size_t len, const char *key, const char *prefix,
    const uint8_t *mkey, size_t mklen, uint64_t now, struct fleet_pair *out)
{
	struct fleet_r r;
	enum fleet_err e;

	memset(out, 0, sizeof(*out));
	if ((e = fleet_verify(p, len, 'P', key, mkey, mklen, &r)) != FLEET_OK)
		return e;
	return fleet_pair_fields(&r, key, prefix, now, out);
}

size_t
fleet_history_key(const char *prefix, const uint8_t *qname, size_t qname_len, char *out,
    size_t cap)
{
	char name[4 * DIGEST_NAME + 2];
	int n;

	dnswire_name2str(qname, qname_len, name, sizeof(name));
	n = snprintf(out, cap, "%sh:%s", prefix, name);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void
fleet_put64(struct fleet_w *w, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	fleet_put(w, b, sizeof(b));
}

static uint64_t
fleet_get64(struct fleet_r *r)
{
	const uint8_t *b = fleet_get(r, 8);
	uint64_t v = 0;

	for (int i = 0; b && i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

size_t
fleet_history_encode(const struct fleet_history *h, const char *key, const uint8_t *mkey,
    size_t mklen, uint8_t *out, size_t cap)
{
	struct fleet_w w = { .p = out, .cap = cap };
	uint8_t head[3] = { 'V', 'H', FLEET_VERSION };

	if (h->qname_len == 0 || h->qname_len > DIGEST_NAME || h->h.set.n > CA_MAX)
		return 0;
	fleet_put(&w, head, sizeof(head));
	fleet_put8(&w, (unsigned)h->qname_len);
	fleet_put(&w, h->qname, h->qname_len);
	fleet_put8(&w, (unsigned)h->h.set.n);
	for (size_t i = 0; i < h->h.set.n; i++) {
		fleet_put8(&w, h->h.set.cas[i].selector);
		fleet_put(&w, h->h.set.cas[i].sha256, sizeof(h->h.set.cas[i].sha256));
	}
	fleet_put64(&w, h->h.since);
	fleet_put64(&w, h->h.seen);
	fleet_put64(&w, h->h.flag_until);
	fleet_put64(&w, h->h.flag_days);
	if (w.over || w.o + FLEET_MAC_LEN > cap ||
	    fleet_mac(key, mkey, mklen, out, w.o, out + w.o) != 0)
		return 0;
	return w.o + FLEET_MAC_LEN;
}

/* A history's fields past its MAC, each checked. */
static enum fleet_err
fleet_history_fields(struct fleet_r *r, const char *key, const char *prefix, uint64_t now,
    struct fleet_history *out)
{
	const uint8_t *qn;
	char want[FLEET_KEY_MAX];
	uint64_t days;

	out->qname_len = fleet_get8(r);
	if ((qn = fleet_get(r, out->qname_len)) == NULL)
		return FLEET_E_SIZE;
	if (out->qname_len == 0 || fleet_wire_name(qn, out->qname_len) != out->qname_len ||
	    !fleet_name_lower(qn, out->qname_len))
		return FLEET_E_NAME;
	memcpy(out->qname, qn, out->qname_len);
	if ((out->h.set.n = fleet_get8(r)) == 0 || out->h.set.n > CA_MAX)
		return r->bad ? FLEET_E_SIZE : FLEET_E_FIELD;
	for (size_t i = 0; i < out->h.set.n; i++) {
		const uint8_t *sha;
		if ((out->h.set.cas[i].selector = (uint8_t)fleet_get8(r)) > 1)
			return FLEET_E_FIELD;
		if ((sha = fleet_get(r, sizeof(out->h.set.cas[i].sha256))) == NULL)
			return FLEET_E_SIZE;
		memcpy(out->h.set.cas[i].sha256, sha, sizeof(out->h.set.cas[i].sha256));
	}
	out->h.since = fleet_get64(r);
	out->h.seen = fleet_get64(r);
	out->h.flag_until = fleet_get64(r);
	days = fleet_get64(r);
	if (r->bad || r->o != r->len)
		return FLEET_E_SIZE;
	if (out->h.since > out->h.seen || out->h.seen > now + FLEET_SKEW_S || days > 100000 ||
	    out->h.flag_until > now + FLEET_HISTORY_FLAG_MAX_S)
		return FLEET_E_FIELD;
	out->h.flag_days = (uint32_t)days;
	if (fleet_history_key(prefix, out->qname, out->qname_len, want, sizeof(want)) == 0 ||
	    strcmp(want, key) != 0)
		return FLEET_E_NAME;
	return FLEET_OK;
}

enum fleet_err
fleet_history_decode(const uint8_t *p, size_t len, const char *key, const char *prefix,
    const uint8_t *mkey, size_t mklen, uint64_t now, struct fleet_history *out)
{
	struct fleet_r r;
	enum fleet_err e;

	memset(out, 0, sizeof(*out));
	if ((e = fleet_verify(p, len, 'H', key, mkey, mklen, &r)) != FLEET_OK)
		return e;
	return fleet_history_fields(&r, key, prefix, now, out);
}

size_t
fleet_msg_encode(const char *key, const uint8_t *val, size_t vlen, uint8_t *out, size_t cap)
{
	size_t kl = strlen(key);

	if (kl >= FLEET_KEY_MAX || 2 + kl + vlen > cap)
		return 0;
	dnswire_put16(out, (uint16_t)kl);
	memcpy(out + 2, key, kl);
	if (vlen)
		memcpy(out + 2 + kl, val, vlen);
	return 2 + kl + vlen;
}

int
fleet_msg_split(const uint8_t *p, size_t len, char key[FLEET_KEY_MAX], const uint8_t **val,
    size_t *vlen)
{
	size_t kl;

	if (len < 2 || (kl = dnswire_get16(p)) == 0 || kl >= FLEET_KEY_MAX || kl > len - 2 ||
	    memchr(p + 2, '\0', kl) != NULL)
		return -1;
	memcpy(key, p + 2, kl);
	key[kl] = '\0';
	*val = p + 2 + kl;
	*vlen = len - 2 - kl;
	return 0;
}

const char *
fleet_err_name(enum fleet_err e)
{
	static const char *const names[] = { "ok", "bad size", "not a fleet value",
		"unknown version", "bad MAC (another key, or altered)", "about another name",
		"a field out of range", "malformed records or chain", "expired or too far ahead" };

	return (size_t)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

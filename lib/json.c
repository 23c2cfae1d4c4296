/* lib/json.c - a JSON writer onto evbuffers and base64url (RFC 4648 section 5) coding. */
#include "autoconf.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/* Length of the valid UTF-8 sequence at s (at most len bytes), or 0 when invalid. */
static size_t
json_utf8_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/*
 * json_esc_one - the escaped form of the character at s (at most len bytes) into e (room
 * for 7 bytes); *used is how many input bytes it stood for. The one rule of every JSON
 * string we write: ", \ and control characters escaped, valid UTF-8 raw, anything else
 * U+FFFD (names come from the network; the output must stay valid JSON).
 */
static size_t
json_esc_one(const unsigned char *s, size_t len, char e[8], size_t *used)
{
	size_t n;

	*used = 1;
	if (s[0] == '"' || s[0] == '\\') {
		e[0] = '\\';
		e[1] = (char)s[0];
		return 2;
	}
	if (s[0] == '\n') {
		memcpy(e, "\\n", 2);
		return 2;
	}
	if (s[0] < 0x20 || s[0] == 0x7f)
		return (size_t)snprintf(e, 8, "\\u%04x", s[0]);
	if ((n = json_utf8_len(s, len)) == 0) {
		memcpy(e, "\xef\xbf\xbd", 3);
		return 3;
	}
	memcpy(e, s, n);
	*used = n;
	return n;
}

int
json_strn(struct evbuffer *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n, used;
	char e[8];
	int rc = 0;

	rc |= evbuffer_add(out, "\"", 1);
	while (i < len) {
		n = json_esc_one(s + i, len - i, e, &used);
		rc |= evbuffer_add(out, e, n);
		i += used;
	}
	rc |= evbuffer_add(out, "\"", 1);
	return rc ? -1 : 0;
}

size_t
json_escape(char *out, size_t cap, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strlen(str), i = 0, o = 0, n, used;
	char e[8];

	if (cap == 0)
		return 0;
	while (i < len) {
		n = json_esc_one(s + i, len - i, e, &used);
		if (o + n >= cap)
			break;
		memcpy(out + o, e, n);
		o += n;
		i += used;
	}
	out[o] = '\0';
	return o;
}

int
json_str(struct evbuffer *out, const char *s)
{
	return json_strn(out, s, strlen(s));
}

int
json_kv_str(struct evbuffer *out, int first, const char *key, const char *value)
{
	int rc = 0;

	if (!first)
		rc |= evbuffer_add(out, ",", 1);
	rc |= json_str(out, key);
	rc |= evbuffer_add(out, ":", 1);
	if (value == NULL)
		rc |= evbuffer_add(out, "null", 4);
	else
		rc |= json_str(out, value);
	return rc ? -1 : 0;
}

int
json_kv_u64(struct evbuffer *out, int first, const char *key, uint64_t value)
{
	int rc = 0;

	if (!first)
		rc |= evbuffer_add(out, ",", 1);
	rc |= json_str(out, key);
	rc |= evbuffer_add_printf(out, ":%" PRIu64, value) < 0;
	return rc ? -1 : 0;
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64url_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

long
base64url_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t i, o = 0, pad = 0;
	int bits = 0, v;

	/* At most two '=' and only at the end; RFC 8484 says none, some encoders add them. */
	while (len > 0 && in[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (len % 4 == 1 || (pad && (len + pad) % 4 != 0))
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = b64url_val(in[i])) < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* Leftover bits must be zero: one text, one decoding (no smuggled variants). */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (long)o;
}

long
base64url_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;
	uint32_t v;

	if (cap < (len + 2) / 3 * 4 + 1)
		return -1;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
	}
	out[o] = '\0';
	return (long)o;
}

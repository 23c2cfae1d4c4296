/* lib/json.h - a JSON writer onto evbuffers and base64url (RFC 4648 section 5) coding. */
#ifndef VANTAGE_JSON_H
#define VANTAGE_JSON_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

/*
 * json_str - append s as a JSON string literal (with the quotes). Emits raw UTF-8, as
 * the protocol requires (libyaml, our reader, rejects surrogate-pair escapes): only ",
 * \ and control characters are escaped. Invalid UTF-8 bytes become U+FFFD so that the
 * output is always valid JSON. Returns 0 or -1 (allocation).
 */
int json_str(struct evbuffer *out, const char *s);

/* json_strn - the same for len bytes (which may contain no NUL). */
int json_strn(struct evbuffer *out, const char *s, size_t len);

/*
 * json_escape - the body of a JSON string literal for s (no quotes), by json_str's rule,
 * into out (cap bytes, always NUL-terminated); a character that does not fit whole is
 * left out with all after it. Returns the length written. For fixed-size log lines.
 */
size_t json_escape(char *out, size_t cap, const char *s);

/* json_kv_str - append ,"key":"value" (no comma when first); value NULL gives null. */
int json_kv_str(struct evbuffer *out, int first, const char *key, const char *value);

/* json_kv_u64 - append ,"key":N (no comma when first). */
int json_kv_u64(struct evbuffer *out, int first, const char *key, uint64_t value);

/*
 * base64url_decode - decode len characters of unpadded base64url (RFC 8484 section 6;
 * trailing '=' padding is tolerated) into out (cap bytes). Returns the decoded length,
 * or -1 for a character outside the alphabet, an impossible length, non-zero trailing
 * bits or an output longer than cap.
 */
long base64url_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/*
 * base64url_encode - unpadded base64url of len bytes into out (cap bytes, NUL added).
 * Returns the text length, or -1 when cap is too small (need 4*ceil(len/3)+1).
 */
long base64url_encode(const uint8_t *in, size_t len, char *out, size_t cap);

#endif

# tests/integration/webpki.mk - public DoH resolvers as mirrors (verify: webpki), played on
# loopback by dnsdist (addDOHLocal), unbound (https-port) and Knot Resolver (kind='doh2') with
# certificates of a test web PKI made by openssl.
WEBPKI_IT_TESTS = \
	tests/integration/webpki_basic.sh \
	tests/integration/webpki_refused.sh \
	tests/integration/webpki_offline.sh \
	tests/integration/webpki_interop.sh \
	tests/integration/webpki_interop_refused.sh \
	tests/integration/webpki_interop_load.sh \
	tests/integration/webpki_h2.sh
TESTS += $(WEBPKI_IT_TESTS)
EXTRA_DIST += $(WEBPKI_IT_TESTS) \
	tests/integration/webpki/lib_webpki.sh \
	tests/integration/webpki/burst.py \
	tests/integration/webpki/doh_http1.py

# lib/tls.mk - the wolfSSL side of lib/ (TLS bufferevent filter, HTTP/1.1 client, PEM/pins).
# json.c and http.c include no wolfSSL but live here so that both daemons and the test
# clients get them without touching lib/local.mk; they include no ldns either.
lib_libvantage_tls_a_SOURCES += lib/tls.c lib/tls.h lib/tls_int.h lib/tls_ctx.c lib/tls_session.c lib/tls_chain.c lib/tls_pem.c lib/http.c lib/http.h lib/json.c lib/json.h
# The JSON document writer (header only): the control socket and the dashboard write with it.
lib_libvantage_tls_a_SOURCES += lib/jw.h

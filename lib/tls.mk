# lib/tls.mk - the wolfSSL side of lib/ (TLS bufferevent filter, HTTP/1.1 client, PEM/pins).
# lib_libvantage_tls_a_SOURCES += lib/tls.c lib/tls.h

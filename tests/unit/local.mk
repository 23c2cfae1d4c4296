# tests/unit/local.mk - cmocka unit tests; each prints TAP.
UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/resolver $(LIBEVENT_CFLAGS) $(YAML_CFLAGS) $(LDNS_CFLAGS) $(CMOCKA_CFLAGS)
if HAVE_CMOCKA
endif

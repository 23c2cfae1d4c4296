# ctl/local.mk - vantagectl, the client of vantaged's control socket.
sbin_PROGRAMS += vantagectl
vantagectl_CPPFLAGS = $(AM_CPPFLAGS) $(YAML_CFLAGS)
vantagectl_SOURCES = ctl/vantagectl.c
vantagectl_LDADD = lib/libvantage.a $(YAML_LIBS)
dist_man_MANS += doc/vantagectl.8

# plugins/local.mk - the plugin chain: plugins/PLUGINS (the order) becomes plugins/plugin_table.c.
# libplugins.a holds every built-in plugin, the generated table and the plugins: section's
# parser (plugins/plugin_conf.c), so that whatever links resolver/config.c finds them through
# VANTAGE_LIBS. A plugin includes plugins/plugin_api.h and nothing else of ours but lib/yconf.h;
# nothing here includes resolver/.
noinst_LIBRARIES += plugins/libplugins.a
plugins_libplugins_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) $(YAML_CFLAGS)
plugins_libplugins_a_SOURCES = plugins/plugin_api.h \
	plugins/plugin_conf.c plugins/plugin_conf.h \
	plugins/blocklist/plugin.c \
	plugins/querylog/plugin.c \
	plugins/smtp/plugin.c
nodist_plugins_libplugins_a_SOURCES = plugins/plugin_table.c
BUILT_SOURCES = plugins/plugin_table.c
CLEANFILES += plugins/plugin_table.c
EXTRA_DIST += plugins/PLUGINS \
	plugins/blocklist/README.md \
	plugins/querylog/README.md \
	plugins/smtp/README.md

# One line per name in PLUGINS (comments and blanks skipped): extern declarations, then the
# NULL-terminated table in that order. A name without its plugin.c fails at link time.
plugins/plugin_table.c: $(top_srcdir)/plugins/PLUGINS $(top_srcdir)/plugins/local.mk
	$(AM_V_GEN)$(MKDIR_P) plugins && $(AWK) ' \
	  { sub(/#.*/, ""); gsub(/[ \t\r]/, "") } \
	  $$0 == "" { next } \
	  $$0 !~ /^[a-z][a-z0-9_]*$$/ { print "plugins/PLUGINS:" NR ": bad plugin name " $$0 > "/dev/stderr"; bad = 1; next } \
	  { name[++n] = $$0 } \
	  END { if (bad) exit 1; \
	    print "/* plugins/plugin_table.c - generated from plugins/PLUGINS by plugins/local.mk. */"; \
	    print "#include \"plugin_api.h\""; \
	    for (i = 1; i <= n; i++) print "extern const struct plugin_descriptor plugin_" name[i] ";"; \
	    print "extern const struct plugin_descriptor *const plugin_table[];"; \
	    print "const struct plugin_descriptor *const plugin_table[] = {"; \
	    for (i = 1; i <= n; i++) print "\t&plugin_" name[i] ","; \
	    print "\tNULL"; print "};" }' $(top_srcdir)/plugins/PLUGINS > $@-t && mv $@-t $@

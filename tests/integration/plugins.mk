# tests/integration/plugins.mk - the plugin chain end to end (plugins/): blocklist and querylog
# in front of NSD, smtp against mirrors that lie about TLSA, and every README example checked
# with vantaged -n.
PLUGINS_IT_TESTS = \
	tests/integration/plugins_basic.sh
TESTS += $(PLUGINS_IT_TESTS)
EXTRA_DIST += $(PLUGINS_IT_TESTS)

# tests/integration/plugins.mk - the plugin chain end to end (plugins/): blocklist and querylog
# in front of NSD, smtp against mirrors that lie about TLSA, and every README example checked
# with vantaged -n.
PLUGINS_IT_TESTS = \
	tests/integration/plugins_basic.sh \
	tests/integration/plugins_readme.sh
PLUGINS_IT_TESTS += tests/integration/plugins_smtp.sh
EXTRA_DIST += tests/integration/plugins_smtp.sh \
	tests/integration/zones/smtp/honest.zone \
	tests/integration/zones/smtp/lie2.zone \
	tests/integration/zones/smtp/lie3.zone
TESTS += $(PLUGINS_IT_TESTS)
EXTRA_DIST += $(PLUGINS_IT_TESTS)

# tests/integration/dashboard.mk - issue 18: the web dashboard (HTTP hardening, the API against
# vantagectl, the pages in a real headless browser).
DASHBOARD_IT_TESTS = \
	tests/integration/dashboard_http.sh \
	tests/integration/dashboard_api.sh \
	tests/integration/dashboard_clients.sh \
	tests/integration/dashboard_browser.sh
TESTS += $(DASHBOARD_IT_TESTS)
EXTRA_DIST += $(DASHBOARD_IT_TESTS)

# share/local.mk - the dashboard's pages (plain HTML, CSS, JavaScript: no build step, nothing
# fetched from elsewhere), installed where dashboard.root points by default.
dashboarddir = $(pkgdatadir)/dashboard
dist_dashboard_DATA = \
	share/dashboard/index.html \
	share/dashboard/dissents.html \
	share/dashboard/clients.html \
	share/dashboard/mirrors.html \
	share/dashboard/explain.html \
	share/dashboard/dashboard.css \
	share/dashboard/dashboard.js

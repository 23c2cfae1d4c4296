# tests/integration/packaging.mk - issue 6, operating vantage: the systemd units, the Debian
# package, the OpenWrt package, the bootstrap mirror list and the demo, with their tests.
# pkg_deb.sh builds the .deb files with packaging/debian/build.sh (~30 s, reused while
# unchanged; VANTAGE_TEST_DEB=0 skips it).
PACKAGING_IT_TESTS = \
	tests/integration/pkg_systemd.sh \
	tests/integration/pkg_openwrt.sh \
	tests/integration/pkg_openwrt_luci.sh \
	tests/integration/pkg_mirrors.sh \
	tests/integration/pkg_deb.sh \
	tests/integration/pkg_dhclient.sh \
	tests/integration/pkg_monitoring.sh \
	tests/integration/pkg_logrotate.sh \
	tests/integration/demo_run.sh
TESTS += $(PACKAGING_IT_TESTS)
EXTRA_DIST += $(PACKAGING_IT_TESTS) \
	tests/integration/packaging/notify_recv.py \
	tests/integration/packaging/uci_stub.sh \
	tests/integration/packaging/openwrt.uci \
	tests/integration/packaging/openwrt-sdk/rules.mk \
	tests/integration/packaging/openwrt-sdk/include/package.mk \
	tests/integration/packaging/openwrt-sdk/check.sh \
	tests/integration/packaging/openwrt-sdk/packages.list \
	packaging/openwrt/luci-app-vantage/Makefile \
	packaging/openwrt/luci-app-vantage/htdocs/luci-static/resources/view/vantage/dashboard.js \
	packaging/openwrt/luci-app-vantage/root/usr/share/luci/menu.d/luci-app-vantage.json \
	packaging/openwrt/luci-app-vantage/root/usr/share/rpcd/acl.d/luci-app-vantage.json \
	packaging/systemd/vantaged.service \
	packaging/systemd/vantage-mirror.service \
	packaging/resolvconf/vantage-resolvconf \
	packaging/debian/build.sh \
	packaging/debian/changelog \
	packaging/debian/control \
	packaging/debian/copyright \
	packaging/debian/rules \
	packaging/debian/source/format \
	packaging/debian/vantage.dirs \
	packaging/debian/vantage.install \
	packaging/debian/vantage.postinst \
	packaging/debian/vantage.postrm \
	packaging/debian/vantage-mirror.install \
	packaging/debian/vantage-mirror.postinst \
	packaging/debian/vantage-mirror.postrm \
	packaging/debian/resolved.conf \
	packaging/debian/dhclient-enter-hooks.d/vantage \
	packaging/debian/README.Debian \
	packaging/debian/vantage.logrotate \
	packaging/monitoring/vantaged.rules.yml \
	packaging/monitoring/vantaged.rules.test.yml \
	packaging/monitoring/grafana-vantaged.json \
	packaging/openwrt/README.md \
	packaging/openwrt/vantage/Makefile \
	packaging/openwrt/vantage/files/vantage.config \
	packaging/openwrt/vantage/files/vantaged.init \
	packaging/openwrt/vantage/files/vantage.uci-defaults \
	packaging/openwrt/update-hash.sh \
	demo/demo.sh

# tests/config/local.mk - golden config tests: NN.yaml -> NN.ok, bad/NN.yaml -> bad/NN.err.
TESTS += tests/config/run.sh
EXTRA_DIST += tests/config/run.sh tests/config/resolv.conf \
	tests/config/01.ok \
	tests/config/01.yaml \
	tests/config/02.ok \
	tests/config/02.yaml \
	tests/config/03.ok \
	tests/config/03.yaml \
	tests/config/04.ok \
	tests/config/04.yaml \
	tests/config/05.ok \
	tests/config/05.yaml \
	tests/config/06.ok \
	tests/config/06.yaml \
	tests/config/07.ok \
	tests/config/07.yaml \
	tests/config/08.ok \
	tests/config/08.yaml \
	tests/config/09.ok \
	tests/config/09.yaml \
	tests/config/10.ok \
	tests/config/10.yaml \
	tests/config/11.ok \
	tests/config/11.yaml \
	tests/config/12.ok \
	tests/config/12.yaml \
	tests/config/13.ok \
	tests/config/13.yaml \
	tests/config/bad/01.err \
	tests/config/bad/01.yaml \
	tests/config/bad/02.err \
	tests/config/bad/02.yaml \
	tests/config/bad/03.err \
	tests/config/bad/03.yaml \
	tests/config/bad/04.err \
	tests/config/bad/04.yaml \
	tests/config/bad/05.err \
	tests/config/bad/05.yaml \
	tests/config/bad/06.err \
	tests/config/bad/06.yaml \
	tests/config/bad/07.err \
	tests/config/bad/07.yaml \
	tests/config/bad/08.err \
	tests/config/bad/08.yaml \
	tests/config/bad/09.err \
	tests/config/bad/09.yaml \
	tests/config/bad/10.err \
	tests/config/bad/10.yaml \
	tests/config/bad/11.err \
	tests/config/bad/11.yaml \
	tests/config/bad/12.err \
	tests/config/bad/12.yaml \
	tests/config/bad/13.err \
	tests/config/bad/13.yaml \
	tests/config/bad/14.err \
	tests/config/bad/14.yaml \
	tests/config/bad/15.err \
	tests/config/bad/15.yaml \
	tests/config/bad/16.err \
	tests/config/bad/16.yaml \
	tests/config/bad/17.err \
	tests/config/bad/17.yaml \
	tests/config/bad/18.err \
	tests/config/bad/18.yaml \
	tests/config/bad/19.err \
	tests/config/bad/19.yaml \
	tests/config/bad/20.err \
	tests/config/bad/20.yaml \
	tests/config/bad/21.err \
	tests/config/bad/21.yaml \
	tests/config/bad/22.err \
	tests/config/bad/22.yaml \
	tests/config/bad/23.err \
	tests/config/bad/23.yaml \
	tests/config/bad/24.err \
	tests/config/bad/24.yaml \
	tests/config/bad/25.err \
	tests/config/bad/25.yaml \
	tests/config/bad/26.err \
	tests/config/bad/27.err \
	tests/config/bad/27.yaml \
	tests/config/bad/28.err \
	tests/config/bad/28.yaml \
	tests/config/bad/29.err \
	tests/config/bad/29.yaml \
	tests/config/bad/30.err \
	tests/config/bad/30.yaml \
	tests/config/bad/31.err \
	tests/config/bad/31.yaml \
	tests/config/bad/32.err \
	tests/config/bad/32.yaml \
	tests/config/bad/33.err \
	tests/config/bad/33.yaml \
	tests/config/bad/34.err \
	tests/config/bad/34.yaml \
	tests/config/bad/35.err \
	tests/config/bad/35.yaml \
	tests/config/bad/36.err \
	tests/config/bad/36.yaml \
	tests/config/bad/37.err \
	tests/config/bad/37.yaml \
	tests/config/bad/38.err \
	tests/config/bad/38.yaml \
	tests/config/bad/39.err \
	tests/config/bad/39.yaml \
	tests/config/bad/40.err \
	tests/config/bad/40.yaml \
	tests/config/bad/41.err \
	tests/config/bad/41.resolv \
	tests/config/bad/41.yaml \
	tests/config/bad/42.err \
	tests/config/bad/42.yaml \
	tests/config/bad/43.err \
	tests/config/bad/43.yaml \
	tests/config/bad/44.err \
	tests/config/bad/44.yaml \
	tests/config/bad/45.err \
	tests/config/bad/45.yaml \
	tests/config/bad/46.err \
	tests/config/bad/46.yaml \
	tests/config/bad/47.err \
	tests/config/bad/47.yaml \
	tests/config/bad/48.err \
	tests/config/bad/48.resolv \
	tests/config/bad/48.yaml \
	tests/config/bad/49.err \
	tests/config/bad/49.yaml \
	tests/config/bad/50.err \
	tests/config/bad/50.yaml \
	tests/config/bad/51.err \
	tests/config/bad/51.yaml \
	tests/config/bad/52.err \
	tests/config/bad/52.yaml \
	tests/config/bad/53.err \
	tests/config/bad/53.yaml \
	tests/config/bad/54.err tests/config/bad/54.yaml \
	tests/config/bad/55.err tests/config/bad/55.yaml \
	tests/config/bad/56.err tests/config/bad/56.yaml \
	tests/config/14.ok tests/config/14.yaml \
	tests/config/15.ok tests/config/15.yaml \
	tests/config/bad/57.err tests/config/bad/57.yaml \
	tests/config/bad/58.err tests/config/bad/58.yaml \
	tests/config/bad/59.err tests/config/bad/59.yaml \
	tests/config/bad/60.err tests/config/bad/60.yaml \
	tests/config/bad/61.err tests/config/bad/61.yaml \
	tests/config/30.ok tests/config/30.yaml \
	tests/config/31.ok tests/config/31.yaml \
	tests/config/32.ok tests/config/32.yaml \
	tests/config/33.ok tests/config/33.yaml \
	tests/config/34.ok tests/config/34.yaml \
	tests/config/35.ok tests/config/35.yaml \
	tests/config/bad/62.err tests/config/bad/62.yaml \
	tests/config/bad/70.err tests/config/bad/70.yaml \
	tests/config/bad/71.err tests/config/bad/71.yaml \
	tests/config/bad/72.err tests/config/bad/72.yaml \
	tests/config/bad/73.err tests/config/bad/73.yaml
# the plugins: section
EXTRA_DIST += tests/config/90-plugins.yaml tests/config/90-plugins.ok \
	tests/config/bad/90-plugin-name.yaml tests/config/bad/90-plugin-name.err \
	tests/config/bad/91-plugin-key.yaml tests/config/bad/91-plugin-key.err \
	tests/config/bad/92-plugin-value.yaml tests/config/bad/92-plugin-value.err \
	tests/config/bad/93-plugin-blocklist-empty.yaml tests/config/bad/93-plugin-blocklist-empty.err \
	tests/config/bad/94-plugins-list.yaml tests/config/bad/94-plugins-list.err \
	tests/config/bad/95-dashboard-token.yaml tests/config/bad/95-dashboard-token.err \
	tests/config/bad/96-dashboard-key.yaml tests/config/bad/96-dashboard-key.err \
	tests/config/bad/97-forward-from.yaml tests/config/bad/97-forward-from.err \
	tests/config/bad/98-workers-word.yaml tests/config/bad/98-workers-word.err \
	tests/config/bad/98-workers-zero.yaml tests/config/bad/98-workers-zero.err \
	tests/config/36.yaml tests/config/36.ok tests/config/37.yaml tests/config/37.ok \
	tests/config/38.yaml tests/config/38.ok \
	tests/config/bad/99-shared-url.yaml tests/config/bad/99-shared-url.err \
	tests/config/bad/99-shared-prefix.yaml tests/config/bad/99-shared-prefix.err \
	tests/config/bad/99-shared-timeout.yaml tests/config/bad/99-shared-timeout.err \
	tests/config/bad/99-shared-key.yaml tests/config/bad/99-shared-key.err \
	tests/config/bad/99-shared-unknown.yaml tests/config/bad/99-shared-unknown.err

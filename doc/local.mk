# doc/local.mk - manual pages (mdoc) and protocol documents.
dist_man_MANS += doc/vantaged.8 doc/vantaged.yaml.5
EXTRA_DIST += doc/ARCHITECTURE.md doc/design.md

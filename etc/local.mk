# etc/local.mk - shipped configuration examples.
dist_sysconf_vantage_DATA += etc/vantaged.yaml
dist_sysconf_vantage_DATA += etc/mirrors.yaml

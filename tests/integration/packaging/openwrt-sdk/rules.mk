# tests/integration/packaging/openwrt-sdk/rules.mk - stand-in for the OpenWrt SDK's
# $(TOPDIR)/rules.mk (pkg_openwrt.sh; no SDK can be fetched here): the variables a package
# Makefile takes from it, with the SDK's values.
INCLUDE_DIR := $(TOPDIR)/include
SCRIPT_DIR := $(TOPDIR)
INSTALL_DIR := install -d -m0755
INSTALL_BIN := install -m0755
INSTALL_DATA := install -m0644
INSTALL_CONF := install -m0600
CP := cp -fpR
LN := ln -sf

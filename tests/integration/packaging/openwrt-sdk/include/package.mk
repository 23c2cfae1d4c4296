# tests/integration/packaging/openwrt-sdk/include/package.mk - stand-in for the OpenWrt SDK's
# $(INCLUDE_DIR)/package.mk (pkg_openwrt.sh). It enforces what the SDK's package rules need
# (and what the SDK only finds out at download, build or packaging time) and runs the package's
# install recipe the way the SDK does, into a staging tree:
#   make -C packaging/openwrt/vantage TOPDIR=<this dir's parent> SDK_OUT=DIR \
#        PKG_INSTALL_DIR=<DESTDIR of `make install` of a real build> [CONFIG_X=y] TARGET
# TARGET: sdk-check (the fields), sdk-install (sdk-check, then each package's install recipe
# into SDK_OUT/root-PKG and its control files into SDK_OUT/PKG.*), sdk-configure-args.
SDK_OUT ?= $(error SDK_OUT: where the stand-in writes what it checks)
PKG_INSTALL_DIR ?= $(error PKG_INSTALL_DIR: the DESTDIR of a `make install` of the real build)
PKG_BUILD_DIR = $(PKG_INSTALL_DIR)
SDK_SRC ?= $(CURDIR)
CONFIGURE_ARGS :=

export PKG_NAME PKG_VERSION PKG_RELEASE PKG_SOURCE PKG_SOURCE_URL PKG_HASH PKG_LICENSE \
	PKG_LICENSE_FILES PKG_MAINTAINER PKG_FIXUP PKG_INSTALL PKG_CONFIG_DEPENDS SDK_SRC SDK_OUT

_sdk_dir := $(dir $(lastword $(MAKEFILE_LIST)))..

.PHONY: sdk-check sdk-install sdk-configure-args
sdk-check:
	PKGS='$(PKGS)' sh $(_sdk_dir)/check.sh fields

sdk-configure-args:
	@echo $(CONFIGURE_ARGS)

# What BuildPackage does for the checks: the package's define blocks (as the SDK evaluates
# them), its metadata written to SDK_OUT/PKG.* and its install recipe run into SDK_OUT/root-PKG,
# the maintainer scripts written as the SDK writes them (one make expansion: $$ -> $).
define BuildPackage
SECTION :=
CATEGORY :=
TITLE :=
DEPENDS :=
USERID :=
$(Package/$(1))
PKGS += $(1)
_sdk_meta_$(1) := $$(shell mkdir -p $$(SDK_OUT))
$$(file >$$(SDK_OUT)/$(1).fields,SECTION=$$(SECTION))
$$(file >>$$(SDK_OUT)/$(1).fields,CATEGORY=$$(CATEGORY))
$$(file >>$$(SDK_OUT)/$(1).fields,TITLE=$$(TITLE))
$$(file >>$$(SDK_OUT)/$(1).fields,USERID=$$(USERID))
$$(file >$$(SDK_OUT)/$(1).depends,$$(DEPENDS))
$$(file >$$(SDK_OUT)/$(1).description,$$(Package/$(1)/description))
$$(file >$$(SDK_OUT)/$(1).conffiles,$$(Package/$(1)/conffiles))
$$(file >$$(SDK_OUT)/$(1).kconfig,$$(Package/$(1)/config))
$$(file >$$(SDK_OUT)/$(1).has_install,$$(if $$(value Package/$(1)/install),yes))
$$(if $$(value Package/$(1)/prerm),$$(file >$$(SDK_OUT)/$(1).prerm,$$(Package/$(1)/prerm)))
$$(if $$(value Package/$(1)/postrm),$$(file >$$(SDK_OUT)/$(1).postrm,$$(Package/$(1)/postrm)))
$$(if $$(value Package/$(1)/postinst),$$(file >$$(SDK_OUT)/$(1).postinst,$$(Package/$(1)/postinst)))

sdk-install: sdk-install-$(1)
sdk-install-$(1): sdk-check
	rm -rf $$(SDK_OUT)/root-$(1)
	mkdir -p $$(SDK_OUT)/root-$(1)
	$$(call Package/$(1)/install,$$(SDK_OUT)/root-$(1))
	PKGS='$(1)' sh $(_sdk_dir)/check.sh installed
endef

# tests/integration/packaging/uci_stub.sh - just enough of OpenWrt's /lib/functions.sh to run
# the UCI -> YAML code of packaging/openwrt/vantage/files/vantaged.init off the router.
# As on OpenWrt, config_load sources the UCI file ($UCI_CONFIG_DIR/NAME) with config, option
# and list defined as functions; values live in CONFIG_<section>_<option> variables.
# Sourced by a POSIX sh (dash); the init script itself runs under busybox ash there.

_UCI_SECTIONS=""
_UCI_CUR=""
_UCI_ANON=0
_UCI_LISTS=""

config() {
	local type="$1" name="$2"
	if [ -z "$name" ]; then
		_UCI_ANON=$((_UCI_ANON + 1)); name=cfg$_UCI_ANON
	fi
	_UCI_CUR=$name
	_UCI_SECTIONS="$_UCI_SECTIONS $name"
	eval "CONFIG_${name}_TYPE=\$type"
}

option() {
	eval "CONFIG_${_UCI_CUR}_$1=\$2"
}

list() {
	local n
	eval "n=\${CONFIG_${_UCI_CUR}_$1_LENGTH:-0}"
	[ "$n" = 0 ] && _UCI_LISTS="$_UCI_LISTS ${_UCI_CUR}_$1"
	n=$((n + 1))
	eval "CONFIG_${_UCI_CUR}_$1_LENGTH=\$n"
	eval "CONFIG_${_UCI_CUR}_$1_ITEM$n=\$2"
}

# like uci_load, forget the lists of an earlier load (options are simply overwritten)
config_load() {
	local l
	for l in $_UCI_LISTS; do eval "CONFIG_${l}_LENGTH=0"; done
	_UCI_SECTIONS="" _UCI_CUR="" _UCI_ANON=0 _UCI_LISTS=""
	. "${UCI_CONFIG_DIR:-/etc/config}/$1"
}

config_get() {
	local var="$1" sec="$2" opt="$3" def="$4" v
	eval "v=\${CONFIG_${sec}_${opt}-\$def}"
	eval "$var=\$v"
}

config_get_bool() {
	local _b
	config_get _b "$2" "$3" "$4"
	case $_b in 1|on|true|yes|enabled) _b=1 ;; *) _b=0 ;; esac
	eval "$1=\$_b"
}

config_list_foreach() {
	local sec="$1" opt="$2" fn="$3" n i v
	shift 3
	eval "n=\${CONFIG_${sec}_${opt}_LENGTH:-0}"
	i=1
	while [ "$i" -le "$n" ]; do
		eval "v=\$CONFIG_${sec}_${opt}_ITEM$i"
		"$fn" "$v" "$@"
		i=$((i + 1))
	done
}

config_foreach() {
	local fn="$1" type="$2" s t
	shift 2
	for s in $_UCI_SECTIONS; do
		eval "t=\$CONFIG_${s}_TYPE"
		[ -z "$type" ] || [ "$t" = "$type" ] && "$fn" "$s" "$@"
	done
	return 0
}

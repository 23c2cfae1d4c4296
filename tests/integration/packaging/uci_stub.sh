# tests/integration/packaging/uci_stub.sh - just enough of OpenWrt's /lib/functions.sh to run
# the UCI -> YAML code of packaging/openwrt/vantage/files/vantaged.init off the router.
# As on OpenWrt, config_load sources the UCI file ($UCI_CONFIG_DIR/NAME) with config, option
# and list defined as functions; values live in CONFIG_<section>_<option> variables.
# Sourced by a POSIX sh (dash); the init script itself runs under busybox ash there. `uci`
# below stands in for the command-line tool (uci-defaults and prerm scripts).

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

# uci [-q] get|set|add_list|del_list|delete|commit ARG: the uci command-line tool the
# uci-defaults and prerm scripts call, on a state file ($UCI_STATE: one "key<TAB>value" line
# per option or list item; a section is a line "config.section<TAB>type"). Each call is
# recorded, without -q, as a line of $UCI_LOG.
uci() {
	local cmd key val
	[ "$1" = -q ] && shift
	echo "uci $*" >> "${UCI_LOG:?}"
	cmd=$1
	case $2 in
	*=*) key=${2%%=*}; val=${2#*=} ;;
	*) key=$2; val= ;;
	esac
	touch "${UCI_STATE:?}"
	case $cmd in
	get)
		awk -F '\t' -v k="$key" '$1 == k { printf "%s%s", (n++ ? " " : ""), $2 }
			END { if (n) print ""; exit(n ? 0 : 1) }' "$UCI_STATE" ;;
	set)
		_uci_filter '$1 != k' "$key" "" && printf '%s\t%s\n' "$key" "$val" >> "$UCI_STATE" ;;
	add_list)
		printf '%s\t%s\n' "$key" "$val" >> "$UCI_STATE" ;;
	del_list)
		_uci_filter '!($1 == k && $2 == v)' "$key" "$val" ;;
	delete)
		_uci_filter '$1 != k && index($1, k ".") != 1' "$key" "" ;;
	commit) ;;
	*) echo "uci stub: $cmd not supported" >&2; return 1 ;;
	esac
}

_uci_filter() {
	awk -F '\t' -v k="$2" -v v="$3" "$1" "$UCI_STATE" > "$UCI_STATE.new" &&
		mv -f "$UCI_STATE.new" "$UCI_STATE"
}

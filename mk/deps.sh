#!/bin/sh
# deps.sh - checks for, and installs, the Debian packages kite needs to build and test.
#   sh mk/deps.sh check     exit 1 (and say what) if something is missing
#   sh mk/deps.sh install   apt-get install what is missing (as root), or print the command
set -u

# package:probe pairs. A probe is a header (h:), a command (c:) or a pkg-config name (p:).
PKGS="
gcc:c:cc
libc6-dev:h:stdio.h
make:c:make
pkg-config:c:pkg-config
libzstd-dev:h:zstd.h
zlib1g-dev:h:zlib.h
libisal-dev:h:isa-l/igzip_lib.h
libyaml-dev:h:yaml.h
libjansson-dev:h:jansson.h
libsqlite3-dev:h:sqlite3.h
sqlite3:c:sqlite3
libcmocka-dev:h:cmocka.h
libpcap-dev:h:pcap/pcap.h
libbpf-dev:h:bpf/libbpf.h
libelf-dev:h:libelf.h
bpftool:c:bpftool
python3:c:python3
clang:c:clang
libclang-rt-14-dev:f:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
tshark:c:tshark
clang-format:c:clang-format
sysdig:c:sysdig
bc:c:bc
strace:c:strace
"

have() {
	kind=$1 what=$2
	case $kind in
	c) command -v "$what" >/dev/null 2>&1 ;;
	f) [ -e "$what" ] || ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ;;
	p) pkg-config --exists "$what" 2>/dev/null ;;
	h) printf '#include <%s>\n' "$what" | cc -E -x c - >/dev/null 2>&1 ;;
	esac
}

missing=""
for entry in $PKGS; do
	pkg=${entry%%:*}
	rest=${entry#*:}
	have "${rest%%:*}" "${rest#*:}" || missing="$missing $pkg"
done

case "${1:-check}" in
check)
	if [ -n "$missing" ]; then
		echo "kite: missing packages:$missing" >&2
		exit 1
	fi
	;;
install)
	[ -z "$missing" ] && exit 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "kite: missing packages:$missing" >&2
		echo "kite: run: sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
		exit 1
	fi
	echo "kite: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	# no recommends: sysdig's would pull in a kernel module build (kite only needs its reader, sysdig -r)
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >&2 || {
		echo "kite: apt-get install failed for:$missing" >&2
		exit 1
	}
	;;
*)
	echo "usage: sh mk/deps.sh check|install" >&2
	exit 2
	;;
esac

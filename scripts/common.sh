# SPDX-License-Identifier: GPL-2.0
# Shared settings and helpers for the build/boot/test harness.
# Sourced by the other scripts; not meant to be run.

# The one place the kernel source is pinned.  To move the pin, change
# KERNEL_PKG_VERSION to one of the versions `apt-cache policy
# linux-source-6.12` lists, then run `make source`.  (The environment
# variable HARNESS_KERNEL_PKG_VERSION overrides it for one run; the harness
# self-test of a pin that left the archive uses it.)
KERNEL_PKG=linux-source-6.12
KERNEL_PKG_VERSION=${HARNESS_KERNEL_PKG_VERSION:-6.12.117-1~deb12u1}
KERNEL_TARBALL=/usr/src/linux-source-6.12.tar.xz
KERNEL_TOPDIR=linux-source-6.12

# Debian's fio, built static for the guest.
FIO_SRC_PKG=fio

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${HARNESS_BUILD:-$TOP/build}

# mkfs.ext4 and friends live in sbin, which a CI PATH may lack.
export PATH=$PATH:/usr/sbin:/sbin
PRISTINE=$BUILD/pristine/$KERNEL_PKG_VERSION
# The work tree; the harness self-tests point it at a private copy.
KSRC=${HARNESS_KSRC:-$BUILD/linux}
GUEST=$BUILD/guest

# Top-level directories of the repository that are laid over the kernel
# tree.  scripts/ and tests/ are the harness's own, not kernel overlay.
OVERLAY_DIRS="arch block Documentation drivers fs include init kernel lib mm security tools virt"

die() {
	echo "error: $*" >&2
	exit 1
}

note() {
	echo "==> $*" >&2
}

# nproc, but never 0.
njobs() {
	local n
	n=$(nproc 2>/dev/null || echo 1)
	echo "${n:-1}"
}

# Lists the repository's overlay files, relative to the repository root,
# sorted, one per line.
overlay_files() {
	local d
	(cd "$TOP" && for d in $OVERLAY_DIRS; do
		if [ -d "$d" ]; then
			find "$d" -type f ! -name '*~' ! -name '.*.swp'
		fi
	done) | LC_ALL=C sort
}

# Prints FILE without comments (# to end of line), trailing blanks or empty
# lines: the harness's small config files (series, tests/plan, bench/...).
config_lines() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1"
}

# Root runs apt-get itself; anyone else through sudo.  apt waits for a
# dpkg lock held by a freshly booted machine's own updates.
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
APT_GET=($SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)

# Lists the patches named in $PATCHES_DIR/series (default patches/series),
# in order, skipping comments and the indented new-file lines.
series_patches() {
	local dir=${PATCHES_DIR:-$TOP/patches}

	[ -f "$dir/series" ] || return 0
	config_lines "$dir/series" | grep -v '^[[:space:]]' || true
}

# Lists "PATCH FILE" for every new file of $PATCHES_DIR/series: the
# indented lines under a patch name the new files that arrive with it.
series_new_files() {
	local dir=${PATCHES_DIR:-$TOP/patches}

	[ -f "$dir/series" ] || return 0
	config_lines "$dir/series" | awk '
		/^[[:space:]]/ { if (p == "") exit 1; print p, $1; next }
		{ p = $1 }' || die "$dir/series: a new file is listed before any patch"
}

# Lists the files a unified diff touches (its "+++ b/..." targets, and the
# "--- a/..." sources of deletions).
patch_targets() {
	awk '
	/^--- / { src = $2; next }
	/^\+\+\+ / {
		dst = $2
		if (dst == "/dev/null")
			dst = src
		sub(/^[^\/]*\//, "", dst)
		print dst
	}' "$1" | LC_ALL=C sort -u
}

# Enables deb-src entries for the configured Debian archive if the machine
# has none, so that `apt-get source $1` works.
ensure_deb_src() {
	local files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list
		/etc/apt/sources.list.d/*.sources)

	grep -Eqs '^(deb-src|Types:.*deb-src)' "${files[@]}" && return 0
	note "enabling deb-src entries (for apt-get source $1)"
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
			$SUDO tee /etc/apt/sources.list.d/harness-deb-src.sources >/dev/null
	fi
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list |
			$SUDO tee /etc/apt/sources.list.d/harness-deb-src.list >/dev/null
	fi
	files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list
		/etc/apt/sources.list.d/*.sources)
	grep -Eqs '^(deb-src|Types:.*deb-src)' "${files[@]}" ||
		die "no Debian archive found in /etc/apt/sources.list* to add deb-src for"
	"${APT_GET[@]}" update -qq >&2 || die "apt-get update failed"
}

# Fails unless every overlay file given is listed once in the series, under
# the patch it arrives with, and every listed file is one of them.  A
# series that lists none passes (export-series refuses that itself).
check_series_new_files() {
	local listed dup f
	[ -f "${PATCHES_DIR:-$TOP/patches}/series" ] || return 0
	listed=$(series_new_files | awk '{ print $2 }' | LC_ALL=C sort)
	# A series of hooks only (the harness self-tests use such) lists none.
	[ -n "$listed" ] || return 0
	dup=$(printf '%s\n' "$listed" | uniq -d)
	[ -z "$dup" ] || die "patches/series lists these new files more than once: $dup"
	for f in "$@"; do
		printf '%s\n' "$listed" | grep -qxF "$f" ||
			die "new file $f is not listed in patches/series under the patch it arrives with"
	done
	for f in $listed; do
		printf '%s\n' "$@" | grep -qxF "$f" ||
			die "patches/series lists $f, which is not a new file of the overlay"
	done
}

# Feeds the KTAP output in LOG to the kunit.py of kernel tree TREE, writes
# its report to REPORT and prints its "Testing complete" line, or nothing.
kunit_summary() { # tree log report
	python3 "$1/tools/testing/kunit/kunit.py" parse "$2" >"$3" 2>&1 || true
	grep 'Testing complete' "$3" | tail -n1 || true
}

# Sets k_passed, k_failed, k_skipped, k_crashed and k_errors from such a
# line (kunit.py prints only the counts that are not 0); false if the line
# is empty or no test ran.
kunit_counts() { # summary
	local what n
	if [ -z "$1" ] || echo "$1" | grep -q 'Ran 0 tests'; then
		return 1
	fi
	for what in passed failed skipped crashed errors; do
		n=$(echo "$1" | sed -n "s/.*$what: \([0-9]*\).*/\1/p")
		eval "k_$what=\${n:-0}"
	done
}

# SPDX-License-Identifier: GPL-2.0
# export-series writes a numbered format-patch series that `git am` applies
# to the pinned source, giving what build/linux has: one patch per entry
# of patches/series, each new file in the patch it is listed under, and a
# cover letter as patch 0.
set -euo pipefail
. "$(dirname "$0")/common.bash"
private_worktree
t=$(mktemp -d)
trap 'rm -rf "$t"; private_cleanup' EXIT

echo "== the project's own change"
expect_rc 0 "$TOP/scripts/prepare-source"
expect_rc 0 "$TOP/scripts/export-series" "$t/real"
nreal=$(series_patches | wc -l)
[ "$(find "$t/real" -name '*.patch' ! -name '0000-*' | wc -l)" -eq "$nreal" ] || fail "want $nreal patches"
cover=$t/real/0000-cover-letter.patch
[ -f "$cover" ] || fail "no cover letter"
grep -q "^Subject: \[PATCH 0/$nreal\] " "$cover" || fail "cover letter subject not numbered 0/$nreal"
# Every new file arrives in the patch it is listed under, and only there.
[ "$(series_new_files | wc -l)" -eq "$(overlay_files | sed '/^$/d' | wc -l)" ] ||
	fail "patches/series does not list every new file once"
series_new_files | while read -r p f; do
	n=$( (grep -c "^+++ b/$f\$" "$t"/real/[0-9]*.patch || true) | awk -F: '$2 > 0' | wc -l)
	[ "$n" -eq 1 ] || fail "$f is added by $n exported patches, not 1"
	i=$(series_patches | grep -nxF "$p" | cut -d: -f1)
	grep -q "^+++ b/$f\$" "$(printf '%s/%04d-' "$t/real" "$i")"*.patch ||
		fail "$f is not in patch $i ($p)"
done

echo "== a synthetic series"
mkdir -p "$t/tree/a" "$t/tree/b" "$t/p"
cp "$PRISTINE/README" "$t/tree/a/README"
sed '1s/^/Exported by the harness self-test.\n/' "$PRISTINE/README" >"$t/tree/b/README"
{
	printf 'From: Self Test <selftest@localhost>\nSubject: [PATCH] README: say who exported it\n\n'
	printf 'Adds a line to README so the export has something to carry.\n---\n'
	(cd "$t/tree" && diff -u a/README b/README) || true
} >"$t/p/readme.patch"
{ echo readme.patch; overlay_files | sed '/^$/d; s/^/\t/'; } >"$t/p/series"
expect_rc 0 env PATCHES_DIR="$t/p" "$TOP/scripts/prepare-source"
expect_rc 0 env PATCHES_DIR="$t/p" "$TOP/scripts/export-series" "$t/out"
expect_out 'checked with git am'
f=$(find "$t/out" -name '*.patch' | sort | tail -n1)
[ -n "$f" ] || fail "no patch written"
grep -q '^Subject: \[PATCH [0-9]*/[0-9]*\] README: say who exported it$' "$f" || fail "subject not numbered"
grep -q '^Adds a line to README' "$f" || fail "description lost"
grep -qE '^ README +\| +1 ?\+?$' "$f" || fail "no diffstat"
grep -q '^+++ b/mm/ephmap/ephmap.c$' "$f" || fail "the listed new files are not in the patch"

echo "== a new file listed under no patch"
sed -i '/mm\/ephmap\/ephmap.c/d' "$t/p/series"
expect_rc 1 env PATCHES_DIR="$t/p" "$TOP/scripts/export-series" "$t/out"
expect_out 'mm/ephmap/ephmap.c is not listed'
echo ok

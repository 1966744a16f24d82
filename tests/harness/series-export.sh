# SPDX-License-Identifier: GPL-2.0
# export-series writes a numbered format-patch series that `git am` applies
# to the pinned source, giving what build/linux has.
set -euo pipefail
. "$(dirname "$0")/common.bash"
private_worktree
t=$(mktemp -d)
trap 'rm -rf "$t"; private_cleanup' EXIT

echo "== the project's own change"
expect_rc 0 "$TOP/scripts/prepare-source"
expect_rc 0 "$TOP/scripts/export-series" "$t/real"
nreal=$( (overlay_files | sed '/^$/d' | xargs -r -n1 dirname | sort -u; series_patches) | wc -l)
[ "$(find "$t/real" -name '*.patch' | wc -l)" -eq "$nreal" ] || fail "want $nreal patches"

echo "== a synthetic series"
mkdir -p "$t/tree/a" "$t/tree/b" "$t/p"
cp "$PRISTINE/README" "$t/tree/a/README"
sed '1s/^/Exported by the harness self-test.\n/' "$PRISTINE/README" >"$t/tree/b/README"
{
	printf 'From: Self Test <selftest@localhost>\nSubject: [PATCH] README: say who exported it\n\n'
	printf 'Adds a line to README so the export has something to carry.\n---\n'
	(cd "$t/tree" && diff -u a/README b/README) || true
} >"$t/p/readme.patch"
echo readme.patch >"$t/p/series"
expect_rc 0 env PATCHES_DIR="$t/p" "$TOP/scripts/prepare-source"
expect_rc 0 env PATCHES_DIR="$t/p" "$TOP/scripts/export-series" "$t/out"
expect_out 'checked with git am'
f=$(find "$t/out" -name '*.patch' | sort | tail -n1)
[ -n "$f" ] || fail "no patch written"
grep -q '^Subject: \[PATCH [0-9]*/[0-9]*\] README: say who exported it$' "$f" || fail "subject not numbered"
grep -q '^Adds a line to README' "$f" || fail "description lost"
grep -qE '^ README \| +1 \+$' "$f" || fail "no diffstat"
echo ok

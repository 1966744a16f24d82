# SPDX-License-Identifier: GPL-2.0
# prepare-source (run on a private copy of the work tree): a patch that
# does not apply is named with the file it failed on and leaves the tree
# untouched; a changed series is re-applied
# and the old changes undone; nothing changed means nothing is rewritten.
set -euo pipefail
. "$(dirname "$0")/common.bash"
real_state() {
	stat -c '%i %Y %n' "$BUILD/linux/README" "$BUILD/linux/mm/filemap.c" \
		"$BUILD/linux/.harness-stamp" "$BUILD/linux/.harness-files"
}
real0=$(real_state)
private_worktree
t=$(mktemp -d)
trap 'rm -rf "$t"; private_cleanup' EXIT

# Start from the project's own series.
expect_rc 0 "$TOP/scripts/prepare-source"
stamp0=$(cat "$KSRC/.harness-stamp")
sum() { sha256sum "$KSRC/$1" | cut -d' ' -f1; }
readme0=$(sum README) filemap0=$(sum mm/filemap.c)

mkdir -p "$t/tree/a" "$t/tree/b" "$t/p1" "$t/p2" "$t/p3"
cp "$PRISTINE/README" "$t/tree/a/README"
sed '1s/^/Patched by the harness self-test.\n/' "$PRISTINE/README" >"$t/tree/b/README"
(cd "$t/tree" && diff -u a/README b/README) >"$t/good.patch" || true
cat >"$t/bad.patch" <<'PATCH'
Subject: [PATCH] mm: a hunk whose context does not exist

--- a/mm/filemap.c
+++ b/mm/filemap.c
@@ -1,3 +1,3 @@
 this line is not in filemap.c
-nor is this one
+so the hunk cannot apply
 and this is no context either
PATCH
cp "$t/good.patch" "$t/bad.patch" "$t/p1/"
printf 'good.patch\nbad.patch\n' >"$t/p1/series"
cp "$t/good.patch" "$t/p2/"
printf '# a comment\ngood.patch\n' >"$t/p2/series"
printf 'missing.patch\n' >"$t/p3/series"

echo "== a series whose second patch does not apply"
expect_rc 1 env PATCHES_DIR="$t/p1" "$TOP/scripts/prepare-source"
expect_out 'patch bad.patch does not apply'
expect_out 'mm/filemap.c'
[ "$(sum README)" = "$readme0" ] || fail "README changed by a failed series"
[ "$(sum mm/filemap.c)" = "$filemap0" ] || fail "mm/filemap.c changed by a failed series"
[ "$(cat "$KSRC/.harness-stamp")" = "$stamp0" ] || fail "stamp changed by a failed series"

echo "== a series naming a missing patch"
expect_rc 1 env PATCHES_DIR="$t/p3" "$TOP/scripts/prepare-source"
expect_out 'missing.patch'

echo "== a series that applies"
expect_rc 0 env PATCHES_DIR="$t/p2" "$TOP/scripts/prepare-source"
head -n1 "$KSRC/README" | grep -q 'Patched by the harness self-test' || fail "good.patch not applied"

echo "== back to the project's series: the self-test's change is undone"
expect_rc 0 "$TOP/scripts/prepare-source"
cmp -s "$KSRC/README" "$PRISTINE/README" || fail "README not restored to the pinned version"
[ "$(cat "$KSRC/.harness-stamp")" = "$stamp0" ] || fail "stamp differs from the start"

echo "== nothing changed: nothing rewritten"
# README is a file of the private tree's own by now (rewritten twice).
[ "$(stat -c %i "$KSRC/README")" != "$(stat -c %i "$BUILD/linux/README")" ] ||
	fail "README still shares the real tree's inode"
touch -d '2000-01-01' "$KSRC/README"
expect_rc 0 "$TOP/scripts/prepare-source"
expect_out 'up to date'
[ "$(stat -c %Y "$KSRC/README")" = "$(date -d 2000-01-01 +%s)" ] || fail "README rewritten"

echo "== the real work tree was not touched"
[ "$(real_state)" = "$real0" ] || fail "build/linux changed: $(real_state)"
echo ok

# SPDX-License-Identifier: GPL-2.0
# check-config accepts a .config that holds every fragment option and names
# each option that did not survive.
set -euo pipefail
. "$(dirname "$0")/common.bash"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

cat >"$t/frag" <<'FRAG'
CONFIG_A=y
CONFIG_B="text"
# CONFIG_C is not set
CONFIG_D=n
CONFIG_E=64
FRAG
cat >"$t/good" <<'CFG'
CONFIG_A=y
CONFIG_B="text"
# CONFIG_C is not set
CONFIG_E=64
CFG
expect_rc 0 "$TOP/scripts/check-config" "$t/good" "$t/frag"

cat >"$t/bad" <<'CFG'
CONFIG_B="other"
CONFIG_C=y
CONFIG_D=m
CONFIG_E=64
CFG
expect_rc 1 "$TOP/scripts/check-config" "$t/bad" "$t/frag"
expect_out 'CONFIG_A \(wanted y, got n\)'
expect_out 'CONFIG_B \(wanted "text", got "other"\)'
expect_out 'CONFIG_C \(wanted n, got y\)'
expect_out 'CONFIG_D \(wanted n, got m\)'
printf '%s\n' "$out" | grep -q CONFIG_E && fail "CONFIG_E held but was reported"
echo ok

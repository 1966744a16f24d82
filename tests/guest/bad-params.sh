# SPDX-License-Identifier: GPL-2.0
# Boot parameters of the project given bad values: an action list with an
# unknown action, an empty one, ephmap with no value and with an empty
# one.  Each is reported, naming the parameter; the action lists keep
# their defaults (the CPU then drops what it lacks, by name, which shows
# what was kept); ASI still comes on and the ephmap stays off.
set -e
expect_log() { # PATTERN WHAT
	dmesg | grep -q -- "$1" || { echo "FAIL: boot log lacks $2"; exit 1; }
}
expect_log 'ASI: asi_exit_actions=: unknown action' "the asi_exit_actions= warning"
expect_log 'ASI: asi_reenter_actions=: unknown action' "the asi_reenter_actions= warning"
# The defaults, ibpb on exit and l1d,verw on re-entry, kept whole: each is
# either run or reported as not offered.
for a in "exit action ibpb" "re-entry action l1d" "re-entry action verw"; do
	dmesg | grep -q "ASI: $a: not offered" ||
		dmesg | grep 'ASI: actions on exit: ' | grep -q "${a##* }" ||
		{ echo "FAIL: default $a lost"; exit 1; }
done
expect_log "Malformed early option 'ephmap'" "the complaint about bare ephmap"
expect_log 'ephmap: unknown value ephmap= ' "the ephmap= warning"
expect_log 'ephmap: off (ephmap= not understood)' "the ephmap reported off"
grep -q '^enabled: 1$' /sys/kernel/debug/asi/state || { echo "FAIL: ASI is off"; exit 1; }
pages=$(cat /sys/kernel/debug/ephmap/pgtable_pages)
[ "$pages" -eq 0 ] || { echo "FAIL: $pages ephmap page-table pages"; exit 1; }
echo "ok: every bad value reported, defaults kept, ASI on, ephmap off"

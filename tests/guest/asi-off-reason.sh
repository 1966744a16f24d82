# SPDX-License-Identifier: GPL-2.0
# asi= with a bad value, or asi=on where it cannot work, boots with ASI off,
# says why in the boot log, and leaves every ASI counter at 0.
set -e
if grep -qw 'asi=on' /proc/cmdline && grep -qw 'pti=on' /proc/cmdline; then
	dmesg | grep 'ASI: asi=on ignored: pti=on was given too' ||
		{ echo "FAIL: no warning about pti=on"; exit 1; }
	grep -m1 '^flags' /proc/cpuinfo | grep -qw pti || { echo "FAIL: pti=on but PTI is off"; exit 1; }
else
	value=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^asi=//p')
	[ -n "$value" ] || { echo "FAIL: booted without asi="; exit 1; }
	dmesg | grep "ASI: asi=$value: unknown value" || { echo "FAIL: no warning naming asi=$value"; exit 1; }
fi
grep -q '^enabled: 0$' /sys/kernel/debug/asi/state || { echo "FAIL: ASI is on"; exit 1; }
grep -m1 '^flags' /proc/cpuinfo | grep -qw asi && { echo "FAIL: asi CPU flag set"; exit 1; }
for c in asi_exit_fault asi_exit_explicit asi_reenter asi_mark_sensitive asi_mark_nonsensitive; do
	n=$(sed -n "s/^$c //p" /proc/vmstat)
	[ "$n" -eq 0 ] || { echo "FAIL: $c is $n"; exit 1; }
done
echo "ok: ASI off, reason logged, counters 0"

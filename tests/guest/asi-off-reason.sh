# SPDX-License-Identifier: GPL-2.0
# asi= with a bad value, or asi=on where it cannot work (pti=on, a CPU
# affected by Meltdown), boots with ASI off, says why in the boot log, and
# leaves every ASI counter at 0 and the ephmap off.
set -e
. /tests/lib.sh
meltdown=$(cat /sys/devices/system/cpu/vulnerabilities/meltdown)
echo "meltdown: $meltdown"
if grep -qw 'asi=on' /proc/cmdline && grep -qw 'pti=on' /proc/cmdline; then
	dmesg | grep 'ASI: asi=on ignored: pti=on was given too' ||
		{ echo "FAIL: no warning about pti=on"; exit 1; }
	grep -m1 '^flags' /proc/cpuinfo | grep -qw pti || { echo "FAIL: pti=on but PTI is off"; exit 1; }
elif grep -qw 'asi=on' /proc/cmdline; then
	# The CPU model must be one the kernel finds affected.
	grep -q cpu_meltdown /proc/cpuinfo || { echo "FAIL: asi=on alone, on a CPU not affected by Meltdown"; exit 1; }
	dmesg | grep 'ASI: asi=on ignored: this CPU is affected by Meltdown' ||
		{ echo "FAIL: no warning about Meltdown"; exit 1; }
	[ "$meltdown" = "Mitigation: PTI" ] || { echo "FAIL: Meltdown left \"$meltdown\""; exit 1; }
else
	value=$(cmdline_value asi)
	[ -n "$value" ] || { echo "FAIL: booted without asi="; exit 1; }
	dmesg | grep "ASI: asi=$value: unknown value" || { echo "FAIL: no warning naming asi=$value"; exit 1; }
fi
grep -q '^enabled: 0$' /sys/kernel/debug/asi/state || { echo "FAIL: ASI is on"; exit 1; }
grep -m1 '^flags' /proc/cpuinfo | grep -qw asi && { echo "FAIL: asi CPU flag set"; exit 1; }
for c in asi_exit_fault asi_exit_explicit asi_reenter; do
	n=$(sed -n "s/^$c //p" /proc/vmstat)
	[ "$n" -eq 0 ] || { echo "FAIL: $c is $n"; exit 1; }
done
for c in mark_sensitive mark_nonsensitive; do
	n=$(sed -n "s/^$c //p" /sys/kernel/debug/asi/stats)
	[ "$n" -eq 0 ] || { echo "FAIL: asi/stats $c is $n"; exit 1; }
done
dmesg | grep -q 'ephmap: off (the default without ASI)' || { echo "FAIL: ephmap not off for want of ASI"; exit 1; }
echo "ok: ASI off, reason logged, counters 0, ephmap off"

# SPDX-License-Identifier: GPL-2.0
# ASI is on exactly when booted with asi=on (and no pti=on).  On: the
# auditor finds no problem after the workloads that ran before this test,
# the CPUs have re-entered, each of 50 exits made from user space through
# asi/exit is followed by its re-entry, and no re-entry comes without an
# exit (the fault exits beside them included).  Off: no ASI counter ever
# moved, and there is no auditor.  Either way /proc/vmstat has exactly
# the ASI and ephmap lines that are ABI, and asi/stats the rest.
set -e
state=/sys/kernel/debug/asi/state
stats=/sys/kernel/debug/asi/stats
[ -r $state ] || { echo "FAIL: $state missing"; exit 1; }
vm() { sed -n "s/^$1 //p" /proc/vmstat; }
st() { sed -n "s/^$1 //p" $stats; }
counters="asi_exit_fault asi_exit_explicit asi_reenter"
debug_counters="mark_sensitive mark_nonsensitive"
abi=$(grep -oE '^(asi|ephmap)_[a-z_]+' /proc/vmstat | tr '\n' ' ')
want="asi_exit_fault asi_exit_explicit asi_reenter asi_flip_sensitive asi_flip_nonsensitive "
grep -q '^ephmap_map ' /proc/vmstat && want="ephmap_map ephmap_fallback $want"
[ "$abi" = "$want" ] || { echo "FAIL: /proc/vmstat has \"$abi\", want \"$want\""; exit 1; }
for c in $debug_counters; do
	[ -n "$(st $c)" ] || { echo "FAIL: $stats has no $c"; exit 1; }
done

if grep -qw 'asi=on' /proc/cmdline && ! grep -qw 'pti=on' /proc/cmdline; then
	grep -q '^enabled: 1$' $state || { echo "FAIL: asi=on but $state says:"; cat $state; exit 1; }
	grep -m1 '^flags' /proc/cpuinfo | grep -qw asi || { echo "FAIL: no asi CPU flag"; exit 1; }
	grep -m1 '^flags' /proc/cpuinfo | grep -qw pti && { echo "FAIL: PTI on together with ASI"; exit 1; }
	dmesg | grep -q 'page tables isolation: disabled: asi=on replaces it' ||
		{ echo "FAIL: boot log does not say PTI is off"; exit 1; }
	dmesg | grep -q 'ASI: actions on exit: ' || { echo "FAIL: actions not printed at boot"; exit 1; }
	cat $state

	problems=$(head -n1 /sys/kernel/debug/asi/audit)
	[ "$problems" -eq 0 ] || { echo "FAIL: auditor reports:"; cat /sys/kernel/debug/asi/audit; exit 1; }
	reenter=$(vm asi_reenter)
	[ "$reenter" -gt 0 ] || { echo "FAIL: no re-entry after the workloads"; exit 1; }

	# 50 exits from CPU 0, each undone on the way back to user mode, each
	# traced.
	t=/sys/kernel/tracing
	[ -d $t/events ] || mount -t tracefs tracefs $t
	[ -d $t/events/asi/asi_exit ] || { echo "FAIL: no asi:asi_exit trace event"; exit 1; }
	echo 0 >$t/tracing_on; echo >$t/trace
	echo 1 >$t/events/asi/asi_exit/enable; echo 1 >$t/tracing_on
	# Exits are read before re-entries when the window opens, and after
	# them when it closes: an exit counted outside the window then never
	# has its re-entry counted inside it.
	x0=$(vm asi_exit_explicit); f0=$(vm asi_exit_fault); r0=$(vm asi_reenter)
	taskset 1 sh -c 'i=0; while [ $i -lt 50 ]; do echo 1 >/sys/kernel/debug/asi/exit; i=$((i + 1)); done'
	r1=$(vm asi_reenter); x1=$(vm asi_exit_explicit); f1=$(vm asi_exit_fault)
	echo 0 >$t/tracing_on; echo 0 >$t/events/asi/asi_exit/enable
	traced=$(grep -c 'asi_exit: cause=explicit address=0x0 ip=asi_exit_write' $t/trace || true)
	grep -m1 'asi_exit:' $t/trace || true
	echo "50 writes to asi/exit: $((x1 - x0)) explicit exits, $((r1 - r0)) re-entries, $((f1 - f0)) fault exits, $traced traced"
	[ $((x1 - x0)) -eq 50 ] || { echo "FAIL: want 50 explicit exits"; exit 1; }
	# Fault exits happen too (the forks and execs of the measuring
	# commands read sensitive page cache and copy user pages through the
	# direct map).  A re-entry undoes at least one exit: at most one per
	# CPU was pending when the window opened.  It may undo several: a
	# context switch to another mm loads that mm's restricted tables, and
	# the re-entry actions, counted as the re-entry, wait for the return to
	# user mode, so exits in two tasks can share one.  Each of the 50
	# writes returns to user mode on CPU 0, so each has its own.
	exits=$((x1 - x0 + f1 - f0)) cpus=$(grep -c '^processor' /proc/cpuinfo)
	[ $((r1 - r0)) -le $((exits + cpus)) ] ||
		{ echo "FAIL: $((r1 - r0)) re-entries for $exits exits"; exit 1; }
	[ $((r1 - r0)) -ge 50 ] ||
		{ echo "FAIL: 50 exits from user-mode writes but only $((r1 - r0)) re-entries"; exit 1; }
	[ "$traced" -eq 50 ] || { echo "FAIL: want 50 asi_exit events from asi_exit_write"; exit 1; }
	problems=$(head -n1 /sys/kernel/debug/asi/audit)
	[ "$problems" -eq 0 ] || { echo "FAIL: auditor reports $problems"; exit 1; }
	echo "ok: ASI on, auditor 0, $reenter re-entries before the exit loop"
else
	grep -q '^enabled: 0$' $state || { echo "FAIL: ASI on without asi=on:"; cat $state; exit 1; }
	grep -m1 '^flags' /proc/cpuinfo | grep -qw asi && { echo "FAIL: asi CPU flag set"; exit 1; }
	[ ! -e /sys/kernel/debug/asi/audit ] || { echo "FAIL: auditor present with ASI off"; exit 1; }
	for c in $counters; do
		[ "$(vm $c)" -eq 0 ] || { echo "FAIL: $c is $(vm $c) with ASI off"; exit 1; }
	done
	for c in $debug_counters; do
		[ "$(st $c)" -eq 0 ] || { echo "FAIL: $c is $(st $c) with ASI off"; exit 1; }
	done
	echo "ok: ASI off, all ASI counters 0"
fi

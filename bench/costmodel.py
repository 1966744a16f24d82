#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/costmodel.py BENCH.JSON: estimated real-hardware ratios.

Applies the cost model of bench/COST-MODEL.md to a `make bench` run
(bench/report.py's bench.json) and prints, per job and configuration,
three ratios to the baseline configuration:

  icount  fio's IOPS under -icount (guest time = instructions), the
          deterministic figure;
  str1    the same with each REP string instruction counted once, not once
          per iteration (what a CPU with fast strings executes);
  est     the cost model's estimate for real hardware: instructions at an
          assumed CPI, bytes copied at an assumed rate, and every event
          the instruction count cannot see at a published or assumed cost.

Then checks the model against the published anchor points (tmpfs 4 KiB
random reads, one job, Sapphire Rapids) and prints how far it lands.

  bench/costmodel.py [--params] BENCH.JSON
    --params  print the parameters and their sources, and exit
"""
import json
import sys

# Each parameter: (value, unit, source).  bench/COST-MODEL.md discusses
# them; change them there and here together.
PARAMS = {
    "ns_per_insn": (2.0, "ns", "QEMU -icount shift=1: 2^1 ns per instruction"),
    "cpi": (1.0, "cycles/instruction", "assumption: kernel and libc paths "
            "of a syscall retire about one instruction a cycle"),
    "copy_bytes_per_cycle": (32.0, "bytes/cycle", "a 4 KiB copy in 100-200 "
                             "cycles on current x86 (issue 13); 128 cycles"),
    "invlpg": (200.0, "cycles", "INVLPG of one page, Skylake (Dave Hansen, "
               "linux-kernel, Dec 2017)"),
    "kernel_flush_one": (692.0, "cycles", "the kernel's single-page flush "
                         "path without INVPCID, Skylake (same post)"),
    "cr3_switch": (500.0, "cycles", "a CR3 write without PCID and the TLB "
                   "refill of a syscall's working set: PTI without PCID "
                   "adds 750-1300 cycles per syscall for two such "
                   "switches, Haswell/Skylake; 1000 / 2"),
    "exception": (250.0, "cycles", "assumption: delivery of a #PF and its "
                  "IRET beyond the handler's instructions"),
    "ibpb": (4000.0, "cycles", "assumption: no public per-generation "
             "figure (REFERENCE.md); 'thousands of cycles'"),
    "rsb_stuff": (100.0, "cycles", "assumption: 32 CALLs and an adjustment "
                  "of RSP"),
    "l1d_flush": (1268.0, "cycles", "768 for the flush, Ice Lake and "
                  "later (estimate in REFERENCE.md), plus 500 assumed for "
                  "refilling 32 KiB from L2"),
    "verw": (500.0, "cycles", "assumption: no public figure "
             "(REFERENCE.md)"),
    "remote_flush": (3000.0, "cycles", "assumption: an IPI sent and "
                     "acknowledged, the remote flush and its refill, as "
                     "the sender waits"),
    "freq_ghz": (3.0, "GHz", "assumption for the anchor machine's clock, "
                 "used only to turn cycles into IOPS"),
}

ANCHOR_JOB = "tmpfs-anchor-randread-4k"
ANCHOR_OFF_IOPS = 1003102      # asi=off, Sapphire Rapids (REFERENCE.md)
ANCHOR_NO_REMEDY = 0.30        # ASI, no remedy: -70 %
ANCHOR_PROTOTYPE = 871928 / 1003102   # the prototype's ephmap: -13.1 %


def p(name):
    return PARAMS[name][0]


def parse_size(s):
    s = s.lower()
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    if s and s[-1] in mult:
        return int(float(s[:-1]) * mult[s[-1]])
    return int(s)


def actions(cmdline):
    """The exit and re-entry actions an ASI configuration runs."""
    exit_a, reenter_a = {"ibpb"}, {"l1d", "verw"}   # asi= defaults
    for w in (cmdline or "").split():
        if w.startswith("asi_exit_actions="):
            exit_a = set(w.split("=", 1)[1].split(",")) - {"none"}
        elif w.startswith("asi_reenter_actions="):
            reenter_a = set(w.split("=", 1)[1].split(",")) - {"none"}
    return exit_a, reenter_a


def exit_cost(exit_a):
    c = p("exception") + p("cr3_switch")
    if "ibpb" in exit_a:
        c += p("ibpb")
    return c


def reenter_cost(reenter_a):
    c = p("cr3_switch")
    if "l1d" in reenter_a:
        c += p("l1d_flush")
    if "verw" in reenter_a:
        c += p("verw")
    return c


def per_op(run_jobs, job, bs, iops_med):
    """Instructions (as counted, and strings as one) and events per op."""
    insns = 1e9 / iops_med / p("ns_per_insn")
    # A REP MOVSB of n bytes is n iterations under -icount, plus one
    # more for the exit test with ECX zero: n + 1 counted, one executed.
    # Each operation copies its bs bytes once, by pages: bs / 4096 + 1
    # string executions at most, a rounding error beside bs.
    str1 = insns - bs
    ev = {}
    for r in run_jobs:
        e = r.get(job, {}).get("steady_events")
        if e and e.get("kib"):
            ops = e["kib"] * 1024.0 / bs
            ev = {k: max(0.0, (v or 0) / ops) for k, v in e.items()
                  if k != "kib" and v is not None}
            break
    return insns, str1, ev


def cycles(str1, bs, ev, cmdline):
    exit_a, reenter_a = actions(cmdline)
    c = str1 * p("cpi") + bs / p("copy_bytes_per_cycle")
    c += ev.get("asi_exits", 0) * exit_cost(exit_a)
    c += ev.get("asi_reentries", 0) * reenter_cost(reenter_a)
    c += ev.get("ephmap_flush_all", 0) * p("cr3_switch")
    c += ev.get("ephmap_flush_remote", 0) * p("remote_flush")
    return c


def print_params():
    print("cost model parameters (bench/COST-MODEL.md)")
    for k, (v, unit, src) in PARAMS.items():
        print(f"  {k:<22} {v:>8g} {unit:<20} {src}")


def main():
    args = sys.argv[1:]
    if args and args[0] == "--params":
        print_params()
        return
    if len(args) != 1:
        sys.exit(__doc__)
    with open(args[0]) as f:
        doc = json.load(f)
    base = doc["baseline"]
    specs = doc["jobs"]
    configs = doc["configs"]
    est = {}
    print("ratios to %s: icount = fio IOPS under -icount; str1 = the same "
          "with each REP string" % base)
    print("instruction counted once; est = ESTIMATE for real hardware "
          "(bench/COST-MODEL.md)")
    head = f"{'job':<26}"
    for c in configs:
        head += f" {c['name'] + ' icount/str1/est':>34}"
    print(head)
    jobs = list(configs[0]["median_iops"])
    for job in jobs:
        bs = parse_size(specs[job]["bs"])
        row = f"{job:<26}"
        b = None
        for c in configs:
            med = c["median_iops"].get(job)
            if not med:
                row += f" {'-':>34}"
                continue
            cmdline = c["runs"][0]["cmdline"] if c["runs"] else ""
            insns, str1, ev = per_op([r["jobs"] for r in c["runs"]], job,
                                     bs, med)
            cyc = cycles(str1, bs, ev, cmdline)
            est[(job, c["name"])] = (insns, str1, cyc, ev)
            if b is None:
                b = (insns, str1, cyc)
            cell = "%.3f/%.3f/%.3f" % (b[0] / insns, b[1] / str1,
                                       b[2] / cyc)
            row += f" {cell:>34}"
        print(row)

    # The anchors.
    print()
    print(f"anchor check ({ANCHOR_JOB}; published: Sapphire Rapids, "
          "tmpfs 4 KiB randread, 1 job)")
    names = [c["name"] for c in configs]
    if (ANCHOR_JOB, base) not in est:
        print("  the anchor job did not run")
        return
    insns, str1, cyc, _ = est[(ANCHOR_JOB, base)]
    iops = p("freq_ghz") * 1e9 / cyc
    print(f"  {base}: {insns:.0f} instructions per read under -icount, "
          f"{str1:.0f} with strings as one,")
    print(f"    {cyc:.0f} cycles estimated: {iops:,.0f} IOPS at "
          f"{p('freq_ghz'):g} GHz against {ANCHOR_OFF_IOPS:,} published "
          f"({iops / ANCHOR_OFF_IOPS - 1:+.0%})")
    # No remedy: the published run did IBPB and RSB stuffing on each exit
    # and nothing on re-entry; price our asi-on run's exits that way.
    off = next((n for n in names if n == "asi-on"), None)
    if off and (ANCHOR_JOB, off) in est:
        _, s1, _, ev = est[(ANCHOR_JOB, off)]
        c = s1 * p("cpi") + 4096 / p("copy_bytes_per_cycle")
        c += ev.get("asi_exits", 0) * (exit_cost({"ibpb"}) + p("rsb_stuff"))
        c += ev.get("asi_reentries", 0) * reenter_cost(set())
        r = cyc / c
        print(f"  ASI, no remedy ({off}'s {ev.get('asi_exits', 0):.2f} exits "
              f"per read, priced as published: IBPB and RSB stuffing on exit):")
        print(f"    ratio {r:.3f} estimated against {ANCHOR_NO_REMEDY:.3f} "
              f"published ({r - ANCHOR_NO_REMEDY:+.3f})")
    # The prototype: no exit, a map and unmap (instructions about ours) and
    # one local INVLPG through the kernel's flush path per read.
    eph = next((n for n in names if n == "asi-ephmap"), None)
    if eph and (ANCHOR_JOB, eph) in est:
        _, s1, _, _ = est[(ANCHOR_JOB, eph)]
        for what, flush in (("bare INVLPG", p("invlpg")),
                            ("kernel flush path", p("kernel_flush_one"))):
            c = s1 * p("cpi") + 4096 / p("copy_bytes_per_cycle") + flush
            r = cyc / c
            print(f"  the prototype's ephmap ({eph}'s instructions, one "
                  f"{what} per read): ratio {r:.3f}")
            print(f"    against {ANCHOR_PROTOTYPE:.3f} published "
                  f"({r - ANCHOR_PROTOTYPE:+.3f}); its exits at context "
                  "switches are not modelled")
        _, s1, c, ev = est[(ANCHOR_JOB, eph)]
        print(f"  this ephmap ({eph}): ratio {cyc / c:.3f} estimated; "
              f"{ev.get('ephmap_flush_all', 0):.4f} full flushes and "
              f"{ev.get('asi_exits', 0):.4f} exits per read")


if __name__ == "__main__":
    main()

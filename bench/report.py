#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/report.py LOGS RESULTS: the fio table of a `make bench` run.

LOGS holds, per configuration NAME of bench/configs and repetition R,
NAME.rR.out (the @@ result lines of bench/fio.sh) and NAME.rR.cmdline; and
configs.txt (the configurations, in order: "NAME|KERNEL" lines) and
jobs.txt (the jobs, as bench/fio.sh gets them).  Prints,
per job, each configuration's median IOPS over the repetitions, with the
min and max, and the ratio of its median to the first configuration's.
Writes to RESULTS:
  bench.json  every repetition of every configuration: fio's own JSON
              report of each job, the counters of its @@events line, the
              kernel command line and the machine
  ratio.dat   the ratios, one row per job, one column per configuration
  ratio.png   a chart of them (gnuplot), when gnuplot is installed
"""
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys


def parse_out(path):
    """The @@bench, @@events and @@json lines of one boot, by job."""
    jobs = {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if not (line.startswith("@@") and line.endswith("@@")):
                continue
            kind, _, rest = line[2:-2].partition(" ")
            job, _, rest = rest.partition(" ")
            j = jobs.setdefault(job, {})
            if kind == "bench":
                r_iops, w_iops, r_kib, w_kib = (int(x) for x in rest.split())
                j["iops"] = max(r_iops, w_iops)
                j["read_iops"], j["write_iops"] = r_iops, w_iops
                j["read_kib"], j["write_kib"] = r_kib, w_kib
            elif kind == "events":
                names = ["kib", "asi_exits", "asi_reentries", "ephmap_maps",
                         "ephmap_flush_all", "ephmap_flush_remote"]
                vals = rest.split()
                j["steady_events"] = {
                    n: (None if v == "-" else int(v))
                    for n, v in zip(names, vals)}
            elif kind == "json":
                try:
                    j["fio"] = json.loads(rest)
                except ValueError as e:
                    j["fio_error"] = str(e)
            elif kind == "exitfn":
                fn, half, whole = rest.split()
                j.setdefault("exits_by_function", {})[fn] = {
                    "half": int(half), "whole": int(whole)}
    return jobs


def main():
    logs, results = sys.argv[1], sys.argv[2]
    configs = []
    with open(os.path.join(logs, "configs.txt")) as f:
        for line in f:
            name, kernel = line.rstrip("\n").split("|")
            configs.append((name, kernel))
    reps = sorted({int(fn.rsplit(".r", 1)[1].split(".")[0])
                   for fn in os.listdir(logs)
                   if fn.endswith(".out") and ".r" in fn})
    specs = {}
    fields = ["dir", "file", "size", "rw", "bs", "numjobs", "ioengine"]
    with open(os.path.join(logs, "jobs.txt")) as f:
        for line in f:
            w = line.split()
            if w:
                specs[w[0]] = dict(zip(fields, w[1:]))
    runs = {}
    for name, _ in configs:
        for r in reps:
            path = os.path.join(logs, f"{name}.r{r}.out")
            if os.path.exists(path):
                runs[(name, r)] = parse_out(path)
    base = configs[0][0]
    jobs = [j for j in runs.get((base, reps[0]), {}) if "iops" in
            runs[(base, reps[0])][j]]

    def iops(name, job):
        return [runs[(name, r)][job]["iops"] for r in reps
                if (name, r) in runs and "iops" in runs[(name, r)].get(job, {})]

    # The table.
    print(f"fio IOPS (guest time), median of {len(reps)} run(s) "
          f"[min-max]; ratio of medians to {base}")
    head = f"{'job':<26}"
    for name, _ in configs:
        head += f" {name:>26} {'ratio':>6}"
    print(head)
    ratios = {}
    for job in jobs:
        row = f"{job:<26}"
        b = iops(base, job)
        bmed = statistics.median(b) if b else 0
        for name, _ in configs:
            v = iops(name, job)
            if not v:
                row += f" {'-':>26} {'-':>6}"
                continue
            med = statistics.median(v)
            cell = f"{med:.0f} [{min(v)}-{max(v)}]"
            ratio = med / bmed if bmed else 0
            ratios[(job, name)] = ratio
            row += f" {cell:>26} {ratio:6.3f}"
        print(row)

    # bench.json
    os.makedirs(results, exist_ok=True)
    doc = {
        "machine": {
            "node": platform.node(), "kernel": platform.release(),
            "cpu": cpu_model(), "cpus": os.cpu_count(),
        },
        "baseline": base,
        "jobs": specs,
        "configs": [],
    }
    for name, kernel in configs:
        c = {"name": name, "kernel": kernel, "runs": []}
        for r in reps:
            if (name, r) not in runs:
                continue
            cmdline = read(os.path.join(logs, f"{name}.r{r}.cmdline"))
            mode = read(os.path.join(logs, f"{name}.r{r}.mode"))
            c["runs"].append({"repetition": r, "cmdline": cmdline,
                              "mode": mode, "jobs": runs[(name, r)]})
        c["median_iops"] = {j: statistics.median(iops(name, j))
                            for j in jobs if iops(name, j)}
        c["ratio"] = {j: ratios[(j, name)] for j in jobs
                      if (j, name) in ratios}
        doc["configs"].append(c)
    with open(os.path.join(results, "bench.json"), "w") as f:
        json.dump(doc, f, indent=1)

    # ratio.dat and the chart.
    dat = os.path.join(results, "ratio.dat")
    with open(dat, "w") as f:
        f.write("job " + " ".join(n for n, _ in configs) + "\n")
        for job in jobs:
            f.write(job + " " + " ".join(
                f"{ratios.get((job, n), 0):.4f}" for n, _ in configs) + "\n")
    png = os.path.join(results, "ratio.png")
    # The lowest ratio, rounded down to 0.05, at the foot of the chart.
    ymin = min([0.95] + [r for r in ratios.values() if r > 0])
    ymin = int(ymin * 20) / 20.0
    if shutil.which("gnuplot"):
        script = f"""
set terminal png size 1400,700 font ",10"
set output "{png}"
set title "fio IOPS relative to {base} (median of {len(reps)}; QEMU TCG -icount, guest time)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set yrange [{ymin:.2f}:1.01]
set ytics 0.01
set grid ytics
set key outside right top
set xtics rotate by -40 scale 0
set ylabel "ratio to {base}"
plot for [i=2:{len(configs) + 1}] "{dat}" using i:xtic(1) title columnheader(i)
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        print(f"\nchart: {png}")
    else:
        print("\nno gnuplot: no chart (make deps installs it)")
    print(f"results: {os.path.join(results, 'bench.json')}")


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()

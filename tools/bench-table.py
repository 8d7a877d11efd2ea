#!/usr/bin/env python3
"""Markdown tables from Google Benchmark JSON output of constnet's benchmarks (python3 stdlib only).

    ./build/release/bench/constnet_bench_layers --benchmark_out=layers.json --benchmark_out_format=json
    ./build/release/bench/constnet_bench_vgg16  --benchmark_out=vgg16.json  --benchmark_out_format=json
    ./build/release/bench/constnet_bench_peak   --benchmark_out=peak.json   --benchmark_out_format=json
    tools/bench-table.py layers.json vgg16.json peak.json

Prints the measured ceilings (from the JSON context), then one table per kind of row:
  conv layers   layer, shape, kernel, threads, time, GFLOP/s, % of peak, oneDNN direct time, ratio
                (ratio = this row's time / oneDNN direct's time for the same layer and threads, from
                separate rows; the "same loop" rows come from vs_onednn, where both ran alternately)
  dense layers  layer, shape, kernel, threads, time, GFLOP/s, GB/s, % of bandwidth
  end to end    model, batch, threads, time per batch, ms/image, images/s, GFLOP/s, % of peak (constnet's
                forward and the oneDNN pipeline rows)
  vs pipeline   vs_onednn_pipeline: threads, constnet and oneDNN pipeline times from the same loop,
                ratio, the numerical differences, oneDNN's convolutions and reorders
  ceilings      the peak/* rows of constnet_bench_peak
--summary prints one line per (layer, threads) instead: constnet kernels, oneDNN direct and Winograd
side by side. With --benchmark_repetitions, each row is the fastest repetition (--pick median: the
median aggregate instead). --clock cpu replaces wall-clock times by CPU time / threads (see to_cpu_clock):
use it when other processes share the cores, and say so next to the numbers.
"""

import argparse
import json
import sys
from collections import OrderedDict

UNIT_TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


def load_runs(paths, pick, clock):
    """(context dicts, runs) with one run per run_name. pick='best': of several repetitions
    (--benchmark_repetitions), the one with the shortest time, counters and all (on a shared machine the
    least disturbed); pick='median': the median aggregate where there is one."""
    contexts, chosen, medians = [], OrderedDict(), {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        contexts.append(data.get("context", {}))
        for b in data.get("benchmarks", []):
            key = b.get("run_name", b["name"])
            if clock == "cpu" and b.get("run_type") != "aggregate":
                b = to_cpu_clock(b)
            if b.get("run_type") == "aggregate":
                if b.get("aggregate_name") == "median":
                    medians[key] = b
                continue
            old = chosen.get(key)
            if old is None or old.get("error_occurred") or (
                    not b.get("error_occurred") and b.get("real_time", 0) < old.get("real_time", 0)):
                chosen[key] = b
    if pick == "median":
        for key, b in medians.items():
            chosen[key] = b
    return contexts, list(chosen.values())


def parts_of(run):
    """Splits 'conv/block1_conv1/kernel/threads:2/real_time' into (['conv', 'block1_conv1', 'kernel'], {'threads': '2'})."""
    name = run.get("run_name", run["name"])
    parts, params = [], {}
    for p in name.split("/"):
        if ":" in p:
            k, v = p.split(":", 1)
            params[k] = v
        elif p not in ("real_time", "manual_time", "process_time"):
            parts.append(p)
    return parts, params


RATE_COUNTERS = ("GFLOP/s", "GB/s", "%peak", "%bw", "images/s")


def to_cpu_clock(run):
    """Rewrites a row as if timed by CPU time / threads: the process's CPU time per iteration (the
    benchmarks call MeasureProcessCPUTime) over the row's thread count, which is what the wall clock
    would show on an idle machine when the work splits evenly and idle threads sleep. Rate counters are
    rescaled to match; vs_onednn and vs_onednn_pipeline rows switch to their *_cpu_ms counters."""
    # Memory-bound rows stay on the wall clock: two threads' CPU times, summed, would count the memory
    # bus twice, and the ceilings are measured ones anyway.
    if run.get("error_occurred") or parts_of(run)[0][:1] in (["peak"], ["dense"]):
        return run
    r = dict(run)
    threads = int(parts_of(run)[1].get("threads", "1"))
    if parts_of(run)[0][:1] in (["vs_onednn"], ["direct_vs_onednn"], ["vs_onednn_pipeline"]):
        if "constnet_cpu_ms" not in r:
            return run
        scale = r["constnet_ms"] / r["constnet_cpu_ms"]
        r["constnet_ms"], r["onednn_ms"], r["ratio"] = r["constnet_cpu_ms"], r["onednn_cpu_ms"], r["cpu_ratio"]
        for k in ("GFLOP/s", "%peak"):
            if k in r:
                r[k] *= scale
        for k in ("onednn_GFLOP/s", "onednn_%peak"):
            if k in r:
                r[k] *= run["onednn_ms"] / r["onednn_cpu_ms"]
        r["real_time"] = r["real_time"] / scale
        return r
    cpu = r.get("cpu_time", 0) / threads
    if cpu <= 0:
        return run
    scale = r["real_time"] / cpu
    r["real_time"] = cpu
    for k in RATE_COUNTERS:
        if k in r:
            r[k] *= scale
    if "ms/image" in r:
        r["ms/image"] /= scale
    return r


def ms(run):
    return run["real_time"] * UNIT_TO_MS[run.get("time_unit", "ns")]


def fmt(x, digits=1):
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def fmt_ms(x):
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 10 else f"{x:.2f}" if x < 100 else f"{x:,.1f}"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def shape_of(run):
    """The label is '<layer> <in>-><out> <kernel>'; the shape is the token with the arrow."""
    return next((t for t in run.get("label", "").split() if "->" in t), "")


def impl_of(run):
    label = run.get("label", "")
    return label.split(" oneDNN ", 1)[1] if " oneDNN " in label else ""



def ceilings(contexts, runs):
    merged = {}
    for c in contexts:
        merged.update(c)
    lines = []
    for t in ("1", "2"):
        peak = merged.get(f"peak_gflops_{t}t")
        bw = merged.get(f"read_gbs_{t}t")
        items = []
        if peak:
            items.append(f"peak fp32 FMA {float(peak):.1f} GFLOP/s")
        if bw:
            items.append(f"read bandwidth {float(bw):.1f} GB/s")
        if items:
            lines.append(f"* {t} thread{'s' if t != '1' else ''}: " + ", ".join(items))
    if merged.get("simd_backend"):
        lines.append(f"* SIMD backend: {merged['simd_backend']}")
    if merged.get("onednn"):
        lines.append(f"* oneDNN {merged['onednn']}, OMP_WAIT_POLICY={merged.get('omp_wait_policy', '?')}")
    if merged.get("host_name"):
        lines.append(f"* host {merged['host_name']}, {merged.get('num_cpus', '?')} CPUs, "
                     f"load average {merged.get('load_avg', '?')} at the start of the last run")
    return "\n".join(lines)


def conv_tables(runs, summary):
    conv = [r for r in runs if parts_of(r)[0][:1] == ["conv"]]
    versus = [r for r in runs if parts_of(r)[0][:1] in (["vs_onednn"], ["direct_vs_onednn"])]
    if not conv and not versus:
        return ""
    onednn = {}
    layers = OrderedDict()
    for r in conv:
        (kind, layer, kernel), params = parts_of(r)[0][:3], parts_of(r)[1]
        threads = params.get("threads", "1")
        layers.setdefault(layer, shape_of(r) if not r.get("error_occurred") else layers.get(layer, ""))
        if kernel == "onednn_direct" and not r.get("error_occurred"):
            onednn[(layer, threads)] = ms(r)
    for r in versus:
        layers.setdefault(parts_of(r)[0][1], shape_of(r))

    if summary:
        return conv_summary(conv, versus, layers, onednn)

    rows = []
    order = {layer: i for i, layer in enumerate(layers)}

    def key(r):
        p, params = parts_of(r)
        return (int(params.get("threads", "1")), order.get(p[1], 0), p[0].endswith("vs_onednn"), p[0] == "vs_onednn",
                p[2].startswith("onednn") if len(p) > 2 else True)

    for r in sorted(conv + versus, key=key):
        p, params = parts_of(r)
        layer, threads = p[1], params.get("threads", "1")
        shape = layers.get(layer, "")
        if r.get("error_occurred"):
            kernel = p[2] if len(p) > 2 else "constnet vs oneDNN"
            message = r.get("error_message", "error")
            if "no implementation" in message:
                message = "not available (no oneDNN implementation on this CPU)"
            rows.append([layer, shape, kernel, threads, message, "", "", "", ""])
            continue
        c = r
        if p[0].endswith("vs_onednn"):
            kernel = ("default" if p[0] == "vs_onednn" else f"best direct: {direct_kernel_of(r)}") + ", same loop as oneDNN"
            rows.append([layer, shape, kernel, threads, fmt_ms(c.get("constnet_ms")), fmt(c.get("GFLOP/s")),
                         fmt(c.get("%peak")), fmt_ms(c.get("onednn_ms")), fmt(c.get("ratio"), 2)])
            continue
        kernel = p[2]
        if kernel.startswith("onednn"):
            impl = impl_of(r)
            kernel = f"{kernel} ({impl})" if impl else kernel
        t = ms(r)
        base = onednn.get((layer, threads))
        rows.append([layer, shape, kernel, threads, fmt_ms(t), fmt(c.get("GFLOP/s")), fmt(c.get("%peak")),
                     fmt_ms(base), fmt(t / base, 2) if base else "–"])
    return table(["layer", "shape", "kernel", "threads", "time (ms)", "GFLOP/s", "% of peak",
                  "oneDNN direct (ms)", "ratio"], rows)


def direct_kernel_of(run):
    """The constnet kernel a direct_vs_onednn row timed, from its label ("<layer> <shape> <kernel> vs oneDNN ...")."""
    words = run.get("label", "").split()
    return words[2].replace("f32_conv2d_", "") if len(words) > 2 else "?"


def conv_summary(conv, versus, layers, onednn):
    kernels = OrderedDict()
    cell = {}
    for r in conv:
        p, params = parts_of(r)
        layer, kernel, threads = p[1], p[2], params.get("threads", "1")
        kernels.setdefault(kernel, None)
        cell[(layer, kernel, threads)] = None if r.get("error_occurred") else (ms(r), r.get("%peak"))
    same_loop = {}
    for r in (r for r in versus if parts_of(r)[0][0] == "vs_onednn"):
        p, params = parts_of(r)
        if not r.get("error_occurred"):
            same_loop[(p[1], params.get("threads", "1"))] = r.get("ratio")
    kernel_names = list(kernels)
    header = ["layer", "shape", "threads"] + [f"{k.replace('f32_conv2d_', '')} ms (%peak)" for k in kernel_names] + ["ratio default/oneDNN (same loop)"]
    rows = []
    for threads in sorted({k[2] for k in cell} | {k[1] for k in same_loop}, key=int):
        for layer, shape in layers.items():
            row = [layer, shape, threads]
            for k in kernel_names:
                v = cell.get((layer, k, threads), "absent")
                if v == "absent":
                    row.append("")
                elif v is None:
                    row.append("n/a")
                else:
                    row.append(f"{fmt_ms(v[0])} ({fmt(v[1], 0)}%)")
            row.append(fmt(same_loop.get((layer, threads)), 2))
            rows.append(row)
    return table(header, rows)


def dense_table(runs):
    rows = []
    for r in runs:
        p, params = parts_of(r)
        if p[:1] != ["dense"]:
            continue
        kernel = p[2]
        if kernel.startswith("onednn"):
            impl = impl_of(r)
            kernel = f"{kernel} ({impl})" if impl else kernel
        if r.get("error_occurred"):
            rows.append([p[1], "", kernel, params.get("threads", "1"), r.get("error_message", "error"), "", "", ""])
            continue
        rows.append([p[1], shape_of(r), kernel, params.get("threads", "1"), fmt_ms(ms(r)), fmt(r.get("GFLOP/s")),
                     fmt(r.get("GB/s")), fmt(r.get("%bw"))])
    if not rows:
        return ""
    return table(["layer", "shape", "kernel", "threads", "time (ms)", "GFLOP/s", "GB/s", "% of bandwidth"], rows)


def forward_table(runs):
    rows = []
    for r in runs:
        p, params = parts_of(r)
        if p[:2] not in (["vgg16", "forward"], ["vgg16", "onednn_pipeline"]):
            continue
        model = "VGG16 224x224" if p[1] == "forward" else "VGG16 224x224, oneDNN pipeline"
        batch = params.get("batch", "1")
        if r.get("error_occurred"):
            rows.append([model, batch, params.get("threads"), r.get("error_message"), "", "", "", ""])
            continue
        rows.append([model, batch, params.get("threads"), fmt_ms(ms(r)),
                     fmt(r.get("ms/image")), fmt(r.get("images/s"), 2), fmt(r.get("GFLOP/s")), fmt(r.get("%peak"))])
    if not rows:
        return ""
    return table(["model", "batch", "threads", "time per batch (ms)", "ms/image", "images/s", "GFLOP/s",
                  "% of peak"], rows)


def pipeline_versus_table(runs):
    """vs_onednn_pipeline rows: constnet's VGG16 forward and the oneDNN pipeline in one loop."""
    rows = []
    for r in runs:
        p, params = parts_of(r)
        if p[:1] != ["vs_onednn_pipeline"]:
            continue
        threads = params.get("threads", "1")
        if r.get("error_occurred"):
            rows.append([threads, r.get("error_message", "error"), "", "", "", "", ""])
            continue
        label = r.get("label", "")
        onednn = label.split("constnet vs oneDNN: ", 1)[1] if "constnet vs oneDNN: " in label else ""
        rows.append([threads, fmt_ms(r.get("constnet_ms")), fmt_ms(r.get("onednn_ms")), fmt(r.get("ratio"), 2),
                     f"{r['logits_max_rel_diff']:.1e}" if "logits_max_rel_diff" in r else "–",
                     f"{r['max_rel_diff']:.1e}" if "max_rel_diff" in r else "–", onednn])
    if not rows:
        return ""
    return table(["threads", "constnet (ms)", "oneDNN pipeline (ms)", "ratio", "logits max rel diff",
                  "probabilities max rel diff", "oneDNN pipeline"], rows)


def peak_table(runs):
    rows = []
    for r in runs:
        p, params = parts_of(r)
        if p[:1] != ["peak"]:
            continue
        threads = params.get("threads", "1")
        if "GFLOP/s" in r:
            rows.append([" ".join(p[1:]), threads, f"{r['GFLOP/s']:.1f} GFLOP/s", r.get("label", "")])
        elif "GB/s" in r:
            rows.append([" ".join(p[1:]), threads, f"{r['GB/s']:.1f} GB/s", r.get("label", "")])
    if not rows:
        return ""
    return table(["measure", "threads", "result", "how"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json", nargs="+", help="Google Benchmark JSON files (--benchmark_out_format=json)")
    parser.add_argument("--summary", action="store_true", help="one line per layer and thread count")
    parser.add_argument("--pick", choices=("best", "median"), default="best",
                        help="with repetitions: the fastest repetition (default) or the median aggregate")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall: the wall clock (default); cpu: the process's CPU time / threads, an "
                             "estimate of the idle-machine time when other work shares the cores")
    args = parser.parse_args()
    if args.clock == "cpu" and args.pick == "median":
        parser.error("--clock cpu works on single repetitions: use it with --pick best")
    contexts, runs = load_runs(args.json, args.pick, args.clock)
    sections = [("Ceilings (measured at startup)", ceilings(contexts, runs)),
                ("Ceilings (constnet_bench_peak rows)", peak_table(runs)),
                ("VGG16 convolution layers, batch 1", conv_tables(runs, args.summary)),
                ("Dense layers, batch 1 (wall clock: memory bound)", dense_table(runs)),
                ("VGG16 end to end", forward_table(runs)),
                ("VGG16 end to end, batch 1: constnet and the oneDNN pipeline in one loop",
                 pipeline_versus_table(runs))]
    printed = False
    for title, body in sections:
        if body:
            print(f"### {title}\n\n{body}\n")
            printed = True
    if not printed:
        print("no constnet benchmark rows found", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

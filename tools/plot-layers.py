#!/usr/bin/env python3
"""Per-layer time plot (SVG, written by hand: python3 stdlib only) of VGG16's convolution layers from the
Google Benchmark JSON of constnet_bench_layers: the reference kernel, the direct kernel, the fastest
Winograd kernel (its tile in the bar's label) and oneDNN's direct convolution, side by side per layer, on
a logarithmic time axis (the reference is 10-50x slower than the rest).

    ./build/release/bench/constnet_bench_layers --benchmark_filter='conv/' \\
        --benchmark_repetitions=3 --benchmark_out=layers.json --benchmark_out_format=json
    tools/plot-layers.py layers.json -o layers.svg [--threads 1] [--clock cpu]

Rows are read with tools/bench-table.py's loader: of several repetitions the fastest is kept, and
--clock cpu uses CPU time / threads instead of the wall clock (for a shared machine; say so when quoting).
Only the SIMD backend named by --backend (default xsimd) is plotted for direct and Winograd.
"""

import argparse
import importlib.util
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_table", os.path.join(HERE, "bench-table.py"))
bench_table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_table)

SERIES = [  # (key, legend, colour)
    ("reference", "reference (scalar)", "#9e9e9e"),
    ("direct", "direct", "#1f77b4"),
    ("winograd", "Winograd (fastest tile)", "#2ca02c"),
    ("onednn", "oneDNN direct", "#d62728"),
]


def classify(kernel, backend):
    """Which series a conv row belongs to, or None."""
    if kernel.startswith("onednn_direct"):
        return "onednn"
    if "_reference_" in kernel:
        return "reference"
    if backend not in kernel:
        return None
    if "_winograd_" in kernel:
        return "winograd"
    if "_direct_" in kernel:
        return "direct"
    return None


def collect(paths, threads, clock, backend):
    _, runs = bench_table.load_runs(paths, "best", clock)
    layers = {}  # layer -> series -> (ms, note)
    order = []
    for run in runs:
        parts, params = bench_table.parts_of(run)
        if len(parts) != 3 or parts[0] != "conv" or run.get("error_occurred"):
            continue
        if int(params.get("threads", "1")) != threads:
            continue
        layer, kernel = parts[1], parts[2]
        series = classify(kernel, backend)
        if series is None:
            continue
        if layer not in layers:
            layers[layer] = {}
            order.append(layer)
        note = ""
        if series == "winograd":
            note = "F" + kernel.split("_winograd_f")[1].split("x")[0]
        t = bench_table.ms(run)
        old = layers[layer].get(series)
        if old is None or t < old[0]:
            layers[layer][series] = (t, note)
    return order, layers


def svg(order, layers, title):
    width, height = 1100, 520
    left, right, top, bottom = 70, 20, 50, 120
    plot_w, plot_h = width - left - right, height - top - bottom
    times = [v[0] for l in order for v in layers[l].values()]
    lo = 10 ** math.floor(math.log10(min(times)))
    hi = 10 ** math.ceil(math.log10(max(times)))

    def y(t):
        return top + plot_h * (1 - (math.log10(t) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="15">{title}</text>']
    decade = lo
    while decade <= hi * 1.0001:
        for m in (1, 2, 5):
            t = decade * m
            if t > hi * 1.0001:
                break
            yy = y(t)
            out.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{width - right}" y2="{yy:.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{t:g}</text>')
        decade *= 10
    out.append(f'<text transform="translate(18,{top + plot_h / 2}) rotate(-90)" text-anchor="middle">time per call (ms, log scale)</text>')
    group = plot_w / max(1, len(order))
    bar = group * 0.8 / len(SERIES)
    for i, layer in enumerate(order):
        x0 = left + i * group + group * 0.1
        for s, (key, _, colour) in enumerate(SERIES):
            if key not in layers[layer]:
                continue
            t, note = layers[layer][key]
            yy = y(t)
            x = x0 + s * bar
            out.append(f'<rect x="{x:.1f}" y="{yy:.1f}" width="{bar - 1:.1f}" height="{top + plot_h - yy:.1f}" fill="{colour}">'
                       f'<title>{layer} {key} {t:.2f} ms {note}</title></rect>')
            if note:
                out.append(f'<text x="{x + bar / 2:.1f}" y="{yy - 3:.1f}" text-anchor="middle" font-size="9">{note}</text>')
        cx = left + i * group + group / 2
        out.append(f'<text transform="translate({cx:.1f},{top + plot_h + 10}) rotate(40)" font-size="11">{layer}</text>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="black"/>')
    for s, (_, legend, colour) in enumerate(SERIES):
        lx = left + s * 220
        out.append(f'<rect x="{lx}" y="{height - 28}" width="14" height="14" fill="{colour}"/>')
        out.append(f'<text x="{lx + 20}" y="{height - 16}">{legend}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", nargs="+", help="Google Benchmark JSON files of constnet_bench_layers")
    ap.add_argument("-o", "--output", default="layers.svg")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--backend", default="xsimd", help="SIMD backend of the direct and Winograd bars")
    args = ap.parse_args()
    order, layers = collect(args.json, args.threads, args.clock, args.backend)
    if not order:
        sys.exit("no conv/ rows with threads:%d in %s" % (args.threads, ", ".join(args.json)))
    title = (f"VGG16 conv layers, batch 1, {args.threads} thread{'s' if args.threads > 1 else ''}"
             f" ({'CPU time / threads' if args.clock == 'cpu' else 'wall clock'}, fastest repetition)")
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(svg(order, layers, title))
    print(f"wrote {args.output}: {len(order)} layers")


if __name__ == "__main__":
    main()

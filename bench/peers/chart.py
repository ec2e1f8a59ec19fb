#!/usr/bin/env python3
"""Charts of the benchmark results: omnistock and its peer baselines, side by side.

Reads JSON-lines result files (default: bench/results/*.jsonl) and writes two SVG files
(standard library only, no matplotlib):

  throughput.svg  ops/s against client count, one line per system + variant, one panel per
                  workload (log scale: the systems differ by orders of magnitude)
  latency.svg     p50 / p90 / p99 / p99.9 latency at one client count (default 16), grouped
                  bars per system + variant, one panel per workload (log scale)

A record needs: workload, clients, ops_per_s, and either system + variant (peers.jsonl, the
omnistock lines written by the lead) or mode (omnistock-bench --json: system "omnistock",
variant = mode). Latency is read from latency_ms {p50, p90, p99, p99_9, max} or, failing
that, latency_us (converted). When several records share system, variant, workload and
clients, the last one read wins (files in name order, lines in file order). Paced runs and
runs on another catalog than the workload's are left out (peers.in_matrix).

  python3 bench/peers/chart.py                          # bench/results/*.jsonl -> bench/results/
  python3 bench/peers/chart.py --out /tmp/charts /tmp/peers.jsonl
"""

import argparse
import glob
import json
import math
import os
import sys
from xml.sax.saxutils import escape

from peers import in_matrix, load_jsonl  # the one reader of results/*.jsonl (same directory)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

WORKLOAD_ORDER = ["uniform", "skewed", "flash"]
WORKLOAD_TITLES = {
    "uniform": "uniform: 1-3 lines, 500,000 positions",
    "skewed": "skewed: SKUs Zipf(0.99)",
    "flash": "flash: one position, 100,000 units",
}
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#7f7f7f", "#bcbd22"]
PCT_KEYS = [("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("p99_9", "p99.9")]
PCT_COLORS = ["#c6dbef", "#6baed6", "#2171b5", "#08306b"]
FONT = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""


# ---------------------------------------------------------------------------------------------
# Reading

def latency_ms(r):
    lat = r.get("latency_ms")
    if isinstance(lat, dict):
        src, scale = lat, 1.0
    elif isinstance(r.get("latency_us"), dict):
        src, scale = r["latency_us"], 1e-3
    else:
        return {}
    out = {}
    aliases = {"p50": ["p50"], "p90": ["p90"], "p99": ["p99"],
               "p99_9": ["p99_9", "p999", "p99.9"], "max": ["max"]}
    for key, names in aliases.items():
        for n in names:
            v = src.get(n)
            if isinstance(v, (int, float)):
                out[key] = v * scale
                break
    return out


def load(paths):
    records = {}
    for r in load_jsonl(paths):
        if not in_matrix(r):  # paced latency probes, other catalogs
            continue
        system = r.get("system") or ("omnistock" if "mode" in r else None)
        variant = r.get("variant") or r.get("mode") or ""
        workload, clients, ops = r.get("workload"), r.get("clients"), r.get("ops_per_s")
        if not system or workload is None or not isinstance(clients, int) \
                or not isinstance(ops, (int, float)):
            print("chart.py: a record lacks system/workload/clients/ops_per_s, skipped: %s"
                  % json.dumps(r)[:200], file=sys.stderr)
            continue
        records[(system, variant, workload, clients)] = {
            "system": system, "variant": variant, "workload": workload,
            "clients": clients, "ops_per_s": float(ops), "latency": latency_ms(r),
        }
    return list(records.values())


def series_name(r):
    return "%s %s" % (r["system"], r["variant"]) if r["variant"] else r["system"]


# The same colour for a series in every chart, whatever else is in the files.
KNOWN_COLORS = {
    "omnistock engine": "#08519c", "omnistock grpc": "#4292c6",
    "postgres plain_tx": "#a50f15", "postgres function": "#fb6a4a",
    "redis aof_always": "#006d2c", "redis aof_everysec": "#74c476",
}


def ordered_series(records):
    names = sorted({series_name(r) for r in records},
                   key=lambda s: (0 if s.startswith("omnistock") else 1, s))
    colors, spare = {}, [c for c in PALETTE if c not in KNOWN_COLORS.values()]
    for name in names:
        if name in KNOWN_COLORS:
            colors[name] = KNOWN_COLORS[name]
    others = [n for n in names if n not in KNOWN_COLORS]
    for i, name in enumerate(others):
        colors[name] = spare[i % len(spare)]
    return {name: colors[name] for name in names}


def ordered_workloads(records):
    present = {r["workload"] for r in records}
    return [w for w in WORKLOAD_ORDER if w in present] + sorted(present - set(WORKLOAD_ORDER))


# ---------------------------------------------------------------------------------------------
# Drawing helpers

def fmt_num(v):
    if v >= 1e6:
        return "%.3gM" % (v / 1e6)
    if v >= 1e3:
        return "%.3gk" % (v / 1e3)
    if v >= 1:
        return "%.3g" % v
    return "%.2g" % v


def log_ticks(lo, hi):
    """Decade bounds covering [lo, hi] and tick values 1-2-5 within them."""
    lo_e = math.floor(math.log10(lo))
    hi_e = math.ceil(math.log10(hi))
    if hi_e == lo_e:
        hi_e += 1
    ticks = []
    for e in range(lo_e, hi_e + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if 10 ** lo_e <= v <= 10 ** hi_e:
                ticks.append(v)
    return 10 ** lo_e, 10 ** hi_e, ticks


class Svg:
    def __init__(self, width, height):
        self.width, self.height = width, height
        self.parts = []

    def add(self, s):
        self.parts.append(s)

    def text(self, x, y, s, size=12, anchor="start", weight="normal", color="#222", rotate=None):
        tr = ' transform="rotate(%g %g %g)"' % (rotate, x, y) if rotate is not None else ""
        self.add('<text x="%.1f" y="%.1f" font-size="%g" text-anchor="%s" font-weight="%s" '
                 'fill="%s"%s>%s</text>' % (x, y, size, anchor, weight, color, tr, escape(str(s))))

    def line(self, x1, y1, x2, y2, color="#000", width=1, dash=None):
        d = ' stroke-dasharray="%s"' % dash if dash else ""
        self.add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%g"%s/>'
                 % (x1, y1, x2, y2, color, width, d))

    def rect(self, x, y, w, h, fill, stroke="none", title=None):
        t = "<title>%s</title>" % escape(title) if title else ""
        self.add('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="%s">%s</rect>'
                 % (x, y, w, h, fill, stroke, t))

    def save(self, path):
        with open(path, "w") as f:
            f.write('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
                    'viewBox="0 0 %d %d" %s>\n' % (self.width, self.height, self.width, self.height, FONT))
            f.write('<rect width="100%" height="100%" fill="white"/>\n')
            f.write("\n".join(self.parts))
            f.write("\n</svg>\n")


def y_axis_log(svg, x, top, height, lo, hi, label):
    def ypos(v):
        return top + height - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * height
    _, _, ticks = log_ticks(lo, hi)
    for t in ticks:
        y = ypos(t)
        major = abs(math.log10(t) - round(math.log10(t))) < 1e-9
        svg.line(x, y, x - 4, y, "#444")
        svg.text(x - 7, y + 4, fmt_num(t), size=11, anchor="end", color="#333" if major else "#777")
    svg.line(x, top, x, top + height, "#444")
    svg.text(x - 52, top + height / 2, label, size=12, anchor="middle", rotate=-90)
    return ypos, ticks


# ---------------------------------------------------------------------------------------------
# Charts

def throughput_chart(records, path):
    workloads = ordered_workloads(records)
    colors = ordered_series(records)
    pw, ph = 400, 330               # plot area of one panel
    ml, mr, mt, mb = 80, 30, 70, 60  # panel margins
    legend_h = 24 * ((len(colors) + 2) // 3) + 20
    width = len(workloads) * (ml + pw + mr) + 20
    height = mt + ph + mb + legend_h + 30
    svg = Svg(width, height)
    svg.text(width / 2, 28, "Reservation throughput by client count (closed loop, higher is better)",
             size=17, anchor="middle", weight="bold")
    for i, w in enumerate(workloads):
        rows = [r for r in records if r["workload"] == w and r["ops_per_s"] > 0]
        x0 = 10 + i * (ml + pw + mr) + ml
        svg.text(x0 + pw / 2, mt - 18, WORKLOAD_TITLES.get(w, w), size=14, anchor="middle", weight="bold")
        if not rows:
            svg.text(x0 + pw / 2, mt + ph / 2, "no data", anchor="middle", color="#888")
            continue
        lo, hi, ticks = log_ticks(min(r["ops_per_s"] for r in rows), max(r["ops_per_s"] for r in rows))
        ypos, _ = y_axis_log(svg, x0, mt, ph, lo, hi, "operations / s (log scale)")
        for t in ticks:
            svg.line(x0, ypos(t), x0 + pw, ypos(t), "#e5e5e5")
        counts = sorted({r["clients"] for r in rows})
        # x: client counts on a log2 axis (16, 32, 64, ...), or evenly spaced when only one.
        lc = [math.log2(c) for c in counts]
        span = (lc[-1] - lc[0]) or 1.0

        def xpos(c):
            if len(counts) == 1:
                return x0 + pw / 2
            return x0 + 30 + (math.log2(c) - lc[0]) / span * (pw - 60)

        svg.line(x0, mt + ph, x0 + pw, mt + ph, "#444")
        for c in counts:
            svg.line(xpos(c), mt + ph, xpos(c), mt + ph + 5, "#444")
            svg.text(xpos(c), mt + ph + 19, c, size=11, anchor="middle")
        svg.text(x0 + pw / 2, mt + ph + 42, "concurrent clients", size=12, anchor="middle")
        for name, color in colors.items():
            pts = sorted((r["clients"], r["ops_per_s"]) for r in rows if series_name(r) == name)
            if not pts:
                continue
            if len(pts) > 1:
                svg.add('<polyline fill="none" stroke="%s" stroke-width="2.2" points="%s"/>'
                        % (color, " ".join("%.1f,%.1f" % (xpos(c), ypos(v)) for c, v in pts)))
            for c, v in pts:
                svg.add('<circle cx="%.1f" cy="%.1f" r="4.5" fill="%s"><title>%s, %d clients: %.0f ops/s'
                        '</title></circle>' % (xpos(c), ypos(v), color, escape(name), c, v))
                svg.text(xpos(c) + 7, ypos(v) - 7, fmt_num(v), size=10, color=color)
    legend(svg, colors, 30, mt + ph + mb + 20, width - 60)
    svg.save(path)


def legend(svg, colors, x, y, width, marker="line"):
    cols = 3
    cw = width / cols
    for i, (name, color) in enumerate(colors.items()):
        lx = x + (i % cols) * cw
        ly = y + (i // cols) * 24
        if marker == "line":
            svg.line(lx, ly, lx + 26, ly, color, 2.5)
            svg.add('<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>' % (lx + 13, ly, color))
        else:
            svg.rect(lx, ly - 7, 22, 14, color)
        svg.text(lx + 34, ly + 4, name, size=12)


def latency_chart(records, path, clients):
    rows_all = [r for r in records if r["clients"] == clients and r["latency"]]
    workloads = ordered_workloads(rows_all) if rows_all else []
    colors = ordered_series(records)
    names = [n for n in colors if any(series_name(r) == n for r in rows_all)]
    bar_w, gap_bars, gap_groups = 16, 2, 34
    group_w = len(PCT_KEYS) * (bar_w + gap_bars)
    pw = max(420, len(names) * (group_w + gap_groups) + gap_groups)
    ph = 260
    ml, mr, mt_first, panel_gap, mb = 80, 30, 80, 95, 0
    width = ml + pw + mr
    height = mt_first + max(1, len(workloads)) * (ph + panel_gap) + mb
    svg = Svg(width, height)
    svg.text(width / 2, 28, "Reservation latency at %d clients (lower is better)" % clients,
             size=17, anchor="middle", weight="bold")
    # percentile legend
    for j, (_, label) in enumerate(PCT_KEYS):
        lx = ml + j * 90
        svg.rect(lx, 46, 18, 12, PCT_COLORS[j])
        svg.text(lx + 24, 56, label, size=12)
    if not workloads:
        svg.text(width / 2, mt_first + ph / 2, "no results at %d clients" % clients, anchor="middle", color="#888")
    for i, w in enumerate(workloads):
        top = mt_first + i * (ph + panel_gap) + 20
        x0 = ml
        rows = {series_name(r): r for r in rows_all if r["workload"] == w}
        svg.text(x0 + pw / 2, top - 12, WORKLOAD_TITLES.get(w, w), size=14, anchor="middle", weight="bold")
        values = [r["latency"][k] for r in rows.values() for k, _ in PCT_KEYS
                  if r["latency"].get(k) and r["latency"][k] > 0]
        if not values:
            svg.text(x0 + pw / 2, top + ph / 2, "no data", anchor="middle", color="#888")
            continue
        lo, hi, ticks = log_ticks(min(values), max(values))
        ypos, _ = y_axis_log(svg, x0, top, ph, lo, hi, "latency, ms (log scale)")
        for t in ticks:
            svg.line(x0, ypos(t), x0 + pw, ypos(t), "#e5e5e5")
        svg.line(x0, top + ph, x0 + pw, top + ph, "#444")
        n_present = [n for n in names if n in rows]
        step = pw / max(1, len(n_present))
        for g, name in enumerate(n_present):
            r = rows[name]
            gx = x0 + g * step + (step - group_w) / 2
            for j, (k, label) in enumerate(PCT_KEYS):
                v = r["latency"].get(k)
                if not v or v <= 0:
                    continue
                bx = gx + j * (bar_w + gap_bars)
                by = ypos(v)
                svg.rect(bx, by, bar_w, top + ph - by, PCT_COLORS[j],
                         title="%s %s: %s %.3f ms" % (name, w, label, v))
                svg.text(bx + bar_w / 2, by - 4, fmt_num(v), size=9, anchor="middle", color="#333")
            # series name under the group, in the series colour, wrapped at the space
            parts = name.split(" ", 1)
            svg.text(x0 + g * step + step / 2, top + ph + 18, parts[0], size=12, anchor="middle",
                     weight="bold", color=colors[name])
            if len(parts) > 1:
                svg.text(x0 + g * step + step / 2, top + ph + 33, parts[1], size=11, anchor="middle",
                         color=colors[name])
    svg.save(path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*", help="JSON-lines files (default: bench/results/*.jsonl)")
    p.add_argument("--out", default=os.path.join(REPO, "bench", "results"), help="output directory")
    p.add_argument("--clients", type=int, default=16, help="client count of the latency chart")
    args = p.parse_args()
    files = args.files or sorted(glob.glob(os.path.join(REPO, "bench", "results", "*.jsonl")))
    if not files:
        raise SystemExit("chart.py: no result files (bench/results/*.jsonl is empty)")
    records = load(files)
    if not records:
        raise SystemExit("chart.py: no usable records in %s" % ", ".join(files))
    os.makedirs(args.out, exist_ok=True)
    tp = os.path.join(args.out, "throughput.svg")
    lat = os.path.join(args.out, "latency.svg")
    throughput_chart(records, tp)
    latency_chart(records, lat, args.clients)
    print("wrote %s and %s (%d records from %d files)" % (tp, lat, len(records), len(files)))


if __name__ == "__main__":
    main()

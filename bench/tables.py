#!/usr/bin/env python3
"""Markdown tables of bench/results/*.jsonl for bench/README.md.

  python3 bench/tables.py [RESULTS_DIR]

Reads omnistock-bench's lines (system "omnistock", variant "engine", "grpc" or "grpc, batch N")
and bench/peers' lines (system "postgres" / "redis"); for each record key (system, variant,
workload, clients) the last line wins. Prints, per workload of the comparison, one table with
every system at each client count, its ops/s, p50 and p99 latency, and the ratio to PostgreSQL's
plain transaction at the same client count; then omnistock's own lifecycle, omnichannel and
counts runs (applied/s: units that succeeded; for counts, rows applied, stale ones excluded);
then, from RESULTS_DIR/flash-selling/ (bench/flash_selling.sh), flash orders while the stock
lasts, round by round, against PostgreSQL's plain transaction on flash.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from peers import in_matrix, load_jsonl  # noqa: E402  the one reader of results/*.jsonl


def load(directory):
    paths = sorted(os.path.join(directory, name) for name in os.listdir(directory)
                   if name.endswith(".jsonl"))
    records = {}
    for r in load_jsonl(paths):
        # Paced runs are latency probes (README's own section), and a run on another catalog
        # than the workload's is an ad-hoc one: neither may replace a run of the comparison.
        if not in_matrix(r):
            continue
        key = (r.get("system", "omnistock"), r.get("variant") or r.get("mode"), r["workload"],
               int(r["clients"]))
        records[key] = r
    return records


def latency(r, name):
    lat = r.get("latency_ms") or {}
    for key in ([name] if name != "p99.9" else ["p99.9", "p99_9"]):
        if key in lat:
            return lat[key]
    return None


def ms(value):
    """Milliseconds: to the microsecond under 0.1 ms (the engine's calls), else two or one
    decimal places."""
    if value is None:
        return "-"
    return "%.3f" % value if value < 0.1 else "%.2f" % value if value < 10 else "%.1f" % value


def check_word(fc):
    """A flash record's no-oversell check, as omnistock-bench prints it: PASS, FAIL, or NOT
    CHECKED when the check could not be made."""
    if fc.get("passed"):
        return "PASS"
    return "NOT CHECKED" if fc.get("error") or not fc else "FAIL"


def comparison(records, workload):
    rows = [r for (s, v, w, c), r in records.items() if w == workload]
    if not rows:
        return
    print("\n### %s\n" % workload)
    print("| system | variant | clients | ops/s | p50 ms | p99 ms | x PostgreSQL plain |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    order = {"omnistock": 0, "postgres": 1, "redis": 2}
    for r in sorted(rows, key=lambda r: (order.get(r.get("system"), 9), int(r["clients"]),
                                         str(r.get("variant")))):
        base = records.get(("postgres", "plain_tx", workload, int(r["clients"])))
        ratio = "-"
        if base and base["ops_per_s"] > 0:
            ratio = "%.1f" % (r["ops_per_s"] / base["ops_per_s"])
        check = ""
        fc = r.get("flash_check")
        if isinstance(fc, dict):
            check = " (check %s)" % check_word(fc)
        print("| %s | %s | %d | %s%s | %s | %s | %s |" % (
            r.get("system"), r.get("variant") or r.get("mode"), int(r["clients"]),
            "{:,.0f}".format(r["ops_per_s"]), check, ms(latency(r, "p50")),
            ms(latency(r, "p99")), ratio))


def kinds(records, workload):
    rows = [r for (s, v, w, c), r in records.items() if w == workload and s == "omnistock"]
    for r in rows:
        print("\n### %s (omnistock %s, %d clients)\n" % (workload, r.get("variant"),
                                                         int(r["clients"])))
        print("| kind | calls | units/s | applied/s | errors | p50 ms | p99 ms | p99.9 ms |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for kind, k in r.get("kinds", {}).items():
            lat = k.get("latency_ms", {})
            errors = sum(v for key, v in k.get("errors", {}).items())
            seconds = r.get("measured_s") or 1
            applied = (k.get("ok", 0)) / seconds
            print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                kind, "{:,}".format(k["calls"]), "{:,.0f}".format(k["units_per_s"]),
                "{:,.0f}".format(applied), "{:,}".format(errors), ms(lat.get("p50")), ms(lat.get("p99")),
                ms(lat.get("p99.9"))))
        feed = r.get("sale_to_feed_ms")
        if feed:
            print("\nTill sale acknowledged -> the change on a watcher: p50 %s ms, p90 %s ms, "
                  "p99 %s ms, p99.9 %s ms, max %s ms over %s sales." % (
                      ms(feed.get("p50")), ms(feed.get("p90")), ms(feed.get("p99")),
                      ms(feed.get("p99.9")), ms(feed.get("max")), r.get("sale_to_feed_matched")))


def while_selling(directory, records):
    """The rounds of bench/flash_selling.sh, by variant and client count, in the order run."""
    sub = os.path.join(directory, "flash-selling")
    if not os.path.isdir(sub):
        return
    runs = load_jsonl(sorted(os.path.join(sub, name) for name in os.listdir(sub)
                             if name.endswith(".jsonl")))
    rows = {}
    peers = {}  # PostgreSQL's plain transaction on flash in the same run of the script
    for r in runs:
        if r.get("workload") != "flash" or r.get("interrupted"):
            continue
        if r.get("system") == "postgres":
            if r.get("variant") == "plain_tx":
                peers[int(r["clients"])] = r
            continue
        rows.setdefault((str(r.get("variant") or r.get("mode")), int(r["clients"])), []).append(r)
    if not rows:
        return
    rounds = max(len(v) for v in rows.values())
    print("\n### flash while the stock lasts (omnistock grpc, bench/flash_selling.sh)\n")
    print("| variant | clients | %s | x PostgreSQL plain |" % " | ".join(
        "round %d" % (i + 1) for i in range(rounds)))
    print("| --- | ---: | %s | --- |" % " | ".join("---:" for _ in range(rounds)))
    for (variant, clients), rs in sorted(rows.items(), key=lambda kv: ("batch" in kv[0][0],
                                                                       kv[0][1])):
        base = peers.get(clients)
        where = "the same run"
        if base is None:
            base, where = records.get(("postgres", "plain_tx", "flash", clients)), "bench/results"
        cells, ratios = [], []
        for r in rs:
            fc = r.get("flash_check") or {}
            sold_out = fc.get("successes", 0) >= r.get("on_hand_per_position", 100000)
            # A run that sold out within its window measured "sold out" answers too.
            check = "" if check_word(fc) == "PASS" else " (check %s)" % check_word(fc)
            cells.append("{:,.0f}".format(r["ops_per_s"]) + (" (sold out)" if sold_out else "") +
                         check)
            if base and base["ops_per_s"] > 0:
                ratios.append("%.1fx" % (r["ops_per_s"] / base["ops_per_s"]))
        cells += ["-"] * (rounds - len(cells))
        against = " of {:,.0f}/s ({})".format(base["ops_per_s"], where) if ratios else ""
        print("| %s | %d | %s | %s%s |" % (variant, clients, " | ".join(cells),
                                          " / ".join(ratios) or "-", against))


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "results")
    records = load(directory)
    for workload in ("uniform", "skewed", "flash"):
        comparison(records, workload)
    for workload in ("lifecycle", "omnichannel", "counts"):
        kinds(records, workload)
    while_selling(directory, records)


if __name__ == "__main__":
    main()

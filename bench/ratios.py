#!/usr/bin/env python3
"""Print the decor-bench results as markdown: medians and ratios vs a peer.

Reads criterion's  <target>/criterion/<group>/<bench>/<baseline>/estimates.json
(written by `cargo bench -p decor-bench`) and prints, for each group, the
median time per call of every benchmark with its ratio to the group's peer,
then the targets of BENCHMARKS.md with whether each is met.

    cargo bench -p decor-bench                   # writes .../new/
    python3 bench/ratios.py                      # tables from .../new/

    cargo bench -p decor-bench -- --save-baseline run1   # also .../run1/
    cargo bench -p decor-bench -- --save-baseline run2
    python3 bench/ratios.py --baseline run1 --baseline run2   # side by side

With several baselines, each row shows every run's median, the median of
those, and the median of the per-run ratios to the peer (each run's ratio is
taken within one process, so it is what the targets are judged on).

Options: --dir PATH (default: $CARGO_TARGET_DIR/criterion, else the
workspace's target/criterion), --baseline NAME (repeatable, default "new"),
--peer GROUP=BENCH (override a group's peer), --check (exit 1 if a target is
missed or a result is missing), --group NAME (repeatable: only these groups
and their targets), --cores N (for the speedup targets; default: this
machine's CPUs), --python FILE (the `--json` output of bench/peers.py, repeatable:
adds a table of decor beside the seed's Python programs). Python 3 standard
library only.

    cargo bench -p decor-bench --bench parallel --bench spawn
    python3 bench/peers.py --json peers.json
    python3 bench/ratios.py --group parallel_sum --group parallel_fib \
        --group spawn_many --group spawn_round_trip --python peers.json
"""

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

# group -> (peer every row is divided by, benchmarks in the order they run)
GROUPS = {
    "timed": (
        "instant_pair",
        [
            "plain",
            "instant_pair",
            "instant_pair_fetch_add",
            "quanta_pair",
            "decor_timed",
            "decor_timed_level_off",
            "instrument_no_subscriber",
            "decor_timed_sink_subscriber",
            "decor_timed_info_sink_subscriber",
            "instrument_sink_subscriber",
        ],
    ),
    "logged_disabled": (
        "instrument",
        [
            "plain",
            "decor_logged",
            "instrument",
            "decor_logged_result",
            "instrument_ret_err",
        ],
    ),
    "logged_enabled": (
        "instrument_ret_err",
        [
            "plain",
            "decor_logged",
            "instrument_ret_err",
            "instrument_ret_err_entry_event",
        ],
    ),
    "parallel_sum": (
        "rayon_par_iter",
        [
            "serial",
            "rayon_par_iter",
            "decor_parallel_default",
            "decor_parallel_threads_2",
            "decor_parallel_chunks_8",
        ],
    ),
    "parallel_fib": (
        "rayon_par_iter",
        ["serial", "rayon_par_iter", "decor_parallel", "decor_parallel_chunks_8", "decor_spawn_join_all"],
    ),
    "spawn_many": (
        "rayon_spawn_channel",
        [
            "rayon_spawn_channel",
            "rayon_spawn_channel_per_task",
            "decor_spawn_join_all",
            "decor_spawn_as_completed",
        ],
    ),
    "spawn_round_trip": ("rayon_spawn_channel", ["rayon_spawn_channel", "decor_spawn_join"]),
}

# Groups of the threads benches (`--bench parallel`, `--bench spawn`): left
# out, with their targets, when none of their results exist and --group does
# not name them, so runs of only the first three groups read as before.
OPTIONAL_GROUPS = {"parallel_sum", "parallel_fib", "spawn_many", "spawn_round_trip"}

# group -> the unit its times print in (default ns); criterion stores ns.
UNITS = {"parallel_sum": "µs", "parallel_fib": "ms", "spawn_many": "µs"}
SCALE = {"ns": 1.0, "µs": 1e3, "ms": 1e6}

# group -> (items one iteration handles, their name): adds a per-item column.
ITEMS = {"spawn_many": (10_000, "task")}

# (group, bench, peer, maximum ratio or None for "report only")
TARGETS = [
    ("timed", "decor_timed", "instant_pair", 1.10),
    ("logged_disabled", "decor_logged", "instrument", 1.25),
    ("logged_enabled", "decor_logged", "instrument_ret_err", None),
    ("parallel_sum", "decor_parallel_default", "rayon_par_iter", 1.10),
    ("parallel_sum", "decor_parallel_threads_2", "rayon_par_iter", 1.10),
    ("parallel_fib", "decor_parallel", "rayon_par_iter", 1.10),
    ("parallel_fib", "decor_spawn_join_all", "rayon_par_iter", 1.10),
    ("spawn_many", "decor_spawn_join_all", "rayon_spawn_channel", 1.50),
    ("spawn_round_trip", "decor_spawn_join", "rayon_spawn_channel", 1.20),
]

# (group, bench, serial bench, minimum speedup per core): serial / bench must
# reach that many times the core count (--cores).
SPEEDUP_TARGETS = [
    ("parallel_fib", "decor_parallel", "serial", 0.85),
    ("parallel_fib", "decor_spawn_join_all", "serial", 0.85),
]

# (group, bench, most ns per item, see ITEMS)
PER_ITEM_TARGETS = [
    ("spawn_many", "decor_spawn_join_all", 1000.0),
]

# (bench/peers.py key, its Rust counterpart as (group, bench)): the table of
# --python. Python's time over decor's is how many times longer Python takes.
PYTHON_PAIRS = [
    ("sum_serial_loop", ("parallel_sum", "serial")),
    ("sum_chunked", ("parallel_sum", "serial")),
    ("sum_threads_8", ("parallel_sum", "decor_parallel_default")),
    ("sum_threads_8_cold", ("parallel_sum", "decor_parallel_default")),
    ("sum_processes_8", ("parallel_sum", "decor_parallel_default")),
    ("sum_processes_8_cold", ("parallel_sum", "decor_parallel_default")),
    ("fib_serial", ("parallel_fib", "serial")),
    ("fib_threads", ("parallel_fib", "decor_spawn_join_all")),
    ("fib_processes", ("parallel_fib", "decor_spawn_join_all")),
    ("tiny_many", ("spawn_many", "decor_spawn_join_all")),
    ("tiny_round_trip", ("spawn_round_trip", "decor_spawn_join")),
]


def default_dir():
    target = os.environ.get("CARGO_TARGET_DIR")
    if target:
        return Path(target) / "criterion"
    return Path(__file__).resolve().parent.parent / "target" / "criterion"


def load(root, group, bench, baseline):
    """(median, lower, upper) in ns, or None if criterion wrote nothing."""
    path = root / group / bench / baseline / "estimates.json"
    try:
        with open(path) as f:
            median = json.load(f)["median"]
    except (OSError, KeyError, ValueError):
        return None
    ci = median["confidence_interval"]
    return median["point_estimate"], ci["lower_bound"], ci["upper_bound"]


def benches_of(root, group, order):
    """The group's benchmarks: the known order, then any others found."""
    found = set()
    group_dir = root / group
    if group_dir.is_dir():
        found = {p.name for p in group_dir.iterdir() if p.is_dir() and p.name != "report"}
    return [b for b in order if b in found] + sorted(found - set(order))


def fmt_ns(value, unit="ns"):
    if value is None:
        return "–"
    value /= SCALE[unit]
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def fmt_time(ns):
    """A time with its unit, for figures from different groups side by side."""
    for unit in ("ms", "µs"):
        if ns >= SCALE[unit]:
            return f"{fmt_ns(ns, unit)} {unit}"
    return f"{fmt_ns(ns)} ns"


def median_of_runs(root, group, bench, baselines):
    found = [r[0] for r in (load(root, group, bench, b) for b in baselines) if r]
    return statistics.median(found) if found else None


def verdict(value, passes):
    """The `met` column: missing, yes or **no**; and whether it is not a miss."""
    if value is None:
        return "missing", False
    return ("yes", True) if passes else ("**no**", False)


def print_python(root, baselines, paths):
    """decor's medians beside bench/peers.py's (seconds) from `paths`: with
    several files, each experiment's Python figure is the median of theirs."""
    runs = []
    for path in paths:
        with open(path) as f:
            runs.append(json.load(f))
    meta = runs[0].get("meta", {})
    seconds = {}
    for key in runs[0]["seconds"]:
        medians = [run["seconds"][key]["median"] for run in runs if key in run["seconds"]]
        seconds[key] = dict(runs[0]["seconds"][key], median=statistics.median(medians))
    print("### decor beside the seed's Python programs\n")
    print(
        f"Python {meta.get('python', '?')} ({meta.get('implementation', '?')}), "
        f"{meta.get('workers', '?')} workers unless named; Python is the median of "
        f"{len(runs)} run(s) of bench/peers.py, decor the median of the Rust runs.\n"
    )
    print("| Python (bench/peers.py) | Python | decor (criterion) | decor | Python / decor |")
    print("|---|--:|---|--:|--:|")
    for key, (group, bench) in PYTHON_PAIRS:
        if key not in seconds:
            continue
        entry = seconds[key]
        python_ns = entry["median"] * 1e9
        rust_ns = median_of_runs(root, group, bench, baselines)
        per = ITEMS.get(group, (1, None))
        if rust_ns is not None and per[1]:
            rust_ns /= per[0]
        ratio = None if rust_ns is None else python_ns / rust_ns
        each = f" per {per[1]}" if per[1] else ""
        print(
            f"| {entry.get('description', key)} (`{key}`) | {fmt_time(python_ns)} | "
            f"`{group}/{bench}`{each} | {'–' if rust_ns is None else fmt_time(rust_ns)} | "
            f"{fmt_ratio(ratio)} |"
        )
    print()


def fmt_ratio(value):
    return "–" if value is None else f"{value:.2f}x"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--baseline", action="append", default=None)
    parser.add_argument("--peer", action="append", default=[], metavar="GROUP=BENCH")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--group", action="append", default=None)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--python", type=Path, action="append", default=None)
    args = parser.parse_args()

    root = args.dir or default_dir()
    baselines = args.baseline or ["new"]
    peers = {group: peer for group, (peer, _) in GROUPS.items()}
    for spec in args.peer:
        group, _, bench = spec.partition("=")
        peers[group] = bench
    if not root.is_dir():
        sys.exit(f"no criterion results in {root}: run `cargo bench -p decor-bench` first")

    ok = True
    groups = list(GROUPS) + sorted(
        p.name for p in root.iterdir() if p.is_dir() and p.name not in GROUPS and p.name != "report"
    )
    if args.group:
        groups = list(args.group)
    else:
        groups = [g for g in groups if g not in OPTIONAL_GROUPS or (root / g).is_dir()]
    shown = set(groups)
    multi = len(baselines) > 1
    for group in groups:
        if not (root / group).is_dir():
            print(f"### `{group}`\n\n(no results)\n")
            ok = False
            continue
        peer = peers.get(group)
        order = GROUPS.get(group, (None, []))[1]
        unit = UNITS.get(group, "ns")
        items, item = ITEMS.get(group, (1, None))
        if multi:
            header = ["benchmark"] + [f"{b} {unit}" for b in baselines]
            header += [f"median of runs {unit}", f"vs `{peer}` (median of per-run ratios)"]
        else:
            header = ["benchmark", f"median {unit}", f"95% CI {unit}", f"vs `{peer}`"]
        if item:
            header.append(f"per {item} ns")
        print(f"### `{group}`\n")
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(["---"] + ["--:"] * (len(header) - 1)) + "|")
        for bench in benches_of(root, group, order):
            runs = [load(root, group, bench, b) for b in baselines]
            peers_of_runs = [load(root, group, peer, b) if peer else None for b in baselines]
            ratios = [
                this[0] / base[0]
                for this, base in zip(runs, peers_of_runs)
                if this is not None and base is not None
            ]
            row = [f"`{bench}`"]
            medians = [r[0] for r in runs if r]
            if multi:
                row += [fmt_ns(r[0], unit) if r else "–" for r in runs]
                row.append(fmt_ns(statistics.median(medians), unit) if medians else "–")
                row.append(fmt_ratio(statistics.median(ratios)) if ratios else "–")
            else:
                this = runs[0]
                if this is None:
                    row += ["–", "–", "–"]
                else:
                    median, lower, upper = this
                    ci = f"{fmt_ns(lower, unit)}–{fmt_ns(upper, unit)}"
                    row += [fmt_ns(median, unit), ci, fmt_ratio(ratios[0] if ratios else None)]
            if item:
                row.append(fmt_ns(statistics.median(medians) / items) if medians else "–")
            print("| " + " | ".join(row) + " |")
        print()

    print("### Targets\n")
    header = ["comparison"] + [f"{b}" for b in baselines if multi]
    header += ["ratio (median of runs)" if multi else "ratio", "target", "met"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["--:"] * (len(header) - 1)) + "|")
    for group, bench, peer, limit in TARGETS:
        if group not in shown:
            continue
        ratios = []
        for baseline in baselines:
            this = load(root, group, bench, baseline)
            base = load(root, group, peer, baseline)
            ratios.append(None if this is None or base is None else this[0] / base[0])
        row = [f"`{group}/{bench}` / `{peer}`"]
        if multi:
            row += [fmt_ratio(r) for r in ratios]
        found = [r for r in ratios if r is not None]
        ratio = statistics.median(found) if found else None
        row.append(fmt_ratio(ratio))
        row.append("–" if limit is None else f"<= {limit:.2f}x")
        if ratio is None:
            met = "missing"
            ok = False
        elif limit is None:
            met = "(report only)"
        elif ratio <= limit:
            met = "yes"
        else:
            met = "**no**"
            ok = False
        row.append(met)
        print("| " + " | ".join(row) + " |")

    for group, bench, serial, per_core in SPEEDUP_TARGETS:
        if group not in shown:
            continue
        speedups = []
        for baseline in baselines:
            this = load(root, group, bench, baseline)
            base = load(root, group, serial, baseline)
            speedups.append(None if this is None or base is None else base[0] / this[0])
        row = [f"`{group}/{serial}` / `{bench}` (speedup, {args.cores} cores)"]
        if multi:
            row += [fmt_ratio(s) for s in speedups]
        found = [s for s in speedups if s is not None]
        speedup = statistics.median(found) if found else None
        least = per_core * args.cores
        met, fine = verdict(speedup, speedup is not None and speedup >= least)
        ok = ok and fine
        row += [fmt_ratio(speedup), f">= {least:.2f}x ({per_core} x cores)", met]
        print("| " + " | ".join(row) + " |")

    for group, bench, most in PER_ITEM_TARGETS:
        if group not in shown:
            continue
        items, item = ITEMS[group]
        values = []
        for baseline in baselines:
            this = load(root, group, bench, baseline)
            values.append(None if this is None else this[0] / items)
        row = [f"`{group}/{bench}` per {item}"]
        if multi:
            row += [fmt_time(v) if v is not None else "–" for v in values]
        found = [v for v in values if v is not None]
        value = statistics.median(found) if found else None
        met, fine = verdict(value, value is not None and value <= most)
        ok = ok and fine
        row += ["–" if value is None else fmt_time(value), f"<= {fmt_time(most)}", met]
        print("| " + " | ".join(row) + " |")

    if args.python:
        print()
        print_python(root, baselines, args.python)

    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()

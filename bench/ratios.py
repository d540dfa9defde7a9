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
missed or a result is missing). Python 3 standard library only.
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
}

# (group, bench, peer, maximum ratio or None for "report only")
TARGETS = [
    ("timed", "decor_timed", "instant_pair", 1.30),
    ("logged_disabled", "decor_logged", "instrument", 1.25),
    ("logged_enabled", "decor_logged", "instrument_ret_err", None),
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


def fmt_ns(value):
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def fmt_ratio(value):
    return "–" if value is None else f"{value:.2f}x"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--baseline", action="append", default=None)
    parser.add_argument("--peer", action="append", default=[], metavar="GROUP=BENCH")
    parser.add_argument("--check", action="store_true")
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
    multi = len(baselines) > 1
    for group in groups:
        if not (root / group).is_dir():
            print(f"### `{group}`\n\n(no results)\n")
            ok = False
            continue
        peer = peers.get(group)
        order = GROUPS.get(group, (None, []))[1]
        if multi:
            header = ["benchmark"] + [f"{b} ns" for b in baselines]
            header += ["median of runs ns", f"vs `{peer}` (median of per-run ratios)"]
        else:
            header = ["benchmark", "median ns", "95% CI ns", f"vs `{peer}`"]
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
            if multi:
                row += [fmt_ns(r[0]) if r else "–" for r in runs]
                medians = [r[0] for r in runs if r]
                row.append(fmt_ns(statistics.median(medians)) if medians else "–")
                row.append(fmt_ratio(statistics.median(ratios)) if ratios else "–")
            else:
                this = runs[0]
                if this is None:
                    row += ["–", "–", "–"]
                else:
                    median, lower, upper = this
                    ci = f"{fmt_ns(lower)}–{fmt_ns(upper)}"
                    row += [fmt_ns(median), ci, fmt_ratio(ratios[0] if ratios else None)]
            print("| " + " | ".join(row) + " |")
        print()

    print("### Targets\n")
    header = ["comparison"] + [f"{b}" for b in baselines if multi]
    header += ["ratio (median of runs)" if multi else "ratio", "target", "met"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["--:"] * (len(header) - 1)) + "|")
    for group, bench, peer, limit in TARGETS:
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

    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()

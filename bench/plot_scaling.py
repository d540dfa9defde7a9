#!/usr/bin/env python3
"""Renders `docs/scaling.png` from the scaling bench's `target/scaling.json`.

Three log-log panels, one line per variant: the sum's time against the
number of elements, the time per task against the number of tasks, and the
echo's throughput (payload bytes / echo time) against the payload size
(0 B is left off a log axis). Needs matplotlib, for this plot only
(`pip install matplotlib`); nothing else in the workspace uses it.

    cargo bench -p decor-bench --bench scaling    # writes target/scaling.json
    python3 bench/plot_scaling.py                 # writes docs/scaling.png
    python3 bench/plot_scaling.py --json other.json --out other.png
"""

import argparse
import json
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (the backend is chosen first)

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Variant keys of the JSON, the legend's words for them, their colour and
# line style: decor in blues and greens, solid; Rust peers in reds and browns,
# dashed; Python in greys, dotted. Each variant keeps its colour in every
# panel.
LABELS = {
    "decor_parallel": ("#[parallel]", "tab:blue", "-"),
    "decor_parallel_processes_2": ("#[parallel(processes = 2)]", "tab:green", "-"),
    "decor_spawn_join": ("#[spawn] + join", "tab:blue", "-"),
    "decor_as_completed": ("as_completed", "tab:cyan", "-"),
    "decor_processes_2": ("#[spawn(processes = 2)]", "tab:green", "-"),
    "serial": ("serial loop", "tab:brown", "--"),
    "rayon_par_iter": ("rayon par_iter", "tab:red", "--"),
    "rayon_spawn_channel": ("rayon spawn + mpsc", "tab:red", "--"),
    "procspawn_pool_2": ("procspawn Pool (2)", "tab:purple", "--"),
    "raw_pipe": ("raw pipe, one child", "tab:brown", "--"),
    "python_serial": ("Python sum", "tab:gray", ":"),
    "python_threads": ("Python ThreadPoolExecutor", "tab:gray", ":"),
    "python_processes_2": ("Python ProcessPoolExecutor(2)", "black", ":"),
}

# Per sweep: the panel's title, axis labels, and what is plotted from a
# row's size and a cell's median ns per call.
PANELS = {
    "elements": ("Sum of n u64", "elements", "time per sum (s)", lambda size, ns: ns / 1e9),
    "tasks": ("n tiny tasks", "tasks", "time per task (ns)", lambda size, ns: ns / max(size, 1)),
    "payloads": (
        "Echo through a pool of 2 processes",
        "payload (bytes)",
        "throughput (MB/s)",
        lambda size, ns: size / ns * 1e3,
    ),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=pathlib.Path, default=ROOT / "target" / "scaling.json")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "scaling.png")
    args = parser.parse_args()
    report = json.loads(args.json.read_text())
    sweeps = [s for s in report["sweeps"] if s["name"] in PANELS]
    fig, axes = plt.subplots(1, len(sweeps), figsize=(6 * len(sweeps), 5), squeeze=False)
    for ax, sweep in zip(axes[0], sweeps):
        title, xlabel, ylabel, value = PANELS[sweep["name"]]
        names = sorted({name for row in sweep["rows"] for name in row["cells"]})
        for name in names:
            points = [
                (row["size"], value(row["size"], row["cells"][name]["ns"]))
                for row in sweep["rows"]
                if name in row["cells"] and row["size"] > 0
            ]
            label, colour, style = LABELS.get(name, (name, None, "-"))
            ax.plot(*zip(*points), style, color=colour, marker="o", markersize=3, label=label)
        ax.set(xscale="log", yscale="log", title=title, xlabel=xlabel, ylabel=ylabel)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(
        f"decor scaling, {report['date']}, revision {report['revision']}\n{report['machine']}",
        fontsize=9,
    )
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

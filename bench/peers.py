#!/usr/bin/env python3
"""The seed's Python experiments, timed the way the Rust benches are.

The peers of `bench/benches/parallel.rs` and `bench/benches/spawn.rs`: the
same work done with what the seed uses (a loop, `sum`, `ThreadPoolExecutor`,
`ProcessPoolExecutor`), each timed as the median of a few runs (timeit-style:
`time.perf_counter` around the whole step, garbage collector off), printed as
a markdown table. Python 3 standard library only; about 15 s on two cores.

    python3 bench/peers.py                      # table on stdout
    python3 bench/peers.py --json peers.json    # also the figures, for
    python3 bench/ratios.py --python peers.json # decor beside Python

Experiments (names match the `--json` keys):

- `sum_*`: add up a list of 8,000,000 ones (built once, outside the timing).
  `sum_serial_loop` is the seed's `for i in num_list: sum_num += i`;
  `sum_chunked` is `sum()` over 8 slices, one after another;
  `sum_threads_8` / `sum_processes_8` submit `sum` of each of the 8 slices to
  a `ThreadPoolExecutor(8)` / `ProcessPoolExecutor(8)` as the seed does. The
  pools are started before the timing and reused (like decor's and rayon's
  warm pools); the `*_cold` rows start the pool inside the timing, with the
  `with` block exactly as the seed writes it.
- `fib_*`: `fibonacci(30)` eight times: a loop, then 8 submits to a
  `ThreadPoolExecutor` / `ProcessPoolExecutor` of `--workers` workers
  (default: one per core, like the Rust pools), then `f.result()` in order.
- `tiny_*`: a task that does almost nothing (`x * 3 + 1`) on a warm
  `ThreadPoolExecutor(--workers)`: `tiny_many` submits 10,000 and takes every
  `result()` in order (reported per task); `tiny_round_trip` is one
  `submit(...).result()`.

Options: --runs N (runs per experiment, default 7; 5 for the slow ones),
--workers N (default os.cpu_count()), --quick (1 run each, for a smoke test),
--json PATH.
"""

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

SUM_LEN = 8_000_000
SUM_CHUNKS = 8
FIB_N = 30
FIB_TIMES = 8
FIB_30 = 832_040
TINY_TASKS = 10_000
ROUND_TRIPS = 2_000


def fibonacci(n):
    if n <= 1:
        return n
    return fibonacci(n - 1) + fibonacci(n - 2)


def tiny(x):
    return x * 3 + 1


def measure(step, runs, per=1):
    """Median, min and max of `runs` timings of `step()`, in seconds per `per`."""
    times = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            start = time.perf_counter()
            step()
            times.append((time.perf_counter() - start) / per)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": runs}


def chunks_of(data, parts):
    size = -(-len(data) // parts)
    return [data[i : i + size] for i in range(0, len(data), size)]


def experiments(args):
    """(key, description, step or (step, per), runs) in the order they run."""
    fast, slow = (1, 1) if args.quick else (args.runs, max(3, args.runs - 2))
    workers = args.workers
    num_list = [1] * SUM_LEN
    chunks = chunks_of(num_list, SUM_CHUNKS)

    def sum_serial_loop():
        sum_num = 0
        for i in num_list:
            sum_num += i
        assert sum_num == SUM_LEN

    def sum_chunked():
        assert sum(sum(chunk) for chunk in chunks) == SUM_LEN

    def pooled_sum(executor):
        futures = [executor.submit(sum, chunk) for chunk in chunks]
        assert sum(f.result() for f in futures) == SUM_LEN

    def sum_cold(kind):
        def step():
            with kind(max_workers=SUM_CHUNKS) as executor:
                pooled_sum(executor)

        return step

    def fib_serial():
        assert [fibonacci(FIB_N) for _ in range(FIB_TIMES)] == [FIB_30] * FIB_TIMES

    def pooled_fib(executor):
        futures = [executor.submit(fibonacci, FIB_N) for _ in range(FIB_TIMES)]
        assert [f.result() for f in futures] == [FIB_30] * FIB_TIMES

    def tiny_many(executor):
        futures = [executor.submit(tiny, i) for i in range(TINY_TASKS)]
        results = [f.result() for f in futures]
        assert results[-1] == tiny(TINY_TASKS - 1)

    def tiny_round_trips(executor):
        for i in range(ROUND_TRIPS):
            executor.submit(tiny, i).result()

    threads_8 = ThreadPoolExecutor(max_workers=SUM_CHUNKS)
    processes_8 = ProcessPoolExecutor(max_workers=SUM_CHUNKS)
    threads_n = ThreadPoolExecutor(max_workers=workers)
    processes_n = ProcessPoolExecutor(max_workers=workers)
    # Start the warm pools' workers (a process pool forks on first submits).
    for executor in (threads_8, processes_8, threads_n, processes_n):
        list(executor.map(tiny, range(64)))
    try:
        yield ("sum_serial_loop", "sum: `for i in num_list: s += i`", sum_serial_loop, slow)
        yield ("sum_chunked", "sum: `sum()` of 8 slices, serially", sum_chunked, fast)
        yield ("sum_threads_8", "sum: 8 slices to a warm `ThreadPoolExecutor(8)`", lambda: pooled_sum(threads_8), fast)
        yield ("sum_processes_8", "sum: 8 slices to a warm `ProcessPoolExecutor(8)`", lambda: pooled_sum(processes_8), slow)
        yield ("sum_threads_8_cold", "sum: `with ThreadPoolExecutor(8)` (seed's code, pool start timed)", sum_cold(ThreadPoolExecutor), fast)
        yield ("sum_processes_8_cold", "sum: `with ProcessPoolExecutor(8)` (seed's code, pool start timed)", sum_cold(ProcessPoolExecutor), slow)
        yield ("fib_serial", f"fib({FIB_N}) x {FIB_TIMES}: a loop", fib_serial, slow)
        yield ("fib_threads", f"fib({FIB_N}) x {FIB_TIMES}: warm `ThreadPoolExecutor({workers})`", lambda: pooled_fib(threads_n), slow)
        yield ("fib_processes", f"fib({FIB_N}) x {FIB_TIMES}: warm `ProcessPoolExecutor({workers})`", lambda: pooled_fib(processes_n), slow)
        yield ("tiny_many", f"{TINY_TASKS:,} tiny submits, then every `result()`, warm `ThreadPoolExecutor({workers})` (per task)", (lambda: tiny_many(threads_n), TINY_TASKS), fast)
        yield ("tiny_round_trip", f"one `submit(tiny).result()`, warm `ThreadPoolExecutor({workers})` (per round trip)", (lambda: tiny_round_trips(threads_n), ROUND_TRIPS), fast)
    finally:
        for executor in (threads_8, processes_8, threads_n, processes_n):
            executor.shutdown()


def fmt_seconds(seconds):
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.2f} µs"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=str, default=None)
    args = parser.parse_args()

    results = {}
    print(f"Python {platform.python_version()} ({platform.python_implementation()}), "
          f"{os.cpu_count()} CPUs, workers = {args.workers}\n")
    print("| experiment | key | median | min | max | runs |")
    print("|---|---|--:|--:|--:|--:|")
    for key, description, step, runs in experiments(args):
        step, per = step if isinstance(step, tuple) else (step, 1)
        figures = measure(step, runs, per)
        results[key] = dict(figures, description=description, per=per)
        print(
            f"| {description} | `{key}` | {fmt_seconds(figures['median'])} | "
            f"{fmt_seconds(figures['min'])} | {fmt_seconds(figures['max'])} | {runs} |",
            flush=True,
        )
    if args.json:
        meta = {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "cpus": os.cpu_count(),
            "workers": args.workers,
            "date": time.strftime("%Y-%m-%d"),
        }
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "seconds": results}, f, indent=1)
        print(f"\nwrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()

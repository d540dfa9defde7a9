#!/usr/bin/env python3
"""The seed's Python experiments, timed the way the Rust benches are.

The peers of `bench/benches/parallel.rs`, `bench/benches/spawn.rs` and
`bench/benches/process_peers.rs`: the same work done with what the seed uses
(a loop, `sum`, `ThreadPoolExecutor`, `ProcessPoolExecutor`,
`multiprocessing.Process`), each timed as the median of a few runs
(timeit-style: `time.perf_counter` around the whole step, garbage collector
off), printed as a markdown table. Python 3 standard library only; about 45 s
on two cores (the fib(35) rows take most of it).

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
- `*_processes` tiny calls, the peers of `#[spawn(processes = 2)]`: a task
  that sends an int and returns it plus one (`add_one`) on a warm
  `ProcessPoolExecutor(2)` (always 2 workers, whatever --workers says; warmed
  with a few calls before any timing). `tiny_round_trip_processes` is one
  `submit(add_one, i).result()` (each of the 2,000 calls per run is also timed
  on its own: the per-call median and p90 over all runs are printed under the
  table and stored as `calls` in the JSON); `tiny_pipelined_processes`
  submits 1,000, then takes every `result()` in order (reported per call).
- `fib35_*`: the seed's second program, `fibonacci(35)` four times, written
  as the seed writes it: `fib35_processes_4` in `with
  ProcessPoolExecutor(max_workers=4)` (pool start timed), `fib35_process_each`
  with one `multiprocessing.Process(target=fibonacci, args=(35,))` per call,
  all started, then all joined (the results are not sent back, as in the
  seed).

Process pools use multiprocessing's default start method (printed in the
header; `fork` on Linux), as the seed does; decor's workers re-execute the
binary instead, which matters for a pool's start, not for a warm pool's calls.

Options: --runs N (runs per experiment, default 7; 5 for the slow ones, 3 for
fib(35)), --workers N (default os.cpu_count()), --quick (1 run each, for a
smoke test), --only PATTERN (repeatable: only the experiments whose key
matches the shell-style pattern; `--only '*process*'` runs every process
experiment, and pools no selected experiment needs are not started),
--json PATH.
"""

import argparse
import fnmatch
import gc
import json
import math
import multiprocessing
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
# The process rows: the pool size and batch, and the seed's fib(35) x 4.
PROCESS_WORKERS = 2
PIPELINED_CALLS = 1_000
FIB35_N = 35
FIB35_TIMES = 4
FIB_35 = 9_227_465


def fibonacci(n):
    if n <= 1:
        return n
    return fibonacci(n - 1) + fibonacci(n - 2)


def tiny(x):
    return x * 3 + 1


def add_one(x):
    return x + 1


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


def percentile(samples, p):
    """Nearest-rank percentile of `samples` (p in 0..100), as the Rust bench takes it."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def experiments(args):
    """(key, description, make_step, runs) in the order they run.

    `make_step()` is called outside the timing, only for the experiments
    selected, and returns the step, `(step, per)`, or `(step, per, samples)`
    where `samples` is a list the step appends each call's seconds to.
    """
    fast, slow = (1, 1) if args.quick else (args.runs, max(3, args.runs - 2))
    slowest = 1 if args.quick else min(3, slow)
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

    def timed_round_trips(executor, samples):
        def step():
            for i in range(ROUND_TRIPS):
                start = time.perf_counter()
                value = executor.submit(add_one, i).result()
                samples.append(time.perf_counter() - start)
                assert value == i + 1

        return step

    def pipelined(executor):
        futures = [executor.submit(add_one, i) for i in range(PIPELINED_CALLS)]
        results = [f.result() for f in futures]
        assert results[-1] == PIPELINED_CALLS

    def fib35_processes_4():
        with ProcessPoolExecutor(max_workers=4) as executor:
            futures = [executor.submit(fibonacci, FIB35_N) for _ in range(FIB35_TIMES)]
            assert [f.result() for f in futures] == [FIB_35] * FIB35_TIMES

    def fib35_process_each():
        processes = []
        for _ in range(FIB35_TIMES):
            process = multiprocessing.Process(target=fibonacci, args=(FIB35_N,))
            processes.append(process)
            process.start()
        for process in processes:
            process.join()
        assert all(p.exitcode == 0 for p in processes)

    # Warm pools, started on first use (outside any timing) and kept: a
    # process pool starts its workers on the first submits, so a few calls
    # go through each before it is handed out.
    pools = {}

    def warm(kind, size):
        if (kind, size) not in pools:
            executor = kind(max_workers=size)
            list(executor.map(tiny, range(64)))
            pools[kind, size] = executor
        return pools[kind, size]

    def threads_8():
        return warm(ThreadPoolExecutor, SUM_CHUNKS)

    def processes_8():
        return warm(ProcessPoolExecutor, SUM_CHUNKS)

    def threads_n():
        return warm(ThreadPoolExecutor, workers)

    def processes_n():
        return warm(ProcessPoolExecutor, workers)

    def processes_2():
        return warm(ProcessPoolExecutor, PROCESS_WORKERS)

    def with_samples(make):
        samples = []
        return make(samples), ROUND_TRIPS, samples

    try:
        yield ("sum_serial_loop", "sum: `for i in num_list: s += i`", lambda: sum_serial_loop, slow)
        yield ("sum_chunked", "sum: `sum()` of 8 slices, serially", lambda: sum_chunked, fast)
        yield ("sum_threads_8", "sum: 8 slices to a warm `ThreadPoolExecutor(8)`", lambda: (lambda p=threads_8(): pooled_sum(p)), fast)
        yield ("sum_processes_8", "sum: 8 slices to a warm `ProcessPoolExecutor(8)`", lambda: (lambda p=processes_8(): pooled_sum(p)), slow)
        yield ("sum_threads_8_cold", "sum: `with ThreadPoolExecutor(8)` (seed's code, pool start timed)", lambda: sum_cold(ThreadPoolExecutor), fast)
        yield ("sum_processes_8_cold", "sum: `with ProcessPoolExecutor(8)` (seed's code, pool start timed)", lambda: sum_cold(ProcessPoolExecutor), slow)
        yield ("fib_serial", f"fib({FIB_N}) x {FIB_TIMES}: a loop", lambda: fib_serial, slow)
        yield ("fib_threads", f"fib({FIB_N}) x {FIB_TIMES}: warm `ThreadPoolExecutor({workers})`", lambda: (lambda p=threads_n(): pooled_fib(p)), slow)
        yield ("fib_processes", f"fib({FIB_N}) x {FIB_TIMES}: warm `ProcessPoolExecutor({workers})`", lambda: (lambda p=processes_n(): pooled_fib(p)), slow)
        yield ("tiny_many", f"{TINY_TASKS:,} tiny submits, then every `result()`, warm `ThreadPoolExecutor({workers})` (per task)", lambda: (lambda p=threads_n(): tiny_many(p), TINY_TASKS), fast)
        yield ("tiny_round_trip", f"one `submit(tiny).result()`, warm `ThreadPoolExecutor({workers})` (per round trip)", lambda: (lambda p=threads_n(): tiny_round_trips(p), ROUND_TRIPS), fast)
        yield ("tiny_round_trip_processes", f"one `submit(add_one, i).result()`, warm `ProcessPoolExecutor({PROCESS_WORKERS})` (per round trip)", lambda: with_samples(lambda samples, p=processes_2(): timed_round_trips(p, samples)), fast)
        yield ("tiny_pipelined_processes", f"{PIPELINED_CALLS:,} `submit(add_one, i)`, then every `result()`, warm `ProcessPoolExecutor({PROCESS_WORKERS})` (per call)", lambda: (lambda p=processes_2(): pipelined(p), PIPELINED_CALLS), fast)
        yield ("fib35_processes_4", f"fib({FIB35_N}) x {FIB35_TIMES}: `with ProcessPoolExecutor(4)` (seed's code, pool start timed)", lambda: fib35_processes_4, slowest)
        yield ("fib35_process_each", f"fib({FIB35_N}) x {FIB35_TIMES}: one `multiprocessing.Process` per call (seed's code)", lambda: fib35_process_each, slowest)
    finally:
        for executor in pools.values():
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
    parser.add_argument("--only", action="append", default=[], metavar="PATTERN")
    parser.add_argument("--json", type=str, default=None)
    args = parser.parse_args()

    results = {}
    per_call = []
    print(f"Python {platform.python_version()} ({platform.python_implementation()}), "
          f"{os.cpu_count()} CPUs, workers = {args.workers}, "
          f"start method = {multiprocessing.get_start_method()}\n")
    print("| experiment | key | median | min | max | runs |")
    print("|---|---|--:|--:|--:|--:|")
    for key, description, make_step, runs in experiments(args):
        if args.only and not any(fnmatch.fnmatchcase(key, pattern) for pattern in args.only):
            continue
        step = make_step()
        step, per, samples = (step + (None,))[:3] if isinstance(step, tuple) else (step, 1, None)
        figures = measure(step, runs, per)
        results[key] = dict(figures, description=description, per=per)
        print(
            f"| {description} | `{key}` | {fmt_seconds(figures['median'])} | "
            f"{fmt_seconds(figures['min'])} | {fmt_seconds(figures['max'])} | {runs} |",
            flush=True,
        )
        if samples:
            calls = {
                "median": statistics.median(samples),
                "p90": percentile(samples, 90),
                "calls": len(samples),
            }
            results[key]["calls"] = calls
            per_call.append((key, calls))
    if per_call:
        print("\nEach call timed on its own (all runs together):\n")
        for key, calls in per_call:
            print(f"- `{key}`: median {fmt_seconds(calls['median'])}, "
                  f"p90 {fmt_seconds(calls['p90'])} ({calls['calls']:,} calls)")
    if args.only and not results:
        print(f"no experiment matches {args.only}", file=sys.stderr)
        sys.exit(2)
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

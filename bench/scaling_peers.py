#!/usr/bin/env python3
"""The Python peers of `bench/benches/scaling.rs`, one sweep point per run.

The Rust bench runs this once per size, right after the Rust variants of that
size, and reads the JSON it prints on stdout: for each variant, the median
time per call in nanoseconds (`ns`), the samples behind it (`rounds`) and the
calls per sample (`batch`). Timed as the Rust side times: every variant gets a
batch (doubled until a sample takes --sample-ms), then rounds of one sample
per variant in rotating order until --budget-ms is spent (at least
--min-rounds, at most --max-rounds); garbage collector off while timing.
Python 3 standard library only.

    python3 bench/scaling_peers.py --sweep elements --size 1000000
    python3 bench/scaling_peers.py --sweep tasks --size 1000
    python3 bench/scaling_peers.py --sweep payloads --size 1048576

Sweeps and variants (the keys of the JSON):

- `elements`: the sum of `list(range(n))` (built once, outside the timing):
  `serial` is `sum(data)`; `processes_2` submits `sum` of each half to a warm
  `ProcessPoolExecutor(2)` and adds the two results (each half is pickled to
  its worker).
- `tasks`: `threads` submits `n` tiny tasks (`x * 3 + 1`) to a warm
  `ThreadPoolExecutor` of one thread per core, then takes every `result()` in
  order.
- `payloads`: `processes_2` echoes a `bytes` of `n` bytes through a warm
  `ProcessPoolExecutor(2)`: `submit(echo, payload).result()`.

Pools use multiprocessing's default start method (`fork` on Linux) and are
warmed with a few calls before any timing.
"""

import argparse
import gc
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def tiny(x):
    return x * 3 + 1


def echo(payload):
    return payload


def timed(step):
    """A variant's sample: `step(batch)` timed, in nanoseconds."""

    def run(batch):
        start = time.perf_counter_ns()
        step(batch)
        return time.perf_counter_ns() - start

    return run


def measure(variants, args):
    """Batch, then rotating rounds, as the Rust side does (see the docstring)."""
    names = list(variants)
    batches = {}
    for name in names:
        run = variants[name]
        run(1)
        run(1)
        batch = 1
        while batch < 1 << 20 and run(batch) < args.sample_ms * 1e6:
            batch *= 2
        batches[name] = batch
    samples = {name: [] for name in names}
    started = time.perf_counter()
    round_ = 0
    while round_ < args.min_rounds or (
        round_ < args.max_rounds and time.perf_counter() - started < args.budget_ms / 1e3
    ):
        for k in range(len(names)):
            name = names[(round_ + k) % len(names)]
            samples[name].append(variants[name](batches[name]) / batches[name])
        round_ += 1
    # The upper middle for an even count, as the Rust side's median.
    return {
        name: {
            "ns": sorted(times)[len(times) // 2],
            "rounds": len(times),
            "batch": batches[name],
        }
        for name, times in samples.items()
    }


def elements(n, args):
    data = list(range(n))
    expected = n * (n - 1) // 2
    half = n // 2
    halves = [data[:half], data[half:]]
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(sum, [[1], [2], [3], [4]]))

        def serial(batch):
            for _ in range(batch):
                assert sum(data) == expected

        def processes(batch):
            for _ in range(batch):
                futures = [pool.submit(sum, part) for part in halves]
                assert sum(f.result() for f in futures) == expected

        return measure({"serial": timed(serial), "processes_2": timed(processes)}, args)


def tasks(n, args):
    expected = [tiny(x) for x in range(n)]
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(tiny, range(100)))

        def threads(batch):
            for _ in range(batch):
                futures = [pool.submit(tiny, x) for x in range(n)]
                assert [f.result() for f in futures] == expected

        return measure({"threads": timed(threads)}, args)


def payloads(n, args):
    # 0, 1, ..., 255, 0, 1, ...: the bytes the Rust side sends.
    payload = bytes(range(256)) * (n // 256) + bytes(range(n % 256))
    with ProcessPoolExecutor(2) as pool:
        for _ in range(4):
            pool.submit(echo, b"warm").result()

        def processes(batch):
            for _ in range(batch):
                assert pool.submit(echo, payload).result() == payload

        return measure({"processes_2": timed(processes)}, args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", choices=["elements", "tasks", "payloads"], required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--sample-ms", type=float, default=5)
    parser.add_argument("--budget-ms", type=float, default=2500)
    parser.add_argument("--min-rounds", type=int, default=3)
    parser.add_argument("--max-rounds", type=int, default=50)
    args = parser.parse_args()
    sweep = {"elements": elements, "tasks": tasks, "payloads": payloads}[args.sweep]
    gc.disable()
    cells = sweep(args.size, args)
    json.dump(cells, sys.stdout)
    print()


if __name__ == "__main__":
    main()

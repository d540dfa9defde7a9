#!/usr/bin/env python3
"""Python's peer of the `bulk` section of `bench/benches/process_peers.rs`.

Echoes `bytes` of 64 KiB, 1 MiB and 64 MiB through a warm
`ProcessPoolExecutor(2)` (`pool.submit(echo, data).result()`, the result fed
to the next call), timed like the Rust side: rounds of back-to-back echoes,
the median round reported in MB/s (10^6 bytes) each way. Standard library
only; about half a minute.

    python3 bench/bulk_echo.py
"""

import gc
import time
from concurrent.futures import ProcessPoolExecutor

SIZES = [(64 << 10, 200), (1 << 20, 40), (64 << 20, 2)]
ROUNDS = 5


def echo(data):
    return data


def main():
    gc.disable()
    print("| payload | peer | median MB/s each way | min MB/s | max MB/s |")
    print("|--:|---|--:|--:|--:|")
    with ProcessPoolExecutor(2) as pool:
        for _ in range(20):
            pool.submit(echo, b"x").result()
        for size, echoes in SIZES:
            payload = bytes((i * 7 + 3) & 0xFF for i in range(min(size, 1 << 16))) * max(1, size >> 16)
            payload = payload[:size]
            data = pool.submit(echo, payload).result()
            rates = []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                for _ in range(echoes):
                    data = pool.submit(echo, data).result()
                rates.append(size * echoes / (time.perf_counter() - start) / 1e6)
                assert data == payload
            rates.sort()
            print(f"| {size >> 10} KiB | Python ProcessPoolExecutor | {rates[len(rates) // 2]:.0f} | {rates[0]:.0f} | {rates[-1]:.0f} |")


if __name__ == "__main__":
    main()

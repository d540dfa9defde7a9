#!/usr/bin/env python3
"""The two programs of Python's `concurrent.futures` documentation, as a
Python programmer writes them, beside their decor port
(`examples/examples/futures_docs.rs`): a thread pool loading web pages,
and a process pool checking primes. The pages are simulated with sleeps
and failures (no network here), the same in both languages.

    python3 examples/python/futures_docs.py
    cargo run --release -p decor-examples --example futures_docs
"""

import concurrent.futures as cf
import math
import time

# (name, milliseconds to load, fails?) -- the same table as the Rust port.
PAGES = [
    ("http://www.foxnews.com/", 120, False),
    ("http://www.cnn.com/", 80, False),
    ("http://europe.wsj.com/", 200, True),
    ("http://www.bbc.co.uk/", 60, False),
    ("http://nonexistent-subdomain.python.org/", 10, True),
    ("http://www.reuters.com/", 150, False),
    ("http://www.theguardian.com/", 90, False),
    # Five slow pages take all five threads past the one-second deadline...
    ("http://slow-1.example/", 2000, False),
    ("http://slow-2.example/", 2100, False),
    ("http://slow-3.example/", 2200, False),
    ("http://slow-4.example/", 2300, False),
    ("http://slow-5.example/", 2400, False),
    # ...so these are still queued then, and cancelling them works.
    ("http://queued-1.example/", 40, False),
    ("http://queued-2.example/", 40, False),
    ("http://queued-3.example/", 40, False),
]

PRIMES = [
    112272535095293,
    112582705942171,
    112272535095293,
    115280095190773,
    115797848077099,
    1099726899285419,
]


def load_url(url, millis, fails):
    time.sleep(millis / 1000)
    if fails:
        raise ConnectionError(f"{url}: connection refused")
    return len(url) * 1000


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    for i in range(3, math.isqrt(n) + 1, 2):
        if n % i == 0:
            return False
    return True


def pages():
    started = time.perf_counter()
    executor = cf.ThreadPoolExecutor(max_workers=5)
    futures = {executor.submit(load_url, *page): page[0] for page in PAGES}

    # The first page to arrive.
    done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
    first = next(iter(done))
    print(f"first: {futures[first]}")

    # Then every page within one second, in the order they arrive.
    loaded = failed = 0
    try:
        for future in cf.as_completed(futures, timeout=1.0):
            try:
                size = future.result()
                loaded += 1
                print(f"{futures[future]} is {size} bytes")
            except Exception as error:
                failed += 1
                print(f"{futures[future]} failed: {error}")
    except cf.TimeoutError:
        pass

    # Give up on the rest: queued ones never start, running ones finish.
    pending = [f for f in futures if not f.done()]
    cancelled = sum(f.cancel() for f in pending)
    print(
        f"loaded {loaded}, failed {failed}, still running {len(pending) - cancelled}, "
        f"cancelled {cancelled}"
    )
    executor.shutdown(wait=False, cancel_futures=True)
    return time.perf_counter() - started


def primes():
    started = time.perf_counter()
    with cf.ProcessPoolExecutor() as executor:
        for number, prime in zip(PRIMES, executor.map(is_prime, PRIMES)):
            print(f"{number} is prime: {prime}")
    return time.perf_counter() - started


if __name__ == "__main__":
    seconds = pages()
    print(f"pages: {seconds * 1000:.0f} ms")
    seconds = primes()
    print(f"primes: {seconds * 1000:.0f} ms")

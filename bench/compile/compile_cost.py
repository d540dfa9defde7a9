#!/usr/bin/env python3
"""Compile cost of decor's attributes: N decorated functions per crate.

For each variant (an attribute list and a function shape) this generates a
library crate of N functions, each called once from `pub fn use_all()`, and
times `cargo build -p <crate>` (dev profile, CARGO_INCREMENTAL=0) with every
dependency already built, so each build is one rustc run on that crate. It
prints the machine, the toolchain and the decor commit, then a Markdown table
of wall time and rustc's peak memory, with ratios to
`#[tracing::instrument(ret, err)]`.

    python3 bench/compile/compile_cost.py                 # N = 1000, once each
    python3 bench/compile/compile_cost.py --n 50          # a quick check
    python3 bench/compile/compile_cost.py --repeat 3      # median of 3
    python3 bench/compile/compile_cost.py --variants none,timed,instrument

`bench/compile/run.sh` is the entry point; it passes its arguments here.
Python 3 standard library only.

Layout: everything is generated into <repo>/target/compile-bench/, one cargo
workspace whose members are `cb_deps` (uses each attribute once; building it
builds every dependency) and one crate per variant (`cb_<name>`), all with
the same two dependencies and one target dir, target/compile-bench/target.

Peak memory: the peak RSS of the rustc process compiling the variant crate,
recorded by a RUSTC_WRAPPER (written to target/compile-bench/rustc-wrapper)
that fork/execs rustc and reads wait4()'s rusage for it. Why not the other
ways:
  * resource.getrusage(RUSAGE_CHILDREN).ru_maxrss in this script is a
    high-water mark, not a sum: the kernel keeps the largest RSS of any
    descendant ever waited for (cargo waits for rustc, this script waits for
    cargo), so it does reach rustc, but as max(cargo, every rustc so far).
    Checked: building N = 50 `none` (rustc 109 MiB), then `parallel`
    (349 MiB), then `none` and `timed` again moved it by 109, 237, 0 and
    0 MiB: after the biggest build every delta is 0.
  * /usr/bin/time -v cargo build (wait4 on cargo) reports max(cargo, its
    rustc) for that one build. It matched the wrapper here, since cargo
    alone peaks at about 36 MiB and these rustc runs at 110 MiB or more, but
    it is cargo's number whenever rustc is the smaller process, and it needs
    the `time` package.
  * The wrapper's wait4() on rustc itself is exactly rustc's peak (plus any
    process rustc waits for; compiling an rlib spawns none). It also names
    the crate each rustc compiled, so a timed build that compiled anything
    but its own crate (dependencies not warm) is detected and reported.
The wrapper costs one Python start-up per rustc (about 15 ms here, with -IS
and no imports beyond os, sys and time); it is in every variant's wall time
alike.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

# name -> (crate name, attribute text shown in the table, generator)
# The generators return (item source for function i, call expression for
# use_all, use_all prelude).

RESULT_BODY = (
    "    if a == 7 {{\n"
    '        return Err("seven".into());\n'
    "    }}\n"
    "    let n: u64 = b.parse::<u64>().map_err(|e| e.to_string())?;\n"
    "    Ok(a + n + {i})\n"
)


def result_fn(attrs):
    def item(i):
        head = "".join(f"{a}\n" for a in attrs)
        return (
            f"{head}fn f_{i}(a: u64, b: &str) -> Result<u64, String> {{\n"
            + RESULT_BODY.format(i=i)
            + "}\n"
        )

    def call(i):
        return f'f_{i}({i}, "2").unwrap_or(0)'

    return item, call, ""


def spawn_fn():
    def item(i):
        return (
            "#[decor::spawn]\n"
            f"fn f_{i}(a: u64, b: String) -> u64 {{\n"
            f"    a + b.len() as u64 + {i}\n"
            "}\n"
        )

    def call(i):
        return f'f_{i}({i}, String::from("2")).join().unwrap_or(0)'

    return item, call, ""


def parallel_fn():
    def item(i):
        return (
            "#[decor::parallel(reduce = |x, y| x + y)]\n"
            f"fn f_{i}(v: &[u64], k: u64) -> u64 {{\n"
            "    v.iter().map(|x| x * k).sum()\n"
            "}\n"
        )

    def call(i):
        return f"f_{i}(&v, {i})"

    return item, call, "    let v: Vec<u64> = (0..64).collect();\n"


def synchronized_fn():
    def item(i):
        return (
            "#[decor::synchronized]\n"
            f"fn f_{i}(a: u64, b: &str) -> u64 {{\n"
            f"    a + b.len() as u64 + {i}\n"
            "}\n"
        )

    def call(i):
        return f'f_{i}({i}, "2")'

    return item, call, ""


VARIANTS = {
    "none": ("cb_none", "none", result_fn([])),
    "timed": ("cb_timed", "`#[decor::timed]`", result_fn(["#[decor::timed]"])),
    "logged": ("cb_logged", "`#[decor::logged]`", result_fn(["#[decor::logged]"])),
    "timed_logged": (
        "cb_timed_logged",
        "`#[decor::timed] #[decor::logged]`",
        result_fn(["#[decor::timed]", "#[decor::logged]"]),
    ),
    "instrument": (
        "cb_instrument",
        "`#[tracing::instrument(ret, err)]`",
        result_fn(["#[tracing::instrument(ret, err)]"]),
    ),
    "spawn": ("cb_spawn", "`#[decor::spawn]`", spawn_fn()),
    "parallel": (
        "cb_parallel",
        "`#[decor::parallel(reduce = \\|x, y\\| x + y)]`",
        parallel_fn(),
    ),
    "synchronized": ("cb_synchronized", "`#[decor::synchronized]`", synchronized_fn()),
}
REFERENCE = "instrument"

# Builds the dependencies (and both proc-macro crates) once; one use of each
# attribute so nothing about them is left to build later.
DEPS_LIB = """\
//! Warm-up crate: building it builds every dependency of the variants.

#[decor::timed]
#[decor::logged]
fn a(x: u64, s: &str) -> Result<u64, String> {
    let n: u64 = s.parse::<u64>().map_err(|e| e.to_string())?;
    Ok(x + n)
}

#[tracing::instrument(ret, err)]
fn b(x: u64) -> Result<u64, String> {
    Ok(x)
}

#[decor::spawn]
fn c(x: u64, s: String) -> u64 {
    x + s.len() as u64
}

#[decor::parallel(reduce = |x, y| x + y)]
fn d(v: &[u64], k: u64) -> u64 {
    v.iter().map(|x| x * k).sum()
}

#[decor::synchronized]
fn e(x: u64) -> u64 {
    x
}

pub fn use_all() -> u64 {
    let v = vec![1u64, 2, 3];
    a(1, "2").unwrap_or(0) + b(1).unwrap_or(0) + c(1, String::new()).join().unwrap_or(0)
        + d(&v, 2)
        + e(1)
}
"""

# fork/exec rustc, wait4 for it, and append one JSON line per crate compiled
# (written by hand: importing json would double the wrapper's start-up).
# fork + exec (not subprocess) so every descriptor cargo handed over, the
# jobserver's included, reaches rustc unchanged.
WRAPPER = """\
#!{python} -IS
import os, sys, time
args = sys.argv[1:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(args[0], args)
    except OSError as e:
        os.write(2, ("rustc-wrapper: %s: %s\\n" % (args[0], e)).encode())
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
log = os.environ.get("DECOR_COMPILE_BENCH_LOG")
if log and "--crate-name" in args:
    crate = args[args.index("--crate-name") + 1]
    cpu = usage.ru_utime + usage.ru_stime
    line = '{{"crate": "%s", "maxrss_kib": %d, "wall": %.6f, "cpu": %.6f}}\\n' % (
        crate, usage.ru_maxrss, wall, cpu)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, line.encode())
    os.close(fd)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--n",
        type=int,
        default=os.environ.get("N", "1000"),  # a string: argparse applies type
        help="decorated functions per crate (default: $N or 1000)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="builds per variant, round-robin across variants; the median is shown",
    )
    p.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help="comma-separated subset of: " + ", ".join(VARIANTS),
    )
    p.add_argument(
        "--keep-going",
        action="store_true",
        help="report a variant that fails to build and carry on",
    )
    a = p.parse_args()
    if a.n < 1 or a.repeat < 1:
        p.error("--n and --repeat must be at least 1")
    names = [v.strip() for v in a.variants.split(",") if v.strip()]
    unknown = [v for v in names if v not in VARIANTS]
    if unknown or not names:
        p.error(f"unknown variant(s) {unknown}; known: {', '.join(VARIANTS)}")
    a.variants = names
    return a


def write_if_changed(path, text):
    if path.exists() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def crate_manifest(name, decor_path):
    return (
        "[package]\n"
        f'name = "{name}"\n'
        'version = "0.0.0"\n'
        'edition = "2021"\n'
        "publish = false\n\n"
        "[lib]\n"
        'path = "src/lib.rs"\n\n'
        "[dependencies]\n"
        f'decor = {{ path = "{decor_path}" }}\n'
        'tracing = { version = "0.1", features = ["attributes"] }\n'
    )


def variant_source(name, n, stamp):
    _, label, (item, call, prelude) = VARIANTS[name]
    out = [
        f"//! Generated by bench/compile/compile_cost.py: {n} functions, {label}.\n",
        f"// build {stamp}\n\n",
    ]
    for i in range(n):
        out.append(item(i))
        out.append("\n")
    out.append("pub fn use_all() -> u64 {\n")
    out.append(prelude)
    out.append("    let mut s: u64 = 0;\n")
    for i in range(n):
        out.append(f"    s = s.wrapping_add({call(i)});\n")
    out.append("    s\n}\n")
    return "".join(out)


def generate(root, repo, n):
    """Write the workspace; returns the path of the rustc wrapper."""
    decor_path = (repo / "runtime").as_posix()
    members = ["cb_deps"] + [VARIANTS[v][0] for v in VARIANTS]
    write_if_changed(
        root / "Cargo.toml",
        "# Generated by bench/compile/compile_cost.py.\n"
        "[workspace]\n"
        'resolver = "2"\n'
        "members = [" + ", ".join(f'"{m}"' for m in members) + "]\n",
    )
    # Start from decor's own lock file on every run, so the dependencies are
    # the versions decor is tested with (the warm-up build adds the generated
    # crates to it; nothing is rebuilt unless decor's lock changed).
    if (repo / "Cargo.lock").exists():
        shutil.copyfile(repo / "Cargo.lock", root / "Cargo.lock")
    for m in members:
        write_if_changed(root / m / "Cargo.toml", crate_manifest(m, decor_path))
    write_if_changed(root / "cb_deps" / "src" / "lib.rs", DEPS_LIB)
    for v in VARIANTS:
        write_if_changed(
            root / VARIANTS[v][0] / "src" / "lib.rs", variant_source(v, n, "generated")
        )
    wrapper = root / "rustc-wrapper"
    write_if_changed(wrapper, WRAPPER.format(python=os.path.realpath(sys.executable)))
    wrapper.chmod(0o755)
    return wrapper


def busy_seconds():
    """CPU seconds the whole machine has spent busy (all CPUs), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...; guest is in user.
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def run_cargo(args, root, env, log_path):
    """Runs cargo; returns (wall seconds, returncode, machine busy CPU seconds
    during the run or None). Output goes to log_path."""
    with open(log_path, "w") as out:
        busy0 = busy_seconds()
        start = time.perf_counter()
        rc = subprocess.run(
            ["cargo", *args], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT
        ).returncode
        wall = time.perf_counter() - start
        busy1 = busy_seconds()
    busy = busy1 - busy0 if busy0 is not None and busy1 is not None else None
    return wall, rc, busy


def read_records(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def tail(path, lines=40):
    text = Path(path).read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def cmd_out(args, cwd=None):
    try:
        return subprocess.run(
            args, cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt_wall(s):
    return f"{s:.1f} s" if s >= 10 else f"{s:.2f} s"


def fmt_others(share):
    return "others n/a" if share is None else f"others {share:.0%}"


def fmt_mib(kib):
    return f"{kib / 1024:.0f} MiB"


def main():
    args = parse_args()
    repo = Path(__file__).resolve().parents[2]
    root = repo / "target" / "compile-bench"
    target = root / "target"
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    wrapper = generate(root, repo, args.n)
    rss_log = root / "rustc-rss.jsonl"

    env = dict(os.environ)
    env.update(
        CARGO_INCREMENTAL="0",
        CARGO_TARGET_DIR=str(target),
        RUSTC_WRAPPER=str(wrapper),
        DECOR_COMPILE_BENCH_LOG=str(rss_log),
        CARGO_TERM_COLOR="never",
        CARGO_TERM_PROGRESS_WHEN="never",
    )
    # Settings that would change what is measured, from the caller's shell.
    for k in ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS",
              "RUSTC_WORKSPACE_WRAPPER", "CARGO_PROFILE_DEV_OPT_LEVEL",
              "CARGO_PROFILE_DEV_DEBUG", "CARGO_BUILD_JOBS"):
        env.pop(k, None)

    commit = cmd_out(["git", "rev-parse", "--short", "HEAD"], cwd=repo)
    dirty = cmd_out(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo)
    if dirty and dirty != "unknown":
        commit += " (with uncommitted changes)"

    # Warm-up: every dependency (cb_deps also reads their rlibs, so the
    # timed builds find them in the page cache).
    print(f"warm-up: building dependencies in {target} ...", file=sys.stderr)
    wall, rc, _ = run_cargo(["build", "-p", "cb_deps"], root, env, logs / "warmup.log")
    if rc != 0:
        sys.exit(f"warm-up build failed:\n{tail(logs / 'warmup.log')}")
    print(f"warm-up: done in {wall:.1f} s", file=sys.stderr)

    # name -> [(wall, maxrss_kib, rustc cpu seconds, others' share of the CPUs)]
    results = {v: [] for v in args.variants}
    ncpu = os.cpu_count() or 1
    failed = {}
    build = 0
    for r in range(args.repeat):
        for v in args.variants:
            if v in failed:
                continue
            crate = VARIANTS[v][0]
            build += 1
            # New content (and mtime) so cargo rebuilds the crate, and only it.
            (root / crate / "src" / "lib.rs").write_text(
                variant_source(v, args.n, f"{r + 1} of {args.repeat}")
            )
            rss_log.unlink(missing_ok=True)
            log = logs / f"{v}.{r + 1}.log"
            wall, rc, busy = run_cargo(["build", "--frozen", "-p", crate], root, env, log)
            recs = read_records(rss_log)
            if rc != 0:
                msg = f"{v}: cargo build failed (exit {rc}), see {log}:\n{tail(log)}"
                if not args.keep_going:
                    sys.exit(msg)
                print(msg, file=sys.stderr)
                failed[v] = rc
                continue
            mine = [x for x in recs if x["crate"] == crate]
            # "___" is cargo probing the target (`rustc - --crate-name ___
            # --print=...`), which it does when its cached probe is stale.
            others = sorted({x["crate"] for x in recs if x["crate"] not in (crate, "___")})
            if len(mine) != 1:
                sys.exit(f"{v}: expected one rustc run for {crate}, saw {len(mine)} ({log})")
            if others:
                print(
                    f"warning: {v}: the timed build also compiled {', '.join(others)};"
                    " its wall time includes them",
                    file=sys.stderr,
                )
            rec = mine[0]
            # CPU the rest of the machine used meanwhile (other jobs, cargo),
            # as a share of all CPUs over the build: a sign of contention.
            others = (
                max(0.0, (busy - rec["cpu"]) / (wall * ncpu)) if busy is not None else None
            )
            results[v].append((wall, rec["maxrss_kib"], rec["cpu"], others))
            print(
                f"[{build}/{args.repeat * len(args.variants)}] {v}: "
                f"{fmt_wall(wall)}, rustc cpu {rec['cpu']:.2f} s, "
                f"peak {fmt_mib(rec['maxrss_kib'])}, {fmt_others(others)}",
                file=sys.stderr,
            )

    med = {
        v: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs))
        for v, rs in results.items()
        if rs
    }
    ref = med.get(REFERENCE)

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"- Machine: `nproc` = {os.cpu_count()}, CPU `{cpu_model()}`, "
          f"{platform.system()} {platform.release()}, load average {load} at the end")
    print(f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %z}")
    print(f"- Rust: `{cmd_out(['rustc', '--version'], cwd=root)}`, "
          f"`{cmd_out(['cargo', '--version'], cwd=root)}`")
    print(f"- decor commit: `{commit}`")
    print(f"- N = {args.n} functions per crate; `cargo build -p <crate>`, dev profile, "
          "`CARGO_INCREMENTAL=0`, dependencies already built; "
          + (f"median of {args.repeat} builds (round-robin)" if args.repeat > 1
             else "one build each"))
    print("- Peak memory: peak RSS of the rustc process compiling the crate "
          "(wait4 in a RUSTC_WRAPPER), not cargo's")
    print()
    print("| attributes on each fn | wall | peak memory | wall vs `#[instrument(ret, err)]` "
          "| memory vs instrument |")
    print("|---|---:|---:|---:|---:|")
    for v in args.variants:
        label = VARIANTS[v][1]
        if v in failed:
            print(f"| {label} | build failed | | | |")
            continue
        wall, kib = med[v]
        if ref:
            rw, rm = f"{wall / ref[0]:.2f}x", f"{kib / ref[1]:.2f}x"
        else:
            rw = rm = "n/a"
        print(f"| {label} | {fmt_wall(wall)} | {fmt_mib(kib)} | {rw} | {rm} |")
    print()
    print("Every build: wall / rustc's peak RSS / rustc's CPU time (user + sys) / CPU"
          " used by everything else (cargo, other jobs) as a share of all CPUs during"
          " the build, a sign of contention:")
    print()
    for v in args.variants:
        runs = "; ".join(
            f"{w:.2f} s / {fmt_mib(k)} / {c:.2f} s / {fmt_others(o)}"
            for w, k, c, o in results[v]
        )
        print(f"- {v}: {runs or 'failed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Whose code a server profile's CPU is in: Hội thi's, SQLite's, the
allocator's, the HTTP stack's, the runtime's or Leptos's.

Input: `perf script -F comm,tid,time,ip,sym,dso` of a `perf record -g` (or
`--call-graph dwarf`) of the server while `hoithi-load` runs. Each sample is
charged to the code whose function is executing (its leaf frame), with three
rules so that shared code is charged to whoever uses it:
  - Rust's `core`/`alloc`/`std` and the small glue crates (futures, bytes,
    hashbrown, serde's core) go to the nearest caller that is not one of them
    (a generic sort or a HashMap look-up is its user's cost);
  - libc frames (memcpy, memcmp) go to the nearest caller in the same way;
  - time in the kernel is told apart by its system call: the network
    (hyper's `writev` and reads on loopback TCP), SQLite's file I/O, waits
    and wake-ups (futex, epoll, the scheduler), page faults;
  - C code linked into the binary is SQLite unless it is mimalloc's.

  perf script -i server.perf -F comm,tid,time,ip,sym,dso > server.txt
  python3 tests/profile/split.py server.txt FROM TO [µs per operation]

FROM and TO are seconds after the first sample (the scenario's window); with
the server's CPU µs per operation from `hoithi-load`, each share is also
printed in µs per operation.
"""
import collections
import re
import sys

OURS = ("app", "hoithi", "hoithi_core")
GLUE = ("core", "alloc", "std", "futures_util", "futures_core", "futures_channel",
        "bytes", "hashbrown", "serde_core", "serde", "pin_project_lite", "smallvec",
        "either_of", "send_wrapper", "parking_lot", "lock_api", "slab", "indexmap")
GROUPS = [
    ("Hội thi (app, hoithi, hoithi_core)", lambda c: c in OURS),
    ("SQLite (statements, B-trees, WAL)", lambda c: c in ("sqlite", "rusqlite", "libsqlite3_sys")),
    ("sqlx (pool, driver)", lambda c: c.startswith("sqlx")),
    ("allocator (mimalloc)", lambda c: c == "mimalloc"),
    ("HTTP stack (hyper, http, axum, tower)", lambda c: c in (
        "hyper", "hyper_util", "http", "http_body", "http_body_util", "httparse", "axum",
        "axum_core", "tower", "tower_http", "tower_layer", "tower_service", "matchit",
        "tokio_tungstenite", "tungstenite")),
    ("runtime (tokio, mio, tracing)", lambda c: c in ("tokio", "mio", "tracing", "tracing_core")),
    ("Leptos (server functions, reactive owner)", lambda c: c in (
        "leptos", "leptos_axum", "server_fn", "reactive_graph", "leptos_router", "tachys",
        "serde_qs", "leptos_meta", "any_spawner", "or_poisoned")),
    ("serde_json, uuid, sha2, rand", lambda c: c in ("serde_json", "uuid", "sha2", "rand", "rand_core",
                                                     "rand_chacha", "ppv_lite86", "foldhash", "zmij", "itoa", "ryu")),
]


def crate_of(sym, dso):
    """The crate a frame belongs to, or a marker for kernel, libc and C."""
    if "kernel" in dso or sym.startswith(("entry_SYSCALL", "asm_")):
        return "!kernel"
    if dso.endswith((".so", ".so.6")) or ".so." in dso or "inlined" in dso or sym.startswith("__"):
        return "!libc"
    if sym.startswith(("mi_", "_mi_")):
        return "mimalloc"
    s = sym.lstrip("<&*")
    s = re.sub(r"^(mut |dyn |const )", "", s)
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", s)
    if m:
        return m.group(1)
    if s.startswith("_R") or s.startswith("_ZN"):
        return "core"  # a mangled name perf did not demangle: std
    if sym == "[unknown]":
        return "!unknown"
    return "sqlite"  # C in the binary that is not mimalloc


KERNEL_PARTS = [
    ("memory (page faults)", ("exc_page_fault",)),
    ("file I/O (database file and WAL)", ("pwrite", "pread", "unixWrite", "unixRead", "fcntl",
                                          "fsync", "fdatasync", "ext4_", "posix_lock")),
    ("network (loopback TCP read and write)", ("tcp_", "sock_", "inet_", "net_rx", "ip_",
                                               "writev", "recvfrom", "sendto")),
    ("waits and wake-ups (futex, epoll, scheduling)", ("futex", "epoll", "eventfd", "schedule",
                                                       "finish_task_switch", "try_to_wake_up")),
]


def kernel_part(syms):
    """What a sample in the kernel was doing, from the functions it was in."""
    for part, marks in KERNEL_PARTS:
        if any(mark in f for f in syms for mark in marks):
            return part
    return "other"


def owner(frames):
    """Who a sample is charged to (see the module's comment): a crate, or
    ("kernel", what it was doing)."""
    crates = [c for c, _ in frames]
    if crates and crates[0] == "!kernel":
        return ("kernel", kernel_part([f for _, f in frames]))
    for c in crates:
        if c.startswith("!") or c in GLUE:
            continue
        return (c, None)
    return ("other", None)


def main():
    path, a, b = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    per_op = float(sys.argv[4]) if len(sys.argv) > 4 else None
    t0, cur, n = None, None, 0
    by_group = collections.Counter()
    by_crate = collections.Counter()
    alloc_for = collections.Counter()

    def done(sample):
        nonlocal n
        t, frames = sample
        if not (a <= t - t0 < b):
            return
        n += 1
        c, part = owner(frames)
        if c == "kernel":
            g = "kernel: " + part
        else:
            g = next((name for name, f in GROUPS if f(c)), "other (" + c + ")")
        by_group[g] += 1
        by_crate[c if c != "kernel" else "kernel: " + part] += 1
        if c == "mimalloc":
            asker = next((x for x, _ in frames if not x.startswith("!") and x not in GLUE
                          and x != "mimalloc"), "other")
            group = next((name for name, f in GROUPS if f(asker)), asker)
            alloc_for[group.split(" (")[0]] += 1

    for line in open(path, errors="replace"):
        if not line.strip():
            if cur:
                done(cur)
            cur = None
            continue
        if not line.startswith(("\t", " ")):
            m = re.match(r"\s*(\S.*?)\s+(\d+)\s+([\d.]+):", line)
            if not m:
                continue
            t = float(m.group(3))
            t0 = t if t0 is None else t0
            cur = (t, [])
        elif cur is not None:
            m = re.match(r"\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
            if m:
                sym = re.sub(r"::h[0-9a-f]{16}$", "", m.group(1))
                cur[1].append((crate_of(sym, m.group(2)), sym))
    if cur:
        done(cur)
    if not n:
        sys.exit("no samples in the window")
    print(f"{n} samples from {a} s to {b} s")
    for g, v in by_group.most_common():
        us = f"{per_op * v / n:7.1f} µs" if per_op else ""
        print(f"{100 * v / n:5.1f} % {us}  {g}")
    print("the allocator's time, by who asked for the memory:")
    for g, v in alloc_for.most_common():
        print(f"  {100 * v / n:5.1f} %  {g}")
    print("by crate:")
    for c, v in by_crate.most_common(16):
        print(f"  {100 * v / n:5.1f} %  {c}")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        pass

# tools/bench "python3" workload: loops, dicts and strings in plain Python
# (the interpreter loop, dict/str builtins and the allocator), deterministic
# output (run with PYTHONHASHSEED=0).


def words(n, seed):
    syl = ["ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "ve", "xa", "zo", "str", "ing"]
    x = seed
    out = []
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        k = 1 + (x >> 8) % 3
        w = ""
        for j in range(k):
            w += syl[(x >> (4 * j + 12)) % len(syl)]
        out.append(w)
    return out


def main():
    ws = words(200000, 7)
    counts = {}
    for w in ws:
        counts[w] = counts.get(w, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    print("distinct", len(counts), "top", top)

    text = " ".join(ws)
    print("len", len(text), "upper-x", text.upper().count("X"), "find", text.find("zostrzo"))
    lines = [text[i:i + 60] for i in range(0, len(text), 60)]
    fmt = ["%05d:%s|%d" % (i, ln.strip().title(), len(ln.split())) for i, ln in enumerate(lines)]
    h = 0
    for s in fmt:
        for ch in s[:12]:
            h = (h * 31 + ord(ch)) & 0xFFFFFFFF
    print("lines", len(lines), "hash", hex(h))

    # Integer loops and a dict keyed by tuples.
    grid = {}
    for i in range(300):
        for j in range(300):
            grid[(i, j)] = (i * j) % 97
    total = 0
    for (i, j), v in grid.items():
        if v > 50 and (i + j) % 3 == 0:
            total += v * i - j
    print("grid", len(grid), total)

    # Sieve and a list comprehension.
    n = 300000
    sieve = bytearray([1]) * (n + 1)
    sieve[0:2] = b"\0\0"
    for p in range(2, int(n ** 0.5) + 1):
        if sieve[p]:
            sieve[p * p::p] = bytes(len(range(p * p, n + 1, p)))
    primes = [p for p in range(n + 1) if sieve[p]]
    print("primes", len(primes), sum(primes[-100:]))


main()

#!/usr/bin/env python3
"""Part of the corpus through dig and kdig, against Kiln and NSD.

usage: clients.py ZONEFILE ORIGIN HOST:PORT(kiln) HOST:PORT(reference) N

N queries drawn from the corpus of compare.py (names in random letter
case, every type) are asked by dig and by kdig, a batch of them per
invocation, each with one transport chosen at random: UDP without EDNS,
EDNS sizes 512, 1232 and 4096 (with the client's own fallback to TCP
on truncation), or TCP. The clients' printed responses must be the
same for both servers: status and flags lines, the question section
letter for letter (the query's case preserved), and each section's
records as a sorted list (TTLs included). Exits 1 on any difference.
"""
import random
import subprocess
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
import compare  # noqa: E402

MODES = {
    "dig": {"noedns": ["+noedns"], "e512": ["+bufsize=512"],
            "e1232": ["+bufsize=1232"], "e4096": ["+bufsize=4096"],
            "tcp": ["+tcp"]},
    "kdig": {"noedns": [], "e512": ["+bufsize=512"],
             "e1232": ["+bufsize=1232"], "e4096": ["+bufsize=4096"],
             "tcp": ["+tcp"]},
}
COMMON = {"dig": ["+norecurse", "+nocookie", "+time=2", "+tries=2",
                  "+nostats", "+nocmd"],
          "kdig": ["+norecurse", "+time=2", "+retry=1", "+nostats"]}


def responses(client, server, queries, mode):
    host, port = server
    cmd = [client, "@" + host, "-p", str(port)] + COMMON[client] + \
        MODES[client][mode]
    for name, t in queries:
        cmd += [name, t]
    out = subprocess.run(cmd, capture_output=True, text=True,
                         timeout=60).stdout
    blocks = out.split("->>HEADER<<-")[1:]
    return [normalise(b) for b in blocks]


def normalise(block):
    """status/flags lines (id removed), question verbatim, sorted
    records per section."""
    out = []
    section = None
    recs = []

    def end():
        if section is not None:
            out.append((section, tuple(sorted(recs))))

    first = True
    for line in block.splitlines():
        s = line.strip()
        if first:
            # "opcode: QUERY, status: NOERROR, id: 4711"
            out.append(("status", ",".join(p for p in s.replace(";", ",")
                                           .split(",")
                                           if "id:" not in p)))
            first = False
            continue
        if s.lower().startswith(";; flags:"):
            out.append(("flags", s))
            continue
        if s.endswith("SECTION:"):
            end()
            section, recs = s, []
            continue
        if not s or section is None:
            continue
        if "QUESTION" in section:
            recs.append(s)  # ";Name. IN A" or kdig's ";; Name. IN A"
        elif "PSEUDOSECTION" in section or "OPT" in section:
            continue  # the servers' EDNS options are their own
        elif not s.startswith(";"):
            recs.append(" ".join(s.split()))
    end()
    return tuple(out)


def main():
    zonefile, origin, kiln, ref, n = sys.argv[1:6]
    kiln, ref = compare.addr(kiln), compare.addr(ref)
    rng = random.Random(1035)
    names = compare.names_of(zonefile, origin)
    queries = [(compare.randcase(rng.choice(names), rng).to_text(),
                rng.choice(compare.TYPES)) for _ in range(int(n))]
    diffs = asked = 0
    for client in ("dig", "kdig"):
        for i in range(0, len(queries), 25):
            batch = queries[i:i + 25]
            mode = rng.choice(sorted(MODES[client]))
            a = responses(client, kiln, batch, mode)
            b = responses(client, ref, batch, mode)
            if len(a) != len(batch) or len(b) != len(batch):
                diffs += 1
                print(f"{client} {mode}: {len(a)} and {len(b)} responses "
                      f"for {len(batch)} queries")
                continue
            for q, x, y in zip(batch, a, b):
                asked += 1
                if x != y:
                    diffs += 1
                    if diffs <= 10:
                        print(f"DIFF {client} {mode} {q[0]} {q[1]}:\n"
                              f"  kiln {x}\n  ref  {y}")
    print(f"{asked} queries by dig and kdig, {diffs} differences")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()

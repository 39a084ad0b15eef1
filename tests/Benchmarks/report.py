#!/usr/bin/env python3
"""Turns the harness's hyperfine exports into the results table of BENCHMARKS.md."""
import json
import os
import platform
import re
import subprocess
import sys

out, document = sys.argv[1], sys.argv[2]


def load(path):
    with open(path) as f:
        export = json.load(f)
    return {r["command"]: dict(r, alternated=export.get("alternated", False)) for r in export["results"]}


def seconds(result):
    return f'{result["mean"]:.3f} s ± {result["stddev"] or 0:.3f}'


def ratio(a, b):
    return a["mean"] / b["mean"]


def per_round(a, b):
    """The median and range of the ratios round by round: alternate.py times one run of each command
    per round, so the two runs of a round share the machine's state of the moment (this VM's disk
    swings 3-fold within minutes), and their ratio keeps less of that noise than a ratio of means."""
    if not (a.get("alternated") and b.get("alternated")) or len(a["times"]) != len(b["times"]):
        return ""
    pairs = sorted(x / y for x, y in zip(a["times"], b["times"]))
    middle = len(pairs) // 2
    median = pairs[middle] if len(pairs) % 2 else (pairs[middle - 1] + pairs[middle]) / 2
    return f" (per round: median {median:.2f}, {pairs[0]:.2f}-{pairs[-1]:.2f})"


lines = []
for raw in open(os.path.join(out, "rows.txt")):
    name, path, goal, rss, note = raw.rstrip("\n").split("|")
    results = load(path)
    names = list(results)
    first = results[names[0]]
    times = "; ".join(f"{n}: {seconds(r)}" for n, r in results.items())
    ratios = "; ".join(f"{names[0]} / {n} = {ratio(first, r):.2f}{per_round(first, r)}"
                       for n, r in list(results.items())[1:])
    if name == "noop":
        ratios = (f'build.sh / dotnet run = {ratio(results["build.sh"], results["dotnet run"]):.3f}; '
                  f'build.sh / host = {ratio(results["build.sh"], results["host"]):.2f}')
    lines.append(f"| {name} | {times} | {ratios} | {goal} | {rss} MiB | {note} |")

COLD_STEPS = 1543  # ninja -t commands mysqld mysql mysqladmin mysqldump in the amd64 build tree
for log, what in (("rebuild.log", "the edit"), ("rebuild-back.log", "the edit undone")):
    path = os.path.join(out, log)
    if not os.path.exists(path):
        continue
    found = re.search(r"(\d+) ninja steps in ([\d.]+ ?(?:s|min))", open(path).read())
    if found:
        steps, took = int(found.group(1)), found.group(2)
        lines.append(f"| mysql-edit-rebuild ({what}) | Build: {steps} Ninja steps in {took} | "
                     f"{steps} / {COLD_STEPS} cold steps = {100 * steps / COLD_STEPS:.2f} % | steps <= 1 % | | |")
    else:
        lines.append(f"| mysql-edit-rebuild ({what}) | Build: up to date | | steps <= 1 % | | |")

machine = (f"{platform.node()}: {os.cpu_count()} cores, "
           f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
           f"{platform.platform()}, "
           + subprocess.run(["dotnet", "--version"], capture_output=True, text=True).stdout.strip()
           + " SDK, " + subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.strip())
table = "\n".join([
    f"Machine: {machine}.",
    "",
    "| row | mean time of each command | ratios | goal | host peak RSS | note |",
    "|---|---|---|---|---|---|",
    *lines,
])
bdn = os.path.join(out, "BenchmarkDotNet.Artifacts", "results")
if os.path.isdir(bdn):
    for file in sorted(os.listdir(bdn)):
        if file.endswith("-report-github.md"):
            table += "\n\nBenchmarkDotNet, in-process parts:\n\n" + open(os.path.join(bdn, file)).read().strip()

with open(os.path.join(out, "results.md"), "w") as f:
    f.write(table + "\n")

if os.path.exists(document):
    text = open(document).read()
    start, end = "<!-- results: written by tests/Benchmarks/run -->", "<!-- end of results -->"
    if start in text and end in text:
        text = text[: text.index(start) + len(start)] + "\n" + table + "\n" + text[text.index(end):]
        with open(document + ".tmp", "w") as f:
            f.write(text)
        os.replace(document + ".tmp", document)

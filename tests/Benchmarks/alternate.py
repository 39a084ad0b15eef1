#!/usr/bin/env python3
"""Runs hyperfine in alternation, one run of each command per round, and merges its exports.

hyperfine runs all of one command's runs before the next command's, so a machine that slows
down half-way (another tenant on the VM, a CPU clocking down) shows up as a difference between
the commands. Here every round asks hyperfine for one run of each command, in an order that
flips each round (A B, B A, ...), so slow spells fall on all of them alike and the ratios keep
only what the commands themselves cost. The merged file has hyperfine's export shape, with every
run's time, so report.py reads it like any other. Used for every row whose goal is a ratio.

    alternate.py --runs N --export-json FILE [--warmup N] \
        [--prepare CMD] -n NAME CMD [[--prepare CMD] -n NAME CMD ...]

A --prepare applies to the command after it and runs (untimed) before each of its runs.
Commands run without a shell (hyperfine -N): give `sh -c '...'` for a pipeline of commands.
A command that fails stops the benchmark with hyperfine's message.
"""
import json
import os
import statistics
import subprocess
import sys


def parse(argv):
    options = {"runs": 10, "warmup": 1, "export": None}
    commands, prepare, name = [], None, None
    i = 0
    while i < len(argv):
        argument = argv[i]
        value = argv[i + 1] if i + 1 < len(argv) else None
        if argument in ("--runs", "--warmup", "--export-json", "--prepare", "-n") and value is None:
            sys.exit(f"alternate.py: {argument} needs a value")
        if argument == "--runs":
            options["runs"] = int(value)
        elif argument == "--warmup":
            options["warmup"] = int(value)
        elif argument == "--export-json":
            options["export"] = value
        elif argument == "--prepare":
            prepare = value
        elif argument == "-n":
            name = value
        else:
            commands.append({"name": name or argument, "command": argument, "prepare": prepare})
            prepare, name = None, None
            i += 1
            continue
        i += 2
    if len(commands) < 2 or options["export"] is None:
        sys.exit("alternate.py: give --export-json FILE and at least two commands; see the comment at its top")
    return options, commands


def run(entry, scratch):
    """One hyperfine run of the command; returns hyperfine's result for it."""
    arguments = ["hyperfine", "-N", "--runs", "1", "--style", "none", "--export-json", scratch]
    if entry["prepare"]:
        arguments += ["--prepare", entry["prepare"]]
    arguments += ["-n", entry["name"], entry["command"]]
    result = subprocess.run(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"alternate.py: hyperfine could not time `{entry['command']}`: {result.stderr.strip()}")
    with open(scratch) as f:
        return json.load(f)["results"][0]


def main():
    options, commands = parse(sys.argv[1:])
    scratch = options["export"] + ".run"
    runs = {c["name"]: [] for c in commands}
    for round_number in range(options["warmup"] + options["runs"]):
        order = commands if round_number % 2 == 0 else list(reversed(commands))
        for entry in order:
            measured = run(entry, scratch)
            if round_number >= options["warmup"]:
                runs[entry["name"]].append(measured)
    os.remove(scratch)

    results = []
    for entry in commands:
        times = [t for r in runs[entry["name"]] for t in r["times"]]
        results.append({
            "command": entry["name"],
            "mean": statistics.fmean(times),
            "stddev": statistics.stdev(times) if len(times) > 1 else None,
            "median": statistics.median(times),
            "user": statistics.fmean(r["user"] for r in runs[entry["name"]]),
            "system": statistics.fmean(r["system"] for r in runs[entry["name"]]),
            "min": min(times),
            "max": max(times),
            "times": times,
            "exit_codes": [c for r in runs[entry["name"]] for c in r["exit_codes"]],
        })
    with open(options["export"] + ".tmp", "w") as f:
        json.dump({"results": results, "alternated": True}, f, indent=2)
    os.replace(options["export"] + ".tmp", options["export"])
    first = results[0]
    print(f'{first["command"]}: {first["mean"]:.3f} s ± {first["stddev"] or 0:.3f}')
    for other in results[1:]:
        print(f'{other["command"]}: {other["mean"]:.3f} s ± {other["stddev"] or 0:.3f}; '
              f'{first["command"]} / {other["command"]} = {first["mean"] / other["mean"]:.3f} '
              f'(of medians {first["median"] / other["median"]:.3f})')


if __name__ == "__main__":
    main()

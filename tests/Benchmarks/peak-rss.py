#!/usr/bin/env python3
"""Runs a shell command and prints the peak RSS (VmHWM, MiB) of the process the command becomes.

GNU time's %M is the largest of every process it waited for, which for a build is the linker,
not the host; this watches the host alone. The command must exec the host as its last step
(./build.sh does), or be the host itself.
"""
import subprocess
import sys
import time

process = subprocess.Popen(["bash", "-c", "exec " + sys.argv[1]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak = 0
while process.poll() is None:
    try:
        with open(f"/proc/{process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    except (FileNotFoundError, ProcessLookupError):
        break
    time.sleep(0.02)
print(peak // 1024)

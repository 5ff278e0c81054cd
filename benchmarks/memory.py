"""Peak resident memory of this process (Linux).

`VmHWM` starts afresh when a process execs, unlike `ru_maxrss`, which a child inherits from the
parent it was forked from, so a benchmark that measures in subprocesses reads this one.
"""
from __future__ import annotations


def peak_resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status: peak memory is measured on Linux only")

#!/usr/bin/env python3
"""Replays a recorded serial log into a pty at a serial line's speed, with
COMMAND reading the pty's other side (its path replaces {pty}), as a live
hypervisor's serial port would feed it. Exits with COMMAND's status.
usage: replay.py LOG BYTES_PER_SECOND COMMAND..."""
import os, pty, subprocess, sys, time

log, rate, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
master, slave = pty.openpty()
path = os.ttyname(slave)
proc = subprocess.Popen([a.replace("{pty}", path) for a in cmd])
time.sleep(0.3)  # let it open the pty
data = open(log, "rb").read()
chunk = max(1, int(rate / 20))
for i in range(0, len(data), chunk):
    os.write(master, data[i:i + chunk])
    time.sleep(chunk / rate)
time.sleep(0.5)  # let it read the rest, then hang up: it sees the end
os.close(master)
os.close(slave)
sys.exit(proc.wait(timeout=30))

#!/usr/bin/env python3
"""A serial terminal for an emulator: makes a pty for its COM1 (Bochs's
`com1: mode=term`), copies what the machine sends to LOG, and types what
SCRIPT says, line by line:
    wait REGEX      until a line the machine sent matches REGEX (Python re)
    type TEXT       types TEXT (\\r, \\n, \\\\ and \\xNN escapes), one byte every
                    20 ms, about what a person typing fast sends
    sleep SECONDS
Prints the pty's path as its first line of stdout, then runs until killed
or until the machine's side has been closed for good. A `wait` that never
matches simply leaves the rest untyped (the test's assertions then fail).
usage: serial-typist.py LOG SCRIPT"""
import os, pty, re, select, sys, time, tty

log_path, script_path = sys.argv[1], sys.argv[2]
steps = []
for raw in open(script_path, encoding="utf-8"):
    raw = raw.rstrip("\n")
    if not raw.strip() or raw.lstrip().startswith("#"):
        continue
    verb, _, arg = raw.partition(" ")
    if verb not in ("wait", "type", "sleep"):
        sys.exit(f"serial-typist: {script_path}: unknown step {raw!r}")
    steps.append((verb, arg))

master, slave = pty.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
log = open(log_path, "ab", buffering=0)
seen = b""  # the machine's output, for `wait`
opened = False  # the emulator has the pty open (reads stop failing)


def pump(timeout):
    """Copies what the machine sent in the next `timeout` seconds."""
    global seen, opened
    ready, _, _ = select.select([master], [], [], timeout)
    if not ready:
        return True
    try:
        data = os.read(master, 65536)
    except OSError:  # EIO: no one holds the other side (yet, or any more)
        time.sleep(min(timeout, 0.1))
        return not opened
    opened = True
    log.write(data)
    seen = (seen + data)[-1_000_000:]
    return True


for verb, arg in steps:
    if verb == "sleep":
        end = time.time() + float(arg)
        while time.time() < end and pump(0.05):
            pass
    elif verb == "wait":
        pattern = re.compile(arg.encode(), re.M)
        while not pattern.search(seen.replace(b"\r", b"")):
            if not pump(0.2):
                sys.exit(0)
        seen = b""
    else:
        text = arg.encode("latin-1").decode("unicode_escape").encode("latin-1")
        for byte in text:
            os.write(master, bytes([byte]))
            pump(0.02)
os.close(slave)  # from now on, EIO means the emulator closed its side
while pump(0.5):
    pass

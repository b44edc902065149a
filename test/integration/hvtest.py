#!/usr/bin/env python3
"""One integration test: read its spec (test/specs/NAME.test), build the USB
image, boot it in an emulator (tools/run-bochs.sh or tools/run-qemu.sh) and
assert on the serial log; or, for a spec with `after:`, check the log another
test left. Prints one PASS/FAIL line per assertion, then "NAME: P passed, F
failed"; exits 0 only when every assertion held.

usage: hvtest.py --source DIR --build DIR [--hvstat PATH] SPEC

The spec format (one `key: value` per line, `#` starts a comment line):
  labels: bochs models        ctest labels (read by test/CMakeLists.txt)
  timeout: 240                time bound of the boot in seconds (ctest adds 60;
                              for an `after:` test it is ctest's whole bound)
  fixtures-setup: NAME        ctest fixtures (read by test/CMakeLists.txt)
  fixtures-required: NAME
  emulator: bochs|qemu
  efi: $BUILD/hv.efi          \\EFI\\BOOT\\BOOTX64.EFI (default $BUILD/hv.efi)
  config: $SRC/test/configs/emulator.cfg   \\EFI\\BOOT\\hv.cfg
  add: $BUILD/test/x.efi=\\EFI\\tests\\x.efi  more files (mkimage.sh --add)
  next-boot: $BUILD/test/poweroff.efi   a second disk booted after the first
  size: 64                    image size in MiB
  image: selftest             the image tools/selftest.sh builds instead
  cpus: / memory: / model: / accel: / until: / until-bochs:
                              the runner's options of that name
  runner-arg: ARG             any other runner argument, passed as is
  runner-status: 0            status the runner must end with
  runner-expect: REGEX        lines the runner must report (its stderr)
  expect: REGEX               serial lines that must appear, in this order
  reject: REGEX               serial lines that must not appear
  check: NAME [ARG]           a post-check (hvtest_checks.py)
  watch: hvstat-follow        run `hvstat --follow` on the serial log while
                              the machine runs (test-out/NAME/hvstat.follow;
                              the check hvstat-follow reads it)
  after: TEST                 boot nothing: check TEST's serial log
A value runs to the end of its line, trailing spaces included. Regexes are
Python's (the same as grep -E for what the specs use), matched against the
serial log without terminal escapes and CRs. $SRC and $BUILD are expanded
in path values and runner arguments only.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest_checks  # noqa: E402

LIST_KEYS = ('labels', 'add', 'runner-arg', 'runner-expect', 'expect', 'reject', 'check',
             'fixtures-setup', 'fixtures-required')
SCALAR_KEYS = ('timeout', 'emulator', 'efi', 'config', 'next-boot', 'size', 'image', 'after',
               'runner-status', 'watch')
RUNNER_OPTIONS = ('cpus', 'memory', 'model', 'accel', 'until', 'until-bochs')
PATH_KEYS = ('efi', 'config', 'next-boot', 'add')
DEFAULTS = {'timeout': '300', 'efi': '$BUILD/hv.efi', 'size': '64', 'runner-status': '0'}


class SpecError(Exception):
    pass


def parse_spec(text, where='spec'):
    """The spec as a dict: list keys hold lists, the others one string."""
    spec = {key: [] for key in LIST_KEYS}
    spec['runner-options'] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip('\n')
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        m = re.match(r'^([a-z][a-z0-9-]*): ?(.*)$', line)
        if not m:
            raise SpecError('%s:%d: expected "key: value", got %r' % (where, number, line))
        key, value = m.group(1), m.group(2)
        if key == 'labels':
            spec['labels'] += value.split()
        elif key in LIST_KEYS:
            spec[key].append(value)
        elif key in SCALAR_KEYS or key in RUNNER_OPTIONS:
            slot = spec['runner-options'] if key in RUNNER_OPTIONS else spec
            if key in slot:
                raise SpecError('%s:%d: %s given twice' % (where, number, key))
            slot[key] = value
        else:
            raise SpecError('%s:%d: unknown key %r' % (where, number, key))
    for key, value in DEFAULTS.items():
        spec.setdefault(key, value)
    check_spec(spec, where)
    return spec


def check_spec(spec, where):
    """Refuse what would make a test that cannot fail or cannot run."""
    if 'after' not in spec and spec.get('emulator') not in ('bochs', 'qemu'):
        raise SpecError('%s: emulator must be bochs or qemu' % where)
    if not spec['labels']:
        raise SpecError('%s: no labels' % where)
    for key in ('expect', 'reject', 'runner-expect'):
        for regex in spec[key]:
            try:
                re.compile(regex)
            except re.error as err:
                raise SpecError('%s: bad %s regex %r: %s' % (where, key, regex, err))
    for check in spec['check']:
        if check.split()[0] not in hvtest_checks.CHECKS:
            raise SpecError('%s: unknown check %r' % (where, check))
    if spec.get('watch', 'hvstat-follow') != 'hvstat-follow':
        raise SpecError('%s: unknown watch %r' % (where, spec['watch']))
    if 'after' not in spec and not spec['expect']:
        raise SpecError('%s: a boot test needs expect lines' % where)


def expand(value, source, build):
    return value.replace('$SRC', source).replace('$BUILD', build)


class Result:
    """Counts assertions and prints one line for each."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, good, bad):
        if ok:
            self.passed += 1
            print('PASS: ' + good)
        else:
            self.failed += 1
            print('FAIL: ' + bad)
        return ok


def run_quiet(cmd, log):
    """Runs cmd with its output appended to log; True when it succeeded."""
    with open(log, 'ab') as out:
        return subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT) == 0


def build_image(spec, out, args, tools):
    """The boot disk (and the second disk) for this test; the disk paths."""
    log = os.path.join(out, 'mkimage.log')
    if spec.get('image') == 'selftest':
        img = os.path.join(out, 'selftest.img')
        log = os.path.join(out, 'selftest.log')
        ok = run_quiet([os.path.join(tools, 'selftest.sh'), '--no-build', '--build', args.build,
                        '--out', img], log)
        sys.stdout.write(open(log, errors='replace').read())
        return (img, None) if ok else (None, None)
    if 'image' in spec:
        raise SpecError('unknown image %r' % spec['image'])
    img = os.path.join(out, 'usb.img')
    cmd = [os.path.join(tools, 'mkimage.sh'), '--out', img,
           '--efi', expand(spec['efi'], args.source, args.build), '--size', spec['size']]
    for add in spec['add']:
        cmd += ['--add', expand(add, args.source, args.build)]
    if 'config' in spec:
        cmd += ['--config', expand(spec['config'], args.source, args.build)]
    if not run_quiet(cmd, log):
        return None, None
    if 'next-boot' not in spec:
        return img, None
    nxt = os.path.join(out, 'next.img')
    cmd = [os.path.join(tools, 'mkimage.sh'), '--out', nxt,
           '--efi', expand(spec['next-boot'], args.source, args.build)]
    return (img, nxt) if run_quiet(cmd, log) else (None, None)


def start_watch(spec, out, hvstat):
    """`hvstat --follow` on the serial log, started before the machine, as a
    user would watch it; None when the spec has no watch."""
    if spec.get('watch') != 'hvstat-follow':
        return None
    open(os.path.join(out, 'serial.log'), 'wb').close()
    view = open(os.path.join(out, 'hvstat.follow'), 'wb')
    return subprocess.Popen([hvstat, '--follow', os.path.join(out, 'serial.log')], stdin=subprocess.DEVNULL,
                            stdout=view, stderr=subprocess.STDOUT)


def stop_watch(watcher):
    """The last lines read, then the view ended as ^C would end it."""
    if watcher is None:
        return
    time.sleep(2)
    watcher.terminate()
    try:
        watcher.wait(10)
    except subprocess.TimeoutExpired:
        watcher.kill()
        watcher.wait()


def boot(spec, img, disk2, out, tools, args):
    """Boots img with the spec's runner; (runner status, seconds taken)."""
    cmd = [os.path.join(tools, 'run-%s.sh' % spec['emulator']), img,
           '--log', os.path.join(out, 'serial.log'), '--timeout', spec['timeout'], '--quiet']
    for option, value in spec['runner-options'].items():
        cmd += ['--' + option, value]
    cmd += [expand(arg, args.source, args.build) for arg in spec['runner-arg']]
    if disk2:
        cmd += ['--disk2', disk2]
    watcher = start_watch(spec, out, args.hvstat)
    start = time.monotonic()
    with open(os.path.join(out, 'runner.log'), 'wb') as err:
        status = subprocess.call(cmd, stdin=subprocess.DEVNULL, stderr=err)
    stop_watch(watcher)
    elapsed = int(time.monotonic() - start)
    sys.stdout.flush()
    sys.stderr.write(open(os.path.join(out, 'runner.log'), errors='replace').read())
    sys.stderr.flush()
    return status, elapsed


def clean_log(path):
    """The serial log's lines without the firmware's terminal escapes and CRs."""
    try:
        data = open(path, 'rb').read()
    except OSError:
        data = b''
    data = re.sub(rb'\x1b\[[0-9;=?]*[A-Za-z]', b'', data).replace(b'\r', b'')
    text = data.decode('utf-8', errors='replace')
    return text.split('\n')[:-1] if text.endswith('\n') else text.split('\n') if text else []


def assert_lines(spec, lines, result):
    """Expected lines in order, then lines that must not appear."""
    after = 0
    for regex in spec['expect']:
        pattern = re.compile(regex)
        hit = next((i for i in range(after, len(lines)) if pattern.search(lines[i])), None)
        if hit is None:
            result.check(False, '', 'no line matching /%s/ after line %d' % (regex, after))
        else:
            after = hit + 1
            result.check(True, 'line %d matches /%s/' % (after, regex), '')
    for regex in spec['reject']:
        pattern = re.compile(regex)
        hit = next((i for i, line in enumerate(lines) if pattern.search(line)), None)
        result.check(hit is None, 'no line matches /%s/' % regex,
                     'forbidden /%s/ at line %d: %s' % (regex, (hit or 0) + 1,
                                                        lines[hit] if hit is not None else ''))


def assert_runner(spec, status, elapsed, out, result):
    """The runner's status and what it reported on its stderr."""
    want = int(spec['runner-status'])
    result.check(status == want,
                 'runner ended with status %d in %ds (bound %ss)' % (status, elapsed, spec['timeout']),
                 'runner ended with status %d, wanted %d (124 = timed out after %ss)'
                 % (status, want, spec['timeout']))
    runner_lines = clean_log(os.path.join(out, 'runner.log'))
    for regex in spec['runner-expect']:
        pattern = re.compile(regex)
        hit = any(pattern.search(line) for line in runner_lines)
        result.check(hit, 'runner reported /%s/' % regex, 'runner did not report /%s/' % regex)


def run_boot_test(spec, name, args, result):
    """Image, boot, assertions; the cleaned serial lines (None if no boot)."""
    tools = os.path.join(args.source, 'tools')
    out = os.path.join(args.build, 'test-out', name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    img, disk2 = build_image(spec, out, args, tools)
    if img is None:
        for log in ('mkimage.log', 'selftest.log'):
            if os.path.exists(os.path.join(out, log)):
                sys.stderr.write(open(os.path.join(out, log), errors='replace').read())
        result.check(False, '', 'could not build the image')
        return None
    status, elapsed = boot(spec, img, disk2, out, tools, args)
    lines = clean_log(os.path.join(out, 'serial.log'))
    with open(os.path.join(out, 'serial.txt'), 'w') as txt:
        txt.write(''.join(line + '\n' for line in lines))
    assert_runner(spec, status, elapsed, out, result)
    assert_lines(spec, lines, result)
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--source', required=True)
    parser.add_argument('--build', required=True)
    parser.add_argument('--hvstat', default='')
    parser.add_argument('spec')
    args = parser.parse_args()
    args.source, args.build = os.path.abspath(args.source), os.path.abspath(args.build)
    name = os.path.splitext(os.path.basename(args.spec))[0]
    try:
        spec = parse_spec(open(args.spec).read(), args.spec)
    except (OSError, SpecError) as err:
        print('hvtest: %s' % err, file=sys.stderr)
        return 2
    result = Result()
    ctx = hvtest_checks.Context(name, spec, args.build, args.hvstat, result)
    if 'after' in spec:
        ctx.log = os.path.join(args.build, 'test-out', spec['after'], 'serial.log')
    else:
        ctx.lines = run_boot_test(spec, name, args, result)
        ctx.log = os.path.join(args.build, 'test-out', name, 'serial.log')
    if ctx.lines is not None or 'after' in spec:
        hvtest_checks.run_checks(ctx)
    if result.failed and ctx.lines:
        print('---- serial log (%s), last 40 lines ----' % ctx.log.replace('.log', '.txt'))
        print('\n'.join([line for line in ctx.lines if line.strip()][-40:]))
    print('%s: %d passed, %d failed' % (name, result.passed, result.failed))
    return 0 if result.failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())

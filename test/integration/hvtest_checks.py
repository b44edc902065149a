"""Post-checks of hvtest.py: assertions that compare what the hypervisor says
with what a guest or a tool found, beyond lines that must (not) appear.
A spec names them with `check: NAME [ARGS]`:
  hostile-arena        the memory the hostile guest could not read is exactly
                       the hypervisor's arena, and the hypervisor counted one
                       EPT violation per faulting access of the guest
  hvstat-table         hvstat's table and SVG agree with the log's final lines
  hvstat-cpus N        hvstat reads N CPUs' dumps and sums them
  line-count N REGEX   exactly N lines of the log match REGEX
  hvstat-follow        the live view (spec `watch: hvstat-follow`) refreshed
                       while the machine ran, showed exits per second and
                       CPU 0's intervals, and ignored the guest's lines
"""
import os
import re
import subprocess
import xml.etree.ElementTree as ET


class Context:
    """What a check reads: the test, its serial log, hvstat, the results."""

    def __init__(self, name, spec, build, hvstat, result):
        self.name = name
        self.spec = spec
        self.build = build
        self.hvstat = hvstat
        self.result = result
        self.log = None      # the raw serial log
        self.lines = None    # its lines without escapes and CRs (boot tests)

    def out_dir(self):
        path = os.path.join(self.build, 'test-out', self.name)
        os.makedirs(path, exist_ok=True)
        return path

    def raw_lines(self):
        """The raw serial log with CRs removed (as `tr -d '\\r'` gives it)."""
        with open(self.log, 'rb') as f:
            return f.read().replace(b'\r', b'').decode('utf-8', errors='replace').splitlines()


def first(regex, lines, group=0):
    for line in lines:
        m = re.search(regex, line)
        if m:
            return m.group(group)
    return None


def check_hostile_arena(ctx, _args):
    lines, check = ctx.lines, ctx.result.check
    arena = first(r'hypervisor arena (0x[0-9a-f]+-0x[0-9a-f]+)', lines, 1)
    hidden = [m.group(1) for m in (re.search(r'^hostile: hidden (0x[0-9a-f]+-0x[0-9a-f]+)', line)
                                   for line in lines) if m]
    check(arena is not None and hidden == [arena],
          "the guest's hidden memory is exactly the hypervisor's arena (%s)" % arena,
          "hidden memory %s is not the hypervisor's arena [%s]" % (hidden, arena or ''))
    attack = first(r'^hostile: ([0-9]+) attacks on ([0-9]+) hidden pages', lines, 0)
    attacks = pages = counted = None
    if attack:
        attacks, pages = map(int, re.findall(r'[0-9]+', attack)[:2])
    asked = next((i for i, line in enumerate(lines)
                  if re.search(r'^hv: exits begin cpu=0 why=request', line)), None)
    if asked is not None:
        total = next((line for line in lines[asked + 1:]
                      if re.search(r'^hv: exits cpu=0 total=', line)), None)
        m = re.search(r'ept_violations=([0-9]+)', total or '')
        counted = int(m.group(1)) if m else None
    check(attacks is not None and counted is not None and counted == attacks + pages,
          'the hypervisor counted %s EPT violations = %s probe reads + %s attacks'
          % (counted, pages, attacks),
          "the hypervisor counted '%s' EPT violations, the guest made %s probe reads + %s attacks"
          % ('' if counted is None else counted, '?' if pages is None else pages,
             '?' if attacks is None else attacks))


def run_hvstat(ctx, argv, out_name):
    """Runs hvstat on the serial log; (exit status, its table)."""
    table = os.path.join(ctx.out_dir(), out_name)
    stderr = os.path.join(ctx.out_dir(), 'stderr.txt')
    with open(table, 'wb') as out, open(stderr, 'wb') as err:
        rc = subprocess.call([ctx.hvstat] + argv + [ctx.log], stdout=out, stderr=err)
    text = open(table, errors='replace').read()
    print(text, end='')
    if rc != 0:
        print(open(stderr, errors='replace').read(), end='')
    return rc, text.splitlines()


def final_snapshot_rows(raw):
    """(reason, count) of the last final snapshot's per-reason lines."""
    start = max((i for i, line in enumerate(raw)
                 if re.search(r'^hv: exits begin cpu=0 why=final', line)), default=0)
    rows = set()
    for line in raw[start:]:
        m = re.search(r'^hv: exits cpu=0 reason=([A-Z_]+) count=([0-9]+) ', line)
        if m:
            rows.add((m.group(1), m.group(2)))
    return sorted(rows)


def check_svg(path, rows):
    """The SVG is well-formed and charts the reasons: an error message or None."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as err:
        return str(err)
    ns = '{http://www.w3.org/2000/svg}'
    if root.tag != ns + 'svg':
        return 'root is %s' % root.tag
    text = ' '.join(t.text or '' for t in root.iter(ns + 'text'))
    if 'EXTERNAL_INTERRUPT' not in text or 'CPUID' not in text:
        return 'no EXTERNAL_INTERRUPT and CPUID labels in %r' % text[:200]
    bars = [r for r in root.iter(ns + 'rect') if r.get('width') not in (None, '100%')]
    if len(bars) < rows:
        return '%d bars for %d reasons' % (len(bars), rows)
    print('svg: %d bars, %d text nodes' % (len(bars), len(list(root.iter(ns + 'text')))))
    return None


def check_hvstat_table(ctx, _args):
    check = ctx.result.check
    svg = os.path.join(ctx.out_dir(), 'exits.svg')
    rc, table = run_hvstat(ctx, ['--svg', svg], 'table.txt')
    check(rc == 0, 'hvstat exited 0', 'hvstat exited %d' % rc)
    raw = ctx.raw_lines()
    finals = [line for line in raw
              if re.search(r'^hv: exits cpu=0 total=[0-9]+ ept_violations=[0-9]+ cycles=[0-9]+$', line)]
    check(bool(finals), 'the log has a final total line', 'the log has no final total line')
    m = re.search(r'total=([0-9]+) .*cycles=([0-9]+)', finals[-1] if finals else '')
    total, cycles = m.groups() if m else ('', '')
    want = re.compile('^total: %s exits, %s cycles' % (total, cycles))
    check(any(want.search(line) for line in table),
          "table total matches the log's final line (%s exits, %s cycles)" % (total, cycles),
          "table total differs from the log's final line (%s exits, %s cycles)" % (total, cycles))
    matched = 0
    for reason, count in final_snapshot_rows(raw):
        row = re.compile('^%s +%s ' % (reason, count))
        if any(row.search(line) for line in table):
            matched += 1
        else:
            check(False, '', "no table row '%s %s'" % (reason, count))
    check(matched >= 3, '%d reasons of the final snapshot are table rows with their counts' % matched,
          'only %d reasons matched' % matched)
    error = check_svg(svg, matched)
    check(error is None, 'SVG is well-formed and charts the reasons (%s)' % svg,
          'SVG check failed: %s' % error)


def check_hvstat_cpus(ctx, args):
    cpus = int(args[0])
    rc, table = run_hvstat(ctx, [], 'hvstat.txt')
    check = ctx.result.check
    check(rc == 0, 'hvstat exited 0', 'hvstat exited %d' % rc)
    for regex in ('^cpu %d: final snapshot' % (cpus - 1), '^all %d CPUs' % cpus):
        check(any(re.search(regex, line) for line in table),
              'hvstat printed /%s/' % regex, 'hvstat did not print /%s/' % regex)


def check_line_count(ctx, args):
    want, regex = int(args[0]), args[1]
    count = sum(1 for line in ctx.raw_lines() if re.search(regex, line))
    ctx.result.check(count == want, '%d line(s) match /%s/' % (count, regex),
                     '%d lines match /%s/, wanted %d' % (count, regex, want))


def check_hvstat_follow(ctx, _args):
    path = os.path.join(ctx.out_dir(), 'hvstat.follow')
    try:
        text = open(path, errors='replace').read()
    except OSError:
        text = ''
    last = text[text.rfind('hvstat --follow'):] if 'hvstat --follow' in text else text
    print('---- hvstat --follow (last view) ----')
    print('\n'.join(last.splitlines()[:25]))
    lines = text.splitlines()
    views = sum(1 for line in lines if line.startswith('exits per second'))
    check = ctx.result.check
    check(views >= 2, 'hvstat refreshed while the machine ran (%d views)' % views,
          'hvstat showed %d views while the machine ran, wanted 2 or more' % views)
    for regex, what in ((r'^EXTERNAL_INTERRUPT +[0-9.]+ +[0-9.]+ +vector', 'external interrupts per second shown'),
                        (r'^cpu 0: interval [0-9]+ ms', "CPU 0's intervals read")):
        check(any(re.search(regex, line) for line in lines), what, 'not seen: ' + what)
    guest = [line for line in lines if re.search(r'LINUX-|Linux version', line)]
    check(not guest, "the guest's lines ignored", "the guest's lines shown: %r" % guest[:1])


# name: (function, number of arguments; the last one takes the rest of the line)
CHECKS = {
    'hostile-arena': (check_hostile_arena, 0),
    'hvstat-table': (check_hvstat_table, 0),
    'hvstat-cpus': (check_hvstat_cpus, 1),
    'line-count': (check_line_count, 2),
    'hvstat-follow': (check_hvstat_follow, 0),
}


def print_summary(lines):
    """The self-test's summary, as a user would paste it."""
    print('---- the summary ----')
    inside = False
    for line in lines:
        inside = inside or '===== hv self-test summary' in line
        if inside:
            print(line)
        if inside and '===== end of summary' in line:
            inside = False


def run_checks(ctx):
    """The spec's post-checks, in order; a log that is missing fails them."""
    if ctx.lines is None and not os.path.isfile(ctx.log):
        ctx.result.check(False, '', 'no serial log at %s (run %s first)' % (ctx.log, ctx.spec['after']))
        return
    for line in ctx.spec['check']:
        name = line.split()[0]
        function, nargs = CHECKS[name]
        args = line.split(None, nargs)[1:] if nargs else []
        if len(args) != nargs:
            ctx.result.check(False, '', 'check %r wants %d argument(s)' % (line, nargs))
            continue
        function(ctx, args)
    if ctx.spec.get('image') == 'selftest' and ctx.lines is not None:
        print_summary(ctx.lines)

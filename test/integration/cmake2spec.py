#!/usr/bin/env python3
"""Turns the old-style boot tests of a CMake file (add_boot_test calls, and
add_test calls of hostile_check.sh, selftest_check.sh and hvstat_log.sh) into
spec files for hvtest.py, or checks that existing specs say the same.

usage: cmake2spec.py FILE.cmake... [--out DIR]     write DIR/NAME.test
       cmake2spec.py --check DIR FILE.cmake...     compare with DIR/NAME.test

CMake itself evaluates the file (cmake -P, with the test commands replaced by
recorders), so variables, loops and quoting come out exactly as ctest saw
them. Paths under the source and build trees become $SRC and $BUILD.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

SRC, BUILD = '/@SRC@', '/@BUILD@'
RECORDER = r'''
set(PROJECT_SOURCE_DIR "%(src)s")
set(PROJECT_BINARY_DIR "%(build)s")
set(CMAKE_CURRENT_SOURCE_DIR "%(dir)s")
set(TEST_CONFIGS "%(src)s/test/configs")
set(POWEROFF_EFI "%(build)s/test/poweroff.efi")
set(VMTEST_EFI "%(build)s/test/vmtest.efi")
set(FUZZ_EFI "%(build)s/test/fuzz.efi")
set(RANDOM_GUEST "%(build)s/test/random.efi")
set(TRUNCATED_GUEST "%(build)s/test/truncated.efi")
set(LINUX_DIR "%(build)s/linux")
# Each argument on its own line, by index: a list argument stays one.
function(add_boot_test)
  file(APPEND "%(out)s" "@@boot_test\n")
  math(EXPR last "${ARGC} - 1")
  foreach(i RANGE 0 ${last})
    file(APPEND "%(out)s" "A ${ARGV${i}}\n")
  endforeach()
endfunction()
function(add_test)
  file(APPEND "%(out)s" "@@test\n")
  math(EXPR last "${ARGC} - 1")
  foreach(i RANGE 0 ${last})
    file(APPEND "%(out)s" "A ${ARGV${i}}\n")
  endforeach()
endfunction()
function(set_tests_properties)
  file(APPEND "%(out)s" "@@properties\n")
  math(EXPR last "${ARGC} - 1")
  foreach(i RANGE 0 ${last})
    file(APPEND "%(out)s" "A ${ARGV${i}}\n")
  endforeach()
endfunction()
foreach(ignored add_efi_app add_unit_test add_executable add_custom_command add_custom_target
        target_compile_definitions target_include_directories target_link_options
        target_compile_options target_link_libraries set_target_properties add_dependencies
        add_subdirectory enable_testing find_program)
  cmake_language(EVAL CODE "function(${ignored})\nendfunction()")
endforeach()
include("%(file)s")
'''


def evaluate(path):
    """The recorded calls of a CMake file: a list of (kind, [args])."""
    path = os.path.abspath(path)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'calls.txt')
        script = os.path.join(tmp, 'record.cmake')
        with open(script, 'w') as f:
            f.write(RECORDER % {'src': SRC, 'build': BUILD, 'dir': os.path.dirname(path),
                                'out': out, 'file': path})
        open(out, 'w').close()
        subprocess.run(['cmake', '-P', script], check=True)
        text = open(out).read()
    calls = []
    for line in text.split('\n'):
        if line.startswith('@@'):
            calls.append((line[2:], []))
        elif line.startswith('A '):
            calls[-1][1].append(line[2:])
    return calls


def relative(value):
    return value.replace(SRC, '$SRC').replace(BUILD, '$BUILD')


def options(args):
    """A new spec from boot_test.sh-style options (--key value ...)."""
    spec = {key: [] for key in hvtest.LIST_KEYS}
    spec['runner-options'] = {}
    runner, i = [], 0
    while i < len(args):
        key, value = args[i][2:], relative(args[i + 1])
        i += 2
        if key == 'runner-arg':
            runner.append(value)
        elif key in ('name', 'build'):
            continue
        elif key in hvtest.LIST_KEYS:
            spec[key].append(value)
        else:
            spec[key] = value
    i = 0
    while i < len(runner):
        option = runner[i][2:]
        if runner[i].startswith('--') and option in hvtest.RUNNER_OPTIONS and i + 1 < len(runner):
            spec['runner-options'][option] = runner[i + 1]
            i += 2
        else:
            spec['runner-arg'].append(runner[i])
            i += 1
    return spec


def from_add_test(args, notes):
    """(name, spec) of an add_test(NAME n COMMAND ...) call, or None."""
    name, command = args[1], [relative(a) for a in args[3:]]
    tool = os.path.basename(command[0])
    if tool == 'boot_test.sh':
        spec = options(command[1:])
    elif tool == 'hostile_check.sh':
        spec = options(command[1:])
        spec['check'].append('hostile-arena')
    elif tool == 'selftest_check.sh':
        spec = options(command[1:])
        spec['image'] = 'selftest'
    elif tool == 'hvstat_log.sh':
        spec = options([])
        spec['after'] = os.path.basename(os.path.dirname(command[2]))
        spec['check'].append('hvstat-table')
    elif '/' not in command[0] and command[0] != 'sh':
        return None  # a unit test: a program of the build
    else:
        notes.append('%s: not converted (%s): write its spec by hand' % (name, ' '.join(command)[:60]))
        return None
    return name, spec


def apply_properties(tests, args):
    split = args.index('PROPERTIES')
    for name in args[:split]:
        if name not in tests:
            continue
        props = args[split + 1:]
        for key, value in zip(props[::2], props[1::2]):
            spec = tests[name]
            if key == 'LABELS':
                spec['labels'] = value.split(';')
            elif key == 'TIMEOUT':
                spec['ctest-timeout'] = value
            elif key == 'FIXTURES_SETUP':
                spec['fixtures-setup'] = value.split(';')
            elif key == 'FIXTURES_REQUIRED':
                spec['fixtures-required'] = value.split(';')


def convert(paths, notes):
    """Every test of the files as {name: spec}, in the order they appear."""
    tests = {}
    for path in paths:
        for kind, args in evaluate(path):
            if kind == 'boot_test':
                spec = options(args[3:])
                spec['labels'], spec['timeout'] = [args[1]], args[2]
                tests[args[0]] = spec
            elif kind == 'test':
                converted = from_add_test(args, notes)
                if converted:
                    tests[converted[0]] = converted[1]
            elif kind == 'properties':
                apply_properties(tests, args)
    for name, spec in tests.items():
        if 'after' in spec:
            spec['timeout'] = spec.pop('ctest-timeout')
        for key, value in hvtest.DEFAULTS.items():
            spec.setdefault(key, value)
        bound = int(spec['timeout']) + (0 if 'after' in spec else 60)
        if int(spec.pop('ctest-timeout', bound)) != bound:
            notes.append('%s: ctest TIMEOUT %s is not timeout + 60: kept %d'
                         % (name, spec.get('ctest-timeout'), bound))
    return tests


ORDER = ('labels', 'timeout', 'fixtures-setup', 'fixtures-required', 'after', 'emulator', 'image',
         'efi', 'config', 'add', 'next-boot', 'size', 'cpus', 'memory', 'model', 'accel', 'until',
         'until-bochs', 'runner-arg', 'runner-status', 'runner-expect', 'expect', 'reject', 'check')


def comments(paths):
    """{test name: the comment block right above its call} of the files."""
    found = {}
    for path in paths:
        lines = open(path).read().split('\n')
        for i, line in enumerate(lines):
            words = line.replace('(', ' ').split()
            if len(words) < 2 or words[0] not in ('add_boot_test', 'add_test'):
                continue
            name = words[2] if words[1] == 'NAME' and len(words) > 2 else words[1]
            start = i
            while start > 0 and lines[start - 1].lstrip().startswith('#'):
                start -= 1
            found[name] = [text.strip() for text in lines[start:i]]
    return found


def comment_of(name, found):
    """The comment of a test, also when a loop made its name (models_${model})."""
    for pattern, comment in found.items():
        if re.fullmatch(re.sub(r'\\\$\\\{[^}]*\\\}', '.+', re.escape(pattern)), name):
            return comment
    return ()


def spec_text(name, spec, comment=()):
    """The spec file: the comment, then one `key: value` per line."""
    lines = ['# ' + name] + list(comment)
    for key in ORDER:
        value = spec['runner-options'].get(key) if key in hvtest.RUNNER_OPTIONS else spec.get(key)
        if value in (None, []) or (key != 'timeout' and value == hvtest.DEFAULTS.get(key)):
            continue
        if key == 'labels':
            lines.append('labels: ' + ' '.join(value))
        elif isinstance(value, list):
            lines += ['%s: %s' % (key, item) for item in value]
        else:
            lines.append('%s: %s' % (key, value))
    return '\n'.join(lines) + '\n'


def compare(directory, tests):
    """Differences between the converted tests and the spec files."""
    problems = []
    for name, want in tests.items():
        path = os.path.join(directory, name + '.test')
        try:
            have = hvtest.parse_spec(open(path).read(), path)
        except (OSError, hvtest.SpecError) as err:
            problems.append('%s: %s' % (name, err))
            continue
        for key in sorted(set(want) | set(have)):
            if want.get(key) != have.get(key):
                problems.append('%s: %s differs:\n  old %r\n  new %r' % (name, key, want.get(key),
                                                                          have.get(key)))
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('files', nargs='+')
    parser.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', 'specs'))
    parser.add_argument('--check', metavar='DIR')
    args = parser.parse_args()
    notes = []
    tests = convert(args.files, notes)
    print('\n'.join(notes), file=sys.stderr)
    if args.check:
        problems = compare(args.check, tests)
        print('\n'.join(problems))
        print('cmake2spec: %d tests compared, %d differences' % (len(tests), len(problems)))
        return 1 if problems else 0
    os.makedirs(args.out, exist_ok=True)
    notes_above = comments(args.files)
    for name, spec in tests.items():
        hvtest.check_spec(spec, name)
        with open(os.path.join(args.out, name + '.test'), 'w') as f:
            f.write(spec_text(name, spec, comment_of(name, notes_above)))
        print(os.path.join(args.out, name + '.test'))
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Every documented command still matches the repository (issue 9, item 7).

The shell commands of README.md and docs/*.md (fenced ```bash / ``` blocks
and indented code blocks; not docs/benchmarks/runs/**) are collected here,
backslash continuations joined, and each one that runs ``python <path>.py``,
``bash tools/<name>.sh`` or ``make <target>`` is checked without being run:

* the script exists;
* every repository path it names (``configs/...py``, ``tools/...py``,
  ``demo/...py``, ``docs/...``) exists, ``{a,b}`` alternatives expanded;
  placeholders (CONFIG, ``$VAR``, ``{i}``, ``...``, ``<...>``, globs) and
  paths outside those folders (work_dirs/, data/) are not checked;
* every option it passes appears in the script's ``--help`` (each script's
  ``--help`` runs once; a script that hands unknown options on to another
  one, as lhl_sweep.py does to lhl_benchmark.py, may use that one's too);
* ``bash tools/dist_{train,test}.sh``: the config is a config, the process
  count a number, the options are tools/{train,test}.py options;
* ``make X``: X is a target of the Makefile.

A failure is named by the doc and the line of the command, e.g.
``test_documented_command[docs/get_started.md:88]``.
"""
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# (doc, fragment of the command) -> reason, for a documented command known
# to be broken until its fix lands; keyed by a fragment, not the line number,
# so that moving the line keeps the mark. Remove an entry once the command is
# fixed (it then XPASSes).
KNOWN_BROKEN: dict = {}

SHELL_LANGS = {'', 'bash', 'sh', 'shell', 'console'}
FENCE = re.compile(r'^(\s*)(`{3,}|~{3,})\s*([\w+-]*)')
PYTHON = re.compile(r'^(?:\S*/)?python(?:3(?:\.\d+)?)?$')
ASSIGN = re.compile(r'^[A-Za-z_]\w*=')
BLOCK_VAR = re.compile(r'''^([A-Za-z_]\w*)=(["'])(.*)\2$''', re.S)
_PLAIN = r'[^\s=:,\'"()\[\]{}]*'
REPO_PATH = re.compile(r'(?<![\w./$-])((?:configs|tools|demo|docs)/%s(?:\{[^{}\s]*\}%s)*)'
                       % (_PLAIN, _PLAIN))
SEPARATOR = re.compile(r'^[;&|]+$')
# launchers that pass their trailing options on to a Python tool:
# script -> (the tool, how many positional arguments come first)
LAUNCHERS = {
    'tools/dist_train.sh': ('tools/train.py', 2),
    'tools/dist_test.sh': ('tools/test.py', 3),
}
# scripts that pass the options they do not know on to another script
FORWARDS = {
    'tools/analysis_tools/lhl_sweep.py': 'tools/analysis_tools/lhl_benchmark.py',
}


def doc_files():
    docs = sorted(p for p in (ROOT / 'docs').glob('*.md') if p.is_file())
    return [ROOT / 'README.md'] + docs


def code_blocks(text):
    """(first line number, lines) of every shell-like code block."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            indent, fence, lang = len(m.group(1)), m.group(2), m.group(3)
            body, start = [], i + 2
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                line = lines[i]
                body.append(line[min(indent, len(line) - len(line.lstrip())):])
                i += 1
            if lang.lower() in SHELL_LANGS:
                blocks.append((start, body))
            i += 1
            continue
        # an indented code block: 4 spaces, after a blank line
        if lines[i].startswith('    ') and (i == 0 or not lines[i - 1].strip()):
            body, start = [], i + 1
            while i < len(lines) and (lines[i].startswith('    ')
                                      or not lines[i].strip()):
                if FENCE.match(lines[i]):
                    break
                body.append(lines[i][4:])
                i += 1
            blocks.append((start, body))
            continue
        i += 1
    return blocks


def logical_lines(start, body):
    """(line number, text) with backslash continuations joined."""
    out, i = [], 0
    while i < len(body):
        lineno, parts = start + i, []
        while True:
            line = body[i].rstrip()
            i += 1
            if line.endswith('\\') and i < len(body):
                parts.append(line[:-1])
                continue
            parts.append(line)
            break
        out.append((lineno, ' '.join(p.strip() for p in parts)))
    return out


def strip_comment(line):
    """Drop an unquoted ``#`` comment (a ``#`` that starts a word)."""
    quote, prev = None, ' '
    for k, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in '\'"':
            quote = ch
        elif ch == '#' and prev.isspace():
            return line[:k]
        prev = ch
    return line


def split_segments(line):
    lexer = shlex.shlex(line, posix=True, punctuation_chars=';&|')
    lexer.whitespace_split = True
    lexer.commenters = ''
    segments, current = [], []
    for token in lexer:
        if SEPARATOR.match(token):
            segments.append(current)
            current = []
        else:
            current.append(token)
    segments.append(current)
    return [s for s in segments if s]


def classify(tokens):
    """(kind, script, args) of a command this test checks, or None."""
    tokens = [t for t in (t.strip('[]') for t in tokens) if t]
    while tokens and (ASSIGN.match(tokens[0]) or tokens[0] == 'env'):
        tokens = tokens[1:]
    if tokens and tokens[0] == 'xargs':
        rest = [k for k, t in enumerate(tokens) if PYTHON.match(t)]
        tokens = tokens[rest[0]:] if rest else []
    if len(tokens) >= 2 and PYTHON.match(tokens[0]) and tokens[1].endswith('.py'):
        return 'python', tokens[1], tokens[2:]
    if len(tokens) >= 2 and tokens[0] == 'bash' and tokens[1].endswith('.sh'):
        return 'bash', tokens[1], tokens[2:]
    if tokens and tokens[0] == 'make':
        return 'make', 'Makefile', tokens[1:]
    return None


def collect():
    commands = []
    for path in doc_files():
        rel = path.relative_to(ROOT).as_posix()
        for start, body in code_blocks(path.read_text(encoding='utf-8')):
            variables = {}
            for lineno, line in logical_lines(start, body):
                line = strip_comment(line).strip()
                if line.startswith('$ '):
                    line = line[2:]
                if not line:
                    continue
                m = BLOCK_VAR.match(line)
                if m:  # B="python tools/x.py --a 1"; later: $B --b 2
                    variables[m.group(1)] = m.group(3)
                    continue
                for name, value in variables.items():
                    line = re.sub(r'\$(?:\{%s\}|%s\b)' % (name, name), value, line)
                try:
                    segments = split_segments(line)
                except ValueError:  # unbalanced quotes: not a command
                    continue
                found = [c for c in map(classify, segments) if c]
                for k, (kind, script, args) in enumerate(found):
                    cid = f'{rel}:{lineno}' + (f'#{k + 1}' if k else '')
                    commands.append(dict(id=cid, doc=rel, line=lineno, text=line,
                                         kind=kind, script=script, args=args))
    return commands


COMMANDS = collect()


def expand_braces(path):
    """``a/{b,c}.py`` -> [a/b.py, a/c.py]; None for a ``{placeholder}``."""
    m = re.search(r'\{([^{}]*)\}', path)
    if not m:
        return [path]
    if ',' not in m.group(1):
        return None
    out = []
    for alt in m.group(1).split(','):
        more = expand_braces(path[:m.start()] + alt + path[m.end():])
        if more is None:
            return None
        out += more
    return out


def repo_paths(tokens):
    """The checkable repository paths named by ``tokens``."""
    paths = []
    for token in tokens:
        for raw in REPO_PATH.findall(token):
            if any(s in raw for s in ('...', '<', '>', '$', '*', '?')):
                continue
            raw = raw.rstrip('.,;:')
            expanded = expand_braces(raw)
            if expanded is None:
                continue
            for p in expanded:
                if p.startswith('docs/') or p.endswith('.py'):
                    paths.append(p)
    return paths


def is_placeholder(token):
    return bool(re.fullmatch(r'[A-Z][A-Z0-9_]*|\$\{?\w+\}?|<[^>]*>|\.\.\.', token))


def flags(args):
    out = []
    for a in args:
        if re.match(r'^--[A-Za-z0-9][\w-]*(=|$)', a):
            out.append(a.split('=', 1)[0])
        elif re.fullmatch(r'-[A-Za-z]', a):
            out.append(a)
    return out


def make_targets():
    text = (ROOT / 'Makefile').read_text()
    targets = set()
    for m in re.finditer(r'^([^\s#:=][^:=#]*?)\s*::?(?!=)', text, re.M):
        targets.update(t for t in m.group(1).split() if '$' not in t and not t.startswith('.'))
    return targets


def help_scripts():
    scripts = set()
    for c in COMMANDS:
        if c['kind'] == 'python':
            scripts.add(c['script'])
            if c['script'] in FORWARDS:
                scripts.add(FORWARDS[c['script']])
        elif c['kind'] == 'bash' and c['script'] in LAUNCHERS:
            scripts.add(LAUNCHERS[c['script']][0])
    return sorted(s for s in scripts if (ROOT / s).is_file())


# One interpreter imports the heavy packages once, then forks a child per
# script that runs it as ``python <script> --help`` would (``__main__``,
# sys.argv, sys.path[0] the script's folder): seconds instead of one torch
# import per script.
HELP_RUNNER = r'''
import json, os, runpy, signal, sys, traceback
for name in ('torch', 'mmengine', 'mmcv', 'mmseg', 'mmhad', 'matplotlib'):
    try:
        __import__(name)
    except Exception:
        pass
scripts, out_path = json.loads(sys.argv[1]), sys.argv[2]
results = {}
for script in scripts:
    sys.stdout.flush(); sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.dup2(w, 1); os.dup2(w, 2)
        signal.alarm(60)
        sys.argv = [script, '--help']
        sys.path[0] = os.path.dirname(os.path.abspath(script))
        code = 0
        try:
            runpy.run_path(os.path.abspath(script), run_name='__main__')
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else int(e.code is not None)
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)
    os.close(w)
    chunks = []
    with os.fdopen(r, 'rb') as f:
        for chunk in iter(lambda: f.read(65536), b''):
            chunks.append(chunk)
    status = os.waitpid(pid, 0)[1]
    results[script] = (os.waitstatus_to_exitcode(status),
                       b''.join(chunks).decode('utf-8', 'replace'))
with open(out_path, 'w') as f:
    json.dump(results, f)
'''


def help_env():
    return dict(os.environ, OMP_NUM_THREADS='1', MPLBACKEND='Agg', PYTHONWARNINGS='ignore')


def run_help(script):
    """The slow way, one fresh interpreter per script (no os.fork)."""
    try:
        proc = subprocess.run([sys.executable, script, '--help'], cwd=ROOT, env=help_env(),
                              capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired as e:
        return 124, f'timed out after {e.timeout} s'
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def help_texts(tmp_path_factory):
    """script -> (returncode, output) of ``python script --help``."""
    scripts = help_scripts()
    if not hasattr(os, 'fork'):
        return {s: run_help(s) for s in scripts}
    out = tmp_path_factory.mktemp('help') / 'help.json'
    proc = subprocess.run([sys.executable, '-c', HELP_RUNNER, json.dumps(scripts), str(out)],
                          cwd=ROOT, env=help_env(), capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0 and out.is_file(), proc.stdout + proc.stderr
    return {s: tuple(v) for s, v in json.loads(out.read_text()).items()}


def check_flags(script, used, help_texts, problems):
    chain = [script] + ([FORWARDS[script]] if script in FORWARDS else [])
    texts = []
    for s in chain:
        rc, out = help_texts[s]
        if rc != 0:
            tail = '\n'.join(out.splitlines()[-15:])
            problems.append(f'`python {s} --help` failed (exit {rc}):\n{tail}')
            return
        texts.append(out)
    for flag in dict.fromkeys(used):
        if not any(re.search(r'(?<![\w-])%s(?![\w-])' % re.escape(flag), t) for t in texts):
            names = ' or '.join(chain)
            problems.append(f'{flag} is not an option of {names} (not in its --help)')


def check_paths(tokens, problems):
    for p in dict.fromkeys(repo_paths(tokens)):
        if not (ROOT / p).exists():
            problems.append(f'{p} does not exist')


def params():
    out = []
    for c in COMMANDS:
        marks = [pytest.mark.xfail(reason=reason, strict=False)
                 for (doc, fragment), reason in KNOWN_BROKEN.items()
                 if c['doc'] == doc and fragment in c['text']]
        out.append(pytest.param(c, id=c['id'], marks=marks))
    return out


def test_collection_found_commands():
    # measured 2026-12-02: 47 commands in 8 docs, 17 distinct scripts
    assert len(COMMANDS) >= 40, [c['id'] for c in COMMANDS]
    docs = {c['doc'] for c in COMMANDS}
    assert {'README.md', 'docs/get_started.md', 'docs/benchmarks.md',
            'docs/configs.md', 'docs/data_contract.md'} <= docs, docs
    kinds = {c['kind'] for c in COMMANDS}
    assert kinds == {'python', 'bash', 'make'}, kinds
    assert len(help_scripts()) >= 15, help_scripts()


def test_parser_on_a_sample():
    text = '\n'.join([
        'Text.', '', '```bash', '# comment', 'OMP_NUM_THREADS=1 python tools/a.py x \\',
        '    --b 1  # trailing comment', 'pip install x', 'git log', '```', '',
        '    python tools/c.py --d', '', '```python', 'python = 1', '```', '',
        '```', 'B="python tools/e.py --f"', 'wait; $B --g &', '```'])
    found = []
    for start, body in code_blocks(text):
        for lineno, line in logical_lines(start, body):
            for seg in split_segments(strip_comment(line)):
                c = classify(seg)
                if c:
                    found.append((lineno, c))
    assert found[:2] == [(5, ('python', 'tools/a.py', ['x', '--b', '1'])),
                         (11, ('python', 'tools/c.py', ['--d']))]
    assert expand_braces('configs/{a,b}/x.py') == ['configs/a/x.py', 'configs/b/x.py']
    assert expand_braces('docs/{i}.png') is None
    assert repo_paths(['--x=configs/a.py', 'work_dirs/configs/b.py', 'CONFIG',
                       'docs/...', 'tools/<name>.py', 'docs/{i}.png']) == ['configs/a.py']
    assert repo_paths(['configs/{a,b}/x.py', 'k=docs/y.md,']) == [
        'configs/a/x.py', 'configs/b/x.py', 'docs/y.md']


@pytest.mark.parametrize('command', params())
def test_documented_command(command, help_texts):
    kind, script, args = command['kind'], command['script'], command['args']
    problems = []
    if kind == 'make':
        targets = make_targets()
        for t in args:
            if not t.startswith('-') and not ASSIGN.match(t) and t not in targets:
                problems.append(f'make {t}: no such target in the Makefile')
    else:
        if not (ROOT / script).is_file():
            problems.append(f'{script} does not exist')
        check_paths(args, problems)
        if kind == 'python' and (ROOT / script).is_file():
            check_flags(script, flags(args), help_texts, problems)
        elif kind == 'bash' and script in LAUNCHERS:
            tool, npos = LAUNCHERS[script]
            positional = args[:npos]
            if len(positional) < npos:
                problems.append(f'{script} takes {npos} positional arguments')
            if positional:
                config = positional[0]
                if not is_placeholder(config) and not (
                        config.startswith('configs/') and config.endswith('.py')):
                    problems.append(f'{config}: not a config')
            if len(positional) == npos and not (positional[-1].isdigit()
                                                or is_placeholder(positional[-1])):
                problems.append(f'{positional[-1]}: not a process count')
            check_flags(tool, flags(args[npos:]), help_texts, problems)
    assert not problems, '{} `{}`:\n  {}'.format(command['id'], command['text'],
                                                 '\n  '.join(problems))

"""The package metadata: compatible ranges, the tested pins inside them, and
an install into an existing environment that downgrades nothing."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys
import venv

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PIN_FILES = ('torch', 'runtime', 'tests')


def load_setup():
    """setup.py as a module (``setup()`` runs only under ``__main__``)."""
    spec = importlib.util.spec_from_file_location(
        'mmhad_setup', osp.join(REPO, 'setup.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_pins():
    pins = {}
    for name in PIN_FILES:
        with open(osp.join(REPO, 'requirements', f'{name}.txt')) as f:
            for line in f:
                line = line.split('#')[0].strip()
                if line:
                    req = Requirement(line)
                    pins[req.name.lower()] = req
    return pins


def test_pins_are_exact_and_inside_the_declared_ranges():
    setup = load_setup()
    pins = read_pins()
    declared = [Requirement(r) for r in setup.INSTALL_REQUIRES] + [
        Requirement(r) for extra in ('lite', 'optional', 'tests')
        for r in setup.EXTRAS_REQUIRE[extra]
    ]
    for req in declared:
        pin = pins.get(req.name.lower())
        if pin is None:
            continue  # a dependency of a dependency, not pinned here
        (spec, ) = pin.specifier
        assert spec.operator == '==', pin
        assert req.specifier.contains(spec.version, prereleases=True), (
            f'the tested pin {pin} is outside the declared range {req}')
    # no exact pin leaks into what `pip install .` requires
    for req in declared:
        assert all(s.operator != '==' for s in req.specifier), req
    # newer numpy / matplotlib than the pins are accepted
    ranges = {r.name: r.specifier for r in declared}
    assert ranges['numpy'].contains('2.2.6')
    assert ranges['matplotlib'].contains('3.10.9')


def test_python_requires_covers_this_python():
    setup = load_setup()
    version = '.'.join(map(str, sys.version_info[:3]))
    assert SpecifierSet(setup.PYTHON_REQUIRES).contains(version)


def test_license_and_citation_files():
    with open(osp.join(REPO, 'LICENSE')) as f:
        text = f.read()
    assert 'Apache License' in text and 'Version 2.0, January 2004' in text
    assert 'END OF TERMS AND CONDITIONS' in text
    with open(osp.join(REPO, 'CITATION.cff')) as f:
        citation = f.read()
    assert 'cff-version: 1.2.0' in citation and '2603.26192' in citation


def dry_run_report(python: str, extra_args=()) -> list:
    """``(name, version)`` that ``pip install --dry-run .[lite]`` would
    install with ``python``."""
    out = subprocess.run(
        [python, '-m', 'pip', 'install', '--dry-run', '--quiet',
         '--report', '-', *extra_args, f'{REPO}[lite]'],
        check=True, capture_output=True, text=True, cwd=REPO)
    report = json.loads(out.stdout)
    return sorted((i['metadata']['name'].lower(), i['metadata']['version'])
                  for i in report['install'])


def test_install_into_this_environment_changes_nothing_else():
    """Offline (``--no-index``): every range is met by what is installed,
    so pip would add mmhad alone, downgrading nothing."""
    installs = dry_run_report(
        sys.executable, ('--no-index', '--no-build-isolation'))
    assert [name for name, _ in installs] == ['mmhad']


@pytest.mark.skipif(
    not os.environ.get('MMHAD_TEST_FRESH_VENV'),
    reason='creates a venv and resolves torch (~1.5 min); set '
    'MMHAD_TEST_FRESH_VENV=1 to run')
def test_fresh_venv_with_newer_numpy_matplotlib_keeps_them(tmp_path):
    env_dir = str(tmp_path / 'venv')
    venv.create(env_dir, with_pip=True)
    python = osp.join(env_dir, 'bin', 'python')
    subprocess.run([python, '-m', 'pip', 'install', '--quiet',
                    'numpy==2.2.6', 'matplotlib==3.10.9'], check=True)
    names = [name for name, _ in dry_run_report(python)]
    assert 'mmhad' in names
    assert 'numpy' not in names and 'matplotlib' not in names


#: Every tool and demo imports the installed mmhad; none edits sys.path.
TOOLS_WITHOUT_PATH_EDITS = ('tools', 'demo')


def tool_files():
    for entry in TOOLS_WITHOUT_PATH_EDITS:
        path = osp.join(REPO, entry)
        if osp.isfile(path):
            yield path
        for folder, _, files in os.walk(path):
            yield from (osp.join(folder, f) for f in sorted(files)
                        if f.endswith('.py'))


def test_tools_do_not_edit_sys_path():
    offenders = [osp.relpath(p, REPO) for p in tool_files()
                 if 'sys.path' in open(p).read()]
    assert offenders == []


def test_a_tool_runs_from_another_folder_on_the_installed_mmhad(tmp_path):
    """``make install`` installs mmhad (editable): a tool started outside
    the clone imports this clone's package."""
    tool = osp.join(REPO, 'tools', 'dataset_converters',
                    'make_synthetic_scenes.py')
    out = subprocess.run(
        [sys.executable, tool, '--out', str(tmp_path / 'scenes'),
         '--num-train', '1', '--num-val', '1', '--height', '8', '--width',
         '8'], cwd=str(tmp_path), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    probe = subprocess.run(
        [sys.executable, '-I', '-c', 'import importlib.util, os; print(os.'
         'path.dirname(os.path.dirname(importlib.util.find_spec("mmhad")'
         '.origin)))'],
        cwd=str(tmp_path), capture_output=True, text=True, check=True)
    assert osp.samefile(probe.stdout.strip(), REPO)

"""Sweep config values of one continual method on development seeds.

Every setting of the grid (the product of the ``--param`` lists) is one
``lhl_benchmark.py`` run per seed, in its own work dir under ``WORK_DIR``;
fine-tuning on the same seeds is the Δm baseline. Choices are made here, on
development seeds, and the held-out seeds of the benchmark are refused, so
the comparison in docs/benchmarks.md is never tuned on its own seeds.

Usage:
    python tools/analysis_tools/lhl_sweep.py --work-dir work_dirs/sweep \
        --method had --seeds 10 11 \
        --param distill_loss.loss_weight=1,3,10 \
        [--param distill_loss.losses.depth.eps=1e-6,0.1] \
        [--out work_dirs/sweep/sweep_eps.md] \
        [lhl_benchmark options: --data-root DIR --phase-iters N ...]

Keys joined by ``+`` take one value, e.g. one k for both distilled tasks:
``--param distill_loss.losses.semantic.k+distill_loss.losses.depth.k=0.5,1``.
"""
import argparse
import importlib.util
import itertools
import json
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from mmhad.utils.checkpoint_io import atomic_write


def _load_sibling(name: str):
    """The tool ``{name}.py`` next to this one (``tools/`` is no package)."""
    spec = importlib.util.spec_from_file_location(
        name, osp.join(osp.dirname(osp.abspath(__file__)), f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load_sibling('lhl_benchmark')

#: Seeds of the reported comparison; a sweep may not use them.
HELD_OUT_SEEDS = tuple(range(10))


def parse_param(text: str) -> Tuple[str, List[str]]:
    """``'key=v1,v2'`` -> ``('key', ['v1', 'v2'])``.

    ``key`` may join several config keys with ``+`` (one value sets them all,
    e.g. the same k for every distilled task).
    """
    key, sep, values = text.partition('=')
    if not sep or not key or not values:
        raise argparse.ArgumentTypeError(
            f'--param {text!r}: expected KEY=V1[,V2...]')
    return key, values.split(',')


def parse_args(argv=None) -> Tuple[argparse.Namespace, List[str]]:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-dir', default='work_dirs/lhl_sweep')
    p.add_argument('--method', required=True, help='an lhl_benchmark method')
    p.add_argument('--param', type=parse_param, action='append',
                   required=True,
                   help='KEY[+KEY...]=V1,V2,... (repeatable: grid; keys '
                   'joined by + take the same value)')
    p.add_argument('--seeds', nargs='+', type=int, default=[10, 11])
    p.add_argument('--out', help='markdown table (default: WORK_DIR/'
                   'sweep.md); the JSON rows go beside it as .json, so '
                   'several sweeps can share one work dir and baseline')
    p.add_argument('--allow-held-out', action='store_true',
                   help=f'allow seeds in {HELD_OUT_SEEDS[0]}-'
                   f'{HELD_OUT_SEEDS[-1]} (the benchmark\'s held-out seeds)')
    args, rest = p.parse_known_args(argv)
    held = sorted(set(args.seeds) & set(HELD_OUT_SEEDS))
    if held and not args.allow_held_out:
        p.error(f'--seeds {held} are held-out benchmark seeds; sweep on '
                'development seeds (>= 10)')
    return args, rest


def settings(params: Sequence[Tuple[str, List[str]]]) -> List[Dict[str, str]]:
    """Every combination of the parameter values, in grid order."""
    keys = [k for k, _ in params]
    return [dict(zip(keys, combo))
            for combo in itertools.product(*(v for _, v in params))]


def options(setting: Dict[str, str]) -> List[str]:
    """``--cfg-options`` of a setting; a ``+``-joined key sets every key."""
    return [f'{key}={value}' for keys, value in setting.items()
            for key in keys.split('+')]


def tag(setting: Dict[str, str]) -> str:
    """Work-dir name of a setting, e.g. ``loss_weight-3``."""
    return '_'.join(f'{k.rsplit(".", 1)[-1]}-{v}' for k, v in setting.items())


def main(argv=None) -> List[dict]:
    args, rest = parse_args(argv)
    seeds = [str(s) for s in args.seeds]
    base_argv = ['--seeds', *seeds] + rest
    baseline = bench.parse_args(
        ['--work-dir', osp.join(args.work_dir, 'baseline'), '--methods',
         bench.BASELINE] + base_argv)
    rows = []
    for setting in settings(args.param):
        opts = options(setting)
        run_args = bench.parse_args(
            ['--work-dir', osp.join(args.work_dir, tag(setting)),
             '--methods', args.method] + base_argv)
        run_args.cfg_options = list(run_args.cfg_options) + opts
        deltas = []
        for order_str in run_args.orders:
            order = order_str.split(',')
            for seed in args.seeds:
                run = bench.run_one(run_args, args.method, order, seed)
                base = bench.run_one(baseline, bench.BASELINE, order, seed)
                deltas.append(bench.delta_m(
                    bench.load_results(run['work_dir']),
                    bench.load_results(base['work_dir'])))
        rows.append(dict(setting=setting, delta_m=deltas,
                         **bench.mean_ci95(deltas)))
    lines = [f'# Sweep of {args.method} on development seeds {args.seeds}',
             '', '| setting | Δm % vs fine-tune (mean ± std) | runs |',
             '|---|---|---|']
    lines += [f'| {tag(r["setting"])} | {bench.mean_std(r["delta_m"])} | '
              f'{len(r["delta_m"])} |' for r in rows]
    text = '\n'.join(lines)
    out = args.out or osp.join(args.work_dir, 'sweep.md')
    atomic_write(out, text + '\n')
    atomic_write(osp.splitext(out)[0] + '.json', json.dumps(rows, indent=2))
    print(text)
    best = max(rows, key=lambda r: np.mean(r['delta_m']))
    print(f'best on these seeds: {tag(best["setting"])}')
    return rows


if __name__ == '__main__':
    main()

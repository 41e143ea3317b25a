"""Paired gain of one setting over another, method by method.

For every method and seed, Δm of the run in ``--runs`` with the run of the
same method and seed in ``--baseline`` as its baseline (so a method is
compared with itself: the protocol, or λ, is what changes). Reads the
committed per-run results (``continual_results.json``) of two run folders of
``lhl_benchmark.py`` and prints a markdown table: the mean gain over seeds
with its two-sided 95 % t interval, and the gain of every seed.

Usage (from the repository root)::

    # the protocol against the method
    python docs/benchmarks/paired_gap.py --runs docs/benchmarks/runs/std \
        --baseline docs/benchmarks/runs/paper_std:paper
    # lambda 1 (chosen on development seeds) against the default 3
    python docs/benchmarks/paired_gap.py \
        --runs docs/benchmarks/runs/heldout_lw1 \
        --baseline docs/benchmarks/runs/std --methods lwf had
"""
import argparse
import os.path as osp
import runpy
from typing import Tuple

from mmhad.evaluation.report import delta_m, load_results

#: The benchmark tool's interval (tools/ is no package: loaded by path).
bench = runpy.run_path(
    osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'tools',
             'analysis_tools', 'lhl_benchmark.py'))
METHODS = ('finetune', 'lwf', 'ewc', 'had', 'had-paper', 'had-release',
           'joint')


def folder(text: str) -> Tuple[str, str]:
    """``'DIR[:PROTOCOL]'`` -> ``(DIR, PROTOCOL)``; mmhad by default."""
    root, _, protocol = text.partition(':')
    return root, protocol or 'mmhad'


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--runs', type=folder, required=True,
                   help='DIR[:PROTOCOL] of the runs compared')
    p.add_argument('--baseline', type=folder, required=True,
                   help='DIR[:PROTOCOL] of the baseline runs')
    p.add_argument('--methods', nargs='+', default=list(METHODS))
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2, 3, 4])
    p.add_argument('--tag', default='s-d-n', help='task order tag')
    args = p.parse_args()
    print('| method | Δm % [95 % CI] | per seed |')
    print('|---|---|---|')
    for method in args.methods:
        gains = []
        for seed in args.seeds:
            dirs = [bench['run_dir'](root, method, args.tag, seed,
                                     protocol)
                    for root, protocol in (args.runs, args.baseline)]
            if not all(osp.isdir(d) for d in dirs):
                continue
            mine, base = (load_results(d) for d in dirs)
            gains.append(delta_m(mine, base))
        if len(gains) < 2:
            continue
        ci = bench['mean_ci95'](gains)
        print(f"| {method} | {ci['mean']:+.2f} [{ci['low']:+.2f}, "
              f"{ci['high']:+.2f}] | "
              + ', '.join(f'{g:+.2f}' for g in gains) + ' |')


if __name__ == '__main__':
    main()

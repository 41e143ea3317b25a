"""The protocol against the method: Δm of each method's mmhad-protocol run
with the paper-protocol run of the same method and seed as its baseline.

Reads the committed per-run results (``continual_results.json``) of two run
folders of ``lhl_benchmark.py`` and prints a markdown table, one row per
method: the mean gain over seeds with its two-sided 95 % t interval, and the
gain of every seed.

Usage (from the repository root)::

    python docs/benchmarks/protocol_gap.py \
        --mmhad docs/benchmarks/runs/std --paper docs/benchmarks/runs/paper_std
"""
import argparse
import os.path as osp
import runpy

from mmhad.evaluation.report import delta_m, load_results

#: The benchmark tool's interval (tools/ is no package: loaded by path).
bench = runpy.run_path(
    osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'tools',
             'analysis_tools', 'lhl_benchmark.py'))
METHODS = ('finetune', 'lwf', 'ewc', 'had', 'had-paper', 'had-release',
           'joint')


def run_dir(root: str, method: str, protocol: str, tag: str,
            seed: int) -> str:
    """The folder ``lhl_benchmark.py`` gives a run."""
    suffix = '' if protocol == 'mmhad' else f'_{protocol}'
    tag = 'any' if method == 'joint' else tag
    return osp.join(root, f'{method}{suffix}_{tag}_seed{seed}')


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--mmhad', required=True, help='mmhad-protocol runs')
    p.add_argument('--paper', required=True, help='paper-protocol runs')
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2, 3, 4])
    p.add_argument('--tag', default='s-d-n', help='task order tag')
    args = p.parse_args()
    print('| method | Δm % mmhad vs paper protocol [95 % CI] | per seed |')
    print('|---|---|---|')
    for method in METHODS:
        gains = []
        for seed in args.seeds:
            dirs = [run_dir(root, method, protocol, args.tag, seed)
                    for root, protocol in ((args.mmhad, 'mmhad'),
                                           (args.paper, 'paper'))]
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

"""Figure of docs/benchmarks.md, "When does HAD help?", from committed JSON.

Reads the ``benchmark.json`` that ``lhl_benchmark.py --tabulate-only`` writes
for each data set and draws, per data set, the paired Δm differences with
their 95 % intervals and the final ``@region`` diagnostics of each method.

Usage (from the repository root):
    python docs/benchmarks/plot_when_had_helps.py \
        --runs standard=docs/benchmarks/runs/std/benchmark.json \
               long-tailed=docs/benchmarks/runs/lt/benchmark.json \
        --out docs/benchmarks/when_had_helps.png
"""
import argparse
import json
import os.path as osp
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from rescore_final_checkpoints import load_rescored  # noqa: E402

REGION_KEYS = ('semantic/mIoU@rare', 'semantic/mIoU@boundary',
               'depth/abs_err@edge', 'depth/abs_err@rare',
               'normal/mean_angle@edge')


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--runs', nargs='+', required=True,
                   help='NAME=benchmark.json, one per data set')
    p.add_argument('--out', required=True)
    args = p.parse_args(argv)
    sets = [item.split('=', 1) for item in args.runs]
    fig, axes = plt.subplots(len(sets), 1 + len(REGION_KEYS),
                             figsize=(3.2 * (1 + len(REGION_KEYS)),
                                      3.4 * len(sets)), squeeze=False)
    for row, (name, path) in enumerate(sets):
        with open(path) as f:
            summary = json.load(f)[0]  # one task order
        ax = axes[row][0]
        paired = summary['paired']
        labels = [f'{d["method"]}\n− {d["against"]}' for d in paired]
        means = np.array([d['mean'] for d in paired])
        err = np.array([[d['mean'] - d['low'], d['high'] - d['mean']]
                        for d in paired]).T
        ax.bar(range(len(paired)), means, yerr=err, capsize=4,
               color=['tab:green' if lo > 0 else 'tab:red' if hi < 0
                      else 'tab:gray'
                      for lo, hi in ((d['low'], d['high'])
                                     for d in paired)])
        ax.axhline(0, color='black', lw=0.8)
        ax.set_xticks(range(len(paired)), labels, fontsize=7,
                      rotation=45 if len(paired) > 3 else 0, ha='center')
        ax.set_ylabel('Δm difference (points)')
        ax.set_title(f'{name}: paired Δm, 95 % CI', fontsize=9)
        methods = list(summary['rows'])
        for col, key in enumerate(REGION_KEYS, start=1):
            ax = axes[row][col]
            vals = [summary['rows'][m].get('regions', {}).get(key, [])
                    for m in methods]
            # a method whose runs hold NaN: its values rescored beside
            # benchmark.json (rescore_final_checkpoints.py), where they exist
            again = load_rescored(osp.dirname(path))
            vals = [v if v and np.isfinite(v).any() else
                    again.get(m, {}).get(key, v)
                    for m, v in zip(methods, vals)]
            if not any(np.isfinite(v).any() for v in vals if v):
                ax.text(0.5, 0.5, 'not measured\n(NaN in these runs)',
                        ha='center', va='center', transform=ax.transAxes)
            ax.bar(range(len(methods)),
                   [np.mean(v) if v else np.nan for v in vals],
                   yerr=[np.std(v, ddof=1) if len(v) > 1 else 0
                         for v in vals], capsize=3, color='tab:blue')
            ax.set_xticks(range(len(methods)), methods, fontsize=7,
                          rotation=45 if len(methods) > 4 else 0,
                          ha='right' if len(methods) > 4 else 'center')
            lower = any(t in key for t in ('err', 'angle'))
            ax.set_title(f'{key}\n({"lower" if lower else "higher"} is '
                         'better; mean ± std)', fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()

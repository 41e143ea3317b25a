"""Render the procedural synthetic scenes into the NYUv2 MTAN ``.npy`` layout.

Example::

    python tools/dataset_converters/make_synthetic_scenes.py \
        --out data/synthetic_scenes --num-train 480 --num-val 120 \
        --height 96 --width 128 --seed 0 --workers 2

``--class-profile long_tail`` renders the long-tailed variant (wall and floor
cover most pixels, spheres and cylinders about 1 % each).

See :mod:`mmhad.datasets.synthetic_scenes` for the scene model and
``docs/data_contract.md`` for the layout.
"""
import argparse
from pathlib import Path

from mmhad.datasets.synthetic_scenes import (  # noqa: E402
    CLASS_PROFILES, DEFAULT_CLASS_PROFILE, FOLDERS, SPLITS, SYNTHETIC_CLASSES,
    generate_dataset)


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--num-train', type=int, default=480)
    parser.add_argument('--num-val', type=int, default=120)
    parser.add_argument('--height', type=int, default=96, help='pixels')
    parser.add_argument('--width', type=int, default=128, help='pixels')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--hfov', type=float, default=60.0,
                        help='horizontal field of view in degrees')
    parser.add_argument('--class-profile', default=DEFAULT_CLASS_PROFILE,
                        choices=tuple(CLASS_PROFILES),
                        help='class pixel frequencies: standard (the default '
                        'scenes) or long_tail (NYUv2-like: a few classes '
                        'cover most pixels)')
    parser.add_argument('--workers', type=int, default=1,
                        help='processes; the output does not depend on it')
    args = parser.parse_args(argv)
    args.parser = parser
    return args


def main(argv=None) -> None:
    """Generate the dataset and print what was written."""
    args = parse_args(argv)
    try:
        summary = generate_dataset(
            args.out, num_train=args.num_train, num_val=args.num_val,
            height=args.height, width=args.width, seed=args.seed,
            workers=args.workers, hfov_deg=args.hfov,
            class_profile=args.class_profile)
    except (TypeError, ValueError) as err:
        args.parser.error(str(err))
    meta = summary['meta']
    print(f'wrote {summary["files_written"]} files to {summary["out_dir"]} '
          f'in {summary["seconds"]:.1f} s ({args.workers} worker(s)), '
          f'removed {summary["files_removed"]} old files')
    for split in SPLITS:
        num = summary['num_images'][split]
        stats = meta['splits'][split]
        total = max(num * args.height * args.width, 1)
        print(f'  {split}: {num} images of {args.height}x{args.width} in '
              f'{split}/{{{",".join(FOLDERS)}}}/{{0..{num - 1}}}.npy; '
              'invalid depth '
              f'{100 * stats["invalid_depth_pixels"] / total:.2f}%, edges '
              f'{100 * stats["edge_pixels"] / total:.2f}%')
        shares = ', '.join(
            f'{name} {100 * stats["class_pixels"][name] / total:.1f}%'
            for name in SYNTHETIC_CLASSES)
        print(f'    class pixels: {shares}')
    print(f'  meta: {Path(summary["out_dir"]) / "meta.json"} '
          f'(generator {meta["generator"]} v{meta["generator_version"]}, '
          f'seed {meta["seed"]}, class profile {meta["class_profile"]})')


if __name__ == '__main__':
    main()

import json
import os
import os.path as osp

from tests.test_engine.utils import REPO, make_tiny_scenes
from tests.test_tools.utils import load_tool

SMALL_HEADS = [f'model.decode_heads.{t}.channels=16'
               for t in ('semantic', 'depth', 'normal')]


def test_quick_mode_runs_tabulates_and_reuses_finished_runs(tmp_path):
    root = make_tiny_scenes(str(tmp_path / 'scenes'))
    work = str(tmp_path / 'bench')
    argv = ['--work-dir', work, '--methods', 'finetune', 'had', '--quick',
            '--phase-iters', '1', '--batch-size', '2', '--data-root', root,
            '--seeds', '3', '4', '--cfg-options', *SMALL_HEADS,
            'val_dataloader.batch_size=2']
    tool = load_tool('analysis_tools/lhl_benchmark.py')
    text = tool.main(argv)

    # --quick keeps the first seed and order only
    runs = sorted(os.listdir(work))
    assert runs == ['benchmark.json', 'benchmark.md', 'finetune_s-d-n_seed3',
                    'had_s-d-n_seed3']
    record = json.load(
        open(osp.join(work, 'had_s-d-n_seed3', 'benchmark_run.json')))
    assert 'randomness.seed=3' in record['command']
    assert 'train_cfg.phases.2.max_iters=1' in record['command']
    results = json.load(
        open(osp.join(work, 'had_s-d-n_seed3', 'continual_results.json')))
    assert [p['iter'] for p in results['phases']] == [1, 2, 3]

    main_table, regions = text.split('Where HAD acts', 1)
    rows = {line.split('|')[1].strip(): line
            for line in main_table.splitlines()
            if line.startswith('| finetune') or line.startswith('| had')}
    # the diagnostics table and the paired difference follow the main one
    assert 'semantic/mIoU@rare' in regions.splitlines()[2]
    assert '| had − finetune | 1 |' in regions
    assert set(rows) == {'finetune', 'had'}
    cells = [c.strip() for c in rows['finetune'].split('|')[1:-1]]
    summary = json.load(open(osp.join(work, 'benchmark.json')))[0]
    assert summary['order'] == ['semantic', 'depth', 'normal']
    assert 'delta_m' not in summary['rows']['finetune']
    assert len(summary['rows']['had']['delta_m']) == 1
    assert cells[-4] == '-'  # no delta_m of the baseline against itself
    assert len(summary['keys']) == 9  # 2 semantic + 2 depth + 5 normal

    # a second call reuses the finished runs instead of training again
    stamp = os.path.getmtime(osp.join(work, 'had_s-d-n_seed3',
                                      'continual_results.json'))
    assert tool.main(argv) == text
    assert os.path.getmtime(osp.join(
        work, 'had_s-d-n_seed3', 'continual_results.json')) == stamp
    record = json.load(
        open(osp.join(work, 'had_s-d-n_seed3', 'benchmark_run.json')))
    assert record['omp_num_threads'] == os.environ.get('OMP_NUM_THREADS')
    assert len(record['commit'].split('+')[0]) == 40

    # the two small JSON files of each run are enough to rebuild the table
    # elsewhere (committed results), and --tabulate-only never trains
    copy = tmp_path / 'committed'
    for run in ('finetune_s-d-n_seed3', 'had_s-d-n_seed3'):
        (copy / run).mkdir(parents=True)
        for name in ('benchmark_run.json', 'continual_results.json'):
            (copy / run / name).write_bytes(
                open(osp.join(work, run, name), 'rb').read())
    argv_copy = ['--work-dir', str(copy), '--tabulate-only'] + argv[2:]
    rebuilt = tool.main(argv_copy)
    assert rebuilt.split('\n')[4:] == text.split('\n')[4:]  # not the command
    try:
        tool.main(argv_copy[:-2] + ['--seeds', '5'])
    except FileNotFoundError as exc:
        assert 'seed 5 has not run' in str(exc)
    else:
        raise AssertionError('--tabulate-only trained a missing run')


def test_sequences_pick_configs_and_reject_what_they_lack(capsys):
    tool = load_tool('analysis_tools/lhl_benchmark.py')
    args = tool.parse_args(['--sequence', '6task'])
    # joint and the HAD ablations have no 6-phase config
    assert args.methods == ['finetune', 'lwf', 'ewc', 'had']
    assert args.orders == ['semantic,depth,normal,edge,albedo,shading']
    for method in args.methods:
        assert osp.isfile(
            osp.join(REPO, tool.SEQUENCES['6task']['configs'][method]))
    # the paper's architecture: fine-tune, LwF and HAD under both protocols
    for protocol in ('mmhad', 'paper'):
        args = tool.parse_args(['--sequence', '3task-paper-arch',
                                '--protocol', protocol])
        assert args.methods == ['finetune', 'lwf', 'had']
        for method in args.methods:
            path = args.configs[method]
            assert '_r18-d8-paper-arch_' in path
            assert path.endswith(f'_{protocol}-protocol.py')
            assert osp.isfile(osp.join(REPO, path))
    args = tool.parse_args([])
    assert args.methods == list(tool.DEFAULT_METHODS)
    assert args.orders == ['semantic,depth,normal', 'normal,depth,semantic']

    for argv, message in (
        (['--sequence', '6task', '--methods', 'joint'], "['joint'] have no"),
        (['--orders', 'semantic,depth'], 'an order names 3 tasks'),
    ):
        try:
            tool.parse_args(argv)
        except SystemExit as exc:
            assert exc.code == 2
        else:
            raise AssertionError(f'{argv} was accepted')
        assert message in capsys.readouterr().err


def test_run_dir_names_method_protocol_order_and_seed():
    tool = load_tool('analysis_tools/lhl_benchmark.py')
    order = ['normal', 'depth', 'semantic']
    assert tool.run_dir('w', 'had', order, 3) == osp.join(
        'w', 'had_n-d-s_seed3')
    # a tag is taken as it is; the paper protocol is a suffix
    assert tool.run_dir('w', 'lwf', 's-d-n', 0, 'paper') == osp.join(
        'w', 'lwf_paper_s-d-n_seed0')
    # joint learns all tasks at once: one folder whatever the order
    assert tool.run_dir('w', 'joint', order, 1, 'paper') == osp.join(
        'w', 'joint_paper_any_seed1')
    # every committed run folder is one of these names
    runs = osp.join(REPO, 'docs', 'benchmarks', 'runs')
    checked = 0
    for group in os.listdir(runs):
        for name in os.listdir(osp.join(runs, group)):
            path = osp.join(runs, group, name)
            done = osp.join(path, 'benchmark_run.json')
            if not osp.exists(done):
                continue
            record = json.load(open(done))
            assert tool.run_dir(
                osp.join(runs, group), record['method'], record['order'],
                record['seed'], record.get('protocol', 'mmhad')) == path
            checked += 1
    assert checked > 0

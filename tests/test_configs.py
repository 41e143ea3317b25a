"""Every config under ``configs/`` (except ``_base_``) parses, builds and
follows the HAD protocol it names.

File names follow the scheme of ``docs/configs.md``, six fields joined by
``_`` (no field contains one), each checked against the config::

    {method}_{model}_{gpus}xb{batch}-{phases}x{length}{e|it}_{dataset}-{HxW}_{order}_{protocol}-protocol.py

- ``method``: ``had`` (ablations ``had-*``), ``finetune``, ``lwf``,
  ``ewc``, ``joint`` or ``single-{seg,depth,normal}``; it must equal
  ``train_cfg.method``.
- ``model``: ``r18-d8`` / ``r50-d8`` (dilated ResNet, output stride 8);
  ``r18-d8-paper-arch`` / ``r50-d8-paper-arch``: the paper's architecture
  (torchvision-style ``ResNet``, heads with the DeepLabV3 bottleneck); other
  backbones by name (``mit-b0``, ``mmpretrain-r18-d8``).
- schedule: GPUs x images per GPU (mmseg's ``8xb8``), then the number of
  phases x their length in epochs (``e``) or iterations (``it``).
- ``dataset``: ``nyuv2`` (13 classes), ``cityscapes-7cls`` /
  ``cityscapes-19cls``, ``taskonomy`` (18 classes) or ``synthetic`` (6
  classes, offline), then the image size of the data.
- ``order``: the tasks of the phases, e.g. ``seg-depth-normal``; a joint
  run trains them in one phase.
- ``protocol``: ``mmhad`` or ``paper`` (``configs/_base_/protocols/``).

Models are built with ``init_cfg=None`` on the backbone (nothing downloads)
and BN instead of SyncBN (no GPU needed).
"""
import copy
import inspect
import itertools
import re
from functools import lru_cache
from pathlib import Path

import pytest
from mmengine.config import Config

from mmhad.compat import _sync_bn_to_bn
from mmhad.models.losses import HADLoss, LwFLoss, build_distill_loss
from mmhad.tasks import task_names
from mmseg.registry import MODELS

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / 'configs'
CONFIGS = sorted(
    p for p in CONFIG_DIR.rglob('*.py')
    if '_base_' not in p.relative_to(CONFIG_DIR).parts)
IDS = [str(p.relative_to(CONFIG_DIR)) for p in CONFIGS]

ALL_TASKS = ('semantic', 'depth', 'normal')
ABBR = dict(seg='semantic', depth='depth', normal='normal', edge='edge',
            albedo='albedo', shading='shading')
NAME = re.compile(
    r'(?P<method>[a-z0-9-]+)_(?P<model>[a-z0-9-]+)_'
    r'(?P<gpus>\d+)xb(?P<batch>\d+)-(?P<phases>\d+)x(?P<length>\d+)'
    r'(?P<unit>e|it)_(?P<dataset>[a-z0-9]+(?:-\d+cls)?)-'
    r'(?P<height>\d+)x(?P<width>\d+)_(?P<order>[a-z-]+)_'
    r'(?P<protocol>mmhad|paper)-protocol')
#: Image size (H, W) of each dataset family's data.
DATA_SIZES = dict(nyuv2=(288, 384), cityscapes=(128, 256),
                  synthetic=(96, 128), taskonomy=(256, 256))
DATASET_TYPES = dict(
    nyuv2='NYUv2MultiTaskDataset',
    cityscapes='CityscapesMultiTaskDataset',
    synthetic='SyntheticScenesDataset',
    taskonomy='TaskonomyMultiTaskDataset')
FAMILY_TASKS = dict(
    nyuv2=set(ALL_TASKS),
    cityscapes={'semantic', 'depth'},
    synthetic=set(ALL_TASKS) | {'edge', 'albedo', 'shading'},
    taskonomy=set(ALL_TASKS) | {'edge'})
# The protocol's global batch is 8 GPUs x the per-GPU batch of the config.
NUM_GPUS = 8
GLOBAL_BATCH = 64
PAPER_EPOCHS = 20


def configs_where(pred):
    """``pytest.param`` of the configs whose path satisfies ``pred``."""
    return [pytest.param(p, id=i) for p, i in zip(CONFIGS, IDS) if pred(p)]


@pytest.fixture(scope='module', autouse=True)
def _memoise_external_config_lookup():
    """Parse each config in ~0.05 s instead of ~0.8 s.

    For ``mmseg::_base_/default_runtime.py`` mmengine first parses all of
    mmseg's ~50 metafiles to look for a model of that name, then falls back
    to the ``_base_`` path. That lookup is pure; cache it for this module.
    """
    import mmengine.config.utils as config_utils
    original = config_utils._get_cfg_metainfo
    cache = {}

    def cached(package_path, cfg_path):
        key = (package_path, cfg_path)
        if key not in cache:
            try:
                cache[key] = (original(package_path, cfg_path), None)
            except ValueError as error:  # "not a model": the fallback
                cache[key] = (None, error)
        value, error = cache[key]
        if error is not None:
            raise error
        return copy.deepcopy(value)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config_utils, '_get_cfg_metainfo', cached)
        yield


@lru_cache(maxsize=None)
def load(path: Path) -> Config:
    return Config.fromfile(str(path))


def head_tasks(cfg: Config) -> list:
    """Tasks that have a head (a head set to None is dropped)."""
    return [t for t, h in cfg.model.decode_heads.items() if h is not None]


def fields(path: Path) -> dict:
    """The fields of a config's file name (``NAME``)."""
    match = NAME.fullmatch(path.stem)
    assert match, f'{path.name}: does not follow {NAME.pattern}'
    return match.groupdict()


def family(path: Path) -> str:
    """Dataset family named in the file name."""
    return fields(path)['dataset'].split('-')[0]


def method(path: Path) -> str:
    return fields(path)['method']


def method_family(path: Path) -> str:
    """``had`` for HAD and its ablations (``had-no-sg`` ...), else method."""
    m = method(path)
    return 'had' if m.startswith('had-') else m


def name_order(path: Path):
    """The tasks written in the file name's order field."""
    return tuple(ABBR[a] for a in fields(path)['order'].split('-'))


def phase_tasks(cfg: Config):
    """The tasks of each phase, as tuples."""
    out = []
    for phase in cfg.train_cfg.phases:
        task = phase['task']
        out.append((task, ) if isinstance(task, str) else tuple(task))
    return out


def is_continual(cfg: Config) -> bool:
    return len(cfg.train_cfg.phases) > 1


def hook_types(cfg: Config):
    return [h['type'] for h in cfg.get('custom_hooks', [])]


def find_pretrained(node) -> list:
    """Every ``type='Pretrained'`` init config in a config tree."""
    found = []
    if isinstance(node, dict):
        if node.get('type') == 'Pretrained':
            found.append(node)
        for value in node.values():
            found += find_pretrained(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            found += find_pretrained(value)
    return found


def test_configs_found():
    assert len(CONFIGS) >= 36, IDS
    for sub in ('had', 'baselines', 'joint', 'single_task'):
        assert (CONFIG_DIR / sub).is_dir()


@pytest.mark.parametrize('path', configs_where(lambda p: True))
def test_name_follows_the_scheme(path):
    cfg, name = load(path), fields(path)
    assert family(path) in DATASET_TYPES, name['dataset']
    assert name['model'] in ('r18-d8', 'r50-d8', 'r18-d8-paper-arch',
                             'r50-d8-paper-arch') or \
        not name['model'].startswith(('r18', 'r50')), name['model']
    # {gpus}xb{batch}: images per GPU; the protocol's global batch
    gpus, batch = int(name['gpus']), int(name['batch'])
    assert cfg.train_dataloader.batch_size == batch
    if 'auto_scale_lr' in cfg:
        assert cfg.auto_scale_lr.base_batch_size == gpus * batch
    # {phases}x{length}{e|it}
    phases = cfg.train_cfg.phases
    assert len(phases) == int(name['phases'])
    key = dict(e='max_epochs', it='max_iters')[name['unit']]
    assert all(p.get(key) == int(name['length']) for p in phases), phases
    assert (int(name['height']), int(name['width'])) == \
        DATA_SIZES[family(path)]
    # {protocol}: the paper's trains without StudentModeHook and shuffling
    shuffle = cfg.train_dataloader.sampler.get('shuffle', True)
    assert shuffle is (name['protocol'] == 'mmhad')


@pytest.mark.parametrize('path', configs_where(lambda p: True))
def test_continual_configs_do_not_inherit_other_methods(path):
    """A leaf's ``_base_`` is ``_base_`` files or leaves of its method."""
    cfg_text = path.read_text()
    for ref in re.findall(r"'([^']+\.py)'", cfg_text):
        target = (path.parent / ref).resolve()
        if '_base_' in target.relative_to(CONFIG_DIR).parts:
            continue
        assert method(target) == method(path) or (
            method_family(path) == 'had' and method(target) == 'had'), \
            f'{path.name} inherits the {method(target)} leaf {ref}'


@pytest.mark.parametrize('path', configs_where(lambda p: True))
def test_header_comment(path):
    first = path.read_text().splitlines()[0]
    assert first.startswith('# ') and len(first) > 20, \
        f'{path.name}: start with a one-line "# ..." description'


@pytest.mark.parametrize('path', configs_where(lambda p: True))
def test_parses(path):
    cfg = load(path)
    for key in ('model', 'train_dataloader', 'val_dataloader',
                'val_evaluator', 'optim_wrapper', 'train_cfg'):
        assert key in cfg, f'{path.name}: no {key}'
    assert cfg.default_scope == 'mmseg'
    assert cfg.train_cfg.type == 'ContinualTrainLoop'
    assert cfg.train_cfg.get('method') == method(path), \
        'train_cfg.method must equal the method prefix of the file name'


@pytest.mark.parametrize('path', configs_where(lambda p: True))
def test_model_builds(path):
    cfg = load(path)
    model_cfg = copy.deepcopy(cfg.model.to_dict())
    model_cfg['backbone']['init_cfg'] = None
    _sync_bn_to_bn(model_cfg)
    model = MODELS.build(model_cfg)
    assert list(model.tasks) == list(head_tasks(cfg))
    assert cfg.model.get('distill_loss') is None, \
        'the distillation loss is the top-level distill_loss'
    if cfg.get('distill_loss') is not None:
        distill = build_distill_loss(cfg.distill_loss, model.tasks)
        assert set(distill.losses.keys()) == set(model.tasks), \
            'distill_loss.losses must configure every task of the model'
        for task, loss in distill.losses.items():
            if method_family(path) == 'had':
                assert isinstance(loss, HADLoss), task
                assert (loss.k, loss.delta) == (0.9, 0.5), task
            if method(path) == 'had':  # the full method, not an ablation
                assert (loss.use_db, loss.use_sg) == (True, True), task
            if method_family(path) == 'lwf':
                assert isinstance(loss, LwFLoss), task


@pytest.mark.parametrize('path', configs_where(lambda p: True))
def test_phases(path):
    cfg = load(path)
    heads = set(head_tasks(cfg))
    phases = phase_tasks(cfg)
    assert phases
    for phase, tasks in zip(cfg.train_cfg.phases, phases):
        assert set(tasks) <= heads, \
            f'phase tasks {tasks} not all in decode_heads {sorted(heads)}'
        assert ('max_iters' in phase) != ('max_epochs' in phase)
    assert heads <= FAMILY_TASKS[family(path)]
    # Every head is trained by some phase.
    assert set(itertools.chain(*phases)) == heads
    order = name_order(path)
    m = method(path)
    if m == 'joint':
        assert len(phases) == 1 and set(phases[0]) == heads
        assert phases[0] == order, 'tasks differ from the file name'
    elif m.startswith('single-'):
        assert phases == [(ABBR[m[len('single-'):]], )]
        assert heads == {ABBR[m[len('single-'):]]}
    else:  # continual: one task per phase
        assert len(phases) > 1 and all(len(t) == 1 for t in phases)
        assert tuple(t for (t, ) in phases) == order, \
            'phase order differs from the order in the file name'
        split = cfg.train_cfg.get('split', {})
        assert split.get('mode', 'contiguous') == 'contiguous'


@pytest.mark.parametrize(
    'path', configs_where(lambda p: family(p) != 'synthetic'))
def test_paper_schedule(path):
    """NYUv2 / Cityscapes: 20 epochs per phase, Adam 1e-4 / 1e-5, batch 64."""
    cfg = load(path)
    for phase in cfg.train_cfg.phases:
        assert phase.get('max_epochs') == PAPER_EPOCHS, phase
    if is_continual(cfg):
        assert len(cfg.train_cfg.phases) == len(head_tasks(cfg))
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.weight_decay) == \
        ('Adam', 1e-4, 1e-5)
    assert cfg.auto_scale_lr == dict(enable=False,
                                     base_batch_size=GLOBAL_BATCH)
    assert cfg.train_dataloader.batch_size * NUM_GPUS == GLOBAL_BATCH


@pytest.mark.parametrize('path', configs_where(lambda p: True))
def test_dataset_family(path):
    cfg = load(path)
    expected = DATASET_TYPES[family(path)]
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[split].dataset.type == expected, split
    assert cfg.val_dataloader.dataset.split == 'val'
    assert cfg.train_dataloader.dataset.split == 'train'


@pytest.mark.parametrize('path', configs_where(lambda p: True))
def test_num_classes(path):
    cfg = load(path)
    fam = family(path)
    if fam == 'cityscapes':
        match = re.search(r'cityscapes-(\d+)cls', path.stem)
        assert match, 'Cityscapes configs name the class set: -7cls/-19cls'
        expected = int(match.group(1))
        assert expected in (7, 19)
        for split in ('train_dataloader', 'val_dataloader',
                      'test_dataloader'):
            assert cfg[split].dataset.num_classes == expected, split
    else:
        expected = dict(nyuv2=13, synthetic=6, taskonomy=18)[fam]
    semantic = cfg.model.decode_heads.get('semantic')
    if semantic is not None:
        assert semantic.num_classes == expected


@pytest.mark.parametrize('path', configs_where(lambda p: True))
def test_backbone(path):
    cfg = load(path)
    backbone = cfg.model.backbone
    match = re.search(r'_r(\d+)-d8', path.stem)
    if match is None:  # another backbone family (e.g. mmpretrain, MiT)
        return
    depth = int(match.group(1))
    heads = {t: h for t, h in cfg.model.decode_heads.items() if h is not None}
    if f'_r{depth}-d8-paper-arch_' in path.stem:
        # torchvision-style stem (7x7), the paper's DeepLabV3 tail
        assert backbone.type == 'ResNet' and not backbone.deep_stem
        assert backbone.style == 'pytorch' and backbone.contract_dilation
        for task, head in heads.items():
            assert head.bottleneck == 'deeplabv3', task
            assert head.dropout_ratio == 0.5, task
    else:
        assert backbone.type == 'ResNetV1c'
        for task, head in heads.items():
            assert head.get('bottleneck', 'mmseg') == 'mmseg', task
    assert backbone.depth == depth
    assert tuple(backbone.strides) == (1, 2, 1, 1)  # output stride 8
    assert tuple(backbone.dilations) == (1, 1, 2, 4)
    in_channels = {18: 512, 50: 2048}[depth]
    for task, head in cfg.model.decode_heads.items():
        if head is None:
            continue
        assert head.in_channels == in_channels, task
        assert tuple(head.dilations) == (1, 12, 24, 36), task


@pytest.mark.parametrize('path', configs_where(lambda p: True))
def test_pretrained_only_for_real_data(path):
    """ImageNet weights on NYUv2/Cityscapes; synthetic runs fully offline."""
    cfg = load(path)
    if family(path) == 'synthetic':
        assert find_pretrained(cfg.model) == []
        assert not cfg.model.backbone.get('pretrained')
        assert cfg.get('load_from') is None
        return
    init_cfg = cfg.model.backbone.get('init_cfg')
    assert init_cfg is not None and init_cfg.type == 'Pretrained'
    depth = cfg.model.backbone.get('depth')
    if depth is not None:
        assert f'resnet{depth}' in init_cfg.checkpoint


@pytest.mark.parametrize('path', configs_where(lambda p: True))
def test_method_components(path):
    cfg = load(path)
    m = method_family(path)
    hooks = hook_types(cfg)
    distill = cfg.get('distill_loss')
    if m in ('had', 'lwf'):
        assert 'TeacherHook' in hooks
        assert distill is not None and distill.type == 'HADDistillLoss'
        assert distill.loss_weight == 3.0  # lambda
        assert set(head_tasks(cfg)) <= set(distill.losses) <= \
            set(task_names())
        loss_type = 'HADLoss' if m == 'had' else 'LwFLoss'
        for task, loss in distill.losses.items():
            assert loss.type == loss_type, task
            if m == 'had':  # the paper's k / delta: HADLoss defaults
                assert 'k' not in loss and 'delta' not in loss, task
    else:
        assert 'TeacherHook' not in hooks
        assert distill is None
    if is_continual(cfg):  # heads of future tasks get no gradient
        assert cfg.get('find_unused_parameters') is True
        # every sequential method runs the student in the same modes: the
        # mmhad protocol's StudentModeHook, none under the paper protocol
        if len(cfg.train_cfg.phases) > 1:
            paper = path.name.endswith('_paper-protocol.py')
            assert hooks.count('StudentModeHook') == (0 if paper else 1)


def test_had_loss_defaults_are_the_paper_values():
    params = inspect.signature(HADLoss).parameters
    assert params['k'].default == 0.9
    assert params['delta'].default == 0.5
    assert 'mode' not in params  # LwF is its own loss, LwFLoss


@pytest.mark.parametrize('backbone', ['r18-d8', 'r50-d8'])
def test_nyuv2_had_covers_all_task_orders(backbone):
    paths = sorted((CONFIG_DIR / 'had').glob(
        f'had_{backbone}_8xb8-3x20e_nyuv2-288x384_*_mmhad-protocol.py'))
    orders = [tuple(t for (t, ) in phase_tasks(load(p))) for p in paths]
    assert sorted(orders) == sorted(itertools.permutations(ALL_TASKS))
    # The orders differ only in their phases.
    reference = copy.deepcopy(load(paths[0]).to_dict())
    reference['train_cfg'].pop('phases')
    for path in paths[1:]:
        other = copy.deepcopy(load(path).to_dict())
        other['train_cfg'].pop('phases')
        assert other == reference, path.name


def test_cityscapes_model_drops_the_normal_head():
    """The Cityscapes model is the NYUv2 one with 7 classes and no normals."""
    base = Config.fromfile(
        str(CONFIG_DIR / '_base_/models/mt_deeplabv3_r18-d8.py'))
    city = load(CONFIG_DIR / 'joint' / (
        'joint_r18-d8_8xb8-1x20e_cityscapes-7cls-128x256_seg-depth_'
        'mmhad-protocol.py'))
    assert head_tasks(city) == ['semantic', 'depth']
    base_heads = base.model.decode_heads.to_dict()
    city_heads = city.model.decode_heads.to_dict()
    assert city_heads['depth'] == base_heads['depth']
    assert city_heads['semantic'] == dict(base_heads['semantic'],
                                          num_classes=7)


def test_docs_list_existing_configs():
    text = (ROOT / 'docs' / 'configs.md').read_text()
    listed = set(re.findall(r'configs/[\w./-]+\.py', text))
    assert listed
    missing = sorted(p for p in listed if not (ROOT / p).is_file())
    assert not missing, f'docs/configs.md names missing configs {missing}'

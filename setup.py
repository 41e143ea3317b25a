"""mmhad: lifelong heterogeneous learning for dense prediction (mmseg plugin).

``pip install .`` declares *compatible ranges*, so installing mmhad into an
existing mmsegmentation environment keeps that environment's numpy, torch,
matplotlib... The exact versions tested live in ``requirements/*.txt`` and are
what ``make install`` installs (then mmhad itself, editable, ``--no-deps``).

mmcv comes through an extra, as one of its two builds:

- ``pip install .[lite]``: ``mmcv-lite``, pure Python. Every shipped config
  runs on it (none needs a compiled mmcv op; :mod:`mmhad.compat` stands in
  for the missing ``mmcv._ext``).
- ``pip install .[full]``: full ``mmcv`` (compiled ops), e.g. from
  OpenMMLab's wheels for your torch/CUDA (``mim install "mmcv>=2.0.0rc4,<2.2"``).
"""
import os
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))

#: Python versions: the pinned set (requirements/*.txt) needs >= 3.11
#: (regex 2026.11.19; torch 2.14.1 needs >= 3.10) and CI runs 3.11.
PYTHON_REQUIRES = '>=3.11'

#: Compatible ranges of what mmhad imports (tested: requirements/*.txt).
INSTALL_REQUIRES = [
    # mmhad.compat patches mmengine 0.10.x internals (checkpoint hooks).
    'mmengine>=0.10.0,<0.11',
    # The mmseg 1.2 API (BaseDecodeHead, SegDataSample, registries).
    'mmsegmentation>=1.2,<1.3',
    # Weights-only checkpoint loading with an allow-list (safe_globals).
    'torch>=2.6',
    # numpy 2 is allowed: mmhad.compat reads numpy._core where it exists.
    'numpy>=1.23',
    'matplotlib>=3.5',
    'scipy>=1.7',
    'prettytable>=3',
    # mmseg.utils imports its CLIP tokenizer at module level.
    'ftfy>=6',
    'regex',
    # mmengine needs pkg_resources for the `mmseg::` config inheritance of
    # every mmhad config; setuptools>=81 dropped it.
    'setuptools<81',
]

#: mmseg 1.2.2 accepts mmcv >=2.0.0rc4,<2.2.0.
MMCV_RANGE = '>=2.0.0rc4,<2.2'
EXTRAS_REQUIRE = {
    'lite': [f'mmcv-lite{MMCV_RANGE}'],
    'full': [f'mmcv{MMCV_RANGE}'],
    # mmpretrain backbones (type='mmpretrain.ResNet') and torchvision://
    # pretrained weights of the paper-architecture configs.
    'optional': ['mmpretrain>=1.0,<1.3', 'torchvision>=0.21'],
    'tests': ['pytest>=7'],
    # tools/dataset_converters/nyuv2.py reads the MATLAB v7.3 (HDF5)
    # nyu_depth_v2_labeled.mat.
    'converters': ['h5py>=3'],
}
EXTRAS_REQUIRE['all'] = (EXTRAS_REQUIRE['lite'] + EXTRAS_REQUIRE['optional']
                         + EXTRAS_REQUIRE['tests']
                         + EXTRAS_REQUIRE['converters'])


def read_version() -> str:
    scope: dict = {}
    with open(osp.join(HERE, 'mmhad', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


class BuildWithConfigs(build_py):
    """Also ship ``configs/`` in the package as ``mmhad/.mim/configs`` (as
    mmseg does), so a wheel install has the configs. Editable installs read
    the clone's ``configs/`` and get no copy."""

    def run(self) -> None:
        super().run()
        source = osp.join(HERE, 'configs')
        if not self.editable_mode and osp.isdir(source):
            target = osp.join(self.build_lib, 'mmhad', '.mim', 'configs')
            if osp.isdir(target):
                shutil.rmtree(target)
            os.makedirs(osp.dirname(target), exist_ok=True)
            shutil.copytree(source, target)


if __name__ == '__main__':
    setup(
        name='mmhad',
        version=read_version(),
        description='Lifelong heterogeneous learning for dense prediction '
        'with Heterogeneity-Aware Distillation, as an mmsegmentation 1.x '
        'plugin',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        keywords='lifelong learning, continual learning, multi-task, dense '
        'prediction, distillation, mmsegmentation',
        packages=find_packages(
            exclude=('configs', 'configs.*', 'tools', 'tools.*', 'tests',
                     'tests.*', 'docs', 'docs.*', 'demo', 'demo.*')),
        python_requires=PYTHON_REQUIRES,
        install_requires=INSTALL_REQUIRES,
        extras_require=EXTRAS_REQUIRE,
        cmdclass={'build_py': BuildWithConfigs},
        license='Apache License 2.0',
        classifiers=[
            'License :: OSI Approved :: Apache Software License',
            'Operating System :: OS Independent',
            'Programming Language :: Python :: 3',
            'Programming Language :: Python :: 3.11',
            'Topic :: Scientific/Engineering :: Artificial Intelligence',
        ],
        zip_safe=False)

"""mmhad: lifelong heterogeneous learning for dense prediction (mmseg plugin)."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name: str) -> list:
    """Requirement lines of ``requirements/{name}.txt`` without comments."""
    with open(osp.join(HERE, 'requirements', f'{name}.txt')) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def read_version() -> str:
    scope: dict = {}
    with open(osp.join(HERE, 'mmhad', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmhad',
    version=read_version(),
    description='Lifelong heterogeneous learning for dense prediction with '
    'Heterogeneity-Aware Distillation, as an mmsegmentation 1.x plugin',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    python_requires='>=3.8',
    # torch/torchvision are not forced: install the build that fits your
    # machine first (requirements/torch.txt pins the one tested here).
    install_requires=read_requirements('runtime'),
    extras_require=dict(
        torch=read_requirements('torch'), tests=read_requirements('tests')),
    license='Apache License 2.0',
    zip_safe=False)

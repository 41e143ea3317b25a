"""Load and validate the MTAN ``.npy`` image and annotations of a sample."""
from typing import Optional, Tuple

import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS
from mmseg.utils import datafrombytes

_MAX_SHOWN = 10  # offending values listed in an error message
#: (H, W) of the image in pixels, None when no image has been loaded.
ImageHW = Optional[Tuple[int, int]]


def _load_npy(path: str, backend_args: Optional[dict]) -> np.ndarray:
    """Read one ``.npy`` file through mmengine's file backends."""
    return datafrombytes(
        fileio.get(path, backend_args=backend_args), backend='numpy')


def _check_finite(array: np.ndarray, path: str, what: str) -> None:
    """Raise if ``array`` holds NaN or infinite values."""
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(f'{what} {path} has {int(bad.sum())} non-finite '
                         '(NaN or inf) values')


def _check_hw(shape: Tuple[int, ...], expected: ImageHW, path: str,
              what: str) -> None:
    """Raise if the H x W of ``shape`` differs from the image's."""
    if expected is not None and tuple(shape[:2]) != tuple(expected):
        raise ValueError(f'{what} {path} is {shape[0]}x{shape[1]} but the '
                         f'image is {expected[0]}x{expected[1]}')


def _squeeze_hw1(array: np.ndarray) -> np.ndarray:
    """View an H x W x 1 array as H x W; leave other shapes unchanged."""
    return array[..., 0] if array.ndim == 3 and array.shape[2] == 1 else array


def _load_float_map(path: str, what: str, channels: int, hw: ImageHW,
                    backend_args: Optional[dict]) -> np.ndarray:
    """Load a dense float map and check its shape and values.

    Args:
        path (str): The ``.npy`` file.
        what (str): Its name in error messages (``'depth'``...).
        channels (int): 1 for an H x W (or H x W x 1) map, returned as
            H x W; otherwise the C of an H x W x C map.
        hw (tuple, optional): The image's (H, W) to match.
        backend_args (dict, optional): mmengine file-backend arguments.

    Returns:
        np.ndarray: float32, finite, H x W or H x W x C.
    """
    array = _load_npy(path, backend_args)
    if channels == 1:
        array = _squeeze_hw1(array)
        if array.ndim != 2:
            raise ValueError(f'{what} {path} must be H x W x 1 (or H x W), '
                             f'got shape {array.shape}')
    elif array.ndim != 3 or array.shape[2] != channels:
        raise ValueError(f'{what} {path} must be H x W x {channels}, got '
                         f'shape {array.shape}')
    _check_hw(array.shape, hw, path, what)
    array = array.astype(np.float32)
    _check_finite(array, path, what)
    return array


@TRANSFORMS.register_module()
class LoadMultiTaskImageFromNpy(BaseTransform):
    """Load an MTAN ``.npy`` image (H x W x 3, RGB in [0, 1]).

    The image is scaled to [0, 255] so that mmseg's usual ``mean``/``std``
    in the data preprocessor apply.

    Required Keys:

    - img_path

    Added Keys:

    - img (np.ndarray): H x W x 3 float32, RGB in [0, 255].
    - img_shape (tuple[int, int]): (H, W).
    - ori_shape (tuple[int, int]): (H, W).

    Args:
        range_tol (float): Values may lie in ``[-range_tol, 1 + range_tol]``
            (resampling can overshoot [0, 1] slightly). Defaults to 0.01.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.

    Raises:
        ValueError: If the array is not H x W x 3, holds NaN/inf, or lies
            outside [0, 1] (the error names the file).
    """

    def __init__(self,
                 range_tol: float = 0.01,
                 backend_args: Optional[dict] = None) -> None:
        self.range_tol = range_tol
        self.backend_args = backend_args.copy() if backend_args else None

    def transform(self, results: dict) -> dict:
        """Load ``results['img_path']`` into ``results['img']``.

        Args:
            results (dict): Data info with ``img_path``.

        Returns:
            dict: ``results`` with ``img``, ``img_shape`` and ``ori_shape``.
        """
        path = results['img_path']
        img = _load_npy(path, self.backend_args)
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'image {path} must be H x W x 3, got shape '
                             f'{img.shape}')
        img = img.astype(np.float32)
        _check_finite(img, path, 'image')
        low, high = float(img.min()), float(img.max())
        if low < -self.range_tol or high > 1 + self.range_tol:
            raise ValueError(
                f'image {path} must hold RGB values in [0, 1], got '
                f'[{low:g}, {high:g}] (is it already scaled to 0-255?)')
        results['img'] = img * np.float32(255)
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(range_tol={self.range_tol}, '
                f'backend_args={self.backend_args})')


@TRANSFORMS.register_module()
class LoadMultiTaskAnnotations(BaseTransform):
    """Load, validate and convert the MTAN ``.npy`` annotations of a sample.

    Only annotations that are both requested (``with_*``) and listed by the
    dataset (their path key is in ``results``) are loaded, so a sample of a
    phase that owns only some tasks carries only their ground truth. Every
    loaded key is appended to ``results['seg_fields']`` so that geometric
    transforms move it together with the image.

    - semantic: ``seg_map_path`` -> ``gt_seg_map``, H x W uint8, disk ``-1``
      becomes the ignore index 255;
    - depth: ``depth_map_path`` -> ``gt_depth_map``, H x W float32,
      0 = invalid;
    - normal: ``normal_map_path`` -> ``gt_normal_map``, H x W x 3 float32,
      all-zero = invalid;
    - edge: ``edge_map_path`` -> ``gt_edge_map``, H x W uint8, 1 = edge,
      0 = no edge, disk ``-1`` becomes the ignore index 255;
    - albedo: ``albedo_map_path`` -> ``gt_albedo_map``, H x W x 3 float32 in
      [0, 1], all-zero = invalid;
    - shading: ``shading_map_path`` -> ``gt_shading_map``, H x W float32,
      0 = invalid.

    Checks (each failure raises ``ValueError`` naming the file):

    - label: H x W or H x W x 1, integer values in ``[-1, num_classes - 1]``
      (the message lists the offending values);
    - depth: H x W or H x W x 1, finite, ``>= 0``;
    - normal: H x W x 3, finite, every non-zero vector of length
      ``1 +- normal_tol`` (all-zero vectors mark invalid pixels);
    - edge: H x W or H x W x 1, values in ``{-1, 0, 1}``;
    - albedo: H x W x 3, finite, in ``[0, 1]``;
    - shading: H x W or H x W x 1, finite, ``>= 0``;
    - every map has the image's H x W (when ``img_shape`` is known).

    If the sample has a ``label_map`` (mmseg class subset), it is applied
    after validation, like mmseg's ``LoadAnnotations`` does.

    Args:
        with_seg (bool): Load the semantic label. Defaults to True.
        with_depth (bool): Load the depth map. Defaults to True.
        with_normal (bool): Load the normal map. Defaults to True.
        with_edge (bool): Load the edge map. Defaults to True.
        with_albedo (bool): Load the albedo map. Defaults to True.
        with_shading (bool): Load the shading map. Defaults to True.
        num_classes (int, optional): Number of classes on disk. Defaults to
            None: use ``results['num_classes']`` (set by the mmhad datasets),
            else ``len(results['label_map'])``, else only check that labels
            fit ``[-1, 254]``.
        normal_tol (float): Allowed deviation of a valid normal's length from
            1. Defaults to 0.1.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.
    """

    def __init__(self,
                 with_seg: bool = True,
                 with_depth: bool = True,
                 with_normal: bool = True,
                 with_edge: bool = True,
                 with_albedo: bool = True,
                 with_shading: bool = True,
                 num_classes: Optional[int] = None,
                 normal_tol: float = 0.1,
                 backend_args: Optional[dict] = None) -> None:
        if num_classes is not None and not 0 < num_classes <= 255:
            raise ValueError(f'num_classes must be in 1..255, got '
                             f'{num_classes}')
        self.with_seg = with_seg
        self.with_depth = with_depth
        self.with_normal = with_normal
        self.with_edge = with_edge
        self.with_albedo = with_albedo
        self.with_shading = with_shading
        self.num_classes = num_classes
        self.normal_tol = normal_tol
        self.backend_args = backend_args.copy() if backend_args else None

    def _num_classes(self, results: dict) -> int:
        """Number of on-disk classes to validate against."""
        if self.num_classes is not None:
            return self.num_classes
        if results.get('num_classes'):
            return int(results['num_classes'])
        if results.get('label_map'):
            return len(results['label_map'])
        return 255

    def _load_seg(self, results: dict, hw: ImageHW) -> None:
        """Load ``seg_map_path`` into ``gt_seg_map`` (H x W uint8)."""
        path = results['seg_map_path']
        label = _squeeze_hw1(_load_npy(path, self.backend_args))
        if label.ndim != 2:
            raise ValueError(f'label {path} must be H x W (or H x W x 1), '
                             f'got shape {label.shape}')
        _check_hw(label.shape, hw, path, 'label')
        if np.issubdtype(label.dtype, np.floating):
            _check_finite(label, path, 'label')
        num_classes = self._num_classes(results)
        values = np.unique(label)
        bad = values[(values != np.round(values)) | (values < -1) |
                     (values > num_classes - 1)]
        if bad.size:
            raise ValueError(
                f'label {path} must hold integer class ids in '
                f'[-1, {num_classes - 1}] (-1 = ignored); offending values: '
                f'{bad[:_MAX_SHOWN].tolist()}')
        label = label.astype(np.int64)
        gt_seg_map = np.full(label.shape, 255, dtype=np.uint8)
        valid = label >= 0
        gt_seg_map[valid] = label[valid]
        label_map = results.get('label_map')
        if label_map:
            remapped = gt_seg_map.copy()
            for old_id, new_id in label_map.items():
                remapped[gt_seg_map == old_id] = new_id
            gt_seg_map = remapped
        results['gt_seg_map'] = gt_seg_map

    def _load_depth(self, results: dict, hw: ImageHW) -> None:
        """Load ``depth_map_path`` into ``gt_depth_map`` (H x W float32)."""
        path = results['depth_map_path']
        depth = _load_float_map(path, 'depth', 1, hw, self.backend_args)
        if (depth < 0).any():
            raise ValueError(f'depth {path} has negative values (min '
                             f'{float(depth.min()):g}); 0 marks invalid')
        results['gt_depth_map'] = depth

    def _load_normal(self, results: dict, hw: ImageHW) -> None:
        """Load ``normal_map_path`` into ``gt_normal_map`` (H x W x 3)."""
        path = results['normal_map_path']
        normal = _load_float_map(path, 'normal', 3, hw, self.backend_args)
        norm = np.linalg.norm(normal, axis=2)
        valid = (normal != 0).any(axis=2)
        off = valid & (np.abs(norm - 1) > self.normal_tol)
        if off.any():
            lengths = norm[off]
            raise ValueError(
                f'normal {path} has {int(off.sum())} vectors that are neither '
                f'unit length (+-{self.normal_tol}) nor all-zero; lengths '
                f'range [{float(lengths.min()):g}, {float(lengths.max()):g}]')
        results['gt_normal_map'] = normal

    def _load_edge(self, results: dict, hw: ImageHW) -> None:
        """Load ``edge_map_path`` into ``gt_edge_map`` (H x W uint8)."""
        path = results['edge_map_path']
        edge = _squeeze_hw1(_load_npy(path, self.backend_args))
        if edge.ndim != 2:
            raise ValueError(f'edge {path} must be H x W (or H x W x 1), '
                             f'got shape {edge.shape}')
        _check_hw(edge.shape, hw, path, 'edge')
        values = np.unique(edge)
        bad = values[~np.isin(values, (-1, 0, 1))]
        if bad.size:
            raise ValueError(
                f'edge {path} must hold 1 (edge), 0 (no edge) or -1 '
                f'(ignored); offending values: {bad[:_MAX_SHOWN].tolist()}')
        gt_edge_map = np.full(edge.shape, 255, dtype=np.uint8)
        valid = edge >= 0
        gt_edge_map[valid] = edge[valid]
        results['gt_edge_map'] = gt_edge_map

    def _load_albedo(self, results: dict, hw: ImageHW) -> None:
        """Load ``albedo_map_path`` into ``gt_albedo_map`` (H x W x 3)."""
        path = results['albedo_map_path']
        albedo = _load_float_map(path, 'albedo', 3, hw, self.backend_args)
        low, high = float(albedo.min()), float(albedo.max())
        if low < 0 or high > 1:
            raise ValueError(f'albedo {path} must hold RGB values in [0, 1] '
                             f'(all-zero = invalid), got [{low:g}, {high:g}]')
        results['gt_albedo_map'] = albedo

    def _load_shading(self, results: dict, hw: ImageHW) -> None:
        """Load ``shading_map_path`` into ``gt_shading_map`` (H x W)."""
        path = results['shading_map_path']
        shading = _load_float_map(path, 'shading', 1, hw,
                                  self.backend_args)
        if (shading < 0).any():
            raise ValueError(f'shading {path} has negative values (min '
                             f'{float(shading.min()):g}); 0 marks invalid')
        results['gt_shading_map'] = shading

    def transform(self, results: dict) -> dict:
        """Load the requested annotations listed in ``results``.

        Args:
            results (dict): Data info, usually after
                ``LoadMultiTaskImageFromNpy`` (then ``img_shape`` is used to
                check the maps' H x W).

        Returns:
            dict: ``results`` with the loaded ``gt_*`` keys, also listed in
            ``seg_fields``.
        """
        hw = results.get('img_shape')
        hw = tuple(hw[:2]) if hw is not None else None
        seg_fields = results.setdefault('seg_fields', [])
        loaders = (
            (self.with_seg, 'seg_map_path', 'gt_seg_map', self._load_seg),
            (self.with_depth, 'depth_map_path', 'gt_depth_map',
             self._load_depth),
            (self.with_normal, 'normal_map_path', 'gt_normal_map',
             self._load_normal),
            (self.with_edge, 'edge_map_path', 'gt_edge_map',
             self._load_edge),
            (self.with_albedo, 'albedo_map_path', 'gt_albedo_map',
             self._load_albedo),
            (self.with_shading, 'shading_map_path', 'gt_shading_map',
             self._load_shading),
        )
        for wanted, path_key, gt_key, load in loaders:
            if not wanted or results.get(path_key) is None:
                continue
            load(results, hw)
            if hw is None:  # no image loaded: maps must agree with each other
                hw = results[gt_key].shape[:2]
            if gt_key not in seg_fields:
                seg_fields.append(gt_key)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(with_seg={self.with_seg}, '
                f'with_depth={self.with_depth}, '
                f'with_normal={self.with_normal}, '
                f'with_edge={self.with_edge}, '
                f'with_albedo={self.with_albedo}, '
                f'with_shading={self.with_shading}, '
                f'num_classes={self.num_classes}, '
                f'normal_tol={self.normal_tol}, '
                f'backend_args={self.backend_args})')

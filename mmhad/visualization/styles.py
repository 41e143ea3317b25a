"""Draw styles: how one C x H x W map of a task becomes an RGB image.

A task's definition names its style in ``draw`` (``TaskType.draw``, e.g.
``dict(style='colormap', cmap='magma_r', shared_scale=True)``); the
visualizer looks the style up here by name. Built-in styles:

- ``'palette'``: class ids coloured by a palette (the dataset's); ignored
  pixels black;
- ``'colormap'``: one channel through a matplotlib colour map over a value
  range (:func:`colour_scale`);
- ``'rgb'``: values in ``value_range`` shown as colours (1 channel: grey,
  2 channels: red / green);
- ``'vector_rgb'``: unit vectors mapped ``(v + 1) / 2``, zero vectors black.

A new style is a :class:`DrawStyle` subclass decorated with
:func:`register_style`.
"""
from typing import Dict, Optional, Sequence, Tuple, Type

import numpy as np
import torch

#: Colour of ground-truth pixels without a label (regression styles).
NEUTRAL = (128, 128, 128)
#: Colour of ignored class pixels.
BLACK = (0, 0, 0)
#: Style name -> style class.
DRAW_STYLES: Dict[str, Type['DrawStyle']] = {}

Scale = Tuple[float, float]


def register_style(name: str):
    """Class decorator: register a :class:`DrawStyle` under ``name``."""

    def _register(cls: Type['DrawStyle']) -> Type['DrawStyle']:
        DRAW_STYLES[name] = cls
        return cls

    return _register


def get_style(name: str) -> 'DrawStyle':
    """A new instance of the style ``name``.

    Raises:
        KeyError: If no style of that name is registered.
    """
    if name not in DRAW_STYLES:
        raise KeyError(f'unknown draw style {name!r}; registered styles: '
                       f'{sorted(DRAW_STYLES)}')
    return DRAW_STYLES[name]()


def as_float_map(data) -> np.ndarray:
    """A C x H x W tensor / array (or H x W) as a finite float32 array."""
    array = torch.as_tensor(data).detach().cpu().float()
    if array.ndim == 2:
        array = array[None]
    return torch.nan_to_num(array).numpy()


def to_uint8(unit: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (clipped) -> uint8 in [0, 255]."""
    return (np.clip(unit, 0, 1) * 255).round().astype(np.uint8)


def vector_to_rgb(vectors) -> np.ndarray:
    """Colour a C x H x W unit-vector map ``(v + 1) / 2``, zero = black.

    Args:
        vectors (Tensor | np.ndarray): C x H x W vectors (C <= 3; missing
            channels are drawn 0).

    Returns:
        np.ndarray: H x W x 3 uint8 image.
    """
    vectors = torch.as_tensor(vectors).detach().float().cpu()
    vectors = torch.nan_to_num(vectors)
    valid = (vectors != 0).any(0, keepdim=True)
    rgb = ((vectors.clamp(-1, 1) + 1) * 127.5).round() * valid
    return three_channels(rgb.to(torch.uint8).permute(1, 2, 0).numpy())


def three_channels(image: np.ndarray) -> np.ndarray:
    """H x W x C (C in 1..3) -> H x W x 3: grey for 1, zero-filled for 2."""
    if image.shape[2] == 1:
        return np.ascontiguousarray(np.repeat(image, 3, axis=2))
    if image.shape[2] < 3:
        pad = np.zeros(image.shape[:2] + (3 - image.shape[2], ), image.dtype)
        image = np.concatenate([image, pad], axis=2)
    return np.ascontiguousarray(image[..., :3])


def value_range(values: np.ndarray,
                invalid: Optional[np.ndarray] = None) -> Optional[Scale]:
    """(min, max) of the pixels of a C x H x W map outside ``invalid``
    (H x W bool); None when no pixel is left."""
    if invalid is not None:
        values = values[:, ~invalid]
    if values.size == 0:
        return None
    return float(values.min()), float(values.max())


class DrawStyle:
    """How to colour one map; subclass and :func:`register_style` it.

    Attributes:
        invalid_colour (tuple[int, int, int]): Colour of ground-truth pixels
            that the task's ``invalid_mask`` marks.
        scaled (bool): Whether the style needs a value range
            (:meth:`scale`), drawn as a colour bar.
    """

    invalid_colour: Tuple[int, int, int] = NEUTRAL
    scaled: bool = False

    def scale(self, spec: dict, task, gt: Optional[np.ndarray],
              gt_invalid: Optional[np.ndarray], pred: Optional[np.ndarray],
              which: str) -> Optional[Scale]:
        """The value range of the ``which`` (``'gt'`` / ``'pred'``) map.

        Args:
            spec (dict): The task's ``draw`` spec.
            task (TaskType): The task's definition.
            gt (np.ndarray, optional): C x H x W ground truth.
            gt_invalid (np.ndarray, optional): H x W bool, unlabelled pixels.
            pred (np.ndarray, optional): C x H x W prediction.
            which (str): ``'gt'`` or ``'pred'``.

        Returns:
            tuple[float, float], optional: (low, high) in the task's unit;
            the default: ``spec['value_range']``, else the task's
            ``value_range``, else None.
        """
        bounds = spec.get('value_range') or task.value_range
        return None if bounds is None else (float(bounds[0]),
                                            float(bounds[1]))

    def paint(self, values: np.ndarray, spec: dict, scale: Optional[Scale],
              palette: Optional[Sequence[Sequence[int]]]) -> np.ndarray:
        """Colour a C x H x W float map as H x W x 3 uint8."""
        raise NotImplementedError

    def legend(self, spec: dict, scale: Scale, height: int,
               width: int) -> Optional[np.ndarray]:
        """A ``height`` x ``width`` x 3 colour bar (top = high), or None."""
        return None


@register_style('palette')
class PaletteStyle(DrawStyle):
    """Class ids (channel 0) coloured by ``palette`` (the dataset's, unless
    the spec gives one); ids beyond it get fixed pseudo-random colours."""

    invalid_colour = BLACK

    def paint(self, values: np.ndarray, spec: dict, scale: Optional[Scale],
              palette: Optional[Sequence[Sequence[int]]]) -> np.ndarray:
        ids = np.clip(values[0].round(), 0, None).astype(np.int64)
        colours = extend_palette(spec.get('palette') or palette,
                                 int(ids.max(initial=0)) + 1)
        return colours[ids]


def extend_palette(palette: Optional[Sequence[Sequence[int]]],
                   size: int) -> np.ndarray:
    """``palette`` as an N x 3 uint8 array of at least ``size`` colours."""
    colours = np.asarray(palette if palette else np.zeros((0, 3)),
                         dtype=np.uint8).reshape(-1, 3)
    if len(colours) < size:
        rng = np.random.default_rng(42)
        extra = rng.integers(0, 256, (size - len(colours), 3), np.uint8)
        colours = np.concatenate([colours, extra])
    return colours


@register_style('colormap')
class ColormapStyle(DrawStyle):
    """Channel ``spec['channel']`` (default 0) through the matplotlib colour
    map ``spec['cmap']`` (default ``'viridis'``) over :meth:`scale`."""

    scaled = True

    def scale(self, spec: dict, task, gt: Optional[np.ndarray],
              gt_invalid: Optional[np.ndarray], pred: Optional[np.ndarray],
              which: str) -> Optional[Scale]:
        """``spec['value_range']`` if set; else, with ``shared_scale`` (or
        for the ground truth itself), the range of the valid ground-truth
        pixels; else (or without ground truth) the prediction's range."""
        if spec.get('value_range') is not None:
            low, high = spec['value_range']
            return float(low), float(high)
        channel = spec.get('channel', 0)
        scale = None
        if gt is not None and (which == 'gt' or spec.get('shared_scale')):
            scale = value_range(gt[channel:channel + 1], gt_invalid)
        if scale is None and pred is not None:
            scale = value_range(pred[channel:channel + 1])
        return scale or (0.0, 1.0)

    def paint(self, values: np.ndarray, spec: dict, scale: Optional[Scale],
              palette: Optional[Sequence[Sequence[int]]]) -> np.ndarray:
        channel = spec.get('channel', 0)
        low, high = scale or (0.0, 1.0)
        unit = (values[channel] - low) / max(high - low, 1e-12)
        return self.colours(spec, np.clip(unit, 0, 1))

    @staticmethod
    def colours(spec: dict, unit: np.ndarray) -> np.ndarray:
        """Values in [0, 1] -> uint8 colours of ``spec['cmap']``."""
        import matplotlib
        cmap = matplotlib.colormaps[spec.get('cmap', 'viridis')]
        return to_uint8(cmap(unit)[..., :3])

    def legend(self, spec: dict, scale: Scale, height: int,
               width: int) -> np.ndarray:
        ramp = np.linspace(1, 0, height, dtype=np.float32)[:, None]
        return self.colours(spec, np.repeat(ramp, width, axis=1))


@register_style('rgb')
class RGBStyle(DrawStyle):
    """Values in ``spec['value_range']`` (else the task's ``value_range``,
    else [0, 1]) shown as colours."""

    def paint(self, values: np.ndarray, spec: dict, scale: Optional[Scale],
              palette: Optional[Sequence[Sequence[int]]]) -> np.ndarray:
        low, high = scale or (0.0, 1.0)
        unit = (values - low) / max(high - low, 1e-12)
        return three_channels(to_uint8(unit.transpose(1, 2, 0)))


@register_style('vector_rgb')
class VectorRGBStyle(DrawStyle):
    """Unit vectors as ``(v + 1) / 2`` (:func:`vector_to_rgb`)."""

    def paint(self, values: np.ndarray, spec: dict, scale: Optional[Scale],
              palette: Optional[Sequence[Sequence[int]]]) -> np.ndarray:
        return vector_to_rgb(values)


__all__ = [
    'NEUTRAL', 'BLACK', 'DRAW_STYLES', 'register_style', 'get_style',
    'DrawStyle', 'PaletteStyle', 'ColormapStyle', 'RGBStyle',
    'VectorRGBStyle', 'vector_to_rgb', 'as_float_map', 'extend_palette'
]

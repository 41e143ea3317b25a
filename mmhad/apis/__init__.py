"""Inference on users' own images: build a trained model, predict every
task it has learned (:func:`init_model`, :func:`inference_model`)."""
from .checkpoint import load_weights
from .image import load_image
from .inference import (inference_model, inference_pipeline_cfg, init_model,
                        predict_samples, sample_to_maps)

__all__ = [
    'init_model', 'inference_model', 'predict_samples', 'sample_to_maps',
    'inference_pipeline_cfg', 'load_image', 'load_weights'
]

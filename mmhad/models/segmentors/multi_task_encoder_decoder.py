"""A shared encoder with one decode head per dense-prediction task."""
import copy
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.structures import PixelData
from mmseg.models.segmentors import BaseSegmentor
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         OptSampleList, SampleList, add_prefix)
from torch import Tensor

from mmhad.tasks import TaskType, get_task, task_names

from ..utils import channel_argmax
from .contract import Penalty


@MODELS.register_module()
class MultiTaskEncoderDecoder(BaseSegmentor):
    """Backbone (+ neck) shared by a ``ModuleDict`` of task heads.

    Every head reads the same features. Three task sets drive it:

    - ``decode_heads``: every task the model *has* a head for;
    - ``learned_tasks``: tasks the model predicts (kept in the buffer
      ``learned_mask``, one flag per task *sorted by name*, so checkpoints
      carry it, ``tools/test.py`` evaluates exactly what was learned, and a
      config listing the heads in another order, such as the copy mmengine
      dumps into the work dir with sorted keys, reads it the same way);
    - ``active_tasks``: tasks trained on ground truth in the current batch.

    Joint training keeps all three equal. The continual loop
    (:class:`ContinualTrainLoop`) grows ``learned_tasks`` phase by phase and
    sets ``active_tasks`` to the phase's task; when a frozen teacher is set
    (:meth:`set_teacher`) the student's outputs for the teacher's other
    tasks are distilled towards the teacher's with ``distill_loss``.
    Continual methods use the model only through
    :class:`~mmhad.models.segmentors.ContinualModel` (task sets,
    :meth:`snapshot`, teacher, :meth:`set_penalty`,
    :meth:`supervised_loss`), which this class implements.

    Every key of ``decode_heads`` is a registered task type
    (:func:`mmhad.tasks.get_task`); its definition says where the ground
    truth is (``gt_field``), where predictions go (``pred_field``, plus
    ``logits_field`` for class tasks) and how a test-time flip is undone
    (``flip_prediction``). Class tasks (kinds ``'classes'``/``'binary'``)
    take any mmseg decode head (``ASPPHead`` for ``'semantic'``, which reads
    ``gt_sem_seg``; :class:`DenseClassificationHeadMixin` heads such as
    ``EdgeASPPHead`` read their task's field); their prediction is the
    argmax of the logits (a sigmoid threshold for one channel). Regression
    tasks take a :class:`DenseRegressionHeadMixin` head
    (``RegressionASPPHead(task=...)``, ``DepthASPPHead``...), whose
    ``constrain`` projects the resized prediction onto the output space.

    Args:
        backbone (dict): Backbone config (any mmseg or ``mmpretrain.*``).
        decode_heads (dict[str, dict]): Task name (a registered task type)
            -> decode head config; a task mapped to None has no head (so a
            child config can drop a head of its base:
            ``decode_heads=dict(normal=None)``).
        neck (dict, optional): Neck config.
        active_tasks (Sequence[str], optional): Defaults to all tasks.
        learned_tasks (Sequence[str], optional): Defaults to all tasks.
        distill_loss (dict, optional): Distillation loss over old tasks, e.g.
            ``dict(type='HADDistillLoss', ...)``; used only with a teacher.
            Configs leave it out: :class:`~mmhad.engine.hooks.TeacherHook`
            sets it from the run config's top-level ``distill_loss``.
        train_cfg, test_cfg (dict, optional): As in mmseg; only whole-image
            inference (``test_cfg=dict(mode='whole')``) is supported.
        data_preprocessor (dict, optional): Usually
            ``MultiTaskDataPreProcessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_heads: Dict[str, ConfigType],
                 neck: OptConfigType = None,
                 active_tasks: Optional[Sequence[str]] = None,
                 learned_tasks: Optional[Sequence[str]] = None,
                 distill_loss: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not any(cfg is not None for cfg in (decode_heads or {}).values()):
            raise ValueError('model.decode_heads must map at least one task '
                             'name to a decode head config')
        unknown = [t for t, cfg in decode_heads.items()
                   if cfg is not None and t not in task_names()]
        if unknown:
            raise KeyError(f'model.decode_heads: task(s) {unknown} are not '
                           f'registered task types (registered: '
                           f'{task_names()}); define one with '
                           'mmhad.tasks.register_task')
        self.backbone = MODELS.build(backbone)
        if neck is not None:
            self.neck = MODELS.build(neck)
        self.decode_heads = nn.ModuleDict({
            task: MODELS.build(cfg)
            for task, cfg in decode_heads.items() if cfg is not None
        })
        for task, head in self.decode_heads.items():
            bound = getattr(head, 'task', None)
            if isinstance(bound, str) and bound != task:
                raise ValueError(
                    f'model.decode_heads.{task}: {type(head).__name__} is '
                    f'the head of task "{bound}"; give it task="{task}"')
        self.align_corners = False
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg if test_cfg is not None else dict(
            mode='whole')
        if self.test_cfg.get('mode', 'whole') != 'whole':
            raise ValueError('test_cfg.mode: only "whole" inference is '
                             f'supported, got {self.test_cfg["mode"]!r}')
        self.register_buffer(
            'learned_mask', torch.ones(len(self.tasks), dtype=torch.bool))
        self.set_tasks(learned=learned_tasks)
        self.active_tasks = self._check_tasks(active_tasks, 'active_tasks')
        self.distill_loss = (
            MODELS.build(distill_loss) if distill_loss is not None else None)
        self._teacher: Optional['MultiTaskEncoderDecoder'] = None
        self._penalties: Dict[str, Penalty] = {}

    # ------------------------------------------------------------------ tasks
    @property
    def tasks(self) -> List[str]:
        """Every task the model has a head for, in config order."""
        return list(self.decode_heads.keys())

    def _check_tasks(self, tasks: Optional[Sequence[str]],
                     key: str) -> List[str]:
        if tasks is None:
            return self.tasks
        unknown = [t for t in tasks if t not in self.decode_heads]
        if unknown:
            raise KeyError(f'model.{key}: unknown task(s) {unknown}; the '
                           f'model has heads for {self.tasks}')
        return list(tasks)

    @property
    def learned_tasks(self) -> List[str]:
        """Tasks the model predicts, in config order."""
        flags = dict(zip(sorted(self.tasks), self.learned_mask.tolist()))
        return [t for t in self.tasks if flags[t]]

    def set_tasks(self,
                  active: Optional[Sequence[str]] = None,
                  learned: Optional[Sequence[str]] = None) -> None:
        """Set the tasks trained on labels and/or the tasks predicted."""
        if active is not None:
            self.active_tasks = self._check_tasks(active, 'active_tasks')
        if learned is not None:
            learned = self._check_tasks(learned, 'learned_tasks')
            self.learned_mask.copy_(
                torch.tensor([t in learned for t in sorted(self.tasks)]))

    def gt_field(self, task: str) -> str:
        """Data-sample field holding ``task``'s ground truth (its task
        definition's ``gt_field``)."""
        return get_task(task).gt_field

    # ---------------------------------------------------------------- teacher
    @property
    def teacher(self) -> Optional['MultiTaskEncoderDecoder']:
        """The frozen teacher, or None. Not a submodule on purpose: it is
        outside ``state_dict()``, ``parameters()``, ``.train()`` and DDP."""
        return self._teacher

    def set_teacher(self,
                    teacher: Optional['MultiTaskEncoderDecoder']) -> None:
        """Attach (or with None, drop) a frozen teacher."""
        if teacher is not None and self.distill_loss is None:
            raise ValueError('set_teacher: the model has no distillation '
                             'loss; give the config a top-level '
                             'distill_loss (configs/_base_/continual/) for '
                             'TeacherHook to set')
        self.__dict__['_teacher'] = teacher

    def set_distill_loss(self, loss: Optional[nn.Module]) -> None:
        """Set (or with None, drop) the loss that distils the old tasks,
        e.g. a :class:`~mmhad.models.losses.HADDistillLoss` (set by
        :class:`~mmhad.engine.hooks.TeacherHook` from the config's
        ``distill_loss``). It holds no weights: not in ``state_dict()``."""
        self.distill_loss = loss

    def snapshot(self) -> 'MultiTaskEncoderDecoder':
        """A frozen deep copy of this model (eval mode, no gradients)."""
        teacher, self.__dict__['_teacher'] = self._teacher, None
        penalties, self._penalties = self._penalties, {}
        try:
            frozen = copy.deepcopy(self)
        finally:
            self.__dict__['_teacher'] = teacher
            self._penalties = penalties
        frozen.eval()
        frozen.requires_grad_(False)
        return frozen

    def set_penalty(self, name: str,
                    penalty: Optional[Penalty]) -> None:
        """Add (or with None, remove) a regulariser ``penalty(model)``.

        Its value joins the losses as ``loss_{name}`` in every training step
        (e.g. the EWC quadratic penalty set by :class:`EWCHook`). Like the
        teacher it is kept out of the module tree; its owner saves it.
        """
        if penalty is None:
            self._penalties.pop(name, None)
        else:
            self._penalties[name] = penalty

    def distilled_tasks(self) -> List[str]:
        """Old tasks distilled in this phase: the teacher's, minus new ones."""
        if self._teacher is None:
            return []
        return [
            t for t in self._teacher.learned_tasks
            if t not in self.active_tasks
        ]

    # ---------------------------------------------------------------- forward
    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Multi-level features of (B, 3, H, W) inputs."""
        x = self.backbone(inputs)
        if self.with_neck:
            x = self.neck(x)
        return x

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Dict[str, Tensor]:
        """Outputs of every learned task at the (padded) input size.

        Returns:
            dict[str, Tensor]: Segmentation logits (B, C, H, W) or activated
            regression outputs (B, C, H, W).
        """
        feats = self.extract_feat(inputs)
        return self._heads_predict(feats, self.learned_tasks, batch_img_metas)

    def _heads_predict(self, feats: List[Tensor], tasks: Sequence[str],
                       batch_img_metas: List[dict]) -> Dict[str, Tensor]:
        return {
            t: self.decode_heads[t].predict(feats, batch_img_metas,
                                            self.test_cfg)
            for t in tasks
        }

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Losses of the active tasks (+ distillation of the old ones).

        The active tasks' terms are :meth:`supervised_loss`'s (computed on
        the same backbone pass the distillation reuses), then the
        distillation terms, then one ``loss_{name}`` per penalty. Keys are
        prefixed with the task (``semantic.loss_ce``,
        ``depth.loss_depth``...).
        """
        feats = self.extract_feat(inputs)
        losses = self._heads_loss(feats, data_samples, self.active_tasks)
        old_tasks = self.distilled_tasks()
        if old_tasks:
            losses.update(
                self._distill(inputs, feats, data_samples, old_tasks))
        for name, penalty in self._penalties.items():
            losses[f'loss_{name}'] = penalty(self)
        return losses

    def supervised_loss(self, inputs: Tensor, data_samples: SampleList,
                        tasks: Sequence[str]) -> Dict[str, Tensor]:
        """The task heads' losses of ``tasks`` on a preprocessed batch.

        The supervised part of :meth:`loss` (one backbone pass, then each
        head's ``loss`` in the order of ``tasks``), without distillation or
        penalties; e.g. :class:`EWCHook` takes its Fisher from it. See
        :meth:`ContinualModel.supervised_loss`.

        Args:
            inputs (Tensor): (B, 3, H, W) preprocessed images.
            data_samples (list[SegDataSample]): Samples with the ground
                truth (``gt_field``) of every task in ``tasks``.
            tasks (Sequence[str]): Tasks with heads.

        Returns:
            dict[str, Tensor]: ``'{task}.{key}'`` -> loss term or logged
            extra (``semantic.loss_ce``, ``semantic.acc_seg``...).
        """
        unknown = [t for t in tasks if t not in self.decode_heads]
        if unknown:
            raise KeyError(f'supervised_loss: unknown task(s) {unknown}; '
                           f'the model has heads for {self.tasks}')
        return self._heads_loss(self.extract_feat(inputs), data_samples,
                                tasks)

    def _heads_loss(self, feats: List[Tensor], data_samples: SampleList,
                    tasks: Sequence[str]) -> Dict[str, Tensor]:
        """Each head's ``loss`` on ``feats``, prefixed with its task."""
        losses = {}
        for task in tasks:
            field = self.gt_field(task)
            if any(field not in s for s in data_samples):
                raise KeyError(
                    f'task "{task}" is active but the batch carries no '
                    f'"{field}"; the dataset must load this task\'s labels '
                    '(dataset.tasks / LoadMultiTaskAnnotations)')
            head_losses = self.decode_heads[task].loss(feats, data_samples,
                                                       self.train_cfg)
            losses.update(add_prefix(head_losses, task))
        return losses

    def _distill(self, inputs: Tensor, feats: List[Tensor],
                 data_samples: SampleList,
                 old_tasks: List[str]) -> Dict[str, Tensor]:
        """Distil the old tasks: one teacher backbone pass feeds every old
        head; the student's old heads read the features already computed."""
        metas = [s.metainfo for s in data_samples]
        with torch.inference_mode():
            teacher_feats = self._teacher.extract_feat(inputs)
            teacher_out = self._teacher._heads_predict(teacher_feats,
                                                       old_tasks, metas)
        # Inference tensors cannot be saved for backward: clone once.
        teacher_out = {t: v.clone() for t, v in teacher_out.items()}
        student_out = {
            t: self.decode_heads[t].predict_by_feat(
                self.decode_heads[t].forward(feats), metas)
            for t in old_tasks
        }
        valid = self._unpadded_mask(metas, inputs.shape[-2:], inputs.device)
        return self.distill_loss.loss_dict(student_out, teacher_out, valid)

    @staticmethod
    def _unpadded_mask(metas: List[dict], size: Sequence[int],
                       device: torch.device) -> Tensor:
        """(B, H, W) bool mask, False on the padding the preprocessor added."""
        mask = torch.ones((len(metas), *size), dtype=torch.bool,
                          device=device)
        for i, meta in enumerate(metas):
            _, right, _, bottom = meta.get('padding_size', (0, 0, 0, 0))
            if right:
                mask[i, :, size[1] - right:] = False
            if bottom:
                mask[i, size[0] - bottom:, :] = False
        return mask

    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Predict every learned task.

        Fills each task's ``pred_field`` (``pred_sem_seg``,
        ``pred_depth_map``...) and, for class tasks, its ``logits_field``
        (``seg_logits``, ``edge_logits``...) at the original image size.
        """
        if data_samples is not None:
            metas = [s.metainfo for s in data_samples]
        else:
            shape = tuple(inputs.shape[2:])
            metas = [
                dict(ori_shape=shape, img_shape=shape, pad_shape=shape,
                     padding_size=[0, 0, 0, 0])
            ] * inputs.shape[0]
        outputs = self.encode_decode(inputs, metas)
        return self.postprocess_result(outputs, data_samples, metas)

    def _forward(self,
                 inputs: Tensor,
                 data_samples: OptSampleList = None) -> Dict[str, Tensor]:
        """Raw head outputs at feature resolution, per learned task."""
        feats = self.extract_feat(inputs)
        return {t: self.decode_heads[t].forward(feats)
                for t in self.learned_tasks}

    def postprocess_result(self, outputs: Dict[str, Tensor],
                           data_samples: OptSampleList,
                           metas: List[dict]) -> SampleList:
        """Crop padding, undo flips, resize to ``ori_shape``, fill samples."""
        if data_samples is None:
            data_samples = [SegDataSample() for _ in metas]
        for task, batch_out in outputs.items():
            head = self.decode_heads[task]
            definition = get_task(task)
            height, width = batch_out.shape[-2:]
            for i, meta in enumerate(metas):
                left, right, top, bottom = meta.get('padding_size',
                                                    (0, 0, 0, 0))
                out = batch_out[i:i + 1, :, top:height - bottom,
                                left:width - right]
                out = resize(out, size=meta['ori_shape'], mode='bilinear',
                             align_corners=self.align_corners,
                             warning=False)[0]
                if meta.get('flip', False):
                    out = definition.flip_prediction(out,
                                                     meta['flip_direction'])
                data_samples[i].set_data(
                    self._to_fields(definition, head, out))
        return data_samples

    @staticmethod
    def _to_fields(definition: TaskType, head: nn.Module,
                   out: Tensor) -> Dict[str, PixelData]:
        """Data-sample fields of one (C, H, W) output at the image size.

        Class tasks: the logits in ``logits_field`` and the (1, H, W) argmax
        (one channel: sigmoid scores and the head's ``threshold``) in
        ``pred_field``; regressions: the head's ``constrain(out)`` in
        ``pred_field``.
        """
        if not definition.is_classes:
            return {definition.pred_field: PixelData(data=head.constrain(out))}
        if out.shape[0] > 1:
            pred = channel_argmax(out, dim=0).unsqueeze(0)
        else:
            out = out.sigmoid()
            pred = (out > head.threshold).to(out)
        return {
            definition.logits_field: PixelData(data=out),
            definition.pred_field: PixelData(data=pred)
        }

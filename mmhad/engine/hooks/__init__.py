from .ewc_hook import EWCHook
from .teacher_hook import TeacherHook

__all__ = ['EWCHook', 'TeacherHook']

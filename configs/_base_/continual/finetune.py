# Sequential fine-tuning (lower bound): no teacher, no regulariser.
find_unused_parameters = True
# Same train-mode policy as the other continual methods (see StudentModeHook).
custom_hooks = [dict(type='StudentModeHook')]

# Sequential fine-tuning (lower bound): no teacher, no regulariser.
find_unused_parameters = True

"""The chapters' experiments: models, training loops and measurements that a chapter runs for real.

Unlike ``numpy_impl``/``torch_impl`` these have no twin to mirror; most are torch code (``rl``,
``detection`` and ``milestones`` are plain NumPy/Python). By chapter: ``milestones`` (1), ``approximation``
(3), ``training_recipe``, ``lr_finder``, ``hyperparameter_search`` (6), ``vision_labs`` (9),
``architectures``, ``cost_table``, ``cnn_training``, ``segmentation``, ``detection``, ``detection_lab`` (10),
``rnn_training`` (11), ``generative_training``, ``explain``, ``rl`` (12), ``running_fast/`` (13).
"""

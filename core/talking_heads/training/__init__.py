"""Training: datasets from videos, meta-learning (single process or torchrun/DDP), fine-tuning persons.

See docs/training.md. The commands are `talking-heads prepare-data`, `train` and `person`.
"""

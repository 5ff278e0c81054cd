"""Evaluation: how well renderers do, always beside the frozen floor (the source unchanged).

- `self_reenactment`: the paper's protocol, a person re-rendered from held-out frames of its clip;
- `cross_identity`: portraits driven by other people's clips, measured without ground truth;
- `metrics`: the measures the two share; `sheets`: contact sheets to look at.
"""
from talking_heads.evaluate.cross_identity import CrossConfig, CrossReport, CrossRow, evaluate_cross_identity
from talking_heads.evaluate.self_reenactment import EvalConfig, EvalRow, evaluate, format_table, save_json

__all__ = ["CrossConfig", "CrossReport", "CrossRow", "EvalConfig", "EvalRow", "evaluate", "evaluate_cross_identity",
           "format_table", "save_json"]

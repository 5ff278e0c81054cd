"""Talking Heads: few-shot neural talking heads (Zakharov et al., ICCV 2019).

Data flows one way: inputs -> landmarks -> retarget -> sketches -> synthesis -> media.
"""
from talking_heads.errors import TalkingHeadsError

__version__ = "0.1.0"
__all__ = ["TalkingHeadsError", "__version__"]

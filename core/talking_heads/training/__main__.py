"""`python -m talking_heads.training ARGS` is `talking-heads train ARGS` (handy under torchrun)."""
import sys

from talking_heads.cli import main

sys.exit(main(["train", *sys.argv[1:]]))

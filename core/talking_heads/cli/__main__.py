import sys

from talking_heads.cli import main

sys.exit(main())

"""``python -m hret.cli``: the ``hret`` command."""

from __future__ import annotations

import sys

from hret.cli import main

sys.exit(main())

"""How many hostile inputs each connector fuzz test tries: 3,000 in `make test`, more on request.

`PABRIK_FUZZ_EXAMPLES=10000 make test` runs the longer sweep (about 3x the fuzz tests' time).
"""

from __future__ import annotations

import os

FUZZ_EXAMPLES = int(os.environ.get("PABRIK_FUZZ_EXAMPLES", "3000"))

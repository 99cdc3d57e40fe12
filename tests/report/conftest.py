"""Let the report tests import their helpers (``sample``, ``png``) by name."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

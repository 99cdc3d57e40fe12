"""The pure-Python reference implementation: the oracle the Ibis measures are tested against.

Row by row, in plain Python, written straight from the definitions (docs/measures/*.md) rather than
from the Ibis code, so that both being wrong the same way is unlikely. Small inputs only.
"""

from carenet.measures.reference import access, continuity
from carenet.measures.reference.rows import Rows, as_rows

__all__ = ["Rows", "access", "as_rows", "continuity"]

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seed" / "futian-2023.txt"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

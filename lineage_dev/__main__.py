"""`python -m lineage_dev demo|emulator [options]`: the demo launcher or the emulator alone."""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = "usage: python -m lineage_dev {demo,emulator} [--help | options]"


def main(argv: Sequence[str]) -> int:
    """Hand the remaining arguments to the command's own parser."""
    if not argv or argv[0] not in ("demo", "emulator"):
        print(USAGE, file=sys.stderr)
        return 2
    if argv[0] == "demo":
        from lineage_dev.demo import main as demo_main

        return demo_main(argv[1:])
    from lineage_dev.emulator.server import main as emulator_main

    return emulator_main(list(argv[1:]))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

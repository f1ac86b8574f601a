"""`python -m lineage_dev.emulator`: run the seeded local AWS emulator until Ctrl-C."""

from lineage_dev.emulator.server import main

if __name__ == "__main__":
    raise SystemExit(main())

"""`python -m lineage_assets.emulator`: run the seeded local AWS emulator until Ctrl-C."""

from lineage_assets.emulator.server import main

if __name__ == "__main__":
    raise SystemExit(main())

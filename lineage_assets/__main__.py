"""`python -m lineage_assets` runs the command line."""

from lineage_assets.cli import main

raise SystemExit(main())

"""The development package of a checkout: the local AWS emulator (moto and the seeded account),
the demo's SQL git remote and the `make demo` launcher.

Not in the product wheel (the `dev` extra brings its dependencies); `lineage_assets` and
`dagster_project` never import it. Run from the repository's root:
`python -m lineage_dev demo` or `python -m lineage_dev emulator`.
"""

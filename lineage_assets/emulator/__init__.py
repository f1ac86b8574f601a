"""A local AWS emulator (moto 5.2.5 server) seeded with SageMaker pipelines and S3 datasets.

Used by `make demo` and the tests. Importing this package pulls in nothing heavy; moto is only
imported by the modules that need it (it is the optional `emulator` extra).
"""

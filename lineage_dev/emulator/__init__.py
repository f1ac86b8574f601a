"""A local AWS emulator (moto 5.2.5 server) seeded with SageMaker pipelines and S3 datasets.

Used by `make demo` and the tests. Importing this package pulls in nothing heavy; moto is only
imported by the modules that need it (the `dev` extra).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# The emulator accepts any credentials; these keep boto3 and pyarrow from looking for real
# ones, and the config files are emptied so no real profile or region leaks in.
EMULATOR_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
# Variables that would point clients elsewhere than the emulator.
NOT_FOR_EMULATOR = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ENDPOINT_URL_S3")


def emulator_environment(endpoint_url: str, base: Mapping[str, str]) -> dict[str, str]:
    """`base` with every AWS client pointed at the emulator and nothing real left over."""
    environment = {k: v for k, v in base.items() if k not in NOT_FOR_EMULATOR}
    return {**environment, **EMULATOR_ENV, "AWS_ENDPOINT_URL": endpoint_url}

"""botocore sessions: the default chain for the caller's account, and for another account a
session whose credentials come from STS AssumeRole through botocore's own assume-role fetcher
and refreshable credentials, so botocore refreshes them before they expire."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lineage_assets.aws import botocore_session, client_config, error_code, service_models

if TYPE_CHECKING:
    from botocore.credentials import Credentials
    from botocore.session import Session

ASSUME_ROLE_METHOD = "assume-role"
# The longest session STS grants a role assumed with assumed-role credentials (role chaining).
CHAINED_MAX_S = 3600
# botocore sessions are not thread-safe: a session's clients are created under its lock
# (rarely: one per account, service and region, and one STS client per refresh).
_LOCKS: weakref.WeakKeyDictionary[Session, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()


def creation_lock(session: Session) -> threading.Lock:
    """The lock under which clients of `session` are created."""
    with _LOCKS_LOCK:
        lock = _LOCKS.get(session)
        if lock is None:
            lock = _LOCKS[session] = threading.Lock()
        return lock


def default_session() -> Session:
    """A new botocore session on boto3's standard chain (env, profile, SSO, instance role …),
    read now, with the process's loaded service models."""
    session: Session = botocore_session()
    return session


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    """`arn:<partition>:iam::<account>:role/<name>` (the name may carry a path)."""
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


class _NoCache(dict[str, Any]):
    """A fetcher cache that never holds anything: botocore's refreshable credentials keep the
    current credentials, so each refresh asks STS (the cache would hand back the same ones)."""

    def __contains__(self, key: object) -> bool:
        return False

    def __setitem__(self, key: str, value: Any) -> None:
        return None


def assumed_credentials(
    source: Session,
    arn: str,
    *,
    sts_region: str,
    session_name: str,
    duration_s: int,
    external_id: str | None = None,
    time_fetcher: Callable[[], datetime] | None = None,
) -> Credentials:
    """Deferred, refreshable credentials of the role `arn`, assumed with `source`'s
    credentials (read afresh at every refresh, so a refreshing source works too) through the
    regional STS endpoint of `sts_region`. Nothing is called until they are first used."""
    from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials
    from botocore.exceptions import ClientError

    source_credentials = source.get_credentials()
    if source_credentials is None:
        from botocore.exceptions import NoCredentialsError

        raise NoCredentialsError()
    extra: dict[str, Any] = {"RoleSessionName": session_name, "DurationSeconds": duration_s}
    if external_id:
        extra["ExternalId"] = external_id

    def sts_client(service: str, **keys: Any) -> Any:
        """The STS client the fetcher calls AssumeRole with (retries as every client)."""
        with creation_lock(source):
            return source.create_client(
                service, region_name=sts_region, config=client_config(max_attempts=3), **keys
            )

    def fetcher(duration: int) -> AssumeRoleCredentialFetcher:
        """botocore's assume-role fetcher asking for `duration` seconds."""
        arguments = {**extra, "DurationSeconds": duration}
        return AssumeRoleCredentialFetcher(
            sts_client, source_credentials, arn, extra_args=arguments, cache=_NoCache()
        )

    fetchers = [fetcher(duration_s)]

    def fetch() -> dict[str, Any]:
        """Assume the role; a chained role granted at most an hour is asked again for that
        (and for that from then on)."""
        try:
            return fetchers[-1].fetch_credentials()
        except ClientError as error:
            if not refused_for_chaining(error) or duration_s <= CHAINED_MAX_S:
                raise
            fetchers.append(fetcher(CHAINED_MAX_S))
            return fetchers[-1].fetch_credentials()

    options: dict[str, Any] = {} if time_fetcher is None else {"time_fetcher": time_fetcher}
    return DeferredRefreshableCredentials(refresh_using=fetch, method=ASSUME_ROLE_METHOD, **options)


def refused_for_chaining(error: BaseException) -> bool:
    """Whether STS refused the duration because the source credentials are themselves an
    assumed role (role chaining is limited to one hour)."""
    codes = ("ValidationError", "ValidationException")  # STS says ValidationError
    return error_code(error) in codes and "chaining" in str(error)


def session_with(credentials: Credentials, like: Session | None = None) -> Session:
    """A botocore session (region, endpoint and other config from the usual places) whose only
    credential source is `credentials`; it shares `like`'s loaded service models (loading
    them again costs about 0.2 s a session)."""
    import botocore.session
    from botocore.credentials import CredentialProvider, CredentialResolver

    class Given(CredentialProvider):
        """Hands out the given credentials."""

        METHOD = ASSUME_ROLE_METHOD
        CANONICAL_NAME = "lineage-assume-role"

        def load(self) -> Credentials:
            return credentials

    session = botocore.session.get_session()
    session.register_component("credential_provider", CredentialResolver(providers=[Given()]))
    loader = service_models() if like is None else like.get_component("data_loader")
    session.register_component("data_loader", loader)
    return session

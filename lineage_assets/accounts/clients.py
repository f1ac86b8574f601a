"""One account's client factory: `client(service, region)` like `lineage_assets.aws.client`,
but acting in that account and caching one client per (service, region), so every worker of
an account shares one botocore client and thus its adaptive rate limiter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lineage_assets.accounts.sessions import creation_lock
from lineage_assets.aws import client_config

if TYPE_CHECKING:
    from botocore.credentials import Credentials
    from botocore.session import Session

# Enough connections for the crawls' worker pools sharing one client.
MAX_POOL_CONNECTIONS = 32


class AccountClients:
    """Clients acting in one account. Callable as `(service, region)` (a `ClientFactory`) and
    with the same `.client(service, region)`; thread-safe (boto3 sessions are not, clients are)."""

    def __init__(
        self,
        account_id: str,
        session: Session,
        *,
        partition: str = "aws",
        name: str | None = None,
        assumed: bool = False,
        max_attempts: int = 5,
    ) -> None:
        import boto3

        self.account_id = account_id
        self.partition = partition
        self.name = name
        self.assumed = assumed
        self._botocore = session
        self._lock = creation_lock(session)
        self._session = boto3.session.Session(botocore_session=session)
        self._config = client_config(max_attempts, MAX_POOL_CONNECTIONS)
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str) -> Any:
        """The account's client of `service` in `region` (made once, then shared)."""
        key = (service, region)
        with self._lock:
            made = self._clients.get(key)
            if made is None:
                made = self._session.client(service, region_name=region, config=self._config)
                self._clients[key] = made
            return made

    def __call__(self, service: str, region: str, /) -> Any:
        return self.client(service, region)

    @property
    def credentials(self) -> Credentials | None:
        """The credentials the clients sign with (refreshable when the role was assumed)."""
        return self._botocore.get_credentials()

    def close(self) -> None:
        """Close every client made (their connection pools)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for made in clients:
            made.close()

    def __repr__(self) -> str:
        how = "assumed role" if self.assumed else "default chain"
        return f"AccountClients({self.account_id}, {how}, {len(self._clients)} clients)"

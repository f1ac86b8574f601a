"""Accounts against the emulator: the settings, organization discovery (pages, ACTIVE only,
exclusions), an explicit list, member calls made with the assumed role's credentials, botocore
refreshing expired ones, and a refused role and a throttled region recorded in a real store
while the other accounts and regions open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.credentials import DeferredRefreshableCredentials
from botocore.exceptions import ClientError
from botocore.session import Session

from dagster_project.resources import AwsResource, ConfigurationInvalid
from lineage_assets.accounts.discovery import organization_accounts
from lineage_assets.accounts.estate import (
    AccountUnavailable,
    Estate,
    open_account,
    open_estate,
    record,
    region_problem,
)
from lineage_assets.accounts.settings import (
    AccountSettings,
    AccountsMode,
    settings_from_env,
)
from lineage_assets.accounts.views import account_access
from lineage_assets.config import ConfigError
from lineage_dev.emulator import faults
from lineage_dev.emulator.seed_accounts import MEMBER_ACCOUNT_ID
from tests.support.organization import (
    MANAGEMENT,
    MEMBERS,
    acting_in,
    ensure_organization,
)

REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture
def organization(aws_env) -> Session:
    """A crawler session in MANAGEMENT, the management account of the tests' organization."""
    ensure_organization(aws_env.endpoint_url)
    return acting_in(MANAGEMENT)


def _pairs(estate: Estate) -> list[tuple[str, str]]:
    return [(target.account_id, target.region) for target in estate.targets]


# --------------------------------------------------------------------------- settings


def test_settings_default_to_the_callers_account():
    settings = settings_from_env({})
    assert settings == AccountSettings()
    assert settings.mode is AccountsMode.CALLER and settings.duration_s == 3600


def test_settings_read_every_variable():
    settings = settings_from_env(
        {
            "LINEAGE_AWS_ACCOUNTS": " 111111111111, 222222222222,111111111111 ",
            "LINEAGE_AWS_ROLE_NAME": "security/LineageReader",
            "LINEAGE_AWS_EXTERNAL_ID": "dspm-7f3a",
            "LINEAGE_AWS_ACCOUNTS_EXCLUDE": "222222222222",
            "LINEAGE_AWS_SESSION_DURATION": "900",
        }
    )
    assert settings.mode is AccountsMode.EXPLICIT
    assert settings.account_ids == ("111111111111", "222222222222")
    assert settings.exclude == {"222222222222"}
    assert (settings.role_name, settings.external_id) == ("security/LineageReader", "dspm-7f3a")
    assert settings.duration_s == 900
    assert settings_from_env({"LINEAGE_AWS_ACCOUNTS": "Organization"}).mode is (
        AccountsMode.ORGANIZATION
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LINEAGE_AWS_ACCOUNTS", "12345"),
        ("LINEAGE_AWS_ACCOUNTS", "organisation"),
        ("LINEAGE_AWS_ACCOUNTS", " , "),
        ("LINEAGE_AWS_ACCOUNTS_EXCLUDE", "11111111111a"),
        ("LINEAGE_AWS_ROLE_NAME", "role name with spaces"),
        ("LINEAGE_AWS_EXTERNAL_ID", "x"),
        ("LINEAGE_AWS_SESSION_NAME", "a" * 65),
        ("LINEAGE_AWS_SESSION_DURATION", "60"),
    ],
)
def test_a_malformed_setting_fails_with_one_line_naming_it(variable, value):
    with pytest.raises(ConfigError) as raised:
        settings_from_env({variable: value})
    message = str(raised.value)
    assert message.startswith(variable) and "\n" not in message


# --------------------------------------------------------------------------- discovery


def test_organization_discovery_lists_every_page_active_accounts_only(organization):
    organizations = organization.create_client("organizations", region_name="us-east-1")
    listed = organization_accounts(organizations, page_size=2)
    ids = [account.account_id for account in listed]
    assert sorted(ids) == sorted([MANAGEMENT, *MEMBERS])  # SUSPENDED left out, over 3 pages
    assert len(set(ids)) == len(ids)
    assert {a.name for a in listed if a.account_id == MEMBERS[0]} == {f"member-{MEMBERS[0]}"}


def test_organization_mode_opens_every_account_but_the_excluded(organization):
    settings = AccountSettings(
        mode=AccountsMode.ORGANIZATION, exclude=frozenset({MEMBERS[3]}), role_name="Reader"
    )
    estate = open_estate(settings, REGIONS, source=organization, max_attempts=1)
    assert estate.problems == []
    assert estate.caller.account_id == MANAGEMENT
    opened = [clients.account_id for clients in estate.accounts]
    assert opened[0] == MANAGEMENT  # the caller first, on the default chain
    assert sorted(opened) == sorted([MANAGEMENT, *MEMBERS[:3]])
    assert not estate.accounts[0].assumed and all(a.assumed for a in estate.accounts[1:])
    assert sorted(_pairs(estate)) == sorted(
        (account, region) for account in opened for region in REGIONS
    )


def test_an_organization_that_cannot_be_listed_leaves_the_callers_account(aws_env):
    source = acting_in("300000000777")  # in no organization
    settings = AccountSettings(mode=AccountsMode.ORGANIZATION)
    estate = open_estate(settings, REGIONS[:1], source=source)
    assert _pairs(estate) == [("300000000777", REGIONS[0])], estate.errors
    assert [p.key for p in estate.problems] == ["aws_account:organization"]
    # AWS answers AWSOrganizationsNotInUseException (or AccessDenied in a member account);
    # moto lists no account.
    assert estate.problems[0].error_type in {
        "AWSOrganizationsNotInUseException",
        "EmptyOrganization",
    }


# --------------------------------------------------------------------------- sessions


def test_member_calls_use_the_assumed_roles_credentials(organization):
    settings = AccountSettings(
        mode=AccountsMode.EXPLICIT,
        account_ids=(MEMBERS[1], MANAGEMENT),
        external_id="dspm-7f3a",
        session_name="lineage-tests",
    )
    estate = open_estate(settings, REGIONS[:1], source=organization)
    member, caller = estate.of_account(MEMBERS[1]), estate.of_account(MANAGEMENT)
    assert member is not None and caller is not None and member.assumed
    identity = member.client("sts", REGIONS[0]).get_caller_identity()
    assert identity["Arn"] == (
        f"arn:aws:sts::{MEMBERS[1]}:assumed-role/LineageReadOnly/lineage-tests"
    )
    member_buckets = [b["Name"] for b in member.client("s3", REGIONS[0]).list_buckets()["Buckets"]]
    caller_buckets = [b["Name"] for b in caller.client("s3", REGIONS[0]).list_buckets()["Buckets"]]
    assert member_buckets == [f"member-bucket-{MEMBERS[1]}"]
    assert f"caller-bucket-{MANAGEMENT}" in caller_buckets and member_buckets[0] not in (
        caller_buckets
    )
    # One client per (service, region), shared by whoever asks.
    assert member.client("s3", REGIONS[0]) is member("s3", REGIONS[0])


def test_expired_credentials_are_refreshed_by_botocore(organization):
    settings = AccountSettings(mode=AccountsMode.EXPLICIT, account_ids=(MEMBERS[2],))
    estate = open_estate(settings, REGIONS[:1], source=organization)
    member = estate.of_account(MEMBERS[2])
    assert member is not None
    credentials = member.credentials
    assert isinstance(credentials, DeferredRefreshableCredentials)
    first = credentials.get_frozen_credentials().access_key
    # The expiry botocore holds moves into the past, as an hour later.
    credentials._expiry_time = datetime.now(UTC) - timedelta(seconds=1)
    s3 = member.client("s3", REGIONS[0])
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert names == [f"member-bucket-{MEMBERS[2]}"]
    refreshed = credentials.get_frozen_credentials().access_key
    assert refreshed != first
    assert credentials._expiry_time > datetime.now(UTC) + timedelta(minutes=50)


# --------------------------------------------------------------------------- failures


def test_a_refused_role_and_a_throttled_region_are_recorded_while_the_rest_opens(
    organization, store
):
    settings = AccountSettings(
        mode=AccountsMode.EXPLICIT, account_ids=(MEMBERS[0], MEMBERS[1], MEMBERS[2])
    )
    with faults.injected(denied_accounts=[MEMBERS[1]], throttled=[f"{MEMBERS[2]}/eu-west-1"]):
        estate = open_estate(settings, REGIONS, source=organization, max_attempts=1)
        record(estate, store, run_id="r1")
    assert sorted(_pairs(estate)) == [
        (MEMBERS[0], "eu-west-1"),
        (MEMBERS[0], "us-east-1"),
        (MEMBERS[2], "us-east-1"),
    ]
    access = {a.source_key: a for a in account_access(store.conn)}
    denied, throttled = (
        access[f"aws_account:{MEMBERS[1]}"],
        access[f"aws_account:{MEMBERS[2]}/eu-west-1"],
    )
    assert denied.status == "failed" and "AccessDenied" in (denied.last_error or "")
    assert throttled.status == "failed" and "ThrottlingException" in (throttled.last_error or "")
    assert throttled.account_id == MEMBERS[2] and throttled.region == "eu-west-1"
    assert {key for key, a in access.items() if a.status == "ok"} == {
        f"aws_account:{MEMBERS[0]}",
        f"aws_account:{MEMBERS[0]}/us-east-1",
        f"aws_account:{MEMBERS[0]}/eu-west-1",
        f"aws_account:{MEMBERS[2]}",
        f"aws_account:{MEMBERS[2]}/us-east-1",
    }
    # Without the faults the next run opens them and clears the failures.
    record(open_estate(settings, REGIONS, source=organization, max_attempts=1), store, run_id="r2")
    assert {a.status for a in account_access(store.conn)} == {"ok"}


# --------------------------------------------------------------------------- Dagster resource


def test_the_aws_resource_opens_the_seeded_organization(aws_env, monkeypatch):
    monkeypatch.setenv("LINEAGE_AWS_ACCOUNTS", "organization")
    estate = AwsResource(regions="us-east-1").estate()
    try:
        assert sorted(_pairs(estate)) == [
            (aws_env.account_id, "us-east-1"),
            (MEMBER_ACCOUNT_ID, "us-east-1"),
        ]
        member = estate.of_account(MEMBER_ACCOUNT_ID)
        assert member is not None and member.assumed
    finally:
        estate.close()
    # The resource's own setting wins over the environment.
    resource = AwsResource(regions="us-east-1", accounts=aws_env.account_id)
    assert resource.account_settings().account_ids == (aws_env.account_id,)


def test_a_malformed_account_setting_fails_the_run_with_one_line_naming_it():
    with pytest.raises(ConfigurationInvalid) as raised:
        AwsResource(regions="us-east-1", accounts="1234").account_settings()
    assert (raised.value.description or "").startswith("LINEAGE_AWS_ACCOUNTS:")


def test_one_account_opens_by_id_when_configured_and_refuses_otherwise(organization):
    settings = AccountSettings(mode=AccountsMode.EXPLICIT, account_ids=(MEMBERS[0], MEMBERS[1]))
    member = open_account(settings, MEMBERS[0], "eu-west-1", source=organization)
    assert member.assumed and member.account_id == MEMBERS[0]
    assert member.client("sts", "eu-west-1").get_caller_identity()["Account"] == MEMBERS[0]
    not_configured = f"aws_account:{MEMBERS[2]}: NotConfigured: not among"
    with pytest.raises(AccountUnavailable, match=not_configured):
        open_account(settings, MEMBERS[2], "eu-west-1", source=organization)
    with (
        faults.injected(denied_accounts=[MEMBERS[1]]),
        pytest.raises(AccountUnavailable, match=f"aws_account:{MEMBERS[1]}: AccessDenied"),
    ):
        open_account(settings, MEMBERS[1], "eu-west-1", source=organization, max_attempts=1)


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        ("UnrecognizedClientException", "region not enabled"),  # SageMaker, Glue (JSON APIs)
        ("InvalidClientTokenId", "region not enabled"),  # STS in a disabled opt-in region
        ("AuthFailure", "region not enabled"),  # EC2-style APIs
        ("ThrottlingException", "region throttled"),
        ("Throttling", "region throttled"),  # STS's (query API) throttling code
        ("InternalFailure", "region unusable"),
    ],
)
def test_a_failed_region_probe_says_why(code, meaning):
    error = ClientError({"Error": {"Code": code, "Message": "m"}}, "GetCallerIdentity")
    assert region_problem(error).startswith(meaning)


def test_a_chained_role_asked_for_more_than_an_hour_is_assumed_for_an_hour(organization):
    # The crawler's own credentials are an assumed role here, so STS grants at most an hour
    # (the emulator enforces it when told to; moto itself never does).
    settings = AccountSettings(
        mode=AccountsMode.EXPLICIT, account_ids=(MEMBERS[0],), duration_s=4 * 3600
    )
    with faults.injected(chained=True):
        estate = open_estate(settings, REGIONS[:1], source=organization, max_attempts=1)
        member = estate.of_account(MEMBERS[0])
        assert estate.problems == [] and member is not None
        credentials = member.credentials
        assert credentials is not None
        left = credentials._expiry_time - datetime.now(UTC)
        assert timedelta(minutes=50) < left <= timedelta(hours=1)
        # Refreshes ask for the hour straight away.
        credentials._expiry_time = datetime.now(UTC) - timedelta(seconds=1)
        names = [b["Name"] for b in member.client("s3", REGIONS[0]).list_buckets()["Buckets"]]
        assert names == [f"member-bucket-{MEMBERS[0]}"]
    with faults.injected(chained=True):
        short = AccountSettings(mode=AccountsMode.EXPLICIT, account_ids=(MEMBERS[0],))
        assert open_estate(short, REGIONS[:1], source=organization).problems == []


def test_the_emulators_faults_come_from_one_variable_and_are_off_by_default():
    before = (set(faults.FAULTS.denied_accounts), set(faults.FAULTS.throttled))
    try:
        faults.configure(
            "deny=111111111111, 222222222222; throttle=eu-west-1,333333333333/us-east-1"
        )
        assert faults.FAULTS.refuses_role("arn:aws:iam::222222222222:role/LineageReadOnly")
        assert not faults.FAULTS.refuses_role("arn:aws:iam::444444444444:role/LineageReadOnly")
        assert faults.FAULTS.throttles("555555555555", "eu-west-1")
        assert faults.FAULTS.throttles("333333333333", "us-east-1")
        assert not faults.FAULTS.throttles("555555555555", "us-east-1")
        with pytest.raises(ValueError, match="unknown fault 'slow'"):
            faults.configure("slow=1")
        faults.configure("")
        assert faults.Faults() == faults.FAULTS
    finally:
        faults.FAULTS.denied_accounts, faults.FAULTS.throttled = before

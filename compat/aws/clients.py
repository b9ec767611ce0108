"""AWS clients for the preflight, and AWS failures as clear typed errors.

Clients are created once per (service, region) by :class:`SessionClients`
from a boto3 session (``--profile``, the environment or the default chain),
with standard retries and timeouts, and handed to the logic; tests hand in
stubbed clients instead. The endpoint comes from boto3's own configuration,
so ``AWS_ENDPOINT_URL`` and profile settings work as users expect.

boto3 and botocore are imported inside functions only, so that importing
this module (or ``compat``) costs nothing for ``resolve``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from compat.errors import (
    AwsAccessDeniedError,
    AwsCredentialsError,
    AwsError,
    AwsNetworkError,
    AwsThrottledError,
)

if TYPE_CHECKING:
    from boto3.session import Session

SERVICE_QUOTAS = "service-quotas"
SAGEMAKER = "sagemaker"
#: Seconds to wait for a connection and for an answer.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0
#: Attempts per call (standard retry mode retries throttling and 5xx).
MAX_ATTEMPTS = 5

# Hints here are shown by every face that asks AWS (preflight, quota show/scan/request,
# verify --online, the HTTP service), so they name no command's option; a command adds its
# own way out (preflight: --no-aws), see tests/cli/test_hints.py.
_CREDENTIALS_HINT = (
    "set credentials with 'aws configure', 'aws sso login', the AWS_PROFILE variable, "
    "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
)


@runtime_checkable
class ClientSource(Protocol):
    """Gives the boto3 client of a service in a region."""

    def client(self, service: str, region: str) -> Any: ...


#: What callers may pass as ``clients``: a :class:`ClientSource`, a mapping of
#: service -> client or service -> {region: client}, or None (clients from a session).
Clients = ClientSource | Mapping[Any, Any] | None


class SessionClients:
    """Clients from one boto3 session, created once per (service, region), thread-safe."""

    def __init__(
        self,
        session: Session | None = None,
        *,
        profile: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._session = session
        self._profile = profile
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._max_attempts = max_attempts
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def _get_session(self) -> Session:
        if self._session is None:
            self._session = make_session(self._profile)
        return self._session

    def client(self, service: str, region: str) -> Any:
        with self._lock:
            key = (service, region)
            found = self._clients.get(key)
            if found is None:
                from botocore.config import Config

                config = Config(
                    retries={"mode": "standard", "max_attempts": self._max_attempts},
                    connect_timeout=self._connect_timeout,
                    read_timeout=self._read_timeout,
                )
                # The stubs type client() per literal service name; ``service`` is any.
                session: Any = self._get_session()
                with aws_call(f"create the {service} client in {region}"):
                    found = session.client(service, region_name=region, config=config)
                self._clients[key] = found
            return found


class MappingClients:
    """Clients given as a mapping: service -> client, or service -> {region: client}."""

    def __init__(self, clients: Mapping[Any, Any]) -> None:
        self._clients = clients

    def client(self, service: str, region: str) -> Any:
        if (service, region) in self._clients:
            return self._clients[(service, region)]
        given = self._clients.get(service)
        if isinstance(given, Mapping):
            given = given.get(region)
        if given is None:
            raise AwsError(
                f"no {service} client was given for {region}",
                hint=f"pass clients={{'{service}': {{'{region}': client}}}}",
            )
        return given


def client_source(
    clients: Clients = None, session: Session | None = None, profile: str | None = None
) -> ClientSource:
    """A :class:`ClientSource` from injected ``clients``, a ``session`` or a profile."""
    if clients is not None:
        if isinstance(clients, ClientSource):
            return clients
        if isinstance(clients, Mapping):
            return MappingClients(clients)
        raise TypeError("clients must have a client(service, region) method or be a mapping")
    return SessionClients(session, profile=profile)


def make_session(profile: str | None = None) -> Session:
    """A boto3 session for ``profile`` (or the default chain)."""
    import boto3

    with aws_call("open the AWS profile"):
        return boto3.session.Session(profile_name=profile)


def endpoint_of(client: Any) -> str:
    """The endpoint URL a client talks to (a cache key; stubs may lack one)."""
    meta = getattr(client, "meta", None)
    return str(getattr(meta, "endpoint_url", "") or "")


#: ClientError codes, by meaning.
_ACCESS_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
}
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
_BAD_CREDENTIALS = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "MissingAuthenticationToken",
}
_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
}
_UNAVAILABLE = {"ServiceUnavailable", "ServiceUnavailableException", "ServiceException"}
_OPT_IN = {"OptInRequired", "InvalidRegion"}
_INVALID = {
    "ValidationException",
    "ValidationError",
    "InvalidParameterValue",
    "InvalidParameterException",
    "InvalidInputException",
}


def translate(exc: BaseException, action: str) -> AwsError | None:
    """The AwsError that explains ``exc`` (raised while doing ``action``), or None."""
    import botocore.exceptions as bx

    if isinstance(exc, bx.ProfileNotFound):
        return AwsCredentialsError(
            f"the AWS profile was not found: {exc}",
            hint="list profiles with 'aws configure list-profiles', or drop --profile "
            "(and unset AWS_PROFILE)",
        )
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return AwsCredentialsError(
            f"no AWS credentials were found to {action}", hint=_CREDENTIALS_HINT
        )
    if isinstance(exc, bx.TokenRetrievalError | bx.SSOError | bx.UnauthorizedSSOTokenError):
        return AwsCredentialsError(
            f"the AWS SSO session could not give credentials to {action}: {exc}",
            hint="run 'aws sso login' (with --profile P), or set other credentials",
        )
    if isinstance(exc, bx.NoRegionError):
        return AwsError(f"no AWS region to {action}", hint="pass --region, e.g. us-west-2")
    if isinstance(exc, bx.ConnectTimeoutError | bx.ReadTimeoutError):
        return AwsNetworkError(
            f"AWS did not answer in time to {action}: {exc}",
            hint="check the network, proxy or VPC endpoint (AWS_ENDPOINT_URL)",
        )
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectionClosedError):
        return AwsNetworkError(
            f"the AWS endpoint could not be reached to {action}: {exc}",
            hint="check the network, the region (is it enabled for the account?) and "
            "AWS_ENDPOINT_URL",
        )
    if isinstance(exc, bx.HTTPClientError):
        return AwsNetworkError(
            f"the connection to AWS failed to {action}: {exc}", hint="check the network and retry"
        )
    if isinstance(exc, bx.ClientError):
        return _client_error(exc, action)
    if isinstance(exc, bx.BotoCoreError):
        return AwsError(f"could not {action}: {exc}", hint="check the network and retry")
    return None


def _client_error(exc: Any, action: str) -> AwsError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "")) or "Unknown"
    text = str(error.get("Message", "")) or code
    if code in _ACCESS_DENIED:
        iam = _iam_action(action)
        return AwsAccessDeniedError(
            f"access denied to {action}: {text}",
            hint=(f"allow the IAM action {iam}; " if iam else "")
            + "'smddp-compat iam-policy' prints the policy preflight needs",
            action=iam,
        )
    if code in _EXPIRED:
        return AwsCredentialsError(
            f"the AWS credentials have expired ({code}) to {action}",
            hint="refresh them ('aws sso login', or new temporary credentials)",
        )
    if code in _BAD_CREDENTIALS:
        return AwsCredentialsError(
            f"AWS rejected the credentials ({code}) to {action}: {text}",
            hint="check the access key, secret and session token of the profile; if other "
            "regions work, this region may not be enabled for the account",
        )
    if code in _THROTTLED:
        return AwsThrottledError(
            f"AWS throttled the calls to {action} after retries ({code})",
            hint="wait a minute and retry, or check fewer regions at once",
        )
    if code in _OPT_IN:
        return AwsError(
            f"the region is not enabled for this account ({code}) to {action}: {text}",
            hint="enable the region in the account settings, or choose another region",
        )
    if code in _UNAVAILABLE:
        return AwsNetworkError(
            f"AWS was unavailable ({code}) to {action}: {text}",
            hint="retry later",
        )
    if code in _INVALID:
        # Retrying an invalid request gives the same answer: say what AWS found invalid.
        return AwsError(
            f"AWS found the request to {action} invalid ({code}): {text}",
            hint="correct the value AWS names above; retrying the same request will not help",
        )
    return AwsError(f"AWS refused to {action}: {code}: {text}", hint="check the network and retry")


#: Words in an action description -> the IAM action it needs.
_ACTIONS = {
    "ListAWSDefaultServiceQuotas": "servicequotas:ListAWSDefaultServiceQuotas",
    "GetAWSDefaultServiceQuota": "servicequotas:GetAWSDefaultServiceQuota",
    "GetServiceQuota": "servicequotas:GetServiceQuota",
    "RequestServiceQuotaIncrease": "servicequotas:RequestServiceQuotaIncrease",
    "ListRequestedServiceQuotaChangeHistoryByQuota": (
        "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota"
    ),
    "ListTrainingJobs": "sagemaker:ListTrainingJobs",
    "DescribeTrainingJob": "sagemaker:DescribeTrainingJob",
}


def _iam_action(action: str) -> str | None:
    for word in action.replace("(", " ").split():
        if word in _ACTIONS:
            return _ACTIONS[word]
    return None


@contextmanager
def aws_call(action: str) -> Iterator[None]:
    """Run AWS calls, turning botocore failures into AwsError that say what to do.

    ``action`` says what was being done, such as ``"call GetServiceQuota in
    us-west-2"``; an API name in it names the IAM action when access is denied.
    """
    try:
        yield
    except AwsError:
        raise
    except Exception as exc:
        translated = translate(exc, action)
        if translated is None:
            raise
        raise translated from exc

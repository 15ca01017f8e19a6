"""Single sign-on with the council's identity provider (OpenID Connect, with Authlib).

The authorisation code flow with PKCE (S256), `state` and `nonce`:
1. `/sign-in/council` makes a random state, nonce and code verifier, keeps them in a
   short-lived HttpOnly cookie bound to this browser (`ehc_oidc`, ten minutes, only
   sent to the return path) and sends the browser to the provider.
2. `/sign-in/council/return` refuses a state that is not the cookie's, exchanges the
   code (with the verifier and the client secret) for tokens, and checks the ID
   token: its signature against the provider's published keys, issuer, audience,
   expiry and the nonce. Then `accounts.single_sign_on` finds the account by verified
   email (or the provider subject it is linked to), or makes one from the council's
   role map; anyone else sees a page saying they have no account, not a new one.

Nothing here logs a token, a secret or an email address. The provider's metadata and
keys are fetched once per worker (the keys again when a token names a new key).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from workflow.account_models import ROLES
from workflow.config import Config
from workflow.errors import InvalidInput

ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
HTTP_TIMEOUT_SECONDS = 10
FLOW_LIFETIME_SECONDS = 600  # from leaving for the provider to coming back
CLOCK_SKEW_SECONDS = 60


@dataclass(frozen=True)
class RoleGrant:
    """What a value of the role claim (a group or app role) makes its holder here."""

    role: str
    team: str | None = None


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)  # never in a log line or a traceback's repr
    scopes: str = "openid email profile"
    role_claim: str = "groups"
    role_map: dict[str, RoleGrant] = field(default_factory=dict)
    provider_name: str = "your council account"

    def grant_for(self, claims: dict[str, Any]) -> RoleGrant | None:
        """The first mapped role the claims hold, in the map's order (put the highest first)."""
        held = claims.get(self.role_claim)
        values = {held} if isinstance(held, str) else set(held or [])
        return next((g for value, g in self.role_map.items() if value in values), None)


def parse_role_map(text: str | None) -> dict[str, RoleGrant]:
    """`group-or-role=role` or `=role/team`, comma separated (EHC_OIDC_ROLE_MAP)."""
    grants: dict[str, RoleGrant] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        value, sep, target = item.partition("=")
        role_, _, team_ = target.strip().partition("/")
        role, team = role_.strip(), team_.strip() or None
        if not sep or not value.strip() or role not in ROLES:
            raise InvalidInput(
                f"EHC_OIDC_ROLE_MAP: enter each entry as value=role or value=role/team, "
                f"with a role of {', '.join(ROLES)} (got {item.strip()!r})"
            )
        if role == "officer" and team is None:
            raise InvalidInput(
                f"EHC_OIDC_ROLE_MAP: an officer works in a team: enter {value.strip()}=officer/TEAM"
            )
        grants[value.strip()] = RoleGrant(role, team)
    return grants


@dataclass(frozen=True)
class SignInOptions:
    """How people sign in (web.context keeps one): second factors, passwords, the provider."""

    two_factor_for_all: bool = False
    local_accounts: bool = True
    oidc: OidcSettings | None = None

    @classmethod
    def from_config(cls, config: Config) -> SignInOptions:
        given = [config.oidc_issuer, config.oidc_client_id, config.oidc_client_secret]
        oidc = None
        if any(given):
            if not all(given):
                raise InvalidInput(
                    "Single sign-on needs all three of EHC_OIDC_ISSUER, EHC_OIDC_CLIENT_ID "
                    "and EHC_OIDC_CLIENT_SECRET"
                )
            assert config.oidc_issuer and config.oidc_client_id and config.oidc_client_secret
            oidc = OidcSettings(
                issuer=config.oidc_issuer.rstrip("/"),
                client_id=config.oidc_client_id,
                client_secret=config.oidc_client_secret.get_secret_value(),
                scopes=config.oidc_scopes,
                role_claim=config.oidc_role_claim,
                role_map=parse_role_map(config.oidc_role_map),
                provider_name=config.oidc_provider_name,
            )
        if not config.local_accounts and oidc is None:
            raise InvalidInput(
                "EHC_LOCAL_ACCOUNTS=0 switches off passwords: set up single sign-on first "
                "(EHC_OIDC_ISSUER, EHC_OIDC_CLIENT_ID, EHC_OIDC_CLIENT_SECRET)"
            )
        return cls(config.two_factor_for_all, config.local_accounts, oidc)


class ProviderError(Exception):
    """The provider could not be reached, or answered something that is not OpenID Connect."""


class TokenRefused(Exception):
    """The ID token, state or nonce failed a check: nobody is signed in."""


@dataclass(frozen=True)
class Flow:
    """What the browser carries between leaving for the provider and coming back."""

    state: str
    nonce: str
    verifier: str
    next: str

    def to_cookie(self) -> str:
        raw = json.dumps([self.state, self.nonce, self.verifier, self.next]).encode()
        return base64.urlsafe_b64encode(raw).decode()

    @classmethod
    def from_cookie(cls, value: str | None) -> Flow | None:
        if not value:
            return None
        try:
            state, nonce, verifier, next_ = json.loads(base64.urlsafe_b64decode(value.encode()))
        except (ValueError, TypeError):
            return None
        if not all(isinstance(v, str) for v in (state, nonce, verifier, next_)):
            return None
        return cls(state, nonce, verifier, next_)


def new_flow(next_: str) -> Flow:
    return Flow(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),  # 86 characters: RFC 7636 asks 43-128
        next=next_,
    )


class Provider:
    """The council's provider: its metadata and keys, and the two calls of the flow."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None

    def _get_json(self, url: str) -> dict[str, Any]:
        import requests

        try:
            response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS)
            response.raise_for_status()
            found = response.json()
        except (requests.RequestException, ValueError) as e:
            raise ProviderError(f"{url}: {type(e).__name__}") from None
        if not isinstance(found, dict):
            raise ProviderError(f"{url}: not a JSON object")
        return found

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                url = self.settings.issuer + "/.well-known/openid-configuration"
                found = self._get_json(url)
                if str(found.get("issuer", "")).rstrip("/") != self.settings.issuer:
                    raise ProviderError(f"{url}: its issuer is not EHC_OIDC_ISSUER")
                for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(found.get(key), str):
                        raise ProviderError(f"{url}: no {key}")
                self._metadata = found
            return self._metadata

    def _keys(self, refresh: bool = False) -> dict[str, Any]:
        jwks_uri = self.metadata()["jwks_uri"]
        with self._lock:
            if self._jwks is None or refresh:
                self._jwks = self._get_json(jwks_uri)
            return self._jwks

    def _client(self, redirect_uri: str) -> Any:
        from authlib.integrations.requests_client import OAuth2Session

        client = OAuth2Session(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            scope=self.settings.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_post",
            default_timeout=HTTP_TIMEOUT_SECONDS,
        )
        return client

    def authorization_url(self, flow: Flow, redirect_uri: str) -> str:
        client = self._client(redirect_uri)
        url, _ = client.create_authorization_url(
            self.metadata()["authorization_endpoint"],
            state=flow.state,
            nonce=flow.nonce,
            code_verifier=flow.verifier,
        )
        return str(url)

    def end_session_url(self, after: str) -> str | None:
        """Where to send the browser to end the provider's session too (RP-initiated
        logout), if the provider offers it (Entra ID does; Google does not)."""
        from urllib.parse import urlencode

        try:
            endpoint = self.metadata().get("end_session_endpoint")
        except ProviderError:
            return None
        if not isinstance(endpoint, str):
            return None
        query = urlencode({"client_id": self.settings.client_id, "post_logout_redirect_uri": after})
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def finish(self, flow: Flow, code: str, redirect_uri: str) -> dict[str, Any]:
        """Exchange the code for tokens and return the ID token's checked claims (with
        the userinfo's, where the ID token lacks the email)."""
        from authlib.common.errors import AuthlibBaseError
        from requests import RequestException

        client = self._client(redirect_uri)
        try:
            token = client.fetch_token(
                self.metadata()["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=flow.verifier,
            )
        except (AuthlibBaseError, RequestException, ValueError) as e:
            raise TokenRefused(f"the code exchange failed: {type(e).__name__}") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise TokenRefused("the provider sent no ID token")
        claims = self.check_id_token(id_token, flow.nonce)
        if "email" not in claims and isinstance(self.metadata().get("userinfo_endpoint"), str):
            try:
                response = client.get(self.metadata()["userinfo_endpoint"])
                response.raise_for_status()
                extra = response.json()
            except (RequestException, ValueError):
                extra = {}
            if isinstance(extra, dict) and extra.get("sub") == claims["sub"]:
                claims = {**extra, **claims}
        return claims

    def check_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        def decode(keys: dict[str, Any]) -> Any:
            key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]  # checked by joserfc
            return jwt.decode(id_token, key_set, list(ID_TOKEN_ALGORITHMS))

        try:
            try:
                token = decode(self._keys())
            except JoseError:  # a key the provider rotated in since the keys were read
                token = decode(self._keys(refresh=True))
            registry = jwt.JWTClaimsRegistry(
                now=lambda: int(time.time()),  # the provider's tokens run on real time
                leeway=CLOCK_SKEW_SECONDS,
                iss={"essential": True, "value": self.settings.issuer},
                sub={"essential": True},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            )
            registry.validate(token.claims)
        except (JoseError, ValueError) as e:
            raise TokenRefused(f"the ID token failed a check: {type(e).__name__}") from None
        claims: dict[str, Any] = dict(token.claims)
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.settings.client_id not in audiences:
            raise TokenRefused("the ID token is for another client")
        if len(audiences) > 1 and claims.get("azp") != self.settings.client_id:
            raise TokenRefused("the ID token's authorised party is another client")
        return claims


def verified_email(claims: dict[str, Any]) -> str | None:
    """The email address the provider vouches for: `email_verified` (Google, most
    providers), or Entra ID's `xms_edov` (the email's domain is verified for the
    tenant: add it as an optional claim, docs/sign-in.md). Otherwise none."""
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        return None
    if claims.get("email_verified") is True or claims.get("xms_edov") in (True, "1", "true"):
        return email
    return None

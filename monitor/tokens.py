"""Signed tokens: the feedback links in digests, and the web app's sessions and CSRF tokens.

itsdangerous (HMAC-SHA1 over the payload and a timestamp, keyed by MONITOR_SECRET_KEY or a
key generated once into the data folder). A token names what it may do: a feedback token
carries the article, the digest's period, the recipient and the action, so it can record
that one answer and nothing else, and it expires.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from monitor.errors import ConfigError
from monitor.models import FEEDBACK_LABELS, FeedbackLabel

FEEDBACK_MAX_AGE = 60 * 86400.0  # seconds a feedback link works after the digest was sent
KEY_FILE = "secret_key"


class TokenError(ValueError):
    """A token that is malformed, forged or expired (a client error, not a MonitorError)."""


@dataclass(frozen=True)
class FeedbackClaim:
    article_id: int
    period: str
    recipient: str
    action: FeedbackLabel


def load_or_create_key(configured: str | None, data_dir: Path) -> str:
    """The configured key, else the one in `data_dir/secret_key`, made once (mode 0600)."""
    if configured:
        return configured
    path = data_dir / KEY_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ConfigError(f"cannot read the secret key file {path}: {exc}") from exc
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it meanwhile
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(f"cannot create the secret key file {path}: {exc}") from exc
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


class Signer:
    """Signs and checks the app's tokens, each kind under its own salt."""

    def __init__(self, key: str) -> None:
        self._feedback = URLSafeTimedSerializer(key, salt="monitor.feedback")
        self._session = URLSafeTimedSerializer(key, salt="monitor.session")

    def feedback_token(self, claim: FeedbackClaim) -> str:
        return self._feedback.dumps([claim.article_id, claim.period, claim.recipient, claim.action])

    def check_feedback(self, token: str, max_age: float = FEEDBACK_MAX_AGE) -> FeedbackClaim:
        """The claim a token makes; raises TokenError when forged, malformed or expired."""
        payload = _loads(self._feedback, token, max_age)
        if (
            not isinstance(payload, list)
            or len(payload) != 4
            or not isinstance(payload[0], int)
            or not all(isinstance(p, str) for p in payload[1:])
            or payload[3] not in FEEDBACK_LABELS
        ):
            raise TokenError("not a feedback token")
        return FeedbackClaim(payload[0], payload[1], payload[2], cast(FeedbackLabel, payload[3]))

    def session_token(self, user: str, csrf: str) -> str:
        return self._session.dumps([user, csrf])

    def check_session(self, token: str, max_age: float) -> tuple[str, str]:
        payload = _loads(self._session, token, max_age)
        if not (
            isinstance(payload, list)
            and len(payload) == 2
            and all(isinstance(p, str) for p in payload)
        ):
            raise TokenError("not a session")
        return payload[0], payload[1]


def _loads(serializer: URLSafeTimedSerializer, token: str, max_age: float) -> Any:
    if len(token) > 2048:
        raise TokenError("token too long")
    try:
        return serializer.loads(token, max_age=int(max_age))
    except SignatureExpired as exc:
        raise TokenError("this link has expired") from exc
    except (BadSignature, ValueError, UnicodeError) as exc:
        raise TokenError("this link is not valid") from exc

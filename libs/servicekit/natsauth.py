"""A service's NATS credentials, from its settings: a ``.creds`` file (JWT + nkey), a token, or
user + password (inline or from a mounted file). The server's configuration decides what each
user may do (:mod:`servicekit.natsperms`)."""

from __future__ import annotations

from typing import Any

from servicekit.settings import ServiceSettings


def connect_options(settings: ServiceSettings) -> dict[str, Any]:
    """Keyword arguments for faststream's ``NatsBroker`` (empty: anonymous)."""
    if settings.nats_creds_file is not None:
        return {"user_credentials": str(settings.nats_creds_file)}
    token = settings.nats_token.get_secret_value()
    if token:
        return {"token": token}
    if settings.nats_user:
        from faststream.security import SASLPlaintext

        password = settings.nats_password.get_secret_value()
        if settings.nats_password_file is not None:
            password = settings.nats_password_file.read_text().strip()
        return {"security": SASLPlaintext(username=settings.nats_user, password=password)}
    return {}


async def setup_streams(url: str, *, user: str = "", password: str = "") -> None:
    """Creates or updates the streams and the sessions bucket as a user allowed to (admin):
    what ``frontdesk up`` and a deployment's setup job run before services that may not."""
    import nats

    from servicekit.jetstream import ensure_streams

    options: dict[str, Any] = {"user": user, "password": password} if user else {}
    connection = await nats.connect(url, allow_reconnect=False, **options)
    try:
        await ensure_streams(connection.jetstream())
    finally:
        await connection.close()

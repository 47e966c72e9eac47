"""ASGI entry point: Django for HTTP, Channels for the intake's WebSockets (docs/consultations.md).

daphne serves it (`make run`, and in production). WebSocket connections must come from one of
ALLOWED_HOSTS (an Origin check) and carry the staff session for the counsellor's sockets. A socket
path that no route serves is refused during the handshake, like an unknown URL (``UnknownSocket``).
"""

import logging
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django is set up before anything imports models.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from daphne.http_protocol import WebRequest  # noqa: E402
from django.urls import re_path  # noqa: E402

from tsunagu.consultations.routing import websocket_urlpatterns  # noqa: E402

logger = logging.getLogger(__name__)

# daphne's HTTP requests are Twisted's, which parse every form body (multipart and urlencoded) into
# their own arguments before the application sees it, and answer a body they cannot parse (a
# multipart body without its boundary, say) with a bare 400: no security headers, no message in the
# page's language, and tsunagu never sees the request (issue 15). daphne never uses those
# arguments. Twisted's constructor takes the switch off, but daphne builds its requests itself, so
# the switch is pinned here for every request (a data descriptor wins over the instance attribute
# the constructor sets). Django then reads every body, through the form-encoding guard
# (tsunagu/core/encoding.py), and parsing each body twice is saved as well.
WebRequest._parsePOSTFormSubmission = property(lambda self: False, lambda self, value: None)


class UnknownSocket(AsyncWebsocketConsumer):  # type: ignore[misc]
    """The last route: a path no other route serves. Channels' router raises on such a path, and
    daphne answered the handshake with a 500 and logged a traceback. It is refused instead, before
    the socket opens: daphne answers the handshake with 403 (it has no way to send a 404 to a
    handshake; a browser sees a failed connection either way, as for a refused Origin). One INFO
    line without the path (anyone may send any path), no audit row: nothing was asked of anyone's
    data."""

    async def connect(self) -> None:
        logger.info("WebSocket refused: no such path")
        await self.close()


application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([*websocket_urlpatterns, re_path(r"", UnknownSocket.as_asgi())]))
        ),
    }
)

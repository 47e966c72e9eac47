"""WebSocket routes of the intake (config/asgi.py mounts them)."""

from django.urls import path

from tsunagu.consultations import consumers

websocket_urlpatterns = [
    path("ws/chat/", consumers.PersonChatConsumer.as_asgi()),
    path("ws/staff/intake/", consumers.QueueConsumer.as_asgi()),
    path("ws/staff/intake/<uuid:code>/", consumers.CounsellorChatConsumer.as_asgi()),
]

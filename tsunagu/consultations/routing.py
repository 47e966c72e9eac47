"""WebSocket routes of the intake (config/asgi.py mounts them)."""

from django.urls import path

from tsunagu.consultations import alert_consumers, consumers

websocket_urlpatterns = [
    path("ws/chat/", consumers.PersonChatConsumer.as_asgi()),
    path("ws/staff/consultations/", consumers.QueueConsumer.as_asgi()),
    path("ws/staff/consultations/<uuid:code>/", consumers.CounsellorChatConsumer.as_asgi()),
    path("ws/staff/alerts/", alert_consumers.AlertConsumer.as_asgi()),
]

"""The person's web chat, mounted with the portal's language prefixes: /chat/, /en/chat/ …"""

from django.urls import path

from tsunagu.consultations.views import chat

app_name = "chat"

urlpatterns = [
    path("", chat.start_view, name="start"),
    path("room/", chat.room_view, name="room"),
    path("send/", chat.send_view, name="send"),
    path("messages/", chat.messages_view, name="messages"),
    path("end/", chat.end_view, name="end"),
]

"""The counsellors' and supervisors' pages of the shared queue, under /staff/consultations/."""

from django.urls import path

from tsunagu.consultations.views import alerts, line_replies, staff

app_name = "consultations"

urlpatterns = [
    path("", staff.queue_view, name="queue"),
    path("calls/new/", staff.call_view, name="call"),
    path("dashboard/", staff.dashboard_view, name="dashboard"),
    path("settings/", staff.settings_view, name="settings"),
    path("settings/cti-token/", staff.cti_token_view, name="cti_token"),
    path("settings/escalation/", alerts.escalation_view, name="escalation"),
    path("alerts/", alerts.alerts_view, name="alerts"),
    path("alerts/<uuid:code>/acknowledge/", alerts.alert_acknowledge_view, name="alert_acknowledge"),
    path("<uuid:code>/", staff.consultation_view, name="consultation"),
    path("<uuid:code>/take/", staff.take_view, name="take"),
    path("<uuid:code>/messages/", staff.messages_view, name="messages"),
    path("<uuid:code>/poll/", staff.poll_view, name="poll"),
    path("<uuid:code>/send/", staff.send_view, name="send"),
    path("<uuid:code>/messages/<int:seq>/retry/", line_replies.retry_view, name="line_reply_retry"),
    path("<uuid:code>/record/", staff.record_view, name="record"),
    path("<uuid:code>/risk/", staff.risk_view, name="risk"),
    path("<uuid:code>/risk/steps/", staff.risk_step_view, name="risk_step"),
    path("<uuid:code>/transfer/", staff.transfer_view, name="transfer"),
    path("<uuid:code>/handover/cancel/", staff.handover_cancel_view, name="handover_cancel"),
    path("<uuid:code>/notes/", staff.note_view, name="note"),
    path("<uuid:code>/join/", staff.join_view, name="join"),
    path("<uuid:code>/close/", staff.close_view, name="close"),
    path("<uuid:code>/person/", staff.person_view, name="person"),
    path("<uuid:code>/person/lookup/", staff.person_lookup_view, name="person_lookup"),
    path("<uuid:code>/block/", staff.block_view, name="block"),
]

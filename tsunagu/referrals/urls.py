"""Referrals and the provision ledger, under /staff/referrals/."""

from django.urls import path

from tsunagu.referrals.views import ledger, panel, staff

app_name = "referrals"

urlpatterns = [
    path("", staff.list_view, name="list"),
    path("inbox/", staff.inbox_view, name="inbox"),
    path("from/<uuid:code>/", staff.new_view, name="new"),
    path("from/<uuid:code>/consent/", staff.consent_view, name="consent"),
    path("consents/<uuid:code>/withdraw/", staff.consent_withdraw_view, name="consent_withdraw"),
    path("consents/<uuid:code>/send-code/", panel.send_code_view, name="consent_send_code"),
    path("people/", staff.people_view, name="people"),
    path("people/<uuid:code>/", staff.person_view, name="person"),
    path("people/<uuid:code>/consent/", staff.person_consent_view, name="person_consent"),
    path("ledger/", ledger.ledger_view, name="ledger"),
    path("ledger/exceptions/", ledger.exceptions_view, name="exceptions"),
    path("ledger/people/<uuid:code>/", ledger.person_view, name="ledger_person"),
    path("ledger/people/<uuid:code>/export.csv", ledger.person_csv_view, name="ledger_csv"),
    path("ledger/people/<uuid:code>/export.pdf", ledger.person_pdf_view, name="ledger_pdf"),
    path("<uuid:code>/", staff.detail_view, name="detail"),
    path("<uuid:code>/send/", staff.send_view, name="send"),
    path("<uuid:code>/respond/", staff.respond_view, name="respond"),
    path("<uuid:code>/withdraw/", staff.withdraw_view, name="withdraw"),
    path("<uuid:code>/sheet/", staff.sheet_view, name="sheet"),
    path("<uuid:code>/exception/", staff.exception_view, name="exception"),
    path("<uuid:code>/exception/decide/", staff.decide_view, name="decide"),
]

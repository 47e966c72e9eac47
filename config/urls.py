from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from django.views.i18n import set_language

from tsunagu.consultations.views import cti_webhook, line_webhook
from tsunagu.core import views as core_views
from tsunagu.referrals.views import public as referral_public

urlpatterns = [
    path("healthz", core_views.healthz_view, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("staff/", include("tsunagu.accounts.urls")),
    path("staff/directory/", include("tsunagu.directory.urls")),
    path("staff/portal/", include("tsunagu.portal.urls_staff")),
    path("staff/consultations/", include("tsunagu.consultations.urls")),
    path("staff/referrals/", include("tsunagu.referrals.urls")),
    path("api/hsds/", include("tsunagu.directory.api.urls")),
    path("integrations/line/webhook/", line_webhook.webhook_view, name="line_webhook"),
    path("integrations/cti/calls/", cti_webhook.call_started_view, name="cti_call"),
]
# The public portal: Japanese at /, other languages under their prefix (/en/, /ja-easy/ …).
urlpatterns += i18n_patterns(
    path("chat/", include("tsunagu.consultations.urls_chat")),
    # The person withdraws their consent to share with the code on their slip (docs/referrals.md).
    path("consent/withdraw/", referral_public.withdraw_view, name="consent_withdraw"),
    path("", include("tsunagu.portal.urls")),
    prefix_default_language=False,
)

handler400 = "tsunagu.core.views.error_400"
handler403 = "tsunagu.core.views.error_403"
handler404 = "tsunagu.core.views.error_404"
handler500 = "tsunagu.core.views.error_500"

"""The referral's panel beside a conversation (tsunagu.consultations.panels)."""

from tsunagu.consultations.panels import Panel
from tsunagu.referrals.views.panel import refer_panel

PANELS = [Panel(id="refer", template="referrals/_refer_panel.html", context=refer_panel, order=10)]

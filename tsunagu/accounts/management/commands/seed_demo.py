from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tsunagu.accounts import demo


class Command(BaseCommand):
    help = "Create (idempotently) the demo organisations and one demo user per role. Refused in production."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION or not settings.TSUNAGU_DEMO:
            raise CommandError("seed_demo refuses to run in production mode or with TSUNAGU_DEMO=false")
        logins = demo.seed()
        out = self.stdout
        out.write("")
        out.write("Demo logins (DEMO ONLY, fictional data). Password for every account: " + demo.DEMO_PASSWORD)
        out.write("The login page shows each account's current one-time code in demo mode.")
        out.write(f"{'username':<18} {'role':<22} {'TOTP secret (authenticator app)':<34} organisation")
        for login in logins:
            secret = login.totp_secret or "(no second factor: platform role)"
            out.write(f"{login.username:<18} {login.role.value:<22} {secret:<34} {login.organisation}")
        out.write("")

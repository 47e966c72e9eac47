from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tsunagu.accounts"
    label = "accounts"
    verbose_name = "tsunagu accounts"

    def ready(self) -> None:
        # The doors every app declares (tsunagu/accounts/doors.py): the dashboard and the staff
        # navigation are assembled from them, so this inner app never imports an outer one.
        from tsunagu.accounts.doors import discover

        discover()

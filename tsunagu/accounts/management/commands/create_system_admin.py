"""Create the first system administrator (and their organisation) on a new installation.

The password is read from a prompt, or from standard input with --password-stdin, never from the
command line (it would stay in the shell history and the process list). The administrator sets up
an authenticator app at the first sign-in.
"""

import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tsunagu.accounts import services
from tsunagu.accounts.models import Organisation, OrganisationType, User
from tsunagu.accounts.policy import Role
from tsunagu.audit.services import SystemActor


class Command(BaseCommand):
    help = "Create a system administrator, and their organisation if it does not exist yet."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--organisation", required=True, help="Name of the administrator's organisation")
        parser.add_argument("--municipality-code", default="", help="6-digit local government code, e.g. 312011")
        parser.add_argument("--password-stdin", action="store_true", help="Read the password from standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(username=options["username"]).exists():
            raise CommandError(f"user {options['username']!r} already exists")
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the passwords do not match")
        actor = SystemActor("create_system_admin")
        try:
            with transaction.atomic():
                organisation = Organisation.objects.filter(name=options["organisation"]).first()
                if organisation is None:
                    organisation = services.organisation_create(
                        actor=actor,
                        data=services.OrganisationData(
                            name=options["organisation"],
                            name_kana="",
                            type=OrganisationType.GOVERNMENT,
                            municipality_code=options["municipality_code"],
                            contact_phone="",
                            contact_email="",
                        ),
                    )
                user = services.user_create(actor=actor, username=options["username"], password=password)
                services.membership_add(actor=actor, user=user, organisation=organisation, role=Role.SYSTEM_ADMIN)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"created system administrator {user.username} for {organisation.name}")

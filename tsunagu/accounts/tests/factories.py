from __future__ import annotations

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagu.accounts.models import Membership, Organisation, OrganisationType, User
from tsunagu.accounts.policy import Role

TEST_PASSWORD = "correct horse battery staple 2026"


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"テスト団体{n}")
    name_kana = factory.Sequence(lambda n: f"テストダンタイ{n}")
    type = OrganisationType.NPO
    municipality_code = "312011"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"テスト 太郎{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.COUNSELLOR


def add_totp(user: User) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "test"})
    return device

"""A small, realistic directory for the API tests, saved through the real service layer.

Three organisations: a national helpline (a 24-hour crisis line), a local NPO (an ibasho with a
public address and nth-weekday hours) and a DV-support NPO whose shelter is a confidential
location. Canaries sit in everything about the shelter that must never be published.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tsunagu.accounts.models import Organisation, OrganisationType
from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.core.tests.canary import canary
from tsunagu.directory.models import Location, Service, ServiceStatus
from tsunagu.directory.schedules import parse_schedule
from tsunagu.directory.services import ContactData, LocationData, PhoneData, location_save, service_set_status
from tsunagu.directory.tests.factories import ACTOR, make_areas, make_location, make_service


@dataclass
class Directory:
    helpline: Organisation
    npo: Organisation
    dv_npo: Organisation
    crisis_line: Service
    ibasho: Service
    shelter_service: Service
    irregular: Service
    closed: Service
    defunct: Service
    ibasho_place: Location
    shelter: Location
    canaries: list[str] = field(default_factory=list)

    @property
    def listed(self) -> list[Service]:
        return [self.crisis_line, self.ibasho, self.shelter_service, self.irregular, self.closed]


def build_directory() -> Directory:
    make_areas()
    helpline = OrganisationFactory(
        name="全国こころの電話ネット",
        name_kana="ぜんこくこころのでんわねっと",
        type=OrganisationType.NATIONAL_HELPLINE,
        municipality_code="",
        description="全国の電話相談をつなぐNPOです。",
        website="https://kokoro.example.jp/",
        contact_phone="03-0000-0000",
        contact_email="info@kokoro.example.jp",
    )
    npo = OrganisationFactory(name="NPO法人 ひだまり", name_kana="ひだまり", description="")
    dv_npo = OrganisationFactory(name="女性支援ネット", name_kana="じょせいしえんねっと")
    crisis_line = make_service(
        organisation=helpline,
        name="いのちの相談ダイヤル",
        name_kana="いのちのそうだんだいやる",
        url="https://kokoro.example.jp/dial",
        email="dial@kokoro.example.jp",
        is_crisis_line=True,
        is_24_hours=True,
        fees="free",
        resource_kinds=("crisis-line",),
        channels=("phone", "freephone"),
        area_codes=(),
        is_national=True,
        languages=("ja", "en", "vi"),
        phones=(PhoneData("0120-000-111", description="通話無料"), PhoneData("03-1111-2222", extension="12")),
        contacts=(ContactData(department="相談事業部", email="soudan@kokoro.example.jp"),),
        required_documents=("なし",),
        hours="24時間365日",
        minimum_age=10,
        source="kokoro-list",
        source_id="dial-1",
        source_attribution="全国こころの電話ネット 相談窓口一覧 (CC BY 4.0)",
        source_url="https://kokoro.example.jp/opendata",
    )
    ibasho_place = make_location(
        organisation=npo,
        name="ひだまりハウス",
        area_code="131041",
        postal_code="1600022",
        address_1="新宿一丁目2-3",
        address_2="ひだまりビル2階",
        transportation="新宿御苑前駅から徒歩5分",
        latitude=Decimal("35.688000"),
        longitude=Decimal("139.710000"),
        accessibility="車いすで入れます",
        phones=(PhoneData("03-3333-4444", extension="内線なし"),),
        hours=_hours("毎月第2・第4木曜日 14:00～16:00"),
    )
    ibasho = make_service(
        organisation=npo,
        name="ひだまりカフェ",
        name_kana="ひだまりかふぇ",
        description="誰でも立ち寄れる居場所です。",
        concerns=("loneliness-talk",),
        resource_kinds=("ibasho",),
        channels=("visit",),
        area_codes=("131041", "131130"),
        hours="月～金 9:00～17:00（祝日・年末年始を除く）",
        location_codes=(ibasho_place.code,),
        fees="partly_paid",
        fees_description="飲み物代100円",
    )
    canaries: list[str] = []

    def secret(label: str) -> str:
        canaries.append(canary(label))
        return canaries[-1]

    secret_address = secret("addr")
    secret_name = secret("shelter")
    shelter = make_location(
        organisation=dv_npo,
        name=f"シェルター{secret_name}",
        description=secret("desc"),
        area_code="131130",
        postal_code="",
        address_1="",
        is_confidential=True,
        confidential_address=secret_address,
        accessibility=secret("access"),
        phones=(PhoneData("0312345678", description=secret("phone")),),
        hours=_hours(f"月～金 9:00～17:00 {secret('hours')}"),
    )
    # A location first saved with a public address, then made confidential: its old address is in the
    # change history, which must not reach the API either.
    moved = make_location(organisation=dv_npo, name="旧相談室", address_1=secret("oldaddr"), postal_code="1510051")
    location_save(
        actor=ACTOR,
        organisation=dv_npo,
        location=moved,
        data=LocationData(
            name="旧相談室", area_code="131130", is_confidential=True, confidential_address=secret("new")
        ),
    )
    shelter_service = make_service(
        organisation=dv_npo,
        name="女性のための相談",
        name_kana="じょせいのためのそうだん",
        concerns=("violence",),
        people_served=("dv-victims",),
        area_codes=("130001",),
        location_codes=(shelter.code, moved.code),
        phones=(PhoneData("0570-000-000"),),
    )
    irregular = make_service(
        organisation=npo,
        name="不定期の訪問相談",
        name_kana="ふていきのほうもんそうだん",
        concerns=("hikikomori",),
        channels=("outreach",),
        area_codes=("312011",),
        hours="不定期（お問い合わせください）",
    )
    closed = make_service(
        organisation=npo, name="休止中のサロン", name_kana="きゅうしちゅうのさろん", resource_kinds=("salon",)
    )
    service_set_status(actor=ACTOR, service=closed, status=ServiceStatus.TEMPORARILY_CLOSED)
    defunct = make_service(organisation=npo, name="終了した事業", name_kana="しゅうりょうしたじぎょう")
    service_set_status(actor=ACTOR, service=defunct, status=ServiceStatus.DEFUNCT)
    for service in (closed, defunct):
        service.refresh_from_db()
    return Directory(
        helpline=helpline,
        npo=npo,
        dv_npo=dv_npo,
        crisis_line=crisis_line,
        ibasho=ibasho,
        shelter_service=shelter_service,
        irregular=irregular,
        closed=closed,
        defunct=defunct,
        ibasho_place=ibasho_place,
        shelter=shelter,
        canaries=canaries,
    )


def _hours(text: str) -> dict[str, Any]:
    return parse_schedule(text).to_json()


def unknown_id() -> str:
    return str(uuid.uuid4())

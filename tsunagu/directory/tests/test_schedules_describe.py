"""Opening hours in words in every portal language: the same schedule read in each."""

import datetime as dt

import pytest

from tsunagu.directory.schedules.describe import describe, hours_separator, list_separator
from tsunagu.directory.schedules.model import Schedule
from tsunagu.directory.schedules.parser import parse_schedule

OFFICE = "月～金 9:00～17:00 第2・第4土曜 10:00～12:00 最終日曜 13:00～ 祝日・年末年始休み"
SEASONAL = "4月～9月は 土・日 10:00～16:00、毎月5日・20日 13:00～15:00"

EXPECTED = {
    "zh-hans": (
        ["周一至周五 9:00–17:00", "每月第2、第4个周六 10:00–12:00", "每月最后一个周日 13:00起",
         "节假日、年末年初（12月29日至1月3日）休息"],
        ["4月至9月：周六、周日 10:00–16:00", "每月5日、20日 13:00–15:00"],
        ["每天 22:00–次日2:00"],
    ),
    "ko": (
        ["월~금 9:00~17:00", "매월 둘째·넷째 토요일 10:00~12:00", "매월 마지막 일요일 13:00부터",
         "공휴일·연말연시(12월 29일~1월 3일) 휴무"],
        ["4월~9월: 토·일 10:00~16:00", "매월 5일·20일 13:00~15:00"],
        ["매일 22:00~다음 날 2:00"],
    ),
    "vi": (
        ["Thứ 2–Thứ 6: 9:00–17:00", "Thứ Bảy tuần thứ 2 và thứ 4 hằng tháng: 10:00–12:00",
         "Chủ nhật tuần cuối hằng tháng: từ 13:00",
         "Nghỉ vào ngày lễ và dịp cuối năm – đầu năm (ngày 29/12 – ngày 3/1)"],
        ["Từ tháng 4 đến tháng 9, Thứ 7 và Chủ nhật: 10:00–16:00", "Các ngày 5 và 20 hằng tháng: 13:00–15:00"],
        ["Hằng ngày: 22:00–2:00 ngày hôm sau"],
    ),
    "pt-br": (
        ["Seg a sex: 9:00–17:00", "2º e 4º sábados do mês: 10:00–12:00", "Último domingo do mês: a partir das 13:00",
         "Fechado nos feriados e nas festas de fim de ano (de 29 de dezembro a 3 de janeiro)"],
        ["De abril a setembro, sáb e dom: 10:00–16:00", "Dias 5 e 20 de cada mês: 13:00–15:00"],
        ["Todos os dias: 22:00–2:00 do dia seguinte"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_each_portal_language_writes_hours_its_own_way(language):
    office, seasonal, overnight = EXPECTED[language]
    assert describe(parse_schedule(OFFICE), language) == office
    assert describe(parse_schedule(SEASONAL), language) == seasonal
    assert describe(parse_schedule("毎日 22:00～翌2:00"), language) == overnight


def test_portuguese_ordinals_follow_the_weekday_gender():
    assert describe(parse_schedule("第1金曜 10:00～12:00"), "pt-br") == ["1ª sexta-feira do mês: 10:00–12:00"]
    assert describe(parse_schedule("最終金曜 10:00～12:00"), "pt-br") == ["Última sexta-feira do mês: 10:00–12:00"]
    assert describe(parse_schedule("第3日曜 10:00～12:00"), "pt-br") == ["3º domingo do mês: 10:00–12:00"]


def test_languages_are_matched_by_their_base_and_unknown_ones_read_english():
    schedule = parse_schedule("月～金 9:00～17:00")
    assert describe(schedule, "zh") == describe(schedule, "zh-hans") == ["周一至周五 9:00–17:00"]
    assert describe(schedule, "pt") == describe(schedule, "pt-br")
    assert describe(schedule, "ja-easy") == describe(schedule, "ja") == ["月～金 9:00～17:00"]
    assert describe(schedule, "fr") == describe(schedule, "en") == ["Mon–Fri: 9:00–17:00"]


def test_closed_dates_and_always_open_in_each_language():
    schedule = Schedule(original_text="", always_open=True, closed_dates=(dt.date(2026, 12, 31),))
    assert describe(schedule, "en") == ["Open 24 hours", "Closed on 31 December 2026"]
    assert describe(schedule, "zh-hans") == ["24小时开放", "2026年12月31日休息"]
    assert describe(schedule, "ko") == ["24시간 운영", "2026년 12월 31일 휴무"]
    assert describe(schedule, "vi") == ["Hoạt động 24 giờ", "Nghỉ ngày 31/12/2026"]
    assert describe(schedule, "pt-br") == ["Aberto 24 horas", "Fechado em 31 de dezembro de 2026"]


def test_separators():
    assert list_separator("ja-easy") == hours_separator("ja") == "、"
    assert list_separator("zh-hans") == "；" and hours_separator("zh-hans") == "、"
    assert list_separator("pt-br") == "; " and hours_separator("pt-br") == ", "

"""Opening hours from the split columns of Japanese open-data files.

Both the 公共施設一覧 layout (利用可能曜日, 開始時間, 終了時間) and the 子ども食堂一覧 layout (開催曜日,
開催開始時間, 開催終了時間) give days and times in separate cells. A lone time means nothing, so the
cells are joined into one text before parsing; that text is what pages show when parsing is partial.
"""

from __future__ import annotations

from .model import Schedule
from .parser import parse_schedule


def opendata_hours_text(*, days: str, start: str, end: str) -> str:
    """「月水金」「10:00」「14:00」 → 「月水金 10:00～14:00」; a start without end stays open-ended."""
    days, start, end = days.strip(), start.strip(), end.strip()
    hours = f"{start}～{end}" if start else end
    return " ".join(part for part in (days, hours) if part)


def parse_opendata_hours(*, days: str, start: str, end: str) -> Schedule:
    return parse_schedule(opendata_hours_text(days=days, start=start, end=end))

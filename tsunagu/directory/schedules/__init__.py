"""Opening hours: the structure, open-now / next-open in Asia/Tokyo, and the Japanese text parser."""

from .evaluate import TOKYO, next_open, open_now
from .model import LAST_WEEK, NEW_YEAR_HOLIDAYS, ClosedRange, Period, Rule, Schedule
from .opendata import opendata_hours_text, parse_opendata_hours
from .parser import parse_schedule

__all__ = [
    "LAST_WEEK",
    "NEW_YEAR_HOLIDAYS",
    "TOKYO",
    "ClosedRange",
    "Period",
    "Rule",
    "Schedule",
    "next_open",
    "open_now",
    "opendata_hours_text",
    "parse_opendata_hours",
    "parse_schedule",
]

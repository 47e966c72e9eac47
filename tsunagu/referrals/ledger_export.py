"""The provision ledger of one person, as rows, CSV and PDF, for a disclosure request (開示請求,
APPI Art. 33(5)): what was provided about them, to whom, when, on what basis, the receipt, and the
withdrawal of the consent a provision rested on (an entry appended to the ledger: a row under the
provision on the pages and in the PDF, a column of its own in the CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.consultations.models import ConsentMethod
from tsunagu.core.spreadsheets import safe_cell
from tsunagu.referrals.models import Item, LegalBasis, Means, Provision, ProvisionWithdrawal, WithdrawnVia


def _when(value: object) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]


def _who(user: object) -> str:
    if user is None:
        return ""
    return str(getattr(user, "display_name", "") or getattr(user, "username", ""))


def basis_label(provision: Provision) -> str:
    if provision.basis == "consent" and provision.consent is not None:
        method = dict(ConsentMethod.choices).get(provision.consent.method, provision.consent.method)
        given = timezone.localtime(provision.consent.given_at).strftime("%Y-%m-%d")
        return _("The person's consent (%(method)s, %(date)s)") % {"method": method, "date": given}
    return str(dict(LegalBasis.choices).get(provision.basis, provision.basis))


def withdrawal_of(provision: Provision) -> ProvisionWithdrawal | None:
    """The withdrawal entry appended to this provision, if any (``selectors.ledger`` loads it)."""
    return getattr(provision, "withdrawal", None)  # None when there is none (RelatedObjectDoesNotExist)


def withdrawal_label(provision: Provision) -> str:
    """「同意撤回（2026-12-07 14:03、控えの番号で本人が）」, or "" while the consent stands."""
    entry = withdrawal_of(provision)
    if entry is None:
        return ""
    if entry.via == WithdrawnVia.PERSON:
        text = _("Consent withdrawn (%(when)s, by the person with the code on their slip)")
    else:
        text = _("Consent withdrawn (%(when)s, recorded by staff)")
    return text % {"when": _when(entry.withdrawn_at)}


def items_label(items: Sequence[str]) -> str:
    labels = dict(Item.choices)
    return "、".join(str(labels.get(i, i)) for i in items)


@dataclass(frozen=True)
class LedgerRow:
    provided_at: str
    provider: str
    recipient: str
    person: str
    items: str
    basis: str
    means: str
    provided_by: str
    received_at: str
    received_by: str
    keep_until: str
    withdrawal: str  # the appended withdrawal entry, as words ("" while the consent stands)

    def columns(self) -> list[str]:
        """The provision's own cells, in the order of ``headers()`` (without the withdrawal)."""
        return [str(getattr(self, f.name)) for f in fields(self) if f.name != "withdrawal"]


def rows_of(provisions: Sequence[Provision]) -> list[LedgerRow]:
    means = dict(Means.choices)
    return [
        LedgerRow(
            provided_at=_when(p.provided_at),
            provider=p.from_organisation.name,
            recipient=p.to_name,
            person=p.person_label,
            items=items_label(p.items),
            basis=basis_label(p),
            means=str(means.get(p.means, p.means)),
            provided_by=_who(p.provided_by),
            received_at=_when(p.received_at),
            received_by=_who(p.received_by),
            keep_until=p.keep_until.isoformat(),
            withdrawal=withdrawal_label(p),
        )
        for p in provisions
    ]


def headers() -> list[str]:
    return [
        _("Provided"),
        _("Provided by (organisation)"),
        _("Provided to"),
        _("Person"),
        _("Items"),
        _("Basis"),
        _("Means"),
        _("Provided by (staff)"),
        _("Receipt confirmed"),
        _("Receipt confirmed by"),
        _("Kept until"),
    ]


def as_csv(rows: Sequence[LedgerRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*headers(), _("Consent withdrawn")])
    for row in rows:
        writer.writerow([safe_cell(v) for v in [*row.columns(), row.withdrawal]])
    # With a BOM, spreadsheet software reads the Japanese as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def as_pdf(rows: Sequence[LedgerRow], *, title: str, subject: str) -> bytes:
    """A4 landscape, with Japanese set in the PDF's standard CID font (no font file is embedded;
    every PDF reader that reads Japanese has it)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "HeiseiKakuGo-W5"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    body = ParagraphStyle("body", fontName=font, fontSize=7.5, leading=9.5, wordWrap="CJK")
    heading = ParagraphStyle("heading", fontName=font, fontSize=14, leading=18)
    note = ParagraphStyle("note", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        subject=subject,
        creator="tsunagu",
    )

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(text), style)

    # A withdrawal is a row of its own under the provision it concerns, across the whole table.
    table_rows: list[list[Paragraph | str]] = [[p(h) for h in headers()]]
    style: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    for row in rows:
        table_rows.append([p(v) for v in row.columns()])
        if row.withdrawal:
            at = len(table_rows)
            table_rows.append([p(row.withdrawal)] + [""] * (len(headers()) - 1))
            style += [("SPAN", (0, at), (-1, at)), ("BACKGROUND", (0, at), (-1, at), colors.whitesmoke)]
    widths = [22, 28, 28, 22, 30, 40, 22, 20, 22, 20, 18]
    table = Table(table_rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle(style))
    story = [
        p(title, heading),
        Spacer(1, 3 * mm),
        p(subject, note),
        p(_("Printed: %(when)s") % {"when": _when(timezone.now())}, note),
        Spacer(1, 4 * mm),
        table if rows else p(_("No provision is recorded."), note),
    ]
    doc.build(story)
    return buffer.getvalue()

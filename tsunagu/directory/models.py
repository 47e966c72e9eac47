from __future__ import annotations

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from tsunagu.core.validators import validate_local_government_code


class AreaLevel(models.TextChoices):
    PREFECTURE = "prefecture", _("Prefecture")
    # 政令指定都市: a municipality that is divided into wards.
    DESIGNATED_CITY = "designated_city", _("Designated city")
    # Every other 市町村, and Tokyo's 23 special wards (特別区), which are municipalities in law.
    MUNICIPALITY = "municipality", _("Municipality")
    # 行政区 of a designated city: not a local government, but it has a JIS code and its own office.
    WARD = "ward", _("Ward of a designated city")


class Area(models.Model):
    """A prefecture, municipality or designated-city ward, keyed by its 全国地方公共団体コード.

    Loaded from Japan Post's data by `manage.py load_areas`, never typed by hand. The JIS code is
    public, so it is the area's identifier in URLs too. Areas are never deleted: one that
    disappears (a merger, a ward reorganisation) becomes inactive, so old references stay valid.
    """

    code = models.CharField(
        _("local government code"), max_length=6, unique=True, validators=[validate_local_government_code]
    )
    name = models.CharField(_("name"), max_length=50)
    name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=AreaLevel.choices)
    # ward → designated city → prefecture; municipality and designated city → prefecture.
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__in=AreaLevel.values), name="area_level_valid"),
            models.CheckConstraint(condition=Exact(Length("code"), 6), name="area_code_six_characters"),
            # Only a prefecture stands alone; everything else hangs under one.
            models.CheckConstraint(
                condition=models.Q(level=AreaLevel.PREFECTURE, parent__isnull=True)
                | (~models.Q(level=AreaLevel.PREFECTURE) & models.Q(parent__isnull=False)),
                name="area_parent_unless_prefecture",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PostalCode(models.Model):
    """One postal code in one area. A few postal codes straddle areas, so a code may have several rows.

    Replaced wholesale by `load_areas`; nothing else points at these rows.
    """

    code = models.CharField(_("postal code"), max_length=7)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="postal_codes", verbose_name=_("area"))
    # Blank when the code covers several towns in the area, or the rest of the area (以下に掲載がない場合).
    town = models.CharField(_("town"), max_length=100, blank=True)

    class Meta:
        ordering = ["code", "area"]
        constraints = [
            # Its index leads with `code`, so it also serves the lookup by postal code.
            models.UniqueConstraint(fields=["code", "area"], name="postal_code_unique_per_area"),
            models.CheckConstraint(condition=Exact(Length("code"), 7), name="postal_code_seven_characters"),
        ]

    def __str__(self) -> str:
        return f"{self.code[:3]}-{self.code[3:]}"

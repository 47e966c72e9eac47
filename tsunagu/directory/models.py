from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagu.accounts.models import Organisation
from tsunagu.core.fields import EncryptedTextField
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


# ---------------------------------------------------------------------------------------------
# Resources: Open Referral HSDS 3.0 entities with a Japan profile. Organisations are the
# foundation's `accounts.Organisation`. Every entity has a public UUID `code` (HSDS `id`).
# Writes go through `directory.services`, which audits them and keeps `ChangeRecord` history.
# ---------------------------------------------------------------------------------------------


class ServiceStatus(models.TextChoices):
    # The values are HSDS's own enum, so the API emits them unchanged.
    ACTIVE = "active", _("Active")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")
    INACTIVE = "inactive", _("Inactive")
    DEFUNCT = "defunct", _("Defunct")


class Fees(models.TextChoices):
    FREE = "free", _("Free")
    PAID = "paid", _("Paid")
    PARTLY_PAID = "partly_paid", _("Free and paid options")
    UNKNOWN = "unknown", _("Not stated")


class Provenance(models.Model):
    """Where an imported record came from. Re-import finds the record by (`source`, `source_id`)."""

    # A short identifier of the dataset, e.g. "tokyo-kodomo-shokudo"; blank for records made in tsunagu.
    source = models.CharField(_("source"), max_length=64, blank=True)
    source_id = models.CharField(_("identifier in the source"), max_length=128, blank=True)
    # Shown to users: dataset name, publisher and licence (CC BY requires the credit).
    source_attribution = models.CharField(_("source attribution"), max_length=300, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)

    class Meta:
        abstract = True


class Taxonomy(models.Model):
    """A controlled vocabulary: concerns, people served, resource kinds, channels (vocabularies.py)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Stable ASCII key used in code, filters and the API ("concern", "people_served", …).
    key = models.SlugField(_("key"), max_length=32, unique=True)
    name = models.CharField(pgettext_lazy("taxonomy", "name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    version = models.CharField(_("version"), max_length=20, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name_plural = _("taxonomies")

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="terms")
    # Stable ASCII key within the taxonomy ("mind-life", "hikikomori", …).
    key = models.SlugField(_("key"), max_length=64)
    name = models.CharField(pgettext_lazy("taxonomy term", "name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["taxonomy__key", "position", "key"]
        constraints = [models.UniqueConstraint(fields=["taxonomy", "key"], name="taxonomy_term_key_unique")]

    def __str__(self) -> str:
        return self.name


class Service(Provenance):
    """A service, programme, place or line a person can turn to (HSDS `service`)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services", verbose_name=_("organisation")
    )
    name = models.CharField(pgettext_lazy("service", "name"), max_length=200)
    name_kana = models.CharField(pgettext_lazy("service", "name (kana)"), max_length=200, blank=True)
    alternate_name = models.CharField(_("alternate name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("web site"), max_length=500, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE)
    # Crisis lines are offered on every portal page (いのちの電話, よりそいホットライン …).
    is_crisis_line = models.BooleanField(_("crisis line"), default=False)
    is_24_hours = models.BooleanField(_("open 24 hours"), default=False)
    fees = models.CharField(_("fees"), max_length=16, choices=Fees.choices, default=Fees.UNKNOWN)
    fees_description = models.TextField(_("fees description"), blank=True)
    eligibility_description = models.TextField(_("who it is for"), blank=True)
    application_process = models.TextField(_("how to use it"), blank=True)
    interpreter_available = models.BooleanField(_("interpreter available"), default=False)
    interpretation_services = models.TextField(_("interpretation services"), blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    alert = models.TextField(_("notice"), blank=True)
    accepts_referrals = models.BooleanField(_("accepts referrals now"), default=False)
    # Last time someone confirmed the entry is right (HSDS assured_date).
    assured_date = models.DateField(_("last verified"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name_kana", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ServiceStatus.values), name="service_status_valid"),
            models.CheckConstraint(condition=models.Q(fees__in=Fees.values), name="service_fees_valid"),
            models.CheckConstraint(
                condition=models.Q(minimum_age__isnull=True)
                | models.Q(maximum_age__isnull=True)
                | models.Q(minimum_age__lte=models.F("maximum_age")),
                name="service_age_range_ordered",
            ),
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~models.Q(source=""),
                name="service_source_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["assured_date"], name="service_assured_date"),
            # The HSDS API's modified_after (search.selectors._modified).
            models.Index(fields=["updated_at"], name="service_updated_at"),
        ]

    def __str__(self) -> str:
        return self.name


class LocationType(models.TextChoices):
    PHYSICAL = "physical", _("Physical place")
    POSTAL = "postal", _("Postal address only")
    VIRTUAL = "virtual", _("Online or by phone only")


class Location(Provenance):
    """Where a service is delivered (HSDS `location` with its `address` and `accessibility`).

    A confidential location (a DV shelter) keeps its address only in `confidential_address`,
    encrypted; the public address columns must stay empty (a database constraint), so no page,
    API response or export that reads the public columns can leak it.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="locations", verbose_name=_("organisation")
    )
    location_type = models.CharField(
        _("type"), max_length=16, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    name = models.CharField(pgettext_lazy("location", "name"), max_length=200)
    name_kana = models.CharField(pgettext_lazy("location", "name (kana)"), max_length=200, blank=True)
    alternate_name = models.CharField(_("alternate name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    # The municipality or ward (JIS code); kept for confidential locations too, for search by area.
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="locations", verbose_name=_("area")
    )
    postal_code = models.CharField(_("postal code"), max_length=7, blank=True)
    # 町名・番地 after the municipality name, and the building.
    address_1 = models.CharField(_("street address"), max_length=200, blank=True)
    address_2 = models.CharField(_("building"), max_length=200, blank=True)
    transportation = models.TextField(_("how to get there"), blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=10, decimal_places=6, null=True, blank=True)
    accessibility = models.TextField(_("accessibility"), blank=True)
    is_confidential = models.BooleanField(_("confidential address"), default=False)
    confidential_address = EncryptedTextField(_("confidential address"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name_kana", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(location_type__in=LocationType.values), name="location_type_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(is_confidential=False)
                | models.Q(
                    is_confidential=True,
                    postal_code="",
                    address_1="",
                    address_2="",
                    transportation="",
                    latitude__isnull=True,
                    longitude__isnull=True,
                ),
                name="location_confidential_address_hidden",
            ),
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~models.Q(source=""),
                name="location_source_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The ciphertext cannot be compared in a database constraint, so this half is checked here.
        if not self.is_confidential and self.confidential_address:
            raise ValidationError(
                {"confidential_address": _("Only a confidential location keeps a confidential address.")}
            )
        if (self.is_confidential and any((self.postal_code, self.address_1, self.address_2, self.transportation))) or (
            self.is_confidential and (self.latitude is not None or self.longitude is not None)
        ):
            raise ValidationError(_("A confidential location shows no public address, directions or coordinates."))


class ServiceAtLocation(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_at_locations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="service_at_locations")
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="service_at_location_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} @ {self.location_id}"


class Schedule(models.Model):
    """Opening hours of a service or a location (HSDS `schedule`).

    `hours` is `schedules.Schedule.to_json()`: weekly rules, nth weekdays, holiday closures and the
    original text. `valid_from`/`valid_to` give seasonal hours; with several schedules the one valid
    on a day applies.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True, related_name="schedules")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, null=True, blank=True, related_name="schedules")
    hours = models.JSONField(_("hours"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service__isnull=False, location__isnull=True)
                | models.Q(service__isnull=True, location__isnull=False),
                name="schedule_has_one_owner",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_to")),
                name="schedule_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return str(self.code)


class PhoneType(models.TextChoices):
    # HSDS phone types.
    VOICE = "voice", _("Voice")
    TEXT = "text", _("Text message (SMS)")
    FAX = "fax", _("Fax")
    CELL = "cell", _("Mobile")
    VIDEO = "video", _("Video call")
    TEXTPHONE = "textphone", _("Textphone")


class Phone(models.Model):
    """A public phone number of a service, location or organisation (not personal data)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True, related_name="phones")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, null=True, blank=True, related_name="phones")
    number = models.CharField(_("number"), max_length=32)
    extension = models.CharField(_("extension"), max_length=16, blank=True)
    type = models.CharField(_("type"), max_length=16, choices=PhoneType.choices, default=PhoneType.VOICE)
    description = models.CharField(_("description"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(type__in=PhoneType.values), name="phone_type_valid"),
            models.CheckConstraint(
                condition=models.Q(service__isnull=False) | models.Q(location__isnull=False),
                name="phone_has_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Contact(models.Model):
    """A public contact point of a service (a desk or a role, e.g. 担当課; HSDS `contact`)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(pgettext_lazy("contact", "name"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.department or self.title or self.name


class ServiceArea(models.Model):
    """Where a service's users may live. No area means 全国 (a national service)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="service_areas", verbose_name=_("area")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "area"], name="service_area_unique"),
            models.UniqueConstraint(
                fields=["service"], condition=models.Q(area__isnull=True), name="service_area_one_national"
            ),
        ]

    def __str__(self) -> str:
        return self.area.name if self.area else "全国"


class Language(models.Model):
    """A language the service is offered in, as a BCP 47 tag ("ja", "en", "zh-Hans", "vi" …)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="languages")
    tag = models.CharField(_("language code"), max_length=16)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["service", "tag"], name="language_unique_per_service")]

    def __str__(self) -> str:
        return self.tag


class Attribute(models.Model):
    """A taxonomy term attached to a service: its concerns, people served, kind and channels."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="attributes")
    taxonomy_term = models.ForeignKey(TaxonomyTerm, on_delete=models.PROTECT, related_name="attributes")
    value = models.CharField(_("value"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "taxonomy_term"], name="attribute_unique_per_service"),
        ]

    def __str__(self) -> str:
        return str(self.taxonomy_term_id)


class RequiredDocument(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="required_documents")
    document = models.CharField(_("document"), max_length=300)
    uri = models.URLField(_("link"), max_length=500, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.document


class ChangeAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")


class ChangeRecord(models.Model):
    """One field of one directory record changed (HSDS `metadata`).

    Written by `directory.services` in the same transaction as the change and its audit row. The
    public API shows `updated_by_label` (an organisation or an import), never a staff member.
    Values of a confidential location's address are never recorded, only that they changed.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    resource_type = models.CharField(max_length=32)
    resource_code = models.UUIDField()
    action = models.CharField(max_length=8, choices=ChangeAction.choices)
    field_name = models.CharField(max_length=64)
    previous_value = models.TextField(blank=True)
    replacement_value = models.TextField(blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["resource_type", "resource_code", "changed_at", "id"]
        indexes = [models.Index(fields=["resource_type", "resource_code", "changed_at"], name="change_record_lookup")]
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=ChangeAction.values), name="change_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type} {self.field_name} {self.action}"

"""Writing parsed units: match, save through the services, report row by row, all or nothing.

Every unit is saved in a savepoint inside one transaction, through `organisation_create/update`,
`location_save` and `service_save` (so every record gets its validation, change history, audit
row and search-index refresh). A unit that fails is rolled back to its savepoint and reported
with the row and column it came from. At the end the whole transaction commits only when no row
failed (or `skip_invalid`), and never for a dry run; the counts then say what would have happened.
One more audit row records the import itself, with its counts.

Two things an import never does, whatever the file says (docs/import-export.md, "What an import
may change"): it never changes a confidential location it matches (a DV shelter keeps its flag,
encrypted address and every other field; the file cannot make it public or wipe its address), and
it changes a tenant organisation (one with members) or moves a service into or out of one only for
an importer who may manage organisations.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import translation

from tsunagu.accounts import access as account_access
from tsunagu.accounts.models import Membership, Organisation
from tsunagu.accounts.policy import Actor
from tsunagu.accounts.services import (
    OrganisationData,
    organisation_changes,
    organisation_create,
    organisation_update,
)
from tsunagu.audit.services import AuditActor, SystemActor
from tsunagu.audit.services import record as audit
from tsunagu.directory.actions import DirectoryAction
from tsunagu.directory.models import Location, Service
from tsunagu.directory.opendata.cleaning import RowError
from tsunagu.directory.services import location_save, service_save

from .records import ImportUnit, LocationPart, OrganisationPart, ParsedFile, ServicePart, row_error

Progress = Callable[[int], None]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, *, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


@dataclass
class ImportReport:
    format: str
    file_name: str
    dry_run: bool
    skip_invalid: bool
    encoding: str = ""
    rows_read: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    organisations: Counts = field(default_factory=Counts)
    locations: Counts = field(default_factory=Counts)
    services: Counts = field(default_factory=Counts)
    #: Units (rows) that were saved, and those that were not because they are invalid.
    imported: int = 0
    skipped: int = 0
    committed: bool = False
    seconds: float = 0.0
    service_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})

    def summary(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "file_name": self.file_name[:200],
            "rows_read": self.rows_read,
            "imported": self.imported,
            "skipped": self.skipped,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "organisations": self.organisations.as_dict(),
            "locations": self.locations.as_dict(),
            "services": self.services.as_dict(),
            "dry_run": self.dry_run,
            "skip_invalid": self.skip_invalid,
            "committed": self.committed,
        }


class _UnitFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("unit failed")
        self.errors = errors


class _Writer:
    """Finds existing records (fetched once) and saves one unit's parts."""

    def __init__(self, *, actor: AuditActor, units: list[ImportUnit], report: ImportReport) -> None:
        self.actor = actor
        self.report = report
        self.organisations = _existing_organisations(units)
        self.locations = _existing(Location.objects.select_related("area", "organisation"), units, "locations")
        self.services = _existing(Service.objects.select_related("organisation"), units, "services")
        #: Organisations already handled in this run, by match key: their first unit decides them.
        self.done: dict[tuple[str, str], Organisation] = {}
        self.may_manage_organisations = may_manage_organisations(actor)
        self._tenants: dict[int, bool] = {}

    def is_tenant(self, organisation_id: int) -> bool:
        """Whether people work in tsunagu for this organisation (it has members): not just a directory entry."""
        if organisation_id not in self._tenants:
            self._tenants[organisation_id] = Membership.objects.filter(organisation_id=organisation_id).exists()
        return self._tenants[organisation_id]

    def save(self, unit: ImportUnit) -> tuple[list[Service], list[tuple[str, bool, bool]]]:
        """Save one unit; returns its services and the (kind, created, changed) of each part."""
        outcomes: list[tuple[str, bool, bool]] = []
        org_key = _org_key(unit.organisation)
        organisation = self.done.get(org_key)
        if organisation is None:
            organisation, created, changed = self._organisation(unit, unit.organisation)
            outcomes.append(("organisation", created, changed))
        location_codes: dict[str, uuid.UUID] = {}
        for location_part in unit.locations:
            existing = self._find(
                self.locations, location_part.code, location_part.data.source, location_part.data.source_id
            )
            if existing is not None and existing.is_confidential:
                # A shelter is kept exactly as its editors keep it: nothing of the file is applied,
                # so an import can neither publish its address nor wipe the encrypted one.
                self.report.warnings.append(_confidential_kept(unit, existing))
                location_codes[location_part.key] = existing.code
                outcomes.append(("location", False, False))
                continue
            location, result = _guard(
                unit,
                "location",
                location_save,
                actor=self.actor,
                organisation=organisation,
                data=location_part.data,
                location=existing,
                code=location_part.code if existing is None else None,
            )
            if location_part.after_save is not None:
                _guard(unit, "location", location_part.after_save, location=location)
            location_codes[location_part.key] = location.code
            outcomes.append(("location", result.created, bool(result.changed)))
        services = []
        for part in unit.services:
            data = dataclasses.replace(
                part.data, location_codes=tuple(location_codes[key] for key in part.location_keys)
            )
            existing_service = self._find(self.services, part.code, data.source, data.source_id)
            if existing_service is not None:
                self._check_move(unit, existing_service, organisation)
            service, result = _guard(
                unit,
                "service",
                service_save,
                actor=self.actor,
                organisation=organisation,
                data=data,
                service=existing_service,
                code=part.code if existing_service is None else None,
            )
            if part.after_save is not None:
                _guard(unit, "service", part.after_save, service=service)
            services.append(service)
            outcomes.append(("service", result.created, bool(result.changed)))
        self.done.setdefault(org_key, organisation)
        return services, outcomes

    def _organisation(self, unit: ImportUnit, part: OrganisationPart) -> tuple[Organisation, bool, bool]:
        existing = self.organisations.get(("code", str(part.code))) if part.code else None
        if existing is None and part.data.source:
            existing = self.organisations.get((part.data.source, part.data.source_id or ""))
        if existing is None:
            created = _guard(
                unit, "organisation", organisation_create, actor=self.actor, data=part.data, code=part.code
            )
            return created, True, False
        data = _keeping(existing, part.data, part.keep)
        if not self.may_manage_organisations and self.is_tenant(existing.pk):
            changes = _guard(unit, "organisation", organisation_changes, organisation=existing, data=data)
            if changes:
                raise _UnitFailed([_tenant_refused(unit, existing, changes)])
        changed = _guard(unit, "organisation", organisation_update, actor=self.actor, organisation=existing, data=data)
        return existing, False, bool(changed)

    def _check_move(self, unit: ImportUnit, service: Service, organisation: Organisation) -> None:
        """Moving a service into or out of a tenant organisation changes that organisation: same rule."""
        if service.organisation_id == organisation.pk or self.may_manage_organisations:
            return
        if self.is_tenant(service.organisation_id) or self.is_tenant(organisation.pk):
            raise _UnitFailed(
                [
                    row_error(
                        unit.row,
                        "",
                        service.name,
                        f"サービス「{service.name}」を別の団体に移すことはできません。利用団体（メンバーのいる団体）に"
                        "関わる移動には団体の管理権限が必要です。",
                        f"The service {service.name} cannot be moved to another organisation: moving a service into "
                        "or out of an organisation that has members needs the permission to manage organisations.",
                    )
                ]
            )

    @staticmethod
    def _find(found: dict[tuple[str, str], Any], code: uuid.UUID | None, source: str, source_id: str) -> Any | None:
        if code is not None and ("code", str(code)) in found:
            return found[("code", str(code))]
        if source:
            return found.get((source, source_id))
        return None


def may_manage_organisations(actor: AuditActor) -> bool:
    """Whether this importer may change tenant organisations (docs/import-export.md).

    A person needs ``organisation.manage``, as on the organisation pages. The command line runs as a
    `SystemActor`: whoever runs it on the server is the operator, who holds every power anyway.
    """
    if isinstance(actor, Actor):
        return account_access.may_manage_organisations(actor)
    return isinstance(actor, SystemActor)


def _tenant_refused(unit: ImportUnit, organisation: Organisation, changes: list[str]) -> RowError:
    column, value = unit.columns.get("organisation.name") or ("", organisation.name)
    names = ", ".join(changes)
    return row_error(
        unit.row,
        column,
        value,
        f"団体「{organisation.name}」はメンバーのいる利用団体です。取込みで変更するには団体の管理権限が必要です"
        f"（変わる項目: {names}）。",
        f"{organisation.name} is an organisation with members: an import may change it only for someone who may "
        f"manage organisations (fields that would change: {names}).",
    )


def _confidential_kept(unit: ImportUnit, location: Location) -> RowError:
    return row_error(
        unit.row,
        "",
        str(location.code),
        "この所在地は非公開（シェルターなど）のため、ファイルの内容を反映せずそのままにしました。変更は所在地のページで"
        "行ってください。",
        "This location is confidential (a shelter or similar), so it was left as it is and nothing from the file "
        "was applied. Change it on the location's page.",
    )


def _org_key(part: OrganisationPart) -> tuple[str, str]:
    return ("code", str(part.code)) if part.code else (part.data.source or "", part.key)


def _keeping(existing: Organisation, data: OrganisationData, keep: frozenset[str]) -> OrganisationData:
    """Fields an import only guesses or leaves blank keep what staff set (`OrganisationPart.keep`)."""
    changes = {name: getattr(existing, name) for name in keep if getattr(existing, name)}
    return dataclasses.replace(data, **changes) if changes else data


def _existing_organisations(units: list[ImportUnit]) -> dict[tuple[str, str], Organisation]:
    codes = {u.organisation.code for u in units if u.organisation.code}
    sources = {u.organisation.data.source for u in units if u.organisation.data.source}
    found: dict[tuple[str, str], Organisation] = {}
    if not codes and not sources:
        return found
    for organisation in Organisation.objects.filter(Q(code__in=codes) | Q(source__in=sources)):
        found[("code", str(organisation.code))] = organisation
        if organisation.source:
            found[(organisation.source, organisation.source_id)] = organisation
    return found


def _existing(queryset: Any, units: list[ImportUnit], attribute: str) -> dict[tuple[str, str], Any]:
    parts: list[LocationPart | ServicePart] = [p for u in units for p in getattr(u, attribute)]
    codes = {p.code for p in parts if p.code}
    sources = {p.data.source for p in parts if p.data.source}
    found: dict[tuple[str, str], Any] = {}
    if not codes and not sources:
        return found
    for item in queryset.filter(Q(code__in=codes) | Q(source__in=sources)):
        found[("code", str(item.code))] = item
        if item.source:
            found[(item.source, item.source_id)] = item
    return found


def _guard(unit: ImportUnit, entity: str, save: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return save(**kwargs)
    except ValidationError as exc:
        raise _UnitFailed(_validation_errors(unit, entity, exc)) from exc
    except DatabaseError as exc:
        raise _UnitFailed(
            [
                row_error(
                    unit.row,
                    "",
                    "",
                    f"データベースに保存できませんでした（{entity}）: {exc}",
                    f"The database refused the {entity}: {exc}",
                )
            ]
        ) from exc


def _both_languages(error: ValidationError) -> tuple[str, str]:
    texts = []
    for language in ("ja", "en"):
        with translation.override(language):
            message = str(error.message)
            if error.params:
                message %= error.params
        texts.append(message)
    return texts[0], texts[1]


def _validation_errors(unit: ImportUnit, entity: str, exc: ValidationError) -> list[RowError]:
    items: list[tuple[str, ValidationError]] = []
    if hasattr(exc, "error_dict"):
        items = [(name, error) for name, errors in exc.error_dict.items() for error in errors]
    else:
        items = [("", error) for error in exc.error_list]
    found = []
    for name, error in items:
        column, value = unit.columns.get(f"{entity}.{name}") or unit.columns.get(name) or ("", "")
        if name and name != NON_FIELD_ERRORS and not column:
            column = name
        reason_ja, reason_en = _both_languages(error)
        found.append(row_error(unit.row, column, value, reason_ja, reason_en))
    return found


def write_units(
    *,
    actor: AuditActor,
    parsed: ParsedFile,
    report: ImportReport,
    file_digest: str,
    progress: Progress | None = None,
) -> ImportReport:
    """Save `parsed.units` as described in the module docstring; fills and returns `report`."""
    started = time.monotonic()
    report.encoding, report.rows_read = parsed.encoding, parsed.rows_read
    report.errors.extend(parsed.errors)
    report.warnings.extend(parsed.warnings)
    report.skipped = len({e.row for e in parsed.errors if e.row > 1})
    # Saving runs in Japanese so that messages raised with plain gettext come out in Japanese too.
    with translation.override("ja"), transaction.atomic():
        if parsed.before_write is not None:
            parsed.before_write()
        writer = _Writer(actor=actor, units=parsed.units, report=report)
        for unit in parsed.units:
            try:
                with transaction.atomic():
                    services, outcomes = writer.save(unit)
            except _UnitFailed as failed:
                report.errors.extend(failed.errors)
                report.skipped += 1
            else:
                report.imported += 1
                report.service_ids.extend(s.pk for s in services)
                for kind, created, changed in outcomes:
                    counts = {
                        "organisation": report.organisations,
                        "location": report.locations,
                        "service": report.services,
                    }[kind]
                    counts.add(created=created, changed=changed)
            if progress is not None:
                progress(1)
        report.errors.sort(key=lambda e: e.row)
        report.warnings.sort(key=lambda e: e.row)
        file_level = any(e.row <= 1 and not parsed.units for e in report.errors)
        report.committed = not report.dry_run and not file_level and (report.skip_invalid or not report.errors)
        if report.committed:
            audit(actor=actor, action=DirectoryAction.IMPORTED, detail={**report.summary(), "sha256": file_digest})
        else:
            transaction.set_rollback(True)
    if not report.committed:
        action = DirectoryAction.IMPORT_CHECKED if report.dry_run else DirectoryAction.IMPORT_REJECTED
        audit(actor=actor, action=action, detail={**report.summary(), "sha256": file_digest})
    report.seconds = time.monotonic() - started
    return report


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def first_errors(errors: Iterable[RowError], limit: int) -> list[RowError]:
    return list(errors)[:limit]

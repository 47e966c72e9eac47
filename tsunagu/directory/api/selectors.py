"""Reads for the public HSDS API: what the API lists, loaded with what ``hsds`` serialises.

The API is public, so the scope is the same for everyone: every service that is not ``defunct``,
and the organisations that provide one (whether or not their staff accounts are active: the
services' own status says whether they run). A defunct service stays reachable by its id (its
status says it is gone), so that a consumer holding the id learns why it disappeared from lists.
Text search and the service filters go through the one directory search selector
(``search.selectors.services_search``); this module adds the HSDS loading around it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from tsunagu.accounts.models import Organisation
from tsunagu.core.text import contains_any
from tsunagu.directory.hsds import (
    history_codes,
    history_for,
    locations_related,
    service_at_locations_related,
    with_hsds_related,
)
from tsunagu.directory.models import (
    ChangeRecord,
    Location,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
)

#: The statuses a list shows unless the caller asks for others with ``status``.
LISTED_STATUSES: tuple[str, ...] = (
    ServiceStatus.ACTIVE,
    ServiceStatus.TEMPORARILY_CLOSED,
    ServiceStatus.INACTIVE,
)


def listed_services() -> QuerySet[Service]:
    return Service.objects.filter(status__in=LISTED_STATUSES)


def services_in_order(ids: Sequence[int], *, full: bool) -> list[Service]:
    """The services with these primary keys, in that order, loaded for ``service_to_hsds(…, full=full)``."""
    found = {service.pk: service for service in with_hsds_related(Service.objects.filter(pk__in=ids), full=full)}
    return [found[pk] for pk in ids if pk in found]


def service_by_code(code: uuid.UUID) -> Service | None:
    return with_hsds_related(Service.objects.filter(code=code)).first()


def histories(services: Sequence[Service]) -> dict[uuid.UUID, list[ChangeRecord]]:
    """The change history of these (fully loaded) services and their public locations, in one query."""
    return history_for(code for service in services for code in history_codes(service))


# -- organisations -------------------------------------------------------------------------------


def listed_organisations(*, search: str = "") -> QuerySet[Organisation]:
    organisations = Organisation.objects.filter(Exists(listed_services().filter(organisation=OuterRef("pk"))))
    if search:
        organisations = organisations.filter(contains_any(search, "name", "name_kana"))
    return organisations.order_by("name_kana", "name", "id")


def with_parts(organisations: QuerySet[Organisation], *, full_service: bool) -> QuerySet[Organisation]:
    """Organisations with their listed services (``listed_services``) and locations (``all_locations``)."""
    return organisations.prefetch_related(
        Prefetch(
            "services",
            queryset=with_hsds_related(listed_services(), full=full_service).order_by("name_kana", "name", "id"),
            to_attr="listed_services",
        ),
        Prefetch(
            "locations",
            queryset=locations_related(Location.objects.order_by("name_kana", "name", "id")),
            to_attr="all_locations",
        ),
    )


def organisation_for_detail(code: uuid.UUID, *, full_service: bool) -> Organisation | None:
    return with_parts(listed_organisations().filter(code=code), full_service=full_service).first()


# -- taxonomies ----------------------------------------------------------------------------------


def taxonomy_get(*, code: uuid.UUID) -> Taxonomy | None:
    return Taxonomy.objects.filter(code=code).first()


def services_at_locations_by_pk(ids: Sequence[int]) -> QuerySet[ServiceAtLocation]:
    return ServiceAtLocation.objects.filter(pk__in=ids)


def taxonomies(*, search: str = "") -> QuerySet[Taxonomy]:
    found = Taxonomy.objects.all()
    if search:
        found = found.filter(Q(name__icontains=search) | Q(name_en__icontains=search) | Q(key__icontains=search))
    return found.order_by("key")


def taxonomy_terms(
    *,
    search: str = "",
    taxonomy: uuid.UUID | None = None,
    parent: uuid.UUID | None = None,
    top_only: bool = False,
) -> QuerySet[TaxonomyTerm]:
    """Active terms, in each taxonomy's own order."""
    found = TaxonomyTerm.objects.filter(is_active=True).select_related("taxonomy", "parent")
    if search:
        found = found.filter(Q(name__icontains=search) | Q(name_en__icontains=search) | Q(key__icontains=search))
    if taxonomy is not None:
        found = found.filter(taxonomy__code=taxonomy)
    if parent is not None:
        found = found.filter(parent__code=parent)
    if top_only:
        found = found.filter(parent__isnull=True)
    return found.order_by("taxonomy__key", "position", "key", "id")


def taxonomy_term_by_code(code: uuid.UUID) -> TaxonomyTerm | None:
    return TaxonomyTerm.objects.select_related("taxonomy", "parent").filter(code=code).first()


# -- services at locations -----------------------------------------------------------------------


def services_at_locations(*, service_ids: Sequence[int] | None = None) -> QuerySet[ServiceAtLocation]:
    """Services at locations of listed services (or of exactly these services), oldest link first."""
    found = ServiceAtLocation.objects.all()
    found = (
        found.filter(service_id__in=service_ids)
        if service_ids is not None
        else found.filter(service__status__in=LISTED_STATUSES)
    )
    return found.order_by("id")


def services_at_locations_for_list(ids: Sequence[int]) -> list[ServiceAtLocation]:
    """These links, in this order, with their service (and its organisation) and location."""
    found = {
        sal.pk: sal
        for sal in ServiceAtLocation.objects.filter(pk__in=ids).select_related(
            "service__organisation", "location__organisation"
        )
    }
    return [found[pk] for pk in ids if pk in found]


def services_at_locations_full(links: QuerySet[ServiceAtLocation]) -> QuerySet[ServiceAtLocation]:
    """Links with their location and their fully loaded service, in a fixed number of queries."""
    return service_at_locations_related(links).prefetch_related(
        Prefetch("service", queryset=with_hsds_related(Service.objects.all()))
    )


def service_at_location_for_detail(code: uuid.UUID) -> ServiceAtLocation | None:
    return services_at_locations_full(ServiceAtLocation.objects.filter(code=code)).first()

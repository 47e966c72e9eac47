"""Who may see and change directory records; one implementation per rule (docs/style.md).

Every staff member with ``directory.view`` sees every service, location and organisation: the
directory is public information. Changing a record needs ``directory.edit_any`` (curators), or
``directory.edit_own`` while acting for the organisation that owns it. A confidential location's
address (a DV shelter) is for ``directory.confidential.view`` holders and for members of the owning
organisation who may edit it; everyone else sees that it is not public.

The ``access_*`` helpers take the request because every refusal writes its one "denied" audit row
through ``accounts.access.deny``, which records the URL and method: a missing record is a 404, a
record the actor may see but not change is a 403.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tsunagu.accounts.access import actor_of, deny, not_found
from tsunagu.accounts.models import Organisation
from tsunagu.accounts.policy import Actor, Perm
from tsunagu.directory import selectors
from tsunagu.directory.models import Location, Service


def may_edit(actor: Actor, organisation: Organisation | None) -> bool:
    """Whether the actor may change the services and locations of `organisation`."""
    if actor.has(Perm.DIRECTORY_EDIT_ANY):
        return True
    return (
        organisation is not None
        and actor.has(Perm.DIRECTORY_EDIT_OWN)
        and actor.organisation is not None
        and actor.organisation.pk == organisation.pk
    )


def may_see_confidential(actor: Actor, organisation: Organisation | None) -> bool:
    """Whether the actor may see (and so edit) the confidential addresses of `organisation`'s locations."""
    if actor.has(Perm.DIRECTORY_CONFIDENTIAL_VIEW):
        return True
    return (
        organisation is not None
        and actor.has(Perm.DIRECTORY_EDIT_OWN)
        and actor.organisation is not None
        and actor.organisation.pk == organisation.pk
    )


def _refuse(request: HttpRequest, *, target_type: str, code: UUID) -> PermissionDenied:
    deny(request, reason="directory_not_editable", target_type=target_type, target_code=str(code))
    return PermissionDenied()


def access_service(request: HttpRequest, code: UUID, *, write: bool = False) -> Service:
    service = selectors.service_get(code=code)
    if service is None:
        raise not_found(request, target_type="service", target_code=str(code))
    if write and not may_edit(actor_of(request), service.organisation):
        raise _refuse(request, target_type="service", code=code)
    return service


def access_location(request: HttpRequest, code: UUID, *, write: bool = False) -> Location:
    location = selectors.location_get(code=code)
    if location is None:
        raise not_found(request, target_type="location", target_code=str(code))
    if write and not may_edit(actor_of(request), location.organisation):
        raise _refuse(request, target_type="location", code=code)
    return location


def access_organisation(request: HttpRequest, code: UUID, *, write: bool = False) -> Organisation:
    """An organisation of the directory; ``write`` asks whether the actor may add services to it."""
    organisation = selectors.organisation_get(code=code)
    if organisation is None:
        raise not_found(request, target_type="organisation", target_code=str(code))
    if write and not may_edit(actor_of(request), organisation):
        raise _refuse(request, target_type="organisation", code=code)
    return organisation

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

from typing import TypeVar
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tsunagu.accounts.access import actor_of, deny, not_found
from tsunagu.accounts.models import Organisation
from tsunagu.accounts.policy import Actor, Perm
from tsunagu.directory.models import Location, Service


def may_view_directory(actor: Actor) -> bool:
    """Every staff member: the directory is public information."""
    return actor.has(Perm.DIRECTORY_VIEW)


def may_import(actor: Actor) -> bool:
    """Bring services in from open data, HSDS JSON or a mapped CSV (the directory's curators)."""
    return actor.has(Perm.DIRECTORY_IMPORT)


def _edits_own(actor: Actor, organisation: Organisation | None) -> bool:
    """Whether the actor acts for `organisation` and may edit its own records."""
    return (
        organisation is not None
        and actor.has(Perm.DIRECTORY_EDIT_OWN)
        and actor.organisation is not None
        and actor.organisation.pk == organisation.pk
    )


def may_edit(actor: Actor, organisation: Organisation | None) -> bool:
    """Whether the actor may change the services and locations of `organisation`."""
    return actor.has(Perm.DIRECTORY_EDIT_ANY) or _edits_own(actor, organisation)


def may_see_confidential(actor: Actor, organisation: Organisation | None) -> bool:
    """Whether the actor may see (and so edit) the confidential addresses of `organisation`'s locations."""
    return actor.has(Perm.DIRECTORY_CONFIDENTIAL_VIEW) or _edits_own(actor, organisation)


_Record = TypeVar("_Record", Service, Location, Organisation)


def _access(request: HttpRequest, code: UUID, record: _Record | None, *, target_type: str, write: bool) -> _Record:
    """The record, or a 404 when it does not exist and a 403 when the actor may see but not change it."""
    if record is None:
        raise not_found(request, target_type=target_type, target_code=str(code))
    owner = record if isinstance(record, Organisation) else record.organisation
    if write and not may_edit(actor_of(request), owner):
        deny(request, reason="directory_not_editable", target_type=target_type, target_code=str(code))
        raise PermissionDenied
    return record


# The doors load the one record they guard themselves (access.py imports no selector: selectors
# and services import the rules, never the other way round).


def access_service(request: HttpRequest, code: UUID, *, write: bool = False) -> Service:
    service = Service.objects.select_related("organisation").filter(code=code).first()
    return _access(request, code, service, target_type="service", write=write)


def access_location(request: HttpRequest, code: UUID, *, write: bool = False) -> Location:
    location = Location.objects.select_related("organisation", "area__parent").filter(code=code).first()
    return _access(request, code, location, target_type="location", write=write)


def access_organisation(request: HttpRequest, code: UUID, *, write: bool = False) -> Organisation:
    """An organisation of the directory; ``write`` asks whether the actor may add services to it."""
    return _access(
        request, code, Organisation.objects.filter(code=code).first(), target_type="organisation", write=write
    )

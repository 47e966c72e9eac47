from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_taxonomies(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Ship the taxonomies as data: every migrate (and every test database) gets the missing terms.

    The same hook Django uses for content types and permissions: reference data that code relies
    on, created after the tables exist, never overwriting what staff changed.
    """
    from django.db import connections

    from tsunagu.directory.models import TaxonomyTerm
    from tsunagu.directory.services import taxonomies_load

    # A partial migrate (`migrate directory 0001`, a migration test) leaves the tables absent.
    if TaxonomyTerm._meta.db_table not in connections[using].introspection.table_names():
        return
    taxonomies_load(actor=None, using=using)


def _prune_search_index(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Drop index rows of services that are gone. ``flush`` (the test suite's teardown) empties the
    services table but not the index's own tables, and then sends post_migrate."""
    from django.db import connections

    from tsunagu.directory.search import index

    if index.DOC_TABLE not in connections[using].introspection.table_names() or using != "default":
        return
    index.prune()


class DirectoryConfig(AppConfig):
    name = "tsunagu.directory"
    label = "directory"
    verbose_name = "tsunagu support directory"

    def ready(self) -> None:
        post_migrate.connect(_load_taxonomies, sender=self, dispatch_uid="tsunagu.directory.taxonomies")
        post_migrate.connect(_prune_search_index, sender=self, dispatch_uid="tsunagu.directory.search_index")

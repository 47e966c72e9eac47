"""Template helpers of the referral pages."""

from __future__ import annotations

from django import template

from tsunagu.accounts.policy import Actor, Perm

register = template.Library()


@register.filter
def can(actor: Actor | None, perm: str) -> bool:
    """``{% if actor|can:"provision_ledger.view" %}``: the navigation mirrors the permission checks."""
    return actor is not None and actor.has(Perm(perm))

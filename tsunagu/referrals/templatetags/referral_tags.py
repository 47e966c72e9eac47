"""Template helpers of the referral pages: the navigation mirrors the rules of access.py."""

from __future__ import annotations

from django import template

from tsunagu.accounts.policy import Actor
from tsunagu.referrals import access

register = template.Library()


@register.filter
def may_send(actor: Actor | None) -> bool:
    """``{% if actor|may_send %}``"""
    return actor is not None and access.may_send(actor)


@register.filter
def may_view_ledger(actor: Actor | None) -> bool:
    """``{% if actor|may_view_ledger %}``"""
    return actor is not None and access.may_view_ledger(actor)

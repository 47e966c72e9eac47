"""Who may change what the public portal shows (the rules of the portal's staff pages).

The portal's public pages need no rule: anyone may read them, anonymously.
"""

from __future__ import annotations

from tsunagu.accounts.policy import Actor, Perm


def may_edit_readings(actor: Actor) -> bool:
    """The reading dictionary of やさしい日本語 furigana (curators of the public directory)."""
    return actor.organisation is not None and actor.has(Perm.PORTAL_READINGS_EDIT)

"""What accounts records in the audit trail (tsunagu/audit/actions.py)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.policy import Role
from tsunagu.audit.actions import AuditAction


class AccountAction(AuditAction):
    SIGNED_IN = "auth.signed_in", _("Signed in")
    SIGNED_OUT = "auth.signed_out", _("Signed out")
    SIGN_IN_FAILED = "auth.sign_in_failed", _("Sign-in failed (password)")
    CODE_FAILED = "auth.code_failed", _("Sign-in failed (one-time code)")
    SETUP_CODE_FAILED = "auth.setup_code_failed", _("Authenticator set-up failed (one-time code)")
    REAUTHENTICATED = "auth.reauthenticated", _("Identity confirmed again")
    REAUTH_FAILED = "auth.reauth_failed", _("Identity confirmation failed")
    PASSWORD_CHANGE_FAILED = "auth.password_change_failed", _("Password change failed (current password)")
    ORGANISATION_SELECTED = "auth.organisation_selected", _("Acting organisation chosen")
    SESSION_ENDED = "auth.session_ended", _("Session ended by the server")
    ORGANISATION_CREATED = "organisation.created", _("Organisation registered")
    ORGANISATION_UPDATED = "organisation.updated", _("Organisation updated")
    ORGANISATION_ACTIVATED = "organisation.activated", _("Organisation switched on")
    ORGANISATION_DEACTIVATED = "organisation.deactivated", _("Organisation switched off")
    USER_CREATED = "user.created", _("User created")
    USER_UPDATED = "user.updated", _("User's contact details updated")
    USER_REACTIVATED = "user.reactivated", _("User switched on")
    USER_DEACTIVATED = "user.deactivated", _("User switched off")
    PASSWORD_CHANGED = "user.password_changed", _("Password changed by its user")
    PASSWORD_RESET = "user.password_reset", _("Password reset by an administrator")
    SECOND_FACTOR_SETUP_STARTED = "user.second_factor_setup_started", _("Authenticator set-up started")
    SECOND_FACTOR_SET_UP = "user.second_factor_set_up", _("Authenticator set up")
    SECOND_FACTOR_RESET = "user.second_factor_reset", _("Authenticator removed")
    RECOVERY_CODES_REGENERATED = "user.recovery_codes_regenerated", _("Recovery codes made anew")
    MEMBERSHIP_ADDED = "membership.added", _("Role given")
    MEMBERSHIP_REMOVED = "membership.removed", _("Role taken away")
    KEYS_ROTATED = "crypto.keys_rotated", _("Encryption keys rotated")


# What the codes in these rows' details mean (audit/actions.py, ``detail_value``).
DETAIL_LABELS: dict[str, dict[str, Promise | str]] = {
    "target_type": {"user": _("User"), "organisation": _("Organisation"), "membership": _("Role")},
    "reason": {
        "not_signed_in": _("not signed in"),
        "not_found_or_hidden": _("not found, or not for this person to know"),
        "missing_permission": _("no permission for this page"),
    },
    "role": dict(Role.choices),
}

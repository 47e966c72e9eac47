"""Staff pages for system administrators: organisations, users, memberships. Every change is audited."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from tsunagu.accounts import selectors, services
from tsunagu.accounts.access import (
    actor_of,
    may_see_users_personal_data,
    not_found,
    recent_authentication_required,
    staff_required,
)
from tsunagu.accounts.forms import (
    ListFilterForm,
    MembershipForm,
    OrganisationForm,
    PasswordResetByAdminForm,
    UserContactForm,
    UserCreateForm,
)
from tsunagu.accounts.models import Membership, Organisation, OrganisationType, User
from tsunagu.accounts.policy import Perm, Role
from tsunagu.audit.services import record_personal_data_read

PAGE_SIZE = 50
ORG_MATCHES = 20
PERSONAL_FIELDS = ["display_name", "email", "phone"]


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _organisation_or_404(request: HttpRequest, code: UUID) -> Organisation:
    organisation = selectors.organisation_get(code=code)
    if organisation is None:
        raise not_found(request, target_type="organisation", target_code=str(code))
    return organisation


def _user_or_404(request: HttpRequest, code: UUID) -> User:
    user = selectors.user_get(code=code)
    if user is None:
        raise not_found(request, target_type="user", target_code=str(code))
    return user


ORGANISATION_FORM_FIELDS = (
    "name",
    "name_kana",
    "type",
    "municipality_code",
    "contact_phone",
    "contact_email",
    "website",
    "description",
)


def _organisation_data(form: OrganisationForm) -> services.OrganisationData:
    return services.OrganisationData(**{key: form.cleaned_data[key] for key in ORGANISATION_FORM_FIELDS})


@require_http_methods(["GET"])
@staff_required(Perm.ORGANISATION_MANAGE)
def organisation_list_view(request: HttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    type_filter = request.GET.get("type", "")
    if type_filter not in OrganisationType.values:
        type_filter = ""
    organisations = selectors.organisation_list(query=query, type=type_filter)
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "types": OrganisationType.choices,
        "type_filter": type_filter,
        "query": _query_without_page(request),
    }
    return render(request, "accounts/manage/organisation_list.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Perm.ORGANISATION_MANAGE)
def organisation_create_view(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=actor_of(request), data=_organisation_data(form))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The organisation has been created."))
            return redirect("accounts:organisation_edit", code=organisation.code)
    status = 400 if form.is_bound else 200
    return render(request, "accounts/manage/organisation_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@staff_required(Perm.ORGANISATION_MANAGE)
def organisation_edit_view(request: HttpRequest, code: UUID) -> HttpResponse:
    organisation = _organisation_or_404(request, code)
    initial = {key: getattr(organisation, key) for key in ORGANISATION_FORM_FIELDS}
    form = OrganisationForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                actor=actor_of(request), organisation=organisation, data=_organisation_data(form)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The organisation has been saved."))
            return redirect("accounts:organisation_edit", code=organisation.code)
    status = 400 if form.is_bound else 200
    return render(
        request, "accounts/manage/organisation_form.html", {"form": form, "organisation": organisation}, status=status
    )


@require_POST
@staff_required(Perm.ORGANISATION_MANAGE)
def organisation_set_active_view(request: HttpRequest, code: UUID) -> HttpResponse:
    organisation = _organisation_or_404(request, code)
    active = request.POST.get("active") == "1"
    services.organisation_set_active(actor=actor_of(request), organisation=organisation, active=active)
    messages.success(
        request, _("The organisation has been reactivated.") if active else _("The organisation has been deactivated.")
    )
    return redirect("accounts:organisation_edit", code=organisation.code)


@require_http_methods(["GET"])
@staff_required(Perm.USER_MANAGE)
def user_list_view(request: HttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.user_list(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    return render(request, "accounts/manage/user_list.html", context)


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
@staff_required(Perm.USER_MANAGE)
def user_create_view(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=actor_of(request),
                username=data["username"],
                password=data["password"],
                display_name=data["display_name"],
                email=data["email"],
                phone=data["phone"],
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("The user has been created. Add a membership so they can work."))
            return redirect("accounts:user_detail", code=user.code)
    status = 400 if form.is_bound else 200
    return render(request, "accounts/manage/user_create.html", {"form": form}, status=status)


def _attach_errors(form: UserCreateForm | UserContactForm | PasswordResetByAdminForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        target = "password" if "password" in form.fields else None
        form.add_error(target, exc)


def _user_detail_context(request: HttpRequest, user: User, **forms: object) -> dict[str, object]:
    actor = actor_of(request)
    show_personal = may_see_users_personal_data(actor)
    if show_personal:
        record_personal_data_read(actor=actor, target_type="user", target_code=user.code, fields=PERSONAL_FIELDS)
    # Organisations to add are found by name (there may be tens of thousands), never all listed.
    search = ListFilterForm({"q": request.GET.get("org_q", "")})
    org_query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    matches = list(selectors.organisation_list(query=org_query, active=True)[:ORG_MATCHES]) if org_query else []
    context: dict[str, object] = {
        "subject": user,
        "show_personal": show_personal,
        "has_device": selectors.user_has_second_factor(user=user),
        "contact_form": UserContactForm(initial={k: getattr(user, k) for k in PERSONAL_FIELDS})
        if show_personal
        else None,
        "membership_form": MembershipForm(organisations=matches),
        "org_query": org_query,
        "password_form": PasswordResetByAdminForm(),
        "is_self": actor.user is not None and actor.user.pk == user.pk,
    }
    context.update(forms)
    return context


@require_http_methods(["GET"])
@staff_required(Perm.USER_MANAGE)
def user_detail_view(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user_or_404(request, code)
    return render(request, "accounts/manage/user_detail.html", _user_detail_context(request, user))


@require_POST
@staff_required(Perm.USER_PERSONAL_DATA_VIEW)
def user_contact_update_view(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user_or_404(request, code)
    form = UserContactForm(request.POST)
    if form.is_valid():
        try:
            services.user_update_contact(actor=actor_of(request), user=user, **form.cleaned_data)
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("The contact details have been saved."))
            return redirect("accounts:user_detail", code=user.code)
    return render(
        request, "accounts/manage/user_detail.html", _user_detail_context(request, user, contact_form=form), status=400
    )


@require_POST
@staff_required(Perm.USER_MANAGE)
def user_set_active_view(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user_or_404(request, code)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=actor_of(request), user=user, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The user has been reactivated.")
            if active
            else _("The user has been deactivated and signed out everywhere."),
        )
    return redirect("accounts:user_detail", code=user.code)


@sensitive_post_parameters("password")
@require_POST
@staff_required(Perm.USER_MANAGE)
@recent_authentication_required
def user_password_reset_view(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user_or_404(request, code)
    form = PasswordResetByAdminForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_password(
                actor=actor_of(request), user=user, password=form.cleaned_data["password"], by_self=False
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("The password has been reset and the user signed out everywhere."))
            return redirect("accounts:user_detail", code=user.code)
    return render(
        request, "accounts/manage/user_detail.html", _user_detail_context(request, user, password_form=form), status=400
    )


@require_POST
@staff_required(Perm.USER_MANAGE)
@recent_authentication_required
def user_second_factor_reset_view(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user_or_404(request, code)
    services.second_factor_reset(actor=actor_of(request), user=user)
    messages.success(request, _("The authenticator has been removed. The user sets up a new one at the next sign-in."))
    return redirect("accounts:user_detail", code=user.code)


@require_POST
@staff_required(Perm.USER_MANAGE)
def membership_add_view(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user_or_404(request, code)
    organisations = selectors.active_organisations_by_code(codes=request.POST.getlist("organisation"))
    form = MembershipForm(request.POST, organisations=organisations)
    if not organisations:
        form.add_error(None, _("Choose an active organisation from the search results."))
    if form.is_valid():
        organisation = next(o for o in organisations if str(o.code) == form.cleaned_data["organisation"])
        try:
            services.membership_add(
                actor=actor_of(request), user=user, organisation=organisation, role=Role(form.cleaned_data["role"])
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The membership has been added."))
            return redirect("accounts:user_detail", code=user.code)
    return render(
        request,
        "accounts/manage/user_detail.html",
        _user_detail_context(request, user, membership_form=form),
        status=400,
    )


@require_POST
@staff_required(Perm.USER_MANAGE)
def membership_remove_view(request: HttpRequest, code: UUID) -> HttpResponse:
    membership: Membership | None = selectors.membership_get(code=code)
    if membership is None:
        raise not_found(request, target_type="membership", target_code=str(code))
    user_code = membership.user.code
    try:
        services.membership_remove(actor=actor_of(request), membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The membership has been removed."))
    return redirect("accounts:user_detail", code=user_code)

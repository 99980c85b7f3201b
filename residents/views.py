"""Pages for accounts and resident profiles. Views validate with a form, call a query or an
action, and render; the rules live in ``residents/queries.py`` and ``residents/actions.py``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.confirmation import Confirmation, confirmation_page, is_confirmed
from core.errors import LimitReached
from core.roles import ADMIN, RESIDENT, STAFF, WORKER, primary_role, role_required
from core.views import add_action_errors
from residents import actions, pii, queries
from residents.community_picker import AreaNotOffered, picker_answer
from residents.consent import PORTRAIT_PURPOSE, PORTRAIT_PURPOSE_VERSION
from residents.forms import (
    IDENTIFIER_FIELDS,
    AuditLogFilterForm,
    EraseAccountForm,
    IdentifierLookupForm,
    PasswordChangeForm,
    PortraitForm,
    ResidentProfileForm,
    SignupForm,
)
from residents.login_protection import client_address
from residents.models import Resident, User

# Where each role starts.
START_PAGES = {
    ADMIN: "services:overview",
    WORKER: "services:queue",
    RESIDENT: "services:my_requests",
}


def home(request: HttpRequest) -> HttpResponse:
    start = START_PAGES.get(primary_role(request.user))
    if start is None:
        return render(request, "home.html")
    return redirect(start)


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None, communities=queries.community_choices())
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.resident_signup(
                **form.account_kwargs(),
                client_address=client_address(request),
                **form.action_kwargs(),
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            # The user name has the code sign-up added: the person learns it here.
            messages.success(
                request,
                _(
                    "Welcome! Your account is ready. Your user name is %(username)s: sign in with it."
                )
                % {"username": user.get_username()},
            )
            return redirect("services:my_requests")
    return render(request, "registration/signup.html", {"form": form})


def _own_profile(user: User):
    return queries.resident_own_profile(user=user)


@role_required(RESIDENT)
def profile(request: HttpRequest) -> HttpResponse:
    resident = _own_profile(request.user)
    return render(
        request,
        "residents/profile.html",
        {
            "resident": resident,
            "consent": queries.standing_portrait_consent(resident) if resident else None,
        },
    )


def _portrait_page(
    request: HttpRequest, resident, *, done_url: str, heading: str, for_resident: bool = False
):
    """The portrait facts with their purpose, consent and withdrawal: one page for the
    resident themself and (``for_resident``) for a worker recording what the resident said in
    person, which speaks of the resident rather than to them."""
    form = PortraitForm(request.POST or None, instance=resident)
    if request.method == "POST" and form.is_valid():
        try:
            actions.resident_portrait_save(
                user=request.user, resident=resident, portrait=form.portrait()
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(
                request,
                _("The resident's answers and consent are recorded.")
                if for_resident
                else _("Thank you: your answers and consent are recorded."),
            )
            return redirect(done_url)
    return render(
        request,
        "residents/portrait_form.html",
        {
            "form": form,
            "heading": heading,
            "for_resident": for_resident,
            "resident": resident,
            "purpose": PORTRAIT_PURPOSE,
            "purpose_version": PORTRAIT_PURPOSE_VERSION,
            "consent": queries.standing_portrait_consent(resident),
            "consents": queries.portrait_consent_history(user=request.user, resident=resident),
            "cancel_url": done_url,
        },
    )


def _portrait_withdraw(request: HttpRequest, resident, *, done_url: str) -> HttpResponse:
    # The facts cannot be restored: asked first, by the dialog or, without JavaScript, here.
    if not is_confirmed(request):
        return confirmation_page(
            request,
            Confirmation(
                question=_(
                    "Withdraw consent and delete these facts? They cannot be restored; you can "
                    "share them again later."
                ),
                confirm_label=_("Withdraw consent and delete these facts"),
                cancel_url=done_url,
            ),
        )
    actions.resident_portrait_withdraw(user=request.user, resident=resident)
    messages.success(
        request, _("Consent withdrawn: those facts are deleted and left out of analysis.")
    )
    return redirect(done_url)


@role_required(RESIDENT)
def profile_portrait(request: HttpRequest) -> HttpResponse:
    resident = _own_profile(request.user)
    if resident is None:
        raise Http404
    return _portrait_page(
        request, resident, done_url=reverse("profile"), heading=_("Help plan services")
    )


@require_POST
@role_required(RESIDENT)
def profile_portrait_withdraw(request: HttpRequest) -> HttpResponse:
    resident = _own_profile(request.user)
    if resident is None:
        raise Http404
    return _portrait_withdraw(request, resident, done_url=reverse("profile"))


@role_required(RESIDENT)
def my_data(request: HttpRequest) -> HttpResponse:
    """Who saw, downloaded or erased my personal data, and my copy of it."""
    entries = queries.own_access_log(user=request.user)
    return render(
        request,
        "residents/my_data.html",
        {
            "resident": _own_profile(request.user),
            "page_obj": Paginator(entries, 50).get_page(request.GET.get("page")),
        },
    )


@role_required(ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    """The personal-data audit log: every unmasked view, download, erasure and purge."""
    form = AuditLogFilterForm(request.GET or None)
    entries = queries.audit_log(user=request.user)
    if form.is_valid():
        entries = form.filter(entries)
    return render(
        request,
        "residents/audit_log.html",
        {"form": form, "page_obj": Paginator(entries, 50).get_page(request.GET.get("page"))},
    )


@role_required(RESIDENT)
def profile_edit(request: HttpRequest) -> HttpResponse:
    resident = _own_profile(request.user)
    if resident is None:
        raise Http404
    form = ResidentProfileForm(
        request.POST or None, instance=resident, communities=queries.community_choices()
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.resident_update(user=request.user, resident=resident, **form.action_kwargs())
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("profile")
    return render(
        request,
        "residents/profile_form.html",
        {
            "form": form,
            "heading": _("Edit my profile"),
            "identifier_fields": IDENTIFIER_FIELDS,
            "cancel_url": reverse("profile"),
        },
    )


@role_required(RESIDENT)
def account_erase(request: HttpRequest) -> HttpResponse:
    form = EraseAccountForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        resident = _own_profile(request.user)
        actions.resident_erase(user=request.user, resident=resident, delete_account=True)
        logout(request)
        return render(request, "residents/erased.html")
    return render(request, "residents/erase_confirm.html", {"form": form})


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Everyone's own "Change password": the current password, the new one twice. This
    session stays signed in; the others and the API tokens end (the action)."""
    form = PasswordChangeForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            changed = actions.account_password_change(
                user=request.user, new_password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(
                request,
                _(
                    "Your password has been changed. Your other sessions are signed out and "
                    "your API tokens no longer work."
                ),
            )
            for ended in changed.ended:
                messages.warning(request, ended.to_owner())
            return redirect("home")
    return render(request, "registration/password_change.html", {"form": form})


# The number a worker searched for and did not find, encrypted (sessions are stored in the
# database): the "Create a resident profile" that follows starts with it filled in.
NOT_FOUND_SESSION_KEY = "resident_find_not_found"
FROM_SEARCH = "search"


@role_required(*STAFF)
def resident_find(request: HttpRequest) -> HttpResponse:
    """Find a resident by national ID or phone. The number is posted, never put in a URL,
    and matched through its keyed hash inside the worker's communities."""
    form = IdentifierLookupForm(request.POST or None)
    context = {"form": form, "searched": False, "found": None, "from_search": FROM_SEARCH}
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        request.session.pop(NOT_FOUND_SESSION_KEY, None)
        try:
            context["found"] = actions.resident_find_by_identifier(
                user=request.user, **{kind: form.cleaned_data["value"]}
            )
            context["searched"] = True
        except LimitReached as exc:
            messages.error(request, exc.messages[0])
        else:
            if context["found"] is None:
                request.session[NOT_FOUND_SESSION_KEY] = {
                    "kind": kind,
                    "token": pii.encrypt(form.cleaned_data["value"]),
                }
        # The number is not echoed back into the page.
        context["form"] = IdentifierLookupForm(initial={"kind": kind})
    return render(request, "residents/find.html", context)


def _staff_resident(request: HttpRequest, pk: int):
    resident = queries.resident_get(user=request.user, pk=pk)
    if resident is None:
        raise Http404
    return resident


def _profile_form_page(request: HttpRequest, form, heading: str, cancel_url: str):
    return render(
        request,
        "residents/profile_form.html",
        {
            "form": form,
            "heading": heading,
            "identifier_fields": IDENTIFIER_FIELDS,
            "cancel_url": cancel_url,
        },
    )


def _searched_number(request: HttpRequest) -> dict[str, str]:
    """The number the worker just searched for without finding anyone, as the new profile's
    initial value, when they came from that search's "Create a resident profile" (a profile
    opened from the menu is someone else's). Used once either way."""
    searched = request.session.pop(NOT_FOUND_SESSION_KEY, None)
    if not searched or request.GET.get("from") != FROM_SEARCH:
        return {}
    if searched.get("kind") not in IDENTIFIER_FIELDS:
        return {}
    try:
        return {searched["kind"]: pii.decrypt(searched["token"])}
    except ValueError:  # the keys changed since: the worker types it again
        return {}


@role_required(*STAFF)
def resident_create(request: HttpRequest) -> HttpResponse:
    communities = queries.community_choices(user=request.user)
    form = ResidentProfileForm(request.POST or None, communities=communities)
    if request.method == "GET":
        # A profile a worker creates is for someone without an account.
        form.initial["preferred_channel"] = Resident.channel_unless_told(has_login=False)
        form.initial.update(_searched_number(request))
    if request.method == "POST" and form.is_valid():
        try:
            resident = actions.resident_create(user=request.user, **form.action_kwargs())
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Resident profile created."))
            return redirect("resident_detail", pk=resident.pk)
    response = _profile_form_page(
        request, form, _("New resident profile"), reverse("resident_find")
    )
    # The page may hold the number searched for: kept out of the browser's cache.
    response["Cache-Control"] = "no-store"
    return response


@role_required(*STAFF)
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _staff_resident(request, pk)
    form = ResidentProfileForm(
        request.POST or None,
        instance=resident,
        communities=queries.community_choices(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.resident_update(user=request.user, resident=resident, **form.action_kwargs())
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Resident profile saved."))
            return redirect("resident_detail", pk=resident.pk)
    return _profile_form_page(
        request,
        form,
        _("Edit resident #%(id)s") % {"id": resident.pk},
        reverse("resident_detail", kwargs={"pk": resident.pk}),
    )


def _resident_page(request: HttpRequest, resident, revealed: dict | None = None) -> HttpResponse:
    return render(
        request,
        "residents/resident_detail.html",
        {
            "resident": resident,
            "revealed": revealed,
            "consent": queries.standing_portrait_consent(resident),
        },
    )


@role_required(*STAFF)
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _resident_page(request, _staff_resident(request, pk))


@role_required(*STAFF)
def resident_portrait(request: HttpRequest, pk: int) -> HttpResponse:
    """A worker records the portrait facts and consent a resident gave in person."""
    resident = _staff_resident(request, pk)
    if resident.erased_at is not None:
        raise Http404
    return _portrait_page(
        request,
        resident,
        done_url=reverse("resident_detail", kwargs={"pk": resident.pk}),
        heading=_("Portrait facts of resident #%(id)s") % {"id": resident.pk},
        for_resident=True,
    )


@require_POST
@role_required(*STAFF)
def resident_portrait_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _staff_resident(request, pk)
    return _portrait_withdraw(
        request, resident, done_url=reverse("resident_detail", kwargs={"pk": resident.pk})
    )


@require_POST
@role_required(*STAFF)
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the identifiers in full in this response only; the action writes the audit entry."""
    resident = _staff_resident(request, pk)
    revealed = actions.resident_identifiers_reveal(user=request.user, resident=resident)
    response = _resident_page(request, resident, revealed)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def community_picker_data(request: HttpRequest) -> JsonResponse:
    """The area picker's lazy step (``residents.community_picker``): the areas directly
    inside ``?area=<code>`` (none given: the widest that tell the communities apart) and,
    when it holds few enough, its communities. Only among the communities this person is
    offered wherever they choose one (``queries.community_choices``): staff their scope,
    residents and people signing up every community (they choose where they live)."""
    user = request.user if request.user.is_authenticated else None
    communities = queries.community_choices(user=user)
    try:
        answer = picker_answer(communities, area_code=request.GET.get("area") or None)
    except AreaNotOffered:
        return JsonResponse(
            {"error": _("No area with this code holds communities you may choose.")}, status=404
        )
    return JsonResponse(answer.as_json())

"""The notification centre and the preferences page (every role: each sees their own)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.localisation import join_sentences
from core.views import add_action_errors
from notifications import actions, queries
from notifications.forms import PreferenceForm
from notifications.models import Channel, Notification, Preference
from notifications.texts import message_in

PAGE_SIZE = 20


@login_required
def notification_centre(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.notification_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    language = get_language()
    for item in page:
        item.message = message_in(item.texts, language)
    return render(request, "notifications/centre.html", {"page_obj": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read and go to what it is about (or back to the centre)."""
    try:
        notification = actions.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    if request.POST.get("follow") and notification.link:
        return redirect(notification.link)
    return _back(request)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = actions.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return _back(request)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:centre")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    offered = queries.channels_offered(user=request.user)
    current = queries.preference_for(user=request.user)
    initial = {
        "in_app": current.in_app,
        "email": current.email,
        "sms": current.sms,
        "preferred_channel": current.preferred_channel,
        "language": current.language,
    }
    form = PreferenceForm(request.POST or None, offered=offered, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.preference_save(
                user=request.user,
                in_app=form.cleaned_data["in_app"],
                email=form.cleaned_data["email"],
                sms=form.cleaned_data.get("sms", False),
                preferred_channel=form.cleaned_data["preferred_channel"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Your notification preferences were saved."))
            return redirect("notifications:preferences")
    # What the saved preferences amount to, by the one rule every notification follows: a
    # preferred channel that is turned off, or that cannot reach the person, sends nothing.
    route = queries.route_for(user=request.user, preference=current, offered=offered)
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            # Where notifications go, then why the preferred channel sends nothing (if so).
            "route_notice": join_sentences(_route_text(route), _unsent_text(current, route)),
        },
    )


def _unsent_text(preference: Preference, route: queries.Route) -> str:
    """Why the preferred outside channel sends nothing, when it does not (``route_for``)."""
    email = preference.preferred_channel == Channel.EMAIL
    if route.unsent == "turned_off":
        return (
            _("Email is your preferred channel but is turned off below.")
            if email
            else _("Text messages are your preferred channel but are turned off below.")
        )
    if route.unsent == "unreachable":
        return (
            _("Email is your preferred channel but your account has no email address.")
            if email
            else _("Text messages are your preferred channel but cannot reach your account.")
        )
    return ""


def _route_text(route: queries.Route) -> str:
    outside = {
        Channel.EMAIL: _("by email"),
        Channel.SMS: _("by text message (SMS)"),
    }.get(route.external)
    if route.in_app and outside:
        return _("Notifications now reach you in the notification centre and %(channel)s.") % {
            "channel": outside
        }
    if route.in_app:
        return _("Notifications now reach you in the notification centre only.")
    if outside:
        return _("Notifications now reach you %(channel)s only.") % {"channel": outside}
    return _("Notifications now reach you nowhere: every channel is turned off.")

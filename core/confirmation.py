"""Asking before an action that cannot be taken back, with or without JavaScript.

A form (or one of its buttons) that asks first carries ``data-confirm`` with the question.
With JavaScript, ``static/js/app.js`` asks it in the browser's dialog and, when the person
agrees, sends ``confirmed=1`` with the form. Without JavaScript (or from any client that did
not ask), the view finds no ``confirmed`` and answers with ``confirmation_page``: the same
question on a page of its own, whose button sends the same fields again with ``confirmed=1``,
and a link back that changes nothing. So the question is asked once either way, and a
destructive action is never taken on the first post alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRMED_FIELD = "confirmed"
# Sent again by the page's own form; the CSRF token is the page's own.
_NOT_CARRIED = {"csrfmiddlewaretoken", CONFIRMED_FIELD}


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page asks: the question, the button that goes ahead (the same
    words as the button pressed) and where "Cancel" leads (the page the person came from)."""

    question: str
    confirm_label: str
    cancel_url: str
    danger: bool = True


def is_confirmed(request: HttpRequest) -> bool:
    """Whether the person agreed to the question (in the dialog or on the page)."""
    return request.POST.get(CONFIRMED_FIELD) == "1"


def confirmation_page(request: HttpRequest, confirmation: Confirmation) -> HttpResponse:
    """The question as a page: a form posting every field received back to the same address,
    with ``confirmed=1``. Nothing has been written."""
    carried = [
        (name, value)
        for name in request.POST
        if name not in _NOT_CARRIED
        for value in request.POST.getlist(name)
    ]
    return render(
        request,
        "confirm.html",
        {
            "confirmation": confirmation,
            "carried": carried,
            "action": request.get_full_path(),
            "confirmed_field": CONFIRMED_FIELD,
        },
    )

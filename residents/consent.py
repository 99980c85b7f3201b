"""What a resident agrees to when they give their portrait facts: the purpose, stated once,
and its version. A new purpose is a new version; consent to an older one no longer counts
(``queries.residents_with_portrait_consent``), so people are asked again."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PORTRAIT_PURPOSE_VERSION = "2026-12"

PORTRAIT_PURPOSE = _(
    "These facts are optional. We use them only to understand which public services your "
    "community needs and to plan them fairly: grouped with other residents' answers into "
    "resident portraits, demand forecasts and fairness checks, never shown with your name "
    "and never used to decide your own requests. Community workers who serve your community "
    "can see them on your profile. You can withdraw at any time: the facts are then deleted "
    "and left out of every later analysis."
)

"""WhiteNoise's index of the static files, built once per test process.

Every Django test client builds its own middleware chain, and WhiteNoise's middleware, when
built, walks every static directory (ours and the apps', the API documentation's included)
and reads and dates each file: about 200 files, 0.05 CPU-s, paid by each of the 1,200-odd
clients of the quick tier, a fifth of its CPU time. A server builds the chain once per
process; so do the tests now: a middleware built with the same settings as an earlier one
takes that one's index instead of walking the directories again. The files do not change
while the tests run, and a test that changes a setting WhiteNoise reads (any ``WHITENOISE_*``,
``DEBUG``, the static URL, root, directories, finders or installed apps) gets an index of
its own, as a server started with those settings would.
"""

from __future__ import annotations

from typing import Any

from django.conf import LazySettings
from django.conf import settings as django_settings
from whitenoise.middleware import WhiteNoiseMiddleware

_SETTINGS_READ = (
    "DEBUG",
    "STATIC_URL",
    "STATIC_ROOT",
    "FORCE_SCRIPT_NAME",
    "STATICFILES_DIRS",
    "STATICFILES_FINDERS",
    "INSTALLED_APPS",
)

_built: dict[str, dict[str, Any]] = {}
_original_init = WhiteNoiseMiddleware.__init__


def _settings_key(settings: LazySettings) -> str:
    read = [name for name in dir(settings) if name.startswith("WHITENOISE_")]
    return repr([(name, getattr(settings, name, None)) for name in (*_SETTINGS_READ, *read)])


def _init_once(
    self: WhiteNoiseMiddleware, get_response: Any = None, settings: LazySettings = django_settings
) -> None:
    key = _settings_key(settings)
    state = _built.get(key)
    if state is None:
        _original_init(self, get_response, settings)
        _built[key] = {k: v for k, v in vars(self).items() if k != "get_response"}
        return
    vars(self).update(state)
    self.get_response = get_response


def install() -> None:
    WhiteNoiseMiddleware.__init__ = _init_once

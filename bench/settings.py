"""Settings for the API benchmark: the product's settings plus a minimal baseline endpoint."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

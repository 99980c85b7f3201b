"""Django's Simplified Chinese formats, with amounts grouped by thousands (600,000), as budget
tables and the engine's own texts write them; Django's default writes 600000."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

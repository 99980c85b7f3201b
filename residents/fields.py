"""A model field that stores text encrypted at rest (Fernet) and hands back clear text."""

from __future__ import annotations

from django.db import models

from residents import pii


class EncryptedTextField(models.TextField):
    """Encrypts on the way to the database and decrypts on the way back.

    Not searchable by design: look identifiers up through their keyed-hash column.
    """

    description = "Text encrypted at rest"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return pii.encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return pii.decrypt(value)

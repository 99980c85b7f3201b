"""Identifiers in their canonical form (NFKC, ASCII digits) and lookup hashes of that form.

Before this, a phone or ID number typed in full-width digits was stored and hashed as typed,
so it neither matched the same number in ASCII nor collided with it. Each such row is
rewritten in the canonical form and re-hashed. If two profiles turn out to carry the same ID
number, the oldest keeps it as its lookup hash; the others keep the number (encrypted) but
lose the lookup hash, so the unique constraint holds, and the count is printed for the
operator to reconcile them.
"""

from django.db import migrations

from residents import pii


def canonicalise(apps, schema_editor):
    Resident = apps.get_model("residents", "Resident")
    taken = set(
        Resident.objects.exclude(national_id_hash="").values_list("national_id_hash", flat=True)
    )
    unmatched_duplicates = 0
    for resident in Resident.objects.exclude(phone="", national_id="").order_by("pk").iterator():
        phone = pii.normalise_phone(resident.phone) if resident.phone else ""
        national_id = pii.normalise_national_id(resident.national_id) if resident.national_id else ""
        phone_hash = pii.lookup_hash(phone) if phone else ""
        id_hash = pii.lookup_hash(national_id) if national_id else ""
        if (phone, phone_hash, national_id, id_hash) == (
            resident.phone,
            resident.phone_hash,
            resident.national_id,
            resident.national_id_hash,
        ):
            continue
        if id_hash and id_hash != resident.national_id_hash:
            if id_hash in taken:
                unmatched_duplicates += 1
                id_hash = ""
            else:
                taken.discard(resident.national_id_hash)
                taken.add(id_hash)
        Resident.objects.filter(pk=resident.pk).update(
            phone=phone, phone_hash=phone_hash, national_id=national_id, national_id_hash=id_hash
        )
    if unmatched_duplicates:
        print(  # noqa: T201 -- an operator must act on this
            f"\n  {unmatched_duplicates} resident profile(s) share an ID number with an older "
            "profile once written canonically; their ID lookup hash was cleared."
        )


class Migration(migrations.Migration):
    dependencies = [("residents", "0003_reference_geography")]

    operations = [migrations.RunPython(canonicalise, migrations.RunPython.noop)]

"""Pinyin of person names for cross-province search, and the indexes the search uses (issue 7).

On PostgreSQL, trigram GIN indexes (pg_trgm) serve `LIKE '%…%'` and `LIKE '…%'` on the Chinese
name and its pinyin; SQLite (the small embedded demo) scans. The existing partial index
`case_person_id_number` (every role, non-empty numbers) already serves the id-number search.
"""

from django.db import migrations, models

from cases.pinyin import name_pinyin

TRIGRAM_INDEXES = (
    ("case_person_name_trgm", "name"),
    ("case_person_pinyin_trgm", "name_pinyin"),
)


def fill_pinyin(apps, schema_editor):
    CasePerson = apps.get_model("cases", "CasePerson")
    batch = []
    for person in CasePerson.objects.only("pk", "name").iterator(chunk_size=2000):
        person.name_pinyin, person.name_initials = name_pinyin(person.name)
        batch.append(person)
        if len(batch) >= 2000:
            CasePerson.objects.bulk_update(batch, ["name_pinyin", "name_initials"])
            batch = []
    if batch:
        CasePerson.objects.bulk_update(batch, ["name_pinyin", "name_initials"])


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_caseperson" USING gin ("{column}" gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: something else may use it.
    for name, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_grading_and_access_grants"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseperson",
            name="name_pinyin",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="name in pinyin"),
        ),
        migrations.AddField(
            model_name="caseperson",
            name="name_initials",
            field=models.CharField(
                blank=True, editable=False, max_length=16, verbose_name="initials of the name"
            ),
        ),
        migrations.RunPython(fill_pinyin, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="caseperson",
            index=models.Index(fields=["name_initials"], name="case_person_initials"),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]

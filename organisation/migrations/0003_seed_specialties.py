"""Seed the specialties the expert pool (专家人才库) is searched by.

Names are data in Chinese, like unit names; codes are stable keys for the API and filters. A
specialty already present (by code) is left as it is, so a name edited in the admin survives.
"""

from django.db import migrations

SPECIALTIES = (
    ("telecom_fraud", "电信网络诈骗"),
    ("economic_crime", "经济犯罪"),
    ("drugs", "毒品犯罪"),
    ("firearms_explosives", "枪支爆炸物"),
    ("cyber_security", "网络安全"),
    ("digital_forensics", "电子数据取证"),
    ("forensic_medicine", "法医"),
    ("trace_evidence", "痕迹检验"),
    ("foreign_related", "涉外案件"),
    ("legal_application", "法律适用"),
    ("counter_terrorism", "反恐"),
    ("police_command", "警务指挥"),
)


def seed(apps, schema_editor):
    Specialty = apps.get_model("organisation", "Specialty")
    existing = set(Specialty.objects.values_list("code", flat=True))
    Specialty.objects.bulk_create(
        Specialty(code=code, name=name, sort=(index + 1) * 10)
        for index, (code, name) in enumerate(SPECIALTIES)
        if code not in existing
    )


def unseed(apps, schema_editor):
    Specialty = apps.get_model("organisation", "Specialty")
    # Only the seeded rows nobody uses; a specialty in use stays (and keeps its experts' data).
    Specialty.objects.filter(code__in=[code for code, _ in SPECIALTIES], experts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("organisation", "0002_expert_and_liaison_registers")]

    operations = [migrations.RunPython(seed, unseed)]

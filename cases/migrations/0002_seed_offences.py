"""Seed the maintained list of offences with the common cross-region ones.

The codes are stable identifiers used by clients and filters; later changes to the list come as
further data migrations, so every installation has the same codes.
"""

from django.db import migrations

OFFENCES = [
    # (code, Chinese name, English name)
    ("telecom_fraud", "电信网络诈骗", "Telecom and online fraud"),
    ("theft", "盗窃", "Theft"),
    ("robbery", "抢劫", "Robbery"),
    ("fraud", "诈骗", "Fraud"),
    ("drugs", "毒品", "Drug offences"),
    ("trafficking_women_children", "拐卖妇女儿童", "Trafficking in women and children"),
    ("firearms_explosives", "涉枪涉爆", "Firearms and explosives offences"),
    ("illegal_fundraising", "非法集资", "Illegal fund-raising"),
    ("online_gambling", "网络赌博", "Online gambling"),
    ("operating_casino", "开设赌场", "Running a gambling house"),
    ("money_laundering", "洗钱", "Money laundering"),
    ("pyramid_selling", "组织领导传销", "Organising and leading pyramid selling"),
    ("personal_information", "侵犯公民个人信息", "Infringing citizens' personal information"),
    ("aiding_cyber_crime", "帮助信息网络犯罪活动", "Aiding criminal activities on information networks"),
    ("intentional_homicide", "故意杀人", "Intentional homicide"),
    ("intentional_injury", "故意伤害", "Intentional injury"),
    ("kidnapping", "绑架", "Kidnapping"),
    ("smuggling", "走私", "Smuggling"),
    ("other", "其他", "Other"),
]


def seed(apps, schema_editor):
    Offence = apps.get_model("cases", "Offence")
    for sort, (code, name, name_en) in enumerate(OFFENCES, start=1):
        # "other" always sorts last, whatever is added before it later.
        Offence.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "sort": 999 if code == "other" else sort * 10},
        )


def unseed(apps, schema_editor):
    apps.get_model("cases", "Offence").objects.filter(code__in=[code for code, _, _ in OFFENCES]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

"""Make the units a designation request reached parties to its case (issue 16, MPS-2020 art 22).

A proceeding now shows its case only while the case is visible to the viewer; a level of the route
(层报) that stands above another party but not above a restricted case's lead sees the case because
it is a party to it, added when the request reaches it (jurisdiction.services). This adds the rows
for the requests that travelled before that rule: every unit that acted on a route, the unit holding
a request now, and the designating superior once the request reached it.
"""

from django.db import migrations

REACHED_SUPERIOR = ("at_superior", "designated", "handover", "settled")


def involve_route_units(apps, schema_editor):
    JurisdictionProceeding = apps.get_model("jurisdiction", "JurisdictionProceeding")
    RouteStep = apps.get_model("jurisdiction", "RouteStep")
    CaseParty = apps.get_model("cases", "CaseParty")
    Unit = apps.get_model("organisation", "Unit")
    proceedings = JurisdictionProceeding.objects.exclude(route=[]).only(
        "pk", "case_id", "state", "route", "route_position", "superior_unit_id"
    )
    for proceeding in proceedings.iterator():
        unit_ids = set(
            RouteStep.objects.filter(proceeding_id=proceeding.pk).values_list("unit_id", flat=True)
        )
        route = proceeding.route or []
        if proceeding.state == "forwarding" and proceeding.route_position < len(route):
            unit_ids.add(route[proceeding.route_position])
        if proceeding.state in REACHED_SUPERIOR and proceeding.superior_unit_id is not None:
            unit_ids.add(proceeding.superior_unit_id)
        for unit in Unit.objects.filter(pk__in=unit_ids):
            CaseParty.objects.get_or_create(
                case_id=proceeding.case_id,
                unit_id=unit.pk,
                role="proceeding",
                defaults={"unit_path": unit.path},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("jurisdiction", "0002_agreement_by_resolution"),
        ("cases", "0009_grading_and_access_grants"),
    ]

    operations = [migrations.RunPython(involve_route_units, migrations.RunPython.noop)]

"""The request page names the requested unit's liaison officers from the register (issue 7 item 5)."""

import pytest
from django.urls import reverse

from organisation.models import LiaisonAssignment, LiaisonRole, Role, Unit
from tests.support.factories.assistance import draft_request
from tests.support.factories.organisation import member

pytestmark = pytest.mark.django_db


def test_request_page_shows_the_requested_units_liaison_contacts(client, wuhou_investigator):
    request = draft_request(wuhou_investigator, to="530100")
    liaison = member("530100", Role.LIAISON_OFFICER, username="kunming_liaison")
    LiaisonAssignment.objects.create(
        unit=Unit.objects.get(code="530100"), user=liaison, role=LiaisonRole.PRIMARY, phone="0871-63051234"
    )
    client.force_login(wuhou_investigator)
    page = client.get(reverse("assistance:detail", args=[request.pk])).content.decode()
    assert "0871-63051234" in page and liaison.display_name in page


def test_no_panel_without_a_registered_liaison(client, wuhou_investigator):
    request = draft_request(wuhou_investigator, to="530100")
    client.force_login(wuhou_investigator)
    page = client.get(reverse("assistance:detail", args=[request.pk])).content.decode()
    assert 'href="tel:' not in page

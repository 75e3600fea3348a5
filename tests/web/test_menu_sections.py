"""The main menu marks the section a page belongs to, read from the page's URL namespace."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ACTIVE_LINK = re.compile(r'<a class="mainnav__link is-active" href="([^"]+)"')

# Each page, and the menu entry (by the URL it links to) that must be the one marked active on it.
SECTIONS = [
    ("organisation:home", "organisation:home"),
    ("cases:list", "cases:list"),
    ("cases:new", "cases:list"),
    ("assistance:list", "assistance:list"),
    ("assistance:create", "assistance:list"),
    ("search:index", "search:index"),
    ("jurisdiction:review-queue", "jurisdiction:designation-queue"),
    ("jurisdiction:designation-queue", "jurisdiction:designation-queue"),
    ("bulletins:list", "bulletins:list"),
    ("bulletins:new", "bulletins:list"),
    ("meetings:list", "meetings:list"),
    ("meetings:calendar", "meetings:list"),
    ("organisation:unit-tree", "organisation:unit-tree"),
    ("registers:experts", "registers:experts"),
    ("registers:liaisons", "registers:experts"),
    ("audit:trail", "audit:trail"),
]


@pytest.mark.parametrize(("page_name", "section"), SECTIONS)
def test_the_menu_marks_the_section_of_the_page(client, cast, page_name, section):
    # An auditor of the same province also sees the audit entry; the investigator opens the case pages.
    office = cast.office("510107", "wuhou")
    user = office.auditor if page_name.startswith("audit:") else office.investigator
    client.force_login(user)
    response = client.get(reverse(page_name))
    assert response.status_code == 200, page_name
    assert ACTIVE_LINK.findall(response.content.decode()) == [reverse(section)]


def test_a_page_outside_every_section_marks_none(client, cast):
    client.force_login(cast.office("510107", "wuhou").investigator)
    response = client.get(reverse("organisation:notifications"))
    assert response.status_code == 200
    assert ACTIVE_LINK.findall(response.content.decode()) == []


def test_an_administrator_finds_the_seal_images_in_the_menu_and_no_officer_does(client, cast, system_admin):
    """Issue 19 item 5: the seal registry is reached from the menu, by administrators only."""
    seals = reverse("documents:seals")
    client.force_login(system_admin)
    response = client.get(seals)
    assert response.status_code == 200
    assert ACTIVE_LINK.findall(response.text) == [seals]
    client.force_login(cast.office("510107", "wuhou").investigator)
    assert f'href="{seals}"' not in client.get(reverse("cases:list")).text

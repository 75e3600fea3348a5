"""Seal images per unit (issue 19 item 5): registered by an administrator, checked, kept in history,
and handed to the render as `seal` (the one in force when the document was issued)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation
from PIL import Image

from core.models import AuditEvent
from documents import seals, services
from documents.models import SealImage
from organisation.models import Unit
from tests.support.documents import issue

pytestmark = pytest.mark.django_db


def png(size=(120, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (40, 60, 90, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event handlers"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>', "<foreignObject>"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            b'<use xlink:href="http://example.org/x.svg#a"/></svg>',
            "outside itself",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(http://x/y)"/></svg>', "outside"),
        (
            b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">'
            b"<text>&x;</text></svg>",
            "DOCTYPE",
        ),
        (b"<svg><rect/></svg>", "PNG or SVG"),  # not in the SVG namespace
        (b"GIF89a....", "PNG or SVG"),
        (b"\x89PNG\r\n\x1a\nbroken", "cannot be read"),
        (b"<svg " + b" " * (seals.MAX_SEAL_BYTES + 1) + b"/>", "at most 128 KB"),
        (png((3000, 10)), "2048 pixels"),
    ],
)
def test_an_image_that_is_not_plain_drawing_is_refused_with_the_rule(content, rule):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        seals.check_seal_image(content)
    assert rule in refused.value.message_dict["image"][0]


def test_registering_replaces_the_seal_in_force_and_keeps_the_old_one(office, system_admin):
    first = seals.seal_register(unit=office.unit, content=png(), by=system_admin)
    second = seals.seal_register(unit=office.unit, content=SVG, by=system_admin)
    first.refresh_from_db()
    assert (first.content_type, second.content_type) == ("image/png", "image/svg+xml")
    assert not first.active and first.active_until == second.active_from and first.replaced_by == second
    assert second.active and second.registered_by == system_admin
    events = AuditEvent.objects.filter(action="documents.seal.register").order_by("id")
    assert [e.payload["replaces"] for e in events] == [None, first.pk]
    assert {e.actor_username for e in events} == {system_admin.username}


def test_a_document_is_drawn_with_the_seal_in_force_when_it_was_issued(office, linked, system_admin):
    document = issue(office)
    assert services.render_arguments(document)["context"]["seal"] is None  # issued before any seal
    first = seals.seal_register(
        unit=office.unit, content=seals.specimen_svg(office.unit.name), by=system_admin, specimen=True
    )
    first.active_from = document.issued_at - dt.timedelta(minutes=1)
    first.save(update_fields=["active_from"])
    seal = services.render_arguments(document)["context"]["seal"]
    assert seal == {"image": seals.data_uri(first), "specimen": True}
    assert seal["image"].startswith("data:image/svg+xml;base64,")
    # A later replacement leaves the document's seal as it was.
    seals.seal_register(unit=office.unit, content=png(), by=system_admin)
    assert services.render_arguments(document)["context"]["seal"]["image"] == seals.data_uri(first)
    later = issue(office)
    assert services.render_arguments(later)["context"]["seal"]["image"].startswith("data:image/png;base64,")


def test_the_specimen_says_what_it_is_and_passes_the_checks(office):
    content = seals.specimen_svg(office.unit.name)
    assert seals.check_seal_image(content) == "image/svg+xml"
    text = content.decode()
    assert "样章" in text and "SPECIMEN" in text and "成都市公安局武侯" in text
    assert "red" not in text and "#f00" not in text.lower() and "<circle" not in text  # square, not a seal


def test_seed_demo_seals_registers_specimens_once(office, system_admin):
    call_command("seed_demo_seals")
    registered = SealImage.objects.filter(unit=office.unit)
    assert registered.count() == 1 and registered.get().specimen
    call_command("seed_demo_seals")
    assert SealImage.objects.filter(unit=office.unit).count() == 1


def test_an_administrator_registers_a_seal_on_the_page_and_reads_the_history(
    client, office, system_admin, django_assert_max_num_queries
):
    client.force_login(system_admin)
    upload = SimpleUploadedFile("seal.png", png(), content_type="image/png")
    response = client.post("/documents/seals/", {"unit": office.unit.code, "image": upload})
    assert response.status_code == 302 and response["Location"].endswith(f"?unit={office.unit.code}")
    seal = SealImage.objects.get(unit=office.unit)
    assert seal.registered_by == system_admin and not seal.specimen
    seals.seal_register(unit=Unit.objects.get(code="530100"), content=SVG, by=system_admin)
    with django_assert_max_num_queries(8):
        listing = client.get("/documents/seals/")
    assert listing.status_code == 200 and f"seal-{seal.pk}" in listing.content.decode()
    history = client.get("/documents/seals/", {"unit": office.unit.code})
    assert "data:image/png;base64," in history.content.decode()


def test_a_script_in_an_uploaded_svg_is_refused_on_the_page(client, office, system_admin):
    client.force_login(system_admin)
    upload = SimpleUploadedFile(
        "seal.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
        content_type="image/svg+xml",
    )
    response = client.post(
        "/documents/seals/", {"unit": office.unit.code, "image": upload}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "<script>" in response.context["form"].errors["image"][0]
    assert not SealImage.objects.exists()
    unknown = client.post(
        "/documents/seals/",
        {"unit": "999999", "image": SimpleUploadedFile("s.svg", SVG)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert unknown.status_code == 400 and list(unknown.context["form"].errors) == ["unit"]


def test_officers_of_any_province_get_404_and_the_anonymous_the_login(client, office, qinghai_investigator):
    client.force_login(qinghai_investigator)
    assert client.get("/documents/seals/").status_code == 404
    upload = SimpleUploadedFile("seal.svg", SVG)
    assert client.post("/documents/seals/", {"unit": office.unit.code, "image": upload}).status_code == 404
    client.force_login(office.head)
    assert client.get("/documents/seals/").status_code == 404
    client.logout()
    assert client.get("/documents/seals/").status_code == 302
    assert not SealImage.objects.exists()

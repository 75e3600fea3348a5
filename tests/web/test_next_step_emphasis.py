"""The step in front is the one that moves the work on (issue 20 item 2), over every machine.

- A danger step (a refusal, a dispute, a send-back) is never drawn as the primary button, and never
  opens a panel that offers anything else.
- On the demo world (tests/web/conftest.py's demo_world), for every persona and every object of
  every registered machine: the panel never opens with a danger step, and for the persona whose turn
  it is (the object waits in their inbox) it opens with a primary step.
"""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from core.pages import StepForm
from core.steps import DANGER, PRIMARY, Availability, Check, Offer, machines
from organisation.models import User

pytestmark = pytest.mark.django_db


def _render(offer: Offer) -> str:
    request = RequestFactory().get("/")
    request.user = None
    return render_to_string("core/_next_steps.html", {"offers": [offer]}, request=request)


def test_a_danger_step_is_never_drawn_as_the_primary_button():
    checked = 0
    for machine in machines.values():
        for step in machine.steps:
            offer = Offer(
                step=step, check=Check(step.name, Availability.AVAILABLE), form=StepForm(), url="/x/"
            )
            html = _render(offer)
            if step.emphasis == DANGER:
                assert "button--primary" not in html, (machine.object_type, step.name)
                assert "button--caution" in html, (machine.object_type, step.name)
                checked += 1
            elif step.emphasis == PRIMARY:
                assert "button--primary" in html, (machine.object_type, step.name)
    assert checked > 10


def test_every_panel_opens_with_the_step_that_moves_the_work_on(demo_world):
    rows = {machine.object_type: list(machine.model._default_manager.all()) for machine in machines.values()}
    personas = list(User.objects.filter(memberships__isnull=False).distinct().order_by("username"))
    danger_first, no_primary_for_turn = [], []
    turns = 0
    for machine in machines.values():
        for instance in rows[machine.object_type]:
            for user in personas:
                offers = machine.offers(instance, user)
                if not offers:
                    continue
                first = offers[0]
                label = f"{machine.object_type}#{instance.pk} {user.username}: {[o.name for o in offers]}"
                if first.step.emphasis == DANGER and len(offers) > 1:
                    danger_first.append(label)
                if (
                    first.step.emphasis == DANGER
                    and len(offers) == 1
                    and _has_open_primary(machine, instance)
                ):
                    danger_first.append(label)
                if machine.waiting_for(instance, user):
                    turns += 1
                    if first.step.emphasis != PRIMARY:
                        no_primary_for_turn.append(label)
    assert not danger_first, "a danger step opens the panel:\n" + "\n".join(danger_first)
    assert not no_primary_for_turn, "no primary step first for whose turn it is:\n" + "\n".join(
        no_primary_for_turn
    )
    assert turns > 0


def _has_open_primary(machine, instance) -> bool:
    """Tell whether the object's state has a primary step open to someone (what moves the work on)."""
    from django_fsm import can_proceed

    return any(
        step.emphasis == PRIMARY and can_proceed(getattr(instance, step.name)) for step in machine.steps
    )

"""The committed picture of the case state machine is the one the model draws."""

from django.core.management import call_command

from cases.models import Case
from core.statecharts import mermaid_state_diagram


def test_the_committed_state_machine_picture_is_current():
    # Fails with the command to run when the machine changed and the picture did not.
    call_command("state_machine_docs", "--check")


def test_the_picture_shows_every_transition_and_the_final_states():
    diagram = mermaid_state_diagram(Case)

    assert diagram.startswith("stateDiagram-v2\n    [*] --> draft\n")
    assert "    draft --> registered: register" in diagram
    assert "    registered --> under_investigation: start_investigation" in diagram
    assert "    suspended --> revoked: revoke" in diagram
    for final in ("transferred_for_prosecution", "closed", "revoked"):
        assert f"    {final} --> [*]" in diagram
    assert "    draft --> [*]" not in diagram

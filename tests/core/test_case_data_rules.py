"""Every object type that shows case data has one read rule composed from the case's (issue 16).

A model with a foreign key to a case, or one keeping text taken from a case, must declare its rule in
`cases.visibility`; each of its case fields is either shown (visible only while the case is) or only
mentioned under the discovery rules. A new model that forgets fails here, before it can leak.
"""

import pytest
from django.apps import apps
from django.db import models

from cases.models import Case
from cases.visibility import case_data_rules

# Models whose rows keep text copied from a case at write time without a foreign key to it: the
# rule must name those fields so that they are filtered (or replaced) at read time.
STORED_CASE_TEXT = {
    "meetings.AgendaItem": {"title", "summary"},
}


def _case_fields(model) -> set[str]:
    return {
        field.name
        for field in model._meta.get_fields()
        if isinstance(field, (models.ForeignKey, models.OneToOneField))
        and not field.auto_created
        and field.related_model is Case
    }


MODELS_WITH_CASE_FIELDS = sorted(
    (model._meta.label, model) for model in apps.get_models() if _case_fields(model)
)


def test_the_models_that_point_at_a_case_are_found():
    labels = {label for label, _model in MODELS_WITH_CASE_FIELDS}
    # A sample the search must find, so that an empty search cannot pass the test below.
    sample = {"cases.CasePerson", "jurisdiction.JurisdictionProceeding", "jurisdiction.MergerProposal"}
    assert sample <= labels


MODEL_LABELS = [label for label, _model in MODELS_WITH_CASE_FIELDS]


@pytest.mark.parametrize("label,model", MODELS_WITH_CASE_FIELDS, ids=MODEL_LABELS)
def test_every_model_with_a_case_field_has_a_read_rule_covering_each_field(label, model):
    rule = case_data_rules().get(model)
    assert rule is not None, f"{label} points at a case but declares no rule in cases.visibility"
    undeclared = _case_fields(model) - set(rule.shows) - set(rule.mentions)
    assert not undeclared, f"{label}: case fields {sorted(undeclared)} are neither shown nor mentioned"


@pytest.mark.parametrize("label,fields", sorted(STORED_CASE_TEXT.items()))
def test_every_stored_copy_of_case_text_is_declared(label, fields):
    rule = case_data_rules().get(apps.get_model(label))
    assert rule is not None, f"{label} keeps case text but declares no rule in cases.visibility"
    assert fields <= set(rule.stored_text), f"{label}: {sorted(fields - set(rule.stored_text))} not declared"


def test_a_model_declares_its_rule_once():
    from cases.visibility import case_data_rule

    model = MODELS_WITH_CASE_FIELDS[0][1]
    with pytest.raises(ValueError, match="already has a case-data rule"):
        case_data_rule(model, shows=("case",))

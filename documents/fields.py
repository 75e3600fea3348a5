"""What each field of a document's data is called on a page, and the form that edits a draft's fields.

The kinds keep their data as a flat dict (documents.kinds); the page that edits a draft (a correction,
a 撤销决定书, a free-standing report) shows each text field under its name here. Structured values (a
briefing's figures, the minutes' decisions) are written by their processes and are not edited here.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

FIELD_LABELS = {
    "recipient": _("Addressed to"),
    "case_name": _("Case name"),
    "case_number": _("Case number"),
    "matters": _("Matters asked"),
    "contact_officers": _("Officers in charge"),
    "contact_phone": _("Contact telephone"),
    "subject": _("Subject"),
    "facts": _("Facts"),
    "request": _("What is asked"),
    "evidence": _("Evidence to produce"),
    "subject_name": _("Whose property"),
    "id_number": _("ID number"),
    "property": _("Property"),
    "amount": _("Amount"),
    "period_from": _("Period from"),
    "period_to": _("Period to"),
    "freeze_number": _("Number of the freezing notice"),
    "decision_number": _("Number of the original decision"),
    "holder": _("Holder of the property"),
    "reason": _("Reason"),
    "legal_basis": _("Legal basis"),
    "designated_unit": _("Designated unit"),
    "materials": _("Materials handed over"),
    "complainants": _("Complainants"),
    "suspects": _("Suspects"),
    "ground": _("Ground"),
    "handling_unit": _("Handling unit"),
    "reconsideration": _("Reconsideration route"),
    "masthead": _("Masthead"),
    "opening": _("Opening paragraph"),
    "closing": _("Closing paragraph"),
    "series": _("Meeting series"),
    "period": _("Period"),
    "revoked_title": _("Document revoked"),
    "revoked_subject": _("Its title"),
    "revoked_number": _("Its number"),
    "revoked_date": _("Its date"),
}
# Long texts get a text area; the rest a line.
LONG_FIELDS = frozenset(
    {"facts", "request", "matters", "reason", "property", "evidence", "opening", "closing"}
)


def editable_fields(document) -> list[str]:
    """Return the data fields a page edits on this draft: its kind's required fields, then its other
    text fields that have a name here, in that order."""
    names = list(document.spec.required_fields)
    for name, value in (document.data or {}).items():
        if name not in names and name in FIELD_LABELS and isinstance(value, str):
            names.append(name)
    return names


class DraftFieldsForm(forms.Form):
    """Edit the text fields of a draft; what the form does not show is kept as it was."""

    def __init__(self, *args, document, **kwargs):
        super().__init__(*args, **kwargs)
        self.document = document
        data = document.data or {}
        for name in editable_fields(document):
            long = name in LONG_FIELDS
            self.fields[name] = forms.CharField(
                label=FIELD_LABELS.get(name, name),
                required=False,
                max_length=20000 if long else 2000,
                initial=data.get(name, ""),
                widget=forms.Textarea(attrs={"rows": 4}) if long else forms.TextInput(),
                help_text=_("Required before the draft is submitted.")
                if name in document.spec.required_fields
                else "",
            )

    def merged_data(self) -> dict:
        """Return the draft's data with the edited fields replaced."""
        return {
            **(self.document.data or {}),
            **{name: value.strip() for name, value in self.cleaned_data.items()},
        }

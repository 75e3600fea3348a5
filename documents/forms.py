"""Forms of documents: the input of a step (a reason) and the verification page.

A step's form is used by the API too (core.api.step_input parses the JSON body with it); the
services check what the reason must say (send back and void need one).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from documents.services import MAX_VERIFY_BYTES


class ReasonForm(forms.Form):
    """The reason a step records: why a document goes back, why it is voided or corrected."""

    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"), required=False, max_length=32, help_text=_("Printed on every page.")
    )
    file = forms.FileField(label=_("Or the PDF file"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("code") and not cleaned.get("file"):
            raise forms.ValidationError(_("Give a verification code or a file."))
        upload = cleaned.get("file")
        if upload is not None and upload.size > MAX_VERIFY_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        return cleaned

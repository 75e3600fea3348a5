"""Forms of documents: the input of a step (a reason) and the verification page.

A step's form is used by the API too (core.api.step_input parses the JSON body with it); the
services check what the reason must say (send back and void need one).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.moments import MomentField
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


class SealForm(forms.Form):
    """Register a unit's seal image (an administrator's page, documents:seals)."""

    unit = forms.CharField(
        label=_("Unit"), max_length=12, help_text=_("Division code of the unit, e.g. 510107.")
    )
    image = forms.FileField(label=_("Seal image"), help_text=_("PNG or SVG, at most 128 KB."))
    specimen = forms.BooleanField(
        label=_("Specimen (样章)"), required=False, help_text=_("A plainly marked specimen, not a real seal.")
    )


class ReceiptForm(forms.Form):
    """Record a recipient's returned 回执: the signed paper's scan, or (no file) the recipient unit's
    confirmation. The rules (who, when, what content) are the service's (document_receipt_record)."""

    file = forms.FileField(
        label=_("Scan of the signed receipt"),
        required=False,
        help_text=_("PDF, JPEG, PNG or TIFF. Leave empty to confirm the receipt as the recipient unit."),
    )
    signed_at = MomentField(
        label=_("Signed at"),
        required=False,
        help_text=_("When the recipient signed; now when left empty."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

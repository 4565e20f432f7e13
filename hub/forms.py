"""Settings > System configuration > Hub Online > Learner Login > Action Widget."""

from __future__ import annotations

from typing import Any

from django import forms

from bksb_integration.models import BksbSettings
from hub.addresses import web_address_check

HUB_FIELDS = ["hub_bksb_url_enabled", "hub_bksb_url", "hub_bksb_sso", "hub_show_levels"]


class HubSettingsForm(forms.ModelForm[BksbSettings]):
    # A plain text box: forms.URLField would quietly add "http://" and accept ftp.
    hub_bksb_url = forms.CharField(
        label="BKSB URL address",
        max_length=300,
        required=False,
        help_text="Your bksb site, e.g. https://yourcollege.bksblive2.co.uk/, or any other address you choose.",
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}),
    )

    class Meta:
        model = BksbSettings
        fields = HUB_FIELDS
        help_texts = {
            "hub_bksb_sso": "The button signs the learner in to bksb by itself (needs the bksb API keys).",
            "hub_show_levels": "The learner's latest English, Maths and ICT levels from bksb.",
        }

    def clean_hub_bksb_url(self) -> str:
        value = self.cleaned_data["hub_bksb_url"].strip()
        return web_address_check(value) if value else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if (
            cleaned.get("hub_bksb_url_enabled")
            and not cleaned.get("hub_bksb_url")
            and "hub_bksb_url" not in self.errors
        ):
            self.add_error("hub_bksb_url", "Enter the BKSB URL address, or untick BKSB URL.")
        return cleaned

    def save_settings(self) -> bool:
        """Save only the Hub's fields; return whether anything changed."""
        if not self.has_changed():
            return False
        settings = self.save(commit=False)
        settings.save(update_fields=[*HUB_FIELDS, "updated_at"])
        return True

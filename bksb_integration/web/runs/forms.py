"""Management > BKSB: the nightly Get Results schedule form.

Who is eligible, the request limit and how long history is kept are edited
with the other download options on Integrations > bksb > Settings.
"""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from bksb_integration.sync.schedule import NightlySchedule


class NightlyScheduleForm(forms.Form):
    enabled = forms.BooleanField(label="Run nightly", required=False)
    at = forms.TimeField(
        label="Time (UK time)",
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Get Results runs for every eligible learner at this time each night.",
    )

    @classmethod
    def for_schedule(cls, schedule: NightlySchedule, data: QueryDict | None = None) -> NightlyScheduleForm:
        return cls(data, initial={"enabled": schedule.enabled, "at": schedule.at})

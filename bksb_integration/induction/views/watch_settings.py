"""Integrations > bksb > Watch list: how long records are watched, how often and when they are polled.

Switching the watch pass off (and its interval) is also on Management > BKSB >
schedule; both edit the one beat schedule (sync/schedule.py).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bksb_integration.models import BksbSettings, WatchEntry
from bksb_integration.sync.schedule import watch_schedule_get, watch_schedule_set
from permissions import access
from permissions.guards import bksb_view

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class WatchSettingsForm(forms.ModelForm[BksbSettings]):
    watch_window_days = forms.IntegerField(
        label="Watch records created or invited within (days)",
        min_value=1,
        max_value=90,
        help_text="Records whose bksb user was created, or who were invited, this recently are watched.",
    )
    watch_interval_minutes = forms.IntegerField(
        label="Poll watched records every (minutes)", min_value=1, max_value=240
    )
    watch_hours_start = forms.TimeField(label="Poll from (UK time)", widget=TIME_WIDGET)
    watch_hours_end = forms.TimeField(
        label="Poll until (UK time)", widget=TIME_WIDGET, help_text="A time before the start spans midnight."
    )

    class Meta:
        model = BksbSettings
        fields = ["watch_window_days", "watch_interval_minutes", "watch_hours_start", "watch_hours_end"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("watch_hours_start") and data.get("watch_hours_start") == data.get("watch_hours_end"):
            raise ValidationError("The start and end of the watch hours must differ.")
        return data


@bksb_view(access.can_manage_bksb_settings)
def watch_settings(request: HttpRequest) -> HttpResponse:
    settings = BksbSettings.load()
    form = WatchSettingsForm(request.POST if request.method == "POST" else None, instance=settings)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            form.save(commit=False).save(update_fields=[*form.changed_data, "updated_at"])
            # The beat schedule runs a pass every M minutes: keep it in step.
            watch_schedule_set(enabled=watch_schedule_get().enabled, every_minutes=settings.watch_interval_minutes)
        messages.success(request, "Watch list settings saved.")
        return redirect("bksb:watch_settings")
    context = {
        "form": form,
        "schedule": watch_schedule_get(),
        "watched": WatchEntry.objects.filter(ended_at__isnull=True).count(),
    }
    return render(
        request, "bksb_integration/induction/watch_settings.html", context, status=400 if form.errors else 200
    )


class WatchScheduleForm(forms.Form):
    enabled = forms.BooleanField(label="Poll the watch list", required=False)
    every_minutes = forms.IntegerField(
        label="Every (minutes)",
        min_value=1,
        max_value=240,
        help_text="Each pass polls the watched records due, within the watch hours only.",
    )


def watch_schedule_context(data: QueryDict | None = None) -> dict[str, object]:
    """The schedule page's watch list part: the schedule now, and its form."""
    current = watch_schedule_get()
    initial = {"enabled": current.enabled, "every_minutes": current.every_minutes}
    return {"watch_schedule": current, "watch_form": WatchScheduleForm(data, initial=initial)}


@bksb_view(access.can_manage_bksb_settings)
@require_POST
def watch_schedule(request: HttpRequest) -> HttpResponse:
    context = watch_schedule_context(request.POST)
    form = context["watch_form"]
    assert isinstance(form, WatchScheduleForm)
    if not form.is_valid():
        messages.error(
            request,
            "The watch list schedule was not saved: "
            + " ".join(str(error) for errors in form.errors.values() for error in errors),
        )
        return redirect("bksb:schedule")
    saved = watch_schedule_set(enabled=form.cleaned_data["enabled"], every_minutes=form.cleaned_data["every_minutes"])
    if saved.enabled:
        messages.success(
            request, f"The watch list is polled every {saved.every_minutes} minutes within the watch hours."
        )
    else:
        messages.success(request, "Polling the watch list is switched off.")
    return redirect("bksb:schedule")

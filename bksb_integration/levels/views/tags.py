"""Integrations > bksb > Tags and funding: the tag rules, the funding flags' thresholds, and what the flags mean.

A rule added, changed or deleted re-tags the records it can touch at once (as a
background job when they are many); tag changes reach the audit trail with the
reason. The thresholds only change how flags are read: nothing is recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bksb_integration.levels.funding import FLAGS, Thresholds
from bksb_integration.levels.tags import tags_remove_for_rule
from bksb_integration.levels.views.forms import FundingThresholdsForm, TagRuleForm
from bksb_integration.levels.views.recompute import levels_recompute
from bksb_integration.models import BksbSettings, LearnerLevel, LearnerTag, Level, TagRule
from permissions import access
from permissions.guards import bksb_view

LEVEL_LABELS = {value: str(label) for value, label in Level.choices}


@dataclass(frozen=True)
class RuleRow:
    rule: TagRule
    levels: str
    carried_by: int


def _rule_rows() -> list[RuleRow]:
    carried = dict(LearnerTag.objects.order_by().values("rule_id").annotate(n=Count("id")).values_list("rule_id", "n"))
    return [
        RuleRow(rule, ", ".join(LEVEL_LABELS.get(value, value) for value in rule.levels), carried.get(rule.pk, 0))
        for rule in TagRule.objects.all()
    ]


def _page(
    request: HttpRequest, *, form: TagRuleForm | None = None, thresholds: FundingThresholdsForm | None = None
) -> HttpResponse:
    form = form or TagRuleForm()
    thresholds = thresholds or FundingThresholdsForm(instance=BksbSettings.load())
    context = {"rules": _rule_rows(), "form": form, "thresholds": thresholds}
    status = 400 if form.errors or thresholds.errors else 200
    return render(request, "bksb_integration/levels/tags.html", context, status=status)


@bksb_view(access.can_manage_bksb_settings)
def tags(request: HttpRequest) -> HttpResponse:
    """The page; a POST adds a tag rule."""
    if request.method != "POST":
        return _page(request)
    form = TagRuleForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form)
    rule = form.save()
    return _retagged(request, rule, {rule.subject}, f"Tag rule “{rule.name}” added.")


@bksb_view(access.can_manage_bksb_settings)
def tag_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(TagRule, pk=pk)
    before = rule.subject
    form = TagRuleForm(request.POST if request.method == "POST" else None, instance=rule)
    if request.method == "POST" and form.is_valid():
        rule = form.save()
        return _retagged(request, rule, {before, rule.subject}, f"Tag rule “{rule.name}” saved.")
    status = 400 if form.errors else 200
    return render(request, "bksb_integration/levels/tag_rule_edit.html", {"rule": rule, "form": form}, status=status)


@bksb_view(access.can_manage_bksb_settings)
@require_POST
def tag_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(TagRule, pk=pk)
    name = rule.name
    with transaction.atomic():
        removed = tags_remove_for_rule(rule=rule, reason=f"Tag rule “{name}” deleted", now=timezone.now())
        rule.delete()
    messages.success(request, f"Tag rule “{name}” deleted; its tag was taken off {removed} record{pluralize(removed)}.")
    return redirect("bksb:tags")


def _retagged(request: HttpRequest, rule: TagRule, subjects: set[str], done: str) -> HttpResponse:
    """Recompute the records the rule can tag or untag: those assessed in its subjects, or carrying its tag."""
    messages.success(request, done)
    ids = set(LearnerLevel.objects.filter(subject__in=subjects).values_list("learner_id", flat=True))
    ids |= set(LearnerTag.objects.filter(rule=rule).values_list("learner_id", flat=True))
    job = levels_recompute(request, ids, reason=f"Tag rule “{rule.name}” changed")
    if job is not None:
        return redirect("jobs:detail", job.pk)
    return redirect("bksb:tags")


@bksb_view(access.can_manage_bksb_settings)
@require_POST
def funding_thresholds(request: HttpRequest) -> HttpResponse:
    settings = BksbSettings.load()
    form = FundingThresholdsForm(request.POST, instance=settings)
    if not form.is_valid():
        return _page(request, thresholds=form)
    if form.has_changed():
        form.save(commit=False).save(update_fields=[*form.changed_data, "updated_at"])
    messages.success(request, "Funding flag thresholds saved.")
    return redirect("bksb:tags")


@bksb_view(access.can_see_bksb)
@require_GET
def funding_flags_help(request: HttpRequest) -> HttpResponse:
    """What each funding flag means, in plain words, under the current thresholds."""
    thresholds = Thresholds.load()
    flags = [(flag.label(thresholds), flag.meaning(thresholds)) for flag in FLAGS]
    return render(request, "bksb_integration/levels/funding_flags.html", {"flags": flags})

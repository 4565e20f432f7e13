"""factory-boy factories for the models tests need."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from learners.models import Kind, Learner, LearningStatus, SystemStatus, WebUser
from learners.search_text import search_text_for, search_text_refresh


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n:05d}")
    password = factory.django.Password("pw-learner")


class LearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Learner

    learner_ref = factory.Sequence(lambda n: f"L{n + 100000:06d}")
    kind = Kind.LEARNER
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda o: f"{o.first_name}.{o.last_name}@example.ac.uk".lower().replace(" ", ""))
    date_of_birth = dt.date(2004, 5, 17)
    system_status = SystemStatus.LIVE
    learning_status = LearningStatus.IN_LEARNING
    start_date = dt.date(2025, 9, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Made as the product's writers make a record: with its search column."""
        kwargs.setdefault("search_text", search_text_for(learner=model_class(*args, **kwargs)))
        return super()._create(model_class, *args, **kwargs)


class WebUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebUser

    user = factory.SubFactory(UserFactory)
    learner = factory.SubFactory(LearnerFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Made as the product's writers make a web user: the record's search column then holds its username."""
        web_user = super()._create(model_class, *args, **kwargs)
        search_text_refresh(learner_ids=[web_user.learner_id])
        web_user.learner.search_text = search_text_for(learner=web_user.learner, web_username=web_user.username)
        return web_user

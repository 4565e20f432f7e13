"""The bksb integration (a folder per part: see README)."""


def __getattr__(name: str) -> object:
    """The history models of django-simple-history, where their __module__ says they are.

    simple-history names this package as their module but defines them in the
    models modules, so `manage.py shell` (and pickle) could not import them.
    Looked up lazily: this package is imported before its models are ready.
    """
    if name.startswith("Historical"):
        from django.apps import apps

        try:
            return apps.get_model("bksb_integration", name)
        except LookupError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

from django.apps import AppConfig


class BksbIntegrationConfig(AppConfig):
    name = "bksb_integration"
    verbose_name = "BKSB API Integration"

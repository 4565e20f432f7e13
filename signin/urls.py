from django.urls import path

from signin import accounts_views, claims_views, factor_views, views

app_name = "signin"

urlpatterns = [
    path("provider/start/", views.ProviderStartView.as_view(), name="start"),
    path("provider/callback/", views.ProviderCallbackView.as_view(), name="callback"),
    path("second-factor/", factor_views.setup, name="factor_setup"),
    path("second-factor/verify/", factor_views.verify, name="factor_verify"),
    path("second-factor/recovery-codes/", factor_views.recovery_codes, name="factor_recovery_codes"),
    path("second-factor/replace/", factor_views.replace_app, name="factor_replace"),
    path("second-factor/off/", factor_views.turn_off, name="factor_off"),
    path("sign-ins/", accounts_views.sign_ins, name="sign_ins"),
    path("group-claims/", claims_views.group_claims, name="group_claims"),
    path("group-claims/<int:mapping_id>/delete/", claims_views.group_claim_delete, name="group_claim_delete"),
    path("sign-ins/<int:user_id>/reset-second-factor/", accounts_views.factor_reset, name="factor_reset"),
]

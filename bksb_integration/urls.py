app_name = "bksb"

urlpatterns: list = []

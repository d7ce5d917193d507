app_name = "digital_teams"

urlpatterns: list = []

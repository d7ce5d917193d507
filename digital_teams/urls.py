from django.urls import path

from . import views

app_name = "digital_teams"

urlpatterns = [
    # Team, members and activities
    path("field/team/", views.team_detail, name="team_detail"),
    path("field/team/edit/", views.team_edit, name="team_edit"),
    path("field/team/dashboard/", views.team_dashboard, name="team_dashboard"),
    path("field/team/members/add/", views.member_create, name="teammember_create"),
    path("field/team/members/<int:pk>/edit/", views.member_update, name="teammember_update"),
    path(
        "field/team/members/<int:pk>/deactivate/",
        views.member_deactivate,
        name="teammember_deactivate",
    ),
    path("field/team/activities/add/", views.activity_create, name="activity_create"),
    path("field/team/activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("field/team/activities/<int:pk>/undo/", views.activity_undo, name="activity_undo"),
    # Follow-up lists
    path("field/followup/", views.followup_list, name="followup_list"),
    path("field/followup/mine/", views.followup_mine, name="followup_mine"),
    path("field/followup/print/", views.followup_print, name="followup_print"),
    path("field/followup/assign/", views.followup_assign, name="followup_assign"),
    path(
        "field/followup/households/<int:pk>/visit/",
        views.followup_visit,
        name="followup_visit",
    ),
]

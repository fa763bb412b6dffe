from django.urls import path

from sqms.people import views

app_name = "people"

urlpatterns = [
    path("people/", views.scorecards, name="scorecards"),
    path("people/leaderboard/", views.leaderboard, name="leaderboard"),
]

"""Pages of joint meetings, reversed as "meetings:<name>"."""

from django.urls import path

from core.pages import moved
from meetings import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.MeetingListView.as_view(), name="list"),
    path("meetings/calendar/", views.MeetingCalendarView.as_view(), name="calendar"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="create"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="detail"),
    path("meetings/<int:pk>/transitions/<str:name>/", views.MeetingStepView.as_view(), name="transition"),
    path(
        "meetings/<int:pk>/minutes/transitions/<str:name>/",
        views.MinutesStepView.as_view(),
        name="minutes-transition",
    ),
    # The page's other forms; a step posted here (the old shape) is sent on to its transitions URL.
    path("meetings/<int:pk>/actions/<str:name>/", views.MeetingActionView.as_view(), name="action"),
    path("meetings/<int:pk>/checks/", views.MeetingChecksView.as_view(), name="checks"),
    path("meetings/<int:pk>/calendar.ics", views.MeetingIcsView.as_view(), name="ics"),
    path("meetings/series/<int:pk>/", views.SeriesDetailView.as_view(), name="series"),
    path(
        "meetings/series/<int:pk>/normative-documents/",
        views.NormativeListView.as_view(),
        name="normative-documents",
    ),
    path("meetings/action-items/<int:pk>/", views.ActionItemDetailView.as_view(), name="action-item"),
    path(
        "meetings/action-items/<int:pk>/transitions/<str:name>/",
        views.ActionItemStepView.as_view(),
        name="action-item-transition",
    ),
    path(
        "meetings/action-items/<int:pk>/actions/<str:name>/",
        moved("meetings:action-item-transition"),
        name="action-item-action",
    ),
]

from django.urls import path

from meetings import apis

M = "meetings/<int:pk>/"

# `pid` and `rid` are the path parameters' published names in the OpenAPI schema, which may only gain:
# a generated client calls them by those names. New nested routes name theirs `<child>_id`.
urlpatterns = [
    path("meeting-series/", apis.SeriesListApi.as_view(), name="meeting-series-list"),
    path("meeting-series/<int:pk>/", apis.SeriesDetailApi.as_view(), name="meeting-series-detail"),
    path(
        "meeting-series/<int:pk>/normative-documents/",
        apis.SeriesNormativeApi.as_view(),
        name="meeting-series-normative-documents",
    ),
    path("meetings/", apis.MeetingListApi.as_view(), name="meeting-list"),
    path(M, apis.MeetingDetailApi.as_view(), name="meeting-detail"),
    path(f"{M}transitions/<str:name>/", apis.MeetingTransitionApi.as_view(), name="meeting-transition"),
    path(f"{M}calendar.ics", apis.MeetingCalendarApi.as_view(), name="meeting-calendar"),
    path(f"{M}checks/", apis.MeetingChecksApi.as_view(), name="meeting-checks"),
    path(f"{M}participants/", apis.ParticipantListApi.as_view(), name="meeting-participants"),
    path(
        f"{M}participants/candidates/",
        apis.ParticipantCandidatesApi.as_view(),
        name="meeting-participant-candidates",
    ),
    path(
        f"{M}participants/<int:pid>/",
        apis.ParticipantDetailApi.as_view(),
        name="meeting-participant",
    ),
    path(
        f"{M}participants/<int:pid>/answer/",
        apis.ParticipantAnswerApi.as_view(),
        name="meeting-participant-answer",
    ),
    path(
        f"{M}participants/<int:pid>/attendance/",
        apis.ParticipantAttendanceApi.as_view(),
        name="meeting-participant-attendance",
    ),
    path(f"{M}agenda/", apis.AgendaListApi.as_view(), name="meeting-agenda"),
    path(f"{M}agenda/candidates/", apis.AgendaCandidatesApi.as_view(), name="meeting-agenda-candidates"),
    path(f"{M}agenda/order/", apis.AgendaOrderApi.as_view(), name="meeting-agenda-order"),
    path(f"{M}agenda/<int:item_id>/", apis.AgendaItemApi.as_view(), name="meeting-agenda-item"),
    path(f"{M}briefing/", apis.BriefingApi.as_view(), name="meeting-briefing"),
    path(f"{M}briefing/refresh/", apis.BriefingRefreshApi.as_view(), name="meeting-briefing-refresh"),
    path(f"{M}briefing/pack/", apis.BriefingPackApi.as_view(), name="meeting-briefing-pack"),
    path(f"{M}minutes/", apis.MinutesApi.as_view(), name="meeting-minutes"),
    path(
        f"{M}minutes/transitions/<str:name>/",
        apis.MinutesTransitionApi.as_view(),
        name="meeting-minutes-transition",
    ),
    path(f"{M}minutes/signoffs/", apis.SignoffListApi.as_view(), name="meeting-minutes-signoffs"),
    path(f"{M}minutes/resolutions/", apis.ResolutionListApi.as_view(), name="meeting-resolutions"),
    path(
        f"{M}minutes/resolutions/<int:rid>/",
        apis.ResolutionDetailApi.as_view(),
        name="meeting-resolution",
    ),
    path(
        f"{M}minutes/resolutions/<int:rid>/retry/",
        apis.ResolutionRetryApi.as_view(),
        name="meeting-resolution-retry",
    ),
    path("action-items/", apis.ActionItemListApi.as_view(), name="action-item-list"),
    path("action-items/<int:pk>/", apis.ActionItemDetailApi.as_view(), name="action-item-detail"),
    path(
        "action-items/<int:pk>/transitions/<str:name>/",
        apis.ActionItemTransitionApi.as_view(),
        name="action-item-transition",
    ),
]

from django.urls import path

from bulletins import apis

urlpatterns = [
    path("bulletins/", apis.BulletinListApi.as_view(), name="bulletin-list"),
    path("bulletins/<int:pk>/", apis.BulletinDetailApi.as_view(), name="bulletin-detail"),
    path(
        "bulletins/<int:pk>/transitions/<str:name>/",
        apis.BulletinTransitionApi.as_view(),
        name="bulletin-transition",
    ),
    path(
        "bulletins/<int:pk>/attachments/",
        apis.BulletinAttachmentListApi.as_view(),
        name="bulletin-attachment-list",
    ),
    # `aid` is the path parameter's published name in the OpenAPI schema, which may only gain: a generated
    # client calls it by that name. New nested routes name theirs `<child>_id`.
    path(
        "bulletins/<int:pk>/attachments/<int:aid>/",
        apis.BulletinAttachmentDetailApi.as_view(),
        name="bulletin-attachment-detail",
    ),
    path(
        "bulletins/<int:pk>/attachments/<int:aid>/file/",
        apis.BulletinAttachmentFileApi.as_view(),
        name="bulletin-attachment-file",
    ),
    path("bulletins/<int:pk>/recipients/", apis.BulletinRecipientsApi.as_view(), name="bulletin-recipients"),
    path(
        "bulletins/<int:pk>/recipients/<str:code>/transitions/<str:name>/",
        apis.RecipientTransitionApi.as_view(),
        name="bulletin-recipient-transition",
    ),
    path(
        "bulletins/<int:pk>/recipients/<str:code>/case/",
        apis.RecipientCaseApi.as_view(),
        name="bulletin-recipient-case",
    ),
]

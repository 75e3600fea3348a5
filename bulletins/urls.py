from django.urls import path

from bulletins import views

urlpatterns = [
    path("bulletins/", views.BulletinListView.as_view(), name="bulletin-list"),
    path("bulletins/new/", views.BulletinCreateView.as_view(), name="bulletin-new"),
    path("bulletins/<int:pk>/", views.BulletinDetailView.as_view(), name="bulletin-detail"),
    path(
        "bulletins/<int:pk>/actions/<str:name>/", views.BulletinActionView.as_view(), name="bulletin-action"
    ),
    path(
        "bulletins/<int:pk>/attachments/", views.AttachmentAddView.as_view(), name="bulletin-attachment-add"
    ),
    path(
        "bulletins/<int:pk>/attachments/<int:aid>/",
        views.AttachmentDownloadView.as_view(),
        name="bulletin-attachment",
    ),
    path(
        "bulletins/<int:pk>/attachments/<int:aid>/remove/",
        views.AttachmentRemoveView.as_view(),
        name="bulletin-attachment-remove",
    ),
    path(
        "bulletins/<int:pk>/recipients/<str:code>/<str:name>/",
        views.RecipientActionView.as_view(),
        name="bulletin-recipient-action",
    ),
]

from django.urls import path

from bulletins import views
from core.pages import moved

app_name = "bulletins"

urlpatterns = [
    path("bulletins/", views.BulletinListView.as_view(), name="list"),
    path("bulletins/new/", views.BulletinCreateView.as_view(), name="new"),
    path("bulletins/<int:pk>/", views.BulletinDetailView.as_view(), name="detail"),
    path(
        "bulletins/<int:pk>/transitions/<str:name>/",
        views.BulletinStepView.as_view(),
        name="transition",
    ),
    path("bulletins/<int:pk>/actions/<str:name>/", moved("bulletins:transition"), name="action"),
    path("bulletins/<int:pk>/attachments/", views.AttachmentAddView.as_view(), name="attachment-add"),
    path(
        "bulletins/<int:pk>/attachments/<int:attachment_id>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment",
    ),
    path(
        "bulletins/<int:pk>/attachments/<int:attachment_id>/remove/",
        views.AttachmentRemoveView.as_view(),
        name="attachment-remove",
    ),
    path(
        "bulletins/<int:pk>/recipients/<str:code>/transitions/<str:name>/",
        views.RecipientStepView.as_view(),
        name="recipient-transition",
    ),
    path(
        "bulletins/<int:pk>/recipients/<str:code>/<str:name>/",
        moved("bulletins:recipient-transition"),
        name="recipient-action",
    ),
]

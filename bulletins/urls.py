from django.urls import path

from bulletins import views
from core.pages import moved

urlpatterns = [
    path("bulletins/", views.BulletinListView.as_view(), name="bulletin-list"),
    path("bulletins/new/", views.BulletinCreateView.as_view(), name="bulletin-new"),
    path("bulletins/<int:pk>/", views.BulletinDetailView.as_view(), name="bulletin-detail"),
    path(
        "bulletins/<int:pk>/transitions/<str:name>/",
        views.BulletinStepView.as_view(),
        name="bulletin-transition",
    ),
    path("bulletins/<int:pk>/actions/<str:name>/", moved("bulletin-transition"), name="bulletin-action"),
    path(
        "bulletins/<int:pk>/attachments/", views.AttachmentAddView.as_view(), name="bulletin-attachment-add"
    ),
    path(
        "bulletins/<int:pk>/attachments/<int:attachment_id>/",
        views.AttachmentDownloadView.as_view(),
        name="bulletin-attachment",
    ),
    path(
        "bulletins/<int:pk>/attachments/<int:attachment_id>/remove/",
        views.AttachmentRemoveView.as_view(),
        name="bulletin-attachment-remove",
    ),
    path(
        "bulletins/<int:pk>/recipients/<str:code>/transitions/<str:name>/",
        views.RecipientStepView.as_view(),
        name="bulletin-recipient-transition",
    ),
    path(
        "bulletins/<int:pk>/recipients/<str:code>/<str:name>/",
        moved("bulletin-recipient-transition"),
        name="bulletin-recipient-action",
    ),
]

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
        "bulletins/<int:pk>/recipients/<str:code>/<str:name>/",
        views.RecipientActionView.as_view(),
        name="bulletin-recipient-action",
    ),
]

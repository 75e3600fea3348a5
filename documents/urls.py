from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("documents/verify/", views.VerifyView.as_view(), name="verify"),
    path("documents/<int:pk>/download/", views.DownloadView.as_view(), name="download"),
    path("documents/seals/", views.SealListView.as_view(), name="seals"),
]

"""Pages of the shared registers; config/urls.py includes them at the root."""

from django.urls import path

from organisation.registers import views

app_name = "registers"

urlpatterns = [
    path("registers/experts/", views.ExpertListView.as_view(), name="experts"),
    path("registers/experts/new/", views.ExpertEditView.as_view(), name="expert-new"),
    path("registers/experts/<int:pk>/edit/", views.ExpertEditView.as_view(), name="expert-edit"),
    path("registers/experts/<int:pk>/end/", views.ExpertEndView.as_view(), name="expert-end"),
    path("registers/liaisons/", views.LiaisonListView.as_view(), name="liaisons"),
    path("registers/liaisons/new/", views.LiaisonEditView.as_view(), name="liaison-new"),
    path("registers/liaisons/<int:pk>/edit/", views.LiaisonEditView.as_view(), name="liaison-edit"),
    path("registers/liaisons/<int:pk>/end/", views.LiaisonEndView.as_view(), name="liaison-end"),
]

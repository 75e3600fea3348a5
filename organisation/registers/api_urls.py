"""API routes of the shared registers; config/api_urls.py includes them under v1/ (names "api:expert-…")."""

from django.urls import path

from organisation.registers import apis

urlpatterns = [
    path("experts/", apis.ExpertListApi.as_view(), name="expert-list"),
    path("experts/<int:pk>/", apis.ExpertDetailApi.as_view(), name="expert-detail"),
    path("experts/<int:pk>/end/", apis.ExpertEndApi.as_view(), name="expert-end"),
    path("specialties/", apis.SpecialtyListApi.as_view(), name="specialty-list"),
    path("liaisons/", apis.LiaisonListApi.as_view(), name="liaison-list"),
    path("liaisons/<int:pk>/", apis.LiaisonDetailApi.as_view(), name="liaison-detail"),
    path("liaisons/<int:pk>/end/", apis.LiaisonEndApi.as_view(), name="liaison-end"),
]

from django.urls import path

from core import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.AuditTrailView.as_view(), name="trail"),
    path("audit/export.csv", views.AuditExportView.as_view(), name="export"),
    path("audit/chain/", views.AuditChainView.as_view(), name="chain"),
]

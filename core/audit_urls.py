from django.urls import path

from core import views

urlpatterns = [
    path("audit/", views.AuditTrailView.as_view(), name="audit-trail"),
    path("audit/export.csv", views.AuditExportView.as_view(), name="audit-export"),
    path("audit/chain/", views.AuditChainView.as_view(), name="audit-chain"),
]

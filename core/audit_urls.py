from django.urls import path

from core import audit_views

urlpatterns = [
    path("audit/", audit_views.AuditTrailView.as_view(), name="audit-trail"),
    path("audit/export.csv", audit_views.AuditExportView.as_view(), name="audit-export"),
    path("audit/chain/", audit_views.AuditChainView.as_view(), name="audit-chain"),
]

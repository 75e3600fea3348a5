from django.urls import path

from core.apis import (
    AuditChainApi,
    AuditEventExportApi,
    AuditEventListApi,
    NotificationListApi,
    NotificationReadAllApi,
    NotificationReadApi,
    SchemaApi,
    SwaggerApi,
)

urlpatterns = [
    path("schema/", SchemaApi.as_view(), name="schema"),
    path("docs/", SwaggerApi.as_view(), name="docs"),
    path("v1/notifications/", NotificationListApi.as_view(), name="notification-list"),
    path("v1/notifications/read-all/", NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("v1/notifications/<int:pk>/read/", NotificationReadApi.as_view(), name="notification-read"),
    path("v1/audit-events/", AuditEventListApi.as_view(), name="audit-event-list"),
    path("v1/audit-events/export/", AuditEventExportApi.as_view(), name="audit-event-export"),
    path("v1/audit-chain/", AuditChainApi.as_view(), name="audit-chain"),
]

from django.urls import path

from organisation import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("units/", views.UnitTreeView.as_view(), name="unit-tree"),
    path("units/<str:code>/", views.UnitDetailView.as_view(), name="unit-detail"),
    path("units/<str:code>/children/", views.UnitChildrenView.as_view(), name="unit-children"),
]

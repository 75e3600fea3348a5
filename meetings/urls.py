"""Pages of joint meetings. Owner: H5."""

app_name = "meetings"
urlpatterns: list = []

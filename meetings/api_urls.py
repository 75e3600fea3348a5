"""API of joint meetings. Owner: H5."""

urlpatterns: list = []

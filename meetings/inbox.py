"""Inbox kinds of joint meetings. Owner: H5."""

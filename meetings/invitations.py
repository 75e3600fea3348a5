"""Invitations by e-mail (iMIP, RFC 6047) through the outbox. Owner: H1."""


def invitations_send(meeting, *, method, participants):
    raise NotImplementedError

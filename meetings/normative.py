"""The register of a series' normative documents. Owner: H4."""


def normative_adopt(*, resolution, by, document):
    raise NotImplementedError


def normative_search(user, *, series=None, q="", status=None):
    raise NotImplementedError

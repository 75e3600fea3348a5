"""Cross-province search (issue 7): a room of the cases app.

The search itself (purpose, rate limit, audit, what each hit may show) is `services.search`; the
API in `apis` and the page in `views` only read the query and shape the answer.
"""

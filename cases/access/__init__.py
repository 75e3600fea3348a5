"""Access requests and grants (issue 7 item 2): a room of the cases app.

A user who found a case by search asks its owning unit for access; the unit grants it for a scope
and a number of days, or refuses it. Reads in `selectors`, writes in `services`, the steps of a
request in `steps`, the API in `apis` and the pages in `views`.
"""

"""Merged investigation (并案侦查, MPS-2020 art 21(2)): a room of the jurisdiction app.

services (propose, take a step), steps (the proposal's machine), selectors (who sees which
proposal), presenters (how a proposal reads to one reader), and the API and page adapters.
"""

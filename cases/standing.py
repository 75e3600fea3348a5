"""Moved to organisation.standing, the one membership cache; this module re-exports it.

Kept only until the imports of cases.standing across the apps are rewritten in one sweep.
"""

from organisation.standing import EMPTY, Standing, standing_forget, user_standing

__all__ = ["EMPTY", "Standing", "standing_forget", "user_standing"]

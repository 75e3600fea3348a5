"""The read rules of the bulletins' objects that link a case (cases.visibility, issue 16).

A bulletin is read by its recipients and their superiors, who need not see the case it links; a
recipient row by the issuing side, who need not see the case the recipient opened. Both rows are
read under their own rule, and the case only *mentioned*: its id is shown only while the reader may
see the case (bulletins.selectors.shown_case_id), never copied.
"""

from cases.visibility import case_data_rule


def register() -> None:
    from bulletins.models import Bulletin, BulletinRecipient
    from bulletins.selectors import bulletin_visible_to, recipient_rows_visible_to

    case_data_rule(Bulletin, shows=(), mentions=("linked_case",), visible_to=bulletin_visible_to)
    case_data_rule(
        BulletinRecipient, shows=(), mentions=("opened_case",), visible_to=recipient_rows_visible_to
    )

"""Create or update a user with a membership, for provisioning accounts by script.

The operators' bootstrap path (the first security officers and unit heads of a new installation):
whoever runs it on the server can change the database anyway, so it asks no second person; it is
audited (organisation.member_added, channel "command") and it never gives an administrator account
(staff or superuser) a role, refused and audited like every other path. Everyday role changes are
proposed in the admin and approved by a unit head of the unit or a security officer.
"""

from argparse import ArgumentTypeError
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from organisation.models import DepartmentKind, Role
from organisation.services import member_add


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Create or update USERNAME with a membership: add_member USERNAME --unit CODE --role ROLE. "
        "The operators' bootstrap path, audited; an administrator account never gets a role."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--unit", required=True, help="division code of the unit, e.g. 510107; the ministry is 000000"
        )
        parser.add_argument("--role", required=True, help=f"one of: {', '.join(Role.values)}")
        parser.add_argument(
            "--department", help=f"department kind, one of: {', '.join(DepartmentKind.values)}"
        )
        parser.add_argument("--password", help="set this password (checked against the password rules)")
        parser.add_argument("--full-name", help="the person's name as shown, e.g. 张伟")
        parser.add_argument(
            "--valid-from", type=_date, help="first day of the membership, YYYY-MM-DD (default today)"
        )
        parser.add_argument("--valid-to", type=_date, help="last day of the membership, YYYY-MM-DD")
        parser.add_argument(
            "--acting-for", metavar="USERNAME", help="an acting (代理) membership standing in for this head"
        )

    def handle(self, *args, **options):
        try:
            result = member_add(
                username=options["username"],
                unit_code=options["unit"],
                role=options["role"],
                department_kind=options["department"],
                password=options["password"],
                full_name=options["full_name"],
                valid_from=options["valid_from"],
                valid_to=options["valid_to"],
                acting_for=options["acting_for"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        membership = result.membership
        verb = "Created" if result.user_created else "Updated"
        what = "new membership" if result.membership_created else "membership"
        parts = [f"{membership.unit.code} {membership.unit.name}", membership.role_label]
        if membership.department:
            parts.append(membership.department.name)
        start, end = membership.valid_from, membership.valid_to
        parts.append(f"{start} to {end}" if end else f"from {start}")
        self.stdout.write(
            self.style.SUCCESS(f"{verb} user {result.user.username} with {what}: {', '.join(parts)}.")
        )

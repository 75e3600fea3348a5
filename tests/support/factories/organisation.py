"""Factories for users and memberships; units come from the loaded organisation, never invented."""

import factory

from organisation.models import Membership, Role, Unit, User

TEST_PASSWORD = "correct-horse-battery-staple"


class UnitFactory(factory.django.DjangoModelFactory):
    """A unit of the loaded organisation by its division code: `UnitFactory(code="530100")`."""

    class Meta:
        model = Unit

    code = "510107"

    @classmethod
    def _create(cls, model_class, *args, code, **kwargs):
        # The 623 units are data (data/units.csv): a test names one, it never invents one.
        return model_class.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试民警{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Role.INVESTIGATOR


def member(
    code: str, role: str, *, username: str | None = None, department_kind: str | None = None, **extra
) -> User:
    """Create a user holding one membership in the unit with the given division code."""
    unit = Unit.objects.get(code=code)
    user = UserFactory(**({"username": username} if username else {}))
    department = unit.departments.get(kind=department_kind) if department_kind else None
    MembershipFactory(user=user, unit=unit, role=role, department=department, **extra)
    return user

"""factory-boy factories for core models, shared by every app's tests."""

import factory
from django.contrib.auth.models import Group

from sqms.core.choices import OrgUnitKind
from sqms.core.models import OrgUnit, User

TEST_PASSWORD = "Correct-Horse-42"


def make_unit(
    code: str,
    name: str,
    kind: str = OrgUnitKind.HALL,
    parent: OrgUnit | None = None,
    name_en: str = "",
) -> OrgUnit:
    values = {"code": code, "name": name, "name_en": name_en or code, "kind": kind}
    if parent is None:
        return OrgUnit.objects.add_root(values)
    return OrgUnit.objects.add_child(parent, values)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "三"
    last_name = "张"
    language = "en"
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            obj.groups.set(Group.objects.filter(name__in=extracted))

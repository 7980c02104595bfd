import pytest

from sqms.core.system_actor import is_system_actor, system_actor


@pytest.mark.django_db
def test_system_actor_is_created_once_and_cannot_log_in() -> None:
    first = system_actor()
    assert system_actor().pk == first.pk
    assert is_system_actor(first)
    assert not first.has_usable_password()
    assert not first.check_password("")

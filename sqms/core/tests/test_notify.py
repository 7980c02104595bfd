"""In-app notifications: one row per distinct recipient, in the recipient's language."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sqms.core.models import Notification
from sqms.core.notify import notify


def test_each_recipient_reads_the_message_in_their_language(org, make_user):
    english = make_user(unit=org.hall1, language="en")
    chinese = make_user(unit=org.hall1, language="zh-hans")
    rows = notify(
        [english, chinese, None, english],
        lambda: gettext("Agent") + f" · {org.hall1.display_name}",
        url="/tickets/1/",
        obj=org.hall1,
    )
    assert len(rows) == 2
    by_user = {n.recipient_id: n for n in Notification.objects.all()}
    assert by_user[english.pk].message == "Agent · Hall 1"
    assert by_user[chinese.pk].message == "一线服务人员 · 一号营业厅"
    assert by_user[chinese.pk].url == "/tickets/1/"
    assert (by_user[chinese.pk].object_type, by_user[chinese.pk].object_id) == (
        "core.orgunit",
        str(org.hall1.pk),
    )


def test_lazy_and_plain_messages_and_nobody_to_tell(org, make_user):
    chinese = make_user(unit=org.hall1, language="zh-hans")
    inactive = make_user(unit=org.hall1, is_active=False)
    notify([chinese, inactive], _("Agent"))
    notify([chinese], "x" * 600)
    assert list(Notification.objects.order_by("id").values_list("message", flat=True)) == [
        "一线服务人员",
        "x" * 500,
    ]
    assert notify([], "nothing") == [] and notify([None], "nothing") == []
    assert Notification.objects.count() == 2

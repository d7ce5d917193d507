from django import template
from django.utils.html import json_script
from django.utils.translation import gettext as _

from core import offline

register = template.Library()


@register.simple_tag(takes_context=True)
def owner_key(context) -> str:
    """An opaque per-account key: the outbox items are this account's (core.offline)."""
    return offline.owner_key(context["request"].user)


@register.simple_tag
def outbox_messages():
    messages = {
        "offline": _("No signal: what you send is kept on this phone."),
        "waiting": _("%(n)s waiting to be sent."),
        "invalid": _("The server did not accept this submission. Correct it and send it again."),
        "conflict": _(
            "Someone else changed the same fields meanwhile. Choose for each field which "
            "value to keep, then send again. Your other changes are kept."
        ),
        "to_correct": _("%(n)s to correct."),
        "sent": _("%(n)s sent."),
        "others": _(
            "%(n)s submissions of another account are kept on this phone. They are sent when "
            "that account logs in again."
        ),
        "choose_each": _("Choose a value for each field."),
        "clear": _("Clear"),
        "status_conflict": _("Choose"),
        "refused": _("Refused: log in again, or you may no longer change this record."),
        "error": _("The server had a problem. The submission is kept; try again later."),
        "logout_confirm": _(
            "%(n)s submissions have not been sent yet and will be deleted from this phone. "
            "Log out anyway?"
        ),
        "discard_confirm": _("Delete this submission from the outbox? It has not been saved."),
        "status_pending": _("Waiting"),
        "status_saved": _("Saved"),
        "status_invalid": _("To correct"),
        "status_refused": _("Refused"),
        "status_error": _("Server error"),
    }
    return json_script(messages, "sv-outbox-messages")

import hashlib
import hmac

from django import template
from django.conf import settings
from django.utils.html import json_script
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def owner_key(context) -> str:
    """An opaque per-account key: the outbox and page cache of another account are wiped."""
    user = context["request"].user
    if not user.is_authenticated:
        return ""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"owner:{user.pk}".encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


@register.simple_tag
def outbox_messages():
    messages = {
        "offline": _("No signal: what you send is kept on this phone."),
        "waiting": _("%(n)s waiting to be sent."),
        "invalid": _("The server did not accept this submission. Correct it and send it again."),
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

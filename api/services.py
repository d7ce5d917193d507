"""Creating and revoking system accounts (api.models.SystemAccount)."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from villages.models import Membership

from .models import SystemAccount


@transaction.atomic
def create_system_account(*, name: str, commune, created_by) -> tuple[SystemAccount, str]:
    """A system account reading `commune` as its officials do; returns it and the key, which
    is shown once and never again (only its first 6 characters are kept for the list).

    The dedicated user has an unusable password and is not staff: it never logs in, the admin
    and the officials' pages refuse it; only the read API accepts its token."""
    user = get_user_model()(username=f"he-thong-{secrets.token_hex(6)}", is_staff=False)
    user.set_unusable_password()
    user.save()
    # The commune's official membership, without staff (villages.roles.make_official would
    # open the admin): core.access reads the scope from it.
    Membership.objects.create(
        user=user, commune=commune, village=None, role=Membership.Role.OFFICIAL
    )
    token = Token.objects.create(user=user)
    account = SystemAccount.objects.create(
        name=name, user=user, commune=commune, key_prefix=token.key[:6], created_by=created_by
    )
    return account, token.key


@transaction.atomic
def revoke(account: SystemAccount) -> None:
    """Delete the token (DRF answers 401 from now on); the account row stays as history."""
    Token.objects.filter(user_id=account.user_id).delete()
    if account.revoked_at is None:
        account.revoked_at = timezone.now()
        account.save(update_fields=["revoked_at"])

"""Opening a My Page (leaflet steps 1–7), the login e-mail, the agreement, and withdrawal (退会).

1. Staff register the login e-mail (:func:`register_login_email`).
3–4. The seeker agrees to the privacy policy and terms and enters e-mail and birth date
   (:func:`request_password_registration`). When they match a seeker with a 有効 registration
   whose My Page is not open, a request with an 認証キー is created and the
   「パスワード登録申込受付通知」 mail is put in the outbox in the same transaction. The answer
   is the same neutral object whether or not anything matched.
6–7. The seeker enters a password and the key (:func:`complete_password_registration`); the
   account opens. The key is single use, superseded by a newer request, and dead after 5 wrong
   tries or 50 minutes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from worker.domain.errors import (
    AuthenticationKeyInvalid,
    InvalidInput,
    PasswordPolicyViolation,
    RegistrationInvalid,
)
from worker.domain.keys import derive_authentication_key, hash_authentication_key, key_matches, new_salt
from worker.domain.models import (
    WAITING_MAIL_STATUSES,
    AccountState,
    KeyRequestStatus,
    MailStatus,
    OutboxMail,
    PasswordRegistrationRequest,
    RegistrationStatus,
    Seeker,
)
from worker.outbox.enqueue import enqueue_mail
from worker.services.calendar import jst_today, require_aware
from worker.services.erasure import erase_seeker
from worker.services.guards import Action, get_seeker, require
from worker.services.inputs import normalize_email, parse_birth_date
from worker.services.passwords import hash_password, validate_password

TERMS_VERSION = "2024-04"  # 利用規約 currently in force
PRIVACY_POLICY_VERSION = "2024-04"  # プライバシーポリシー currently in force
KEY_VALIDITY = timedelta(minutes=50)
MAX_WRONG_TRIES = 5


@dataclass(frozen=True)
class PasswordRegistrationAccepted:
    """The one answer to step 4, whatever was entered (as long as it was well-formed)."""

    message: str


ACCEPTED = PasswordRegistrationAccepted(
    "入力されたメールアドレスあてに「パスワード登録申込受付通知」メールを送信しました。"
    "メールに記載の認証キーは送信から50分間有効です。"
    "メールが届かない場合は、入力内容をご確認のうえ、ハローワークの窓口にお問い合わせください。"
)


# ---------------------------------------------------------------------------- step 1 and 3


def register_login_email(session: Session, *, seeker_id: int, email: str, now: datetime) -> Seeker:
    """Staff register (or change) the seeker's login e-mail. Unique regardless of case.
    A change supersedes pending password requests: their key went to the old address."""
    require_aware(now)
    normalized = normalize_email(email)
    seeker = get_seeker(session, seeker_id)
    other = session.exec(
        select(Seeker.id).where(Seeker.email_normalized == normalized, Seeker.id != seeker_id)
    ).first()
    if other is not None:
        raise InvalidInput("このメールアドレスは既に別の求職者のログインアカウントとして登録されています。", field="email")
    if seeker.email_normalized != normalized:
        _supersede_pending_requests(session, seeker_id)
    seeker.email = email.strip()
    seeker.email_normalized = normalized
    seeker.updated_at = now
    session.add(seeker)
    session.flush()
    return seeker


def _check_agreement(terms_version: str | None, privacy_policy_version: str | None) -> None:
    if terms_version != TERMS_VERSION or privacy_policy_version != PRIVACY_POLICY_VERSION:
        raise InvalidInput("「プライバシーポリシー」「利用規約」の内容を確認し、同意してください。", field="agreement")


def needs_agreement(seeker: Seeker) -> bool:
    """True when the seeker has not agreed to the versions in force (they changed since)."""
    return seeker.terms_version != TERMS_VERSION or seeker.privacy_policy_version != PRIVACY_POLICY_VERSION


def agree_to_terms(session: Session, *, seeker_id: int, terms_version: str, privacy_policy_version: str,
                   now: datetime) -> Seeker:
    """Record that the seeker agreed to the versions in force (e.g. after they changed)."""
    require_aware(now)
    _check_agreement(terms_version, privacy_policy_version)
    seeker = get_seeker(session, seeker_id)
    _record_agreement(seeker, now)
    session.add(seeker)
    session.flush()
    return seeker


def _record_agreement(seeker: Seeker, now: datetime) -> None:
    seeker.terms_version = TERMS_VERSION
    seeker.privacy_policy_version = PRIVACY_POLICY_VERSION
    seeker.agreed_at = now
    seeker.updated_at = now


# ---------------------------------------------------------------------------- steps 4 and 5


def _registration_valid(seeker: Seeker, today: date) -> bool:
    return seeker.registration_status == RegistrationStatus.VALID and (
        seeker.registration_valid_until is None or seeker.registration_valid_until >= today)


def _may_open(seeker: Seeker | None, birth_date: date, today: date) -> bool:
    return (
        seeker is not None
        and seeker.birth_date == birth_date
        and _registration_valid(seeker, today)
        and seeker.account_state == AccountState.NOT_OPENED
    )


def _supersede_pending_requests(session: Session, seeker_id: int) -> None:
    """Older keys die when a newer one is issued; their mails, if still unsent (or waiting for
    their one uncertain retry), are cancelled and, being final, no longer keep the address."""
    pending = session.exec(
        select(PasswordRegistrationRequest.id).where(
            PasswordRegistrationRequest.seeker_id == seeker_id,
            PasswordRegistrationRequest.status == KeyRequestStatus.PENDING.value,
        )
    ).all()
    if not pending:
        return
    session.execute(
        update(PasswordRegistrationRequest).where(PasswordRegistrationRequest.id.in_(pending))
        .values(status=KeyRequestStatus.SUPERSEDED.value)
    )
    session.execute(
        update(OutboxMail).where(
            OutboxMail.dedupe_key.in_([f"password-registration:{i}" for i in pending]),
            OutboxMail.status.in_(WAITING_MAIL_STATUSES),
        ).values(status=MailStatus.CANCELLED.value, recipient=None, lease_until=None)
    )


def request_password_registration(session: Session, *, email: str, birth_date: date | str, terms_version: str,
                                  privacy_policy_version: str, secret: bytes,
                                  now: datetime) -> PasswordRegistrationAccepted:
    """Step 4: agree, enter e-mail and birth date. Returns :data:`ACCEPTED` whether or not a
    seeker matched; only malformed input (or no agreement) raises InvalidInput.

    ``secret`` is ``settings.effective_secret_key()``: the 認証キー is derived from it and the
    request's salt, and only its hash is stored."""
    today = jst_today(now)
    _check_agreement(terms_version, privacy_policy_version)
    normalized = normalize_email(email)
    born = parse_birth_date(birth_date, today=today)
    seeker = session.exec(select(Seeker).where(Seeker.email_normalized == normalized)).first()
    if not _may_open(seeker, born, today):
        return ACCEPTED
    _record_agreement(seeker, now)
    session.add(seeker)
    _supersede_pending_requests(session, seeker.id)
    salt = new_salt()
    key = derive_authentication_key(secret, salt)
    request = PasswordRegistrationRequest(
        seeker_id=seeker.id, salt=salt, key_hash=hash_authentication_key(key, salt),
        status=KeyRequestStatus.PENDING.value, created_at=now, expires_at=now + KEY_VALIDITY,
    )
    session.add(request)
    session.flush()
    enqueue_mail(
        session, kind="password-registration", dedupe_key=f"password-registration:{request.id}",
        recipient=seeker.email, seeker_id=seeker.id, context={"request_id": request.id},
        expires_at=request.expires_at,
    )
    return ACCEPTED


# ---------------------------------------------------------------------------- steps 6 and 7


def _current_request(session: Session, seeker_id: int) -> PasswordRegistrationRequest | None:
    return session.exec(
        select(PasswordRegistrationRequest).where(
            PasswordRegistrationRequest.seeker_id == seeker_id,
            PasswordRegistrationRequest.status == KeyRequestStatus.PENDING.value,
        ).order_by(PasswordRegistrationRequest.id.desc())
    ).first()


def _count_wrong_try(session: Session, request: PasswordRegistrationRequest) -> None:
    """Count a wrong key in a transaction of its own.

    The caller raises (and so rolls back) on the error that follows; a count kept in that
    transaction would vanish and the 5-tries limit would never bite. So the count commits on
    its own connection. Where that is impossible — the session is bound to a connection, or
    already holds SQLite's write lock, or PostgreSQL would wait on a row lock this session
    holds — it is counted in the caller's transaction instead, and the caller must commit."""
    table = PasswordRegistrationRequest.__table__
    stmt = (
        update(table)
        .where(table.c.id == request.id, table.c.status == KeyRequestStatus.PENDING.value)
        .values(
            failed_attempts=table.c.failed_attempts + 1,
            status=case((table.c.failed_attempts + 1 >= MAX_WRONG_TRIES, KeyRequestStatus.LOCKED.value),
                        else_=table.c.status),
        )
    )
    bind = session.get_bind()
    if isinstance(bind, Engine) and not _holds_sqlite_write_lock(session):
        try:
            with bind.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                counted = conn.execute(stmt).rowcount == 1
        except OperationalError:
            counted = False
        if counted:
            session.expire(request)
            return
    session.execute(stmt)
    session.expire(request)


def _holds_sqlite_write_lock(session: Session) -> bool:
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return False
    return bool(getattr(connection.connection.dbapi_connection, "in_transaction", False))


def complete_password_registration(session: Session, *, email: str, authentication_key: str, password: str,
                                   now: datetime) -> Seeker:
    """Steps 6–7: the password and the 認証キー; the My Page opens.

    A password against the policy raises PasswordPolicyViolation and the key is not tried.
    Every key failure (unknown e-mail, no request, wrong, superseded, used, expired, locked)
    raises the same AuthenticationKeyInvalid; a wrong key is counted even though the caller
    rolls back (see :func:`_count_wrong_try`)."""
    require_aware(now)
    problems = validate_password(password)
    if problems:
        raise PasswordPolicyViolation(problems)
    normalized = normalize_email(email)
    if not isinstance(authentication_key, str) or not authentication_key.strip():
        raise InvalidInput("認証キーを入力してください。", field="authentication_key")
    seeker = session.exec(select(Seeker).where(Seeker.email_normalized == normalized)).first()
    if seeker is None or seeker.account_state != AccountState.NOT_OPENED:
        raise AuthenticationKeyInvalid()
    request = _current_request(session, seeker.id)
    if request is None:
        raise AuthenticationKeyInvalid()
    if now >= request.expires_at:
        request.status = KeyRequestStatus.EXPIRED.value
        session.add(request)
        session.flush()
        raise AuthenticationKeyInvalid()
    if not key_matches(authentication_key, request.salt, request.key_hash):
        _count_wrong_try(session, request)
        raise AuthenticationKeyInvalid()
    # The same test as step 4: a registration past its last valid day (JST) is over even
    # before expire_registrations has marked it 無効.
    if not _registration_valid(seeker, jst_today(now)):
        raise RegistrationInvalid()
    # Single use: of two concurrent completions with the right key, one wins this update.
    used = session.execute(
        update(PasswordRegistrationRequest)
        .where(PasswordRegistrationRequest.id == request.id,
               PasswordRegistrationRequest.status == KeyRequestStatus.PENDING.value)
        .values(status=KeyRequestStatus.USED.value, used_at=now)
    ).rowcount
    if used != 1:
        raise AuthenticationKeyInvalid()
    seeker.password_hash = hash_password(password)
    seeker.account_state = AccountState.OPEN.value
    seeker.opened_at = now
    seeker.updated_at = now
    session.add(seeker)
    session.flush()
    return seeker


def expire_password_requests(session: Session, *, now: datetime) -> int:
    """Mark pending requests older than 50 minutes expired; returns how many."""
    require_aware(now)
    return session.execute(
        update(PasswordRegistrationRequest)
        .where(PasswordRegistrationRequest.status == KeyRequestStatus.PENDING.value,
               PasswordRegistrationRequest.expires_at <= now)
        .values(status=KeyRequestStatus.EXPIRED.value)
    ).rowcount


# ---------------------------------------------------------------------------- 退会


def withdraw(session: Session, *, seeker_id: int, now: datetime) -> None:
    """退会: delete the account and every personal row, cancel the seeker's waiting mails, and
    put the `withdrawn` mail in the outbox (its row keeps the address until it is sent).

    Refused for a My Page that is not open or 利用不可 (staff handle those at the counter)."""
    require_aware(now)
    seeker = require(session, seeker_id, Action.WITHDRAW)
    name, email = seeker.name, seeker.email
    erase_seeker(session, seeker_id=seeker_id)
    if email:
        # Erasing the row makes this happen once; the key need only be unique, and must not
        # reuse the seeker id, which a later seeker may get again.
        enqueue_mail(session, kind="withdrawn", dedupe_key=f"withdrawn:{uuid.uuid4().hex}",
                     recipient=email, context={"name": name})

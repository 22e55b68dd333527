"""The public façade the main site imports: the My Page rules and their errors.

Every function takes a SQLModel ``Session`` first and keyword arguments after it, adds its
changes (and the outbox mails they cause) to the caller's transaction, and raises a
:class:`MyPageError` subclass whose ``message`` is Japanese and can be shown as it is. The caller
commits. Times are timezone-aware datetimes (``now``); date rules count in JST.

Opening a My Page (leaflet steps 1–7)
    register_login_email     staff register the login e-mail (unique, case-insensitive)
    request_password_registration
                             step 4: agreement + e-mail + birth date → neutral answer; on a
                             match, a request with an 認証キー and its mail
    complete_password_registration
                             step 6: password + 認証キー → the account opens
    validate_password        the leaflet's password policy: list of Japanese problems
    hash_password / verify_password
                             scrypt, self-describing format, constant-time check
    agree_to_terms / needs_agreement
                             the agreement to the versions in force
    withdraw                 退会: delete the account and its personal data
What a seeker may do
    Action, ensure_allowed, allowed_actions, is_recommendable, recommendable
Registration (求職登録)
    view_registration, update_registration, set_registration_valid, record_activity
Saved searches and favourites
    create_saved_search, update_saved_search, delete_saved_search, list_saved_searches,
    set_saved_search_mails, validate_condition, add_favourite, remove_favourite, list_favourites
Online referral and messages
    apply_online, list_referrals, view_referral, send_to_employer, receive_from_employer,
    list_messages
Staff and employers
    make_unusable, lift_unusable, report_no_show, lift_restriction
Hints to the worker (after the site's commit; see ``worker.announce``)
    condition_changed, job_offer_posted, mail_queued, configure_hints
Periodic rules (the worker's scheduler calls these)
    expire_password_requests, notify_expiring_registrations, expire_registrations,
    apply_no_show_restrictions, delete_expired_messages, warn_before_deletion,
    delete_lapsed_my_pages
"""

from __future__ import annotations

from worker.announce import condition_changed, job_offer_posted, mail_queued
from worker.announce import configure as configure_hints
from worker.domain.errors import (
    AccountNotOpen,
    AccountRestricted,
    AccountUnusable,
    AuthenticationKeyInvalid,
    InvalidInput,
    LimitExceeded,
    MyPageError,
    NotFound,
    NotPermitted,
    PasswordPolicyViolation,
    RegistrationInvalid,
)
from worker.services.accounts import (
    ACCEPTED,
    PRIVACY_POLICY_VERSION,
    TERMS_VERSION,
    PasswordRegistrationAccepted,
    agree_to_terms,
    complete_password_registration,
    expire_password_requests,
    needs_agreement,
    register_login_email,
    request_password_registration,
    withdraw,
)
from worker.services.conditions import (
    create_saved_search,
    delete_saved_search,
    list_saved_searches,
    set_saved_search_mails,
    update_saved_search,
    validate_condition,
)
from worker.services.eligibility import is_recommendable, recommendable
from worker.services.favourites import add_favourite, list_favourites, remove_favourite
from worker.services.guards import Action, allowed_actions, ensure_allowed
from worker.services.messages import list_messages, receive_from_employer, send_to_employer
from worker.services.passwords import hash_password, validate_password, verify_password
from worker.services.referrals import ReferralLetter, apply_online, list_referrals, view_referral
from worker.services.registration import (
    RegistrationView,
    expire_registrations,
    notify_expiring_registrations,
    record_activity,
    set_registration_valid,
    update_registration,
    view_registration,
)
from worker.services.restrictions import (
    apply_no_show_restrictions,
    lift_restriction,
    lift_unusable,
    make_unusable,
    report_no_show,
)
from worker.services.retention import delete_expired_messages, delete_lapsed_my_pages, warn_before_deletion

__all__ = [
    # errors
    "MyPageError", "InvalidInput", "PasswordPolicyViolation", "NotFound", "LimitExceeded", "RegistrationInvalid",
    "AccountRestricted", "AccountUnusable", "AccountNotOpen", "AuthenticationKeyInvalid", "NotPermitted",
    # opening a My Page, passwords, withdrawal
    "TERMS_VERSION", "PRIVACY_POLICY_VERSION", "ACCEPTED", "PasswordRegistrationAccepted",
    "register_login_email", "agree_to_terms", "needs_agreement", "request_password_registration",
    "complete_password_registration", "expire_password_requests", "withdraw",
    "validate_password", "hash_password", "verify_password",
    # what a seeker may do
    "Action", "ensure_allowed", "allowed_actions", "is_recommendable", "recommendable",
    # registration
    "RegistrationView", "view_registration", "update_registration", "set_registration_valid", "record_activity",
    "notify_expiring_registrations", "expire_registrations",
    # saved searches, favourites
    "validate_condition", "create_saved_search", "update_saved_search", "delete_saved_search",
    "list_saved_searches", "set_saved_search_mails", "add_favourite", "remove_favourite", "list_favourites",
    # online referral, messages
    "ReferralLetter", "apply_online", "list_referrals", "view_referral",
    "send_to_employer", "receive_from_employer", "list_messages",
    # hints to the worker
    "condition_changed", "job_offer_posted", "mail_queued", "configure_hints",
    # staff, employers, retention
    "make_unusable", "lift_unusable", "report_no_show", "lift_restriction", "apply_no_show_restrictions",
    "delete_expired_messages", "warn_before_deletion", "delete_lapsed_my_pages",
]

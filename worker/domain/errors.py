"""Typed errors of the My Page rules. Messages are Japanese: the main site shows them as they are."""

from __future__ import annotations


class MyPageError(Exception):
    """Base of every rule violation. ``message`` is shown to the seeker or staff."""

    message = "処理できませんでした。"

    def __init__(self, message: str | None = None, *, field: str | None = None):
        self.message = message or self.message
        self.field = field
        super().__init__(self.message)


class InvalidInput(MyPageError):
    message = "入力内容に誤りがあります。"


class NotFound(MyPageError):
    message = "該当するデータが見つかりません。"


class LimitExceeded(MyPageError):
    message = "登録できる件数の上限に達しています。"


class RegistrationInvalid(MyPageError):
    message = "求職登録が無効のため、この機能は利用できません。"


class AccountRestricted(MyPageError):
    message = "面接不参加の報告により、この機能の利用が制限されています。解除にはハローワークへの来所が必要です。"


class AccountUnusable(MyPageError):
    message = "このマイページは利用不可となっています。ハローワークにお問い合わせください。"


class AccountNotOpen(MyPageError):
    message = "マイページが開設されていません。"


class AuthenticationKeyInvalid(MyPageError):
    message = "認証キーが正しくないか、有効期限（50分）が切れています。もう一度お申し込みください。"


class NotPermitted(MyPageError):
    message = "この操作は許可されていません。"


class PasswordPolicyViolation(InvalidInput):
    """The password breaks the leaflet's policy; ``problems`` lists every reason."""

    message = "パスワードが条件を満たしていません。"

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems) or None, field="password")

"""``mypage-worker mail list`` and ``mail preview NAME --out DIR``: what staff run to look at a mail."""

from __future__ import annotations

import email
from email.policy import default as default_policy

from worker.cli import main
from worker.mail.registry import MAILS


def test_mail_list_prints_every_declared_mail_one_per_line(capsys):
    assert main(["mail", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == list(MAILS)


def test_the_password_mail_preview_is_an_eml_a_mail_client_shows_in_japanese(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MYPAGE_VAR_DIR", str(tmp_path / "var"))
    out = tmp_path / "preview"

    assert main(["mail", "preview", "password-registration", "--out", str(out)]) == 0

    message = email.message_from_bytes((out / "password-registration.eml").read_bytes(), policy=default_policy)
    assert message["Subject"] == "【ハローワークインターネットサービス】パスワード登録申込受付通知"
    assert message["To"] == "sakura.ito@example.jp" and message["Message-ID"].endswith("@mail.hellowork.mhlw.go.jp>")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    assert "伊藤 さくら 様" in text and "■認証キー" in text and "（50分間有効です）" in text
    html = message.get_body(("html",)).get_content()
    # MIME text travels with CRLF line ends (its canonical form); the .html file has plain ones.
    assert (out / "password-registration.html").read_text(encoding="utf-8") == html.replace("\r\n", "\n")
    assert '<html lang="ja">' in html
    # Previews are fiction: they neither read nor create the installation's secret key.
    assert not (tmp_path / "var" / "secret_key").exists()


def test_every_declared_mail_can_be_previewed(tmp_path, capsys):
    for name in MAILS:
        assert main(["mail", "preview", name, "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.eml")) == sorted(f"{name}.eml" for name in MAILS)


def test_previewing_an_undeclared_mail_names_the_declared_ones(tmp_path, capsys):
    assert main(["mail", "preview", "newsletter", "--out", str(tmp_path)]) == 2
    assert "password-registration" in capsys.readouterr().out
    assert not list(tmp_path.iterdir())

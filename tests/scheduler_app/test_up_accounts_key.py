"""`manage.py up`'s accounts key: made once under var/ (mode 600), given to every process, sessions
stored before it moved to it; and one browser at a time for its worker."""
import stat

import pytest
from cryptography.fernet import Fernet

from bots.crypto import derived_key, session_decrypt, session_encrypt
from bots.models import LinkedInAccount
from bots.services.account_keys import accounts_key_change
from scheduler_app.management.commands.up import accounts_key, worker_env


def test_the_key_is_made_once_private_and_kept(tmp_path):
    path = tmp_path / "accounts.key"
    key, made = accounts_key(path, None)
    assert made and stat.S_IMODE(path.stat().st_mode) == 0o600
    Fernet(key.encode())  # a valid Fernet key
    assert accounts_key(path, None) == (key, False)


def test_a_key_in_the_environment_wins_and_nothing_is_written(tmp_path):
    path = tmp_path / "accounts.key"
    given = Fernet.generate_key().decode()
    assert accounts_key(path, given) == (given, False)
    assert not path.exists()


@pytest.mark.parametrize("env, slots", [({}, "1"), ({"BOT_BROWSER_SLOTS": ""}, "1"),
                                        ({"BOT_BROWSER_SLOTS": "0"}, "0"), ({"BOT_BROWSER_SLOTS": "3"}, "3")])
def test_the_worker_runs_one_browser_at_a_time_unless_told(env, slots):
    assert worker_env({"PATH": "/bin", **env}) == {"PATH": "/bin", **env, "BOT_BROWSER_SLOTS": slots}


@pytest.mark.django_db
def test_sessions_stored_before_the_key_move_to_it(settings):
    settings.LINKEDIN_ACCOUNTS_KEY = ""  # before `up` made one: the key derived from SECRET_KEY
    old = LinkedInAccount.objects.create(label="old", session_encrypted=session_encrypt('{"cookies": []}'))
    new_key = Fernet.generate_key().decode()
    already = LinkedInAccount.objects.create(
        label="already", session_encrypted=Fernet(new_key.encode()).encrypt(b'{"a": 1}').decode())
    lost = LinkedInAccount.objects.create(
        label="lost", session_encrypted=Fernet(Fernet.generate_key()).encrypt(b"{}").decode())
    before = {a.label: a.session_encrypted for a in (old, already, lost)}

    change = accounts_key_change(new_key=new_key)

    assert (change.moved, change.unreadable) == (["old"], ["lost"])
    settings.LINKEDIN_ACCOUNTS_KEY = new_key
    old.refresh_from_db(), already.refresh_from_db(), lost.refresh_from_db()
    assert session_decrypt(old.session_encrypted) == '{"cookies": []}' and old.session_encrypted != before["old"]
    assert already.session_encrypted == before["already"] and lost.session_encrypted == before["lost"]
    assert derived_key() != new_key

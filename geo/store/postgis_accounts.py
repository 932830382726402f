"""People, API tokens and settings in PostGIS: plain keyed rows (revision 0010), kept apart
from the spatial store so each file holds one idea."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, select
from sqlalchemy.engine import Connection

from geo.accounts import ApiToken, User
from geo.store import shared
from geo.store.postgis_tables import api_tokens_t, settings_t, upsert, users_t
from geo.store.shared import now_iso

_upsert = upsert


class AccountRecords:
    """The Store methods for people, tokens and settings; PostgisStore gives the connection."""

    def _tx(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _rows(self, stmt: Select[Any]) -> Sequence[Row[Any]]:
        raise NotImplementedError

    def put_user(self, user: User) -> None:
        row = shared.user_values(user, user.created_at or now_iso())
        with self._tx() as conn:
            conn.execute(_upsert(users_t, "email", keep=("created_at",)), [row])

    def _users(self, *where: ColumnElement[bool]) -> list[User]:
        rows = self._rows(select(users_t).where(*where).order_by(users_t.c.email))
        return [shared.user_from_row(r._mapping, r.areas or []) for r in rows]

    def user(self, email: str) -> User | None:
        found = self._users(users_t.c.email == email.strip().lower())
        return found[0] if found else None

    def users(self, city: str | None = None) -> list[User]:
        return self._users(*([] if city is None else [users_t.c.city == city]))

    def put_token(self, token: ApiToken) -> None:
        row = shared.token_values(token, token.created_at or now_iso())
        with self._tx() as conn:
            conn.execute(_upsert(api_tokens_t, "id", keep=("created_at",)), [row])

    def _tokens(self, *where: ColumnElement[bool]) -> list[ApiToken]:
        rows = self._rows(select(api_tokens_t).where(*where).order_by(api_tokens_t.c.id))
        return [shared.token_from_row(r._mapping, r.areas or []) for r in rows]

    def token(self, token_id: str) -> ApiToken | None:
        found = self._tokens(api_tokens_t.c.id == token_id)
        return found[0] if found else None

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        found = self._tokens(api_tokens_t.c.token_hash == token_hash)
        return found[0] if found else None

    def tokens(self, city: str | None = None) -> list[ApiToken]:
        return self._tokens(*([] if city is None else [api_tokens_t.c.city == city]))

    def setting(self, name: str) -> str | None:
        s = settings_t.c
        rows = self._rows(select(s.value).where(s.name == name))
        return str(rows[0].value) if rows else None

    def put_setting(self, name: str, value: str) -> None:
        with self._tx() as conn:
            conn.execute(_upsert(settings_t, "name"), [{"name": name, "value": value}])

"""Who may change what: people and API tokens, each bound to one city and one role.

``admin`` changes everything in its city; ``coordinator`` changes places, and the contacts of
areas, within the areas it is assigned (no areas assigned: the whole city); ``viewer`` sees
internal fields and changes nothing. The web layer turns a session or a bearer token into a
:class:`Principal` and asks the functions here; it never decides a permission itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["admin", "coordinator", "viewer"]
ROLES: tuple[str, ...] = ("admin", "coordinator", "viewer")


@dataclass
class User:
    """A person who signs in; ``password_hash`` is an argon2 hash, never the password."""

    email: str  # kept lower-cased: the key
    city: str
    role: Role
    password_hash: str | None = None  # None: cannot sign in until a password is set
    areas: list[str] = field(default_factory=list)  # area ids; empty: the whole city
    disabled: bool = False
    created_at: str | None = None


@dataclass
class ApiToken:
    """A script's credential: the secret is shown once, only its hash is kept."""

    id: str  # short public id, shown in lists and used to revoke
    city: str
    role: Role
    token_hash: str  # sha256 hex of the secret
    name: str | None = None
    areas: list[str] = field(default_factory=list)
    created_at: str | None = None
    revoked_at: str | None = None


@dataclass(frozen=True)
class Principal:
    """Whoever a request speaks for: a signed-in person or a token, reduced to what it may do."""

    who: str  # "user:{email}" or "token:{id}" — what the history records
    city: str
    role: Role
    areas: tuple[str, ...] = ()  # empty: the whole city

    def sees_internal(self, city: str) -> bool:
        """Internal fields (internal contact, extra columns) go to any role of the record's city."""
        return self.city == city

    def may_write(self, city: str, areas: tuple[str, ...] | list[str] = ()) -> bool:
        """May change a record of ``city`` lying in ``areas`` (the ids of the areas it lies in)."""
        if self.city != city or self.role == "viewer":
            return False
        if self.role == "admin" or not self.areas:
            return True
        return any(a in self.areas for a in areas)

    def reads_only(self, city: str) -> bool:
        """Reads every record of ``city``, internal fields too, and may change none: its viewer.
        The editor shows such a person the whole city, read-only, rather than an empty list."""
        return self.sees_internal(city) and self.role == "viewer"

    def may_administer(self, city: str) -> bool:
        """Accounts, tokens and settings of the city."""
        return self.role == "admin" and self.city == city

"""`tsudoi users add|list|disable` and `tsudoi tokens create|list|revoke`: who may edit a city.

People sign in at /login with a password (kept as an argon2 hash); scripts send an API token
(``Authorization: Bearer …``), whose secret is printed once by ``tokens create`` and kept only as
its SHA-256. Both are bound to one city and one role (admin, coordinator, viewer), and optionally
to some of the city's areas. Nothing is deleted: people are disabled, tokens revoked, so the
history can still name them.
"""

from __future__ import annotations

import re
import sys
from typing import Annotated, cast

import typer
from rich.table import Table

from geo.accounts import ROLES, Role, User
from geo.errors import InvalidParameter, NotFound, UsageError
from geo.store.base import Store
from geo.store.shared import now_iso
from service.auth.passwords import MAX_LENGTH, MIN_LENGTH, hash_password
from service.auth.tokens import create_token, revoke_token
from service.cli.common import DbOption, err, opened, out, plain
from service.deps import city_of

users_app = typer.Typer(help="People who sign in to edit a city.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for scripts.", no_args_is_help=True)

EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
MAX_EMAIL = 320

CityFilter = Annotated[str | None, typer.Option("--city", help="Only this city (JIS code)")]
CityOption = Annotated[str, typer.Option("--city", help="JIS municipal code, e.g. 15100")]
RoleOption = Annotated[str, typer.Option("--role", help="admin, coordinator or viewer")]
AreasOption = Annotated[
    str | None,
    typer.Option("--areas", help="Area ids of the city, comma-separated (default: the whole city)"),
]


def checked_role(role: str) -> Role:
    """The role when it is one of geo.accounts.ROLES."""
    if role not in ROLES:
        raise InvalidParameter("role", f"must be one of {', '.join(ROLES)}, not {role!r}")
    return cast(Role, role)


def checked_areas(store: Store, city: str, areas: str | None) -> list[str]:
    """The ids of ``--areas`` when each is an area of ``city`` in the store."""
    ids = [a.strip() for a in (areas or "").split(",") if a.strip()]
    for area_id in ids:
        area = store.area(area_id)
        if area is None or area.city != city:
            held = ", ".join(a.id for a in store.areas(city)[:5])
            raise InvalidParameter(
                "areas",
                f"{area_id!r} is not an area of city {city}"
                + (f" (its areas include {held}; see GET /api/cities/{city}/areas)" if held
                   else " (the city has no areas: import them first)"),
            )
    return list(dict.fromkeys(ids))


def checked_email(email: str) -> str:
    """The address, lower-cased (the key people are found by)."""
    email = email.strip().lower()
    if len(email) > MAX_EMAIL or not EMAIL.fullmatch(email):
        raise UsageError(f"{email!r} is not an email address")
    return email


def checked_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise UsageError(f"the password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise UsageError(f"the password must be at most {MAX_LENGTH} characters")
    return password


def read_password(from_stdin: bool) -> str:
    """One line of standard input, or typed twice at a prompt that does not echo it."""
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="The person's email address (their sign-in)")],
    city: CityOption,
    role: RoleOption,
    areas: AreasOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from one line of stdin")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a person who signs in at /login (or update one: role, areas, password; re-enabled)."""
    address = checked_email(email)
    checked = checked_role(role)
    with opened(db) as store:
        city_of(store, city)  # a city the store holds, else exit 2 saying so
        area_ids = checked_areas(store, city, areas)
        password = checked_password(read_password(password_stdin))
        before = store.user(address)
        store.put_user(User(
            email=address, city=city, role=checked, password_hash=hash_password(password),
            areas=area_ids, disabled=False,
            created_at=before.created_at if before else now_iso(),
        ))  # fmt: skip
    scope = ", ".join(area_ids) if area_ids else "the whole city"
    plain(f"{'updated' if before else 'added'} {address}: {checked} of {city} ({scope})")


def _table(*headings: str) -> Table:
    """Columns that fold rather than cut: an email, an area id or a date is copied whole."""
    table = Table()
    for heading in headings:
        table.add_column(heading, overflow="fold")
    return table


@users_app.command("list")
def users_list(city: CityFilter = None, db: DbOption = None) -> None:
    """Everyone who may sign in, or a city's people."""
    with opened(db) as store:
        people = store.users(city)
    table = _table("email", "city", "role", "areas", "status", "created")
    for u in people:
        status = "disabled" if u.disabled else ("no password" if not u.password_hash else "active")
        table.add_row(u.email, u.city, u.role, ", ".join(u.areas) or "(whole city)", status,
                      u.created_at or "")
    out.print(table)
    plain(f"{len(people)} people")


@users_app.command("disable")
def users_disable(
    email: Annotated[str, typer.Argument(help="The person's email address")],
    db: DbOption = None,
) -> None:
    """Stop a person signing in; their open sessions stop working at once."""
    with opened(db) as store:
        user = store.user(email.strip())
        if user is None:
            raise NotFound(f"no person with the email address {email.strip()!r}")
        user.disabled = True
        store.put_user(user)
    plain(f"disabled {user.email}")


@tokens_app.command("create")
def tokens_create(
    city: CityOption,
    role: RoleOption,
    areas: AreasOption = None,
    name: Annotated[
        str | None, typer.Option("--name", help="What the token is for (shown in lists)")
    ] = None,
    db: DbOption = None,
) -> None:
    """Make a token; its secret is printed once, on standard output, and never kept."""
    checked = checked_role(role)
    with opened(db) as store:
        city_of(store, city)
        area_ids = checked_areas(store, city, areas)
        token, secret = create_token(store, city, checked, area_ids, name)
    err.print(f"token {token.id} for {checked} of {city}: copy the secret now, it is not kept",
              highlight=False, markup=False)
    plain(secret)


@tokens_app.command("list")
def tokens_list(city: CityFilter = None, db: DbOption = None) -> None:
    """Every token (never its secret), or a city's."""
    with opened(db) as store:
        tokens = store.tokens(city)
    table = _table("id", "name", "city", "role", "areas", "created", "revoked")
    for t in tokens:
        table.add_row(t.id, t.name or "", t.city, t.role, ", ".join(t.areas) or "(whole city)",
                      t.created_at or "", t.revoked_at or "")
    out.print(table)
    plain(f"{len(tokens)} tokens")


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id (tokens list)")],
    db: DbOption = None,
) -> None:
    """Refuse the token from now on (it stays listed, so the history can name it)."""
    with opened(db) as store:
        token = revoke_token(store, token_id.strip())
    if token is None:
        raise NotFound(f"no token with the id {token_id.strip()!r}")
    plain(f"revoked {token.id} (since {token.revoked_at})")

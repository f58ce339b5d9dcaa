"""``switchboard accounts``: operator accounts from the command line (add, password, role, remove, list).

Passwords are never arguments, which other users of the machine could read: they are asked for
twice on a terminal, or read from the first line of standard input with ``--password-stdin``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from domain.text import InvalidText
from services.bootstrap import build_event_store, create_pool
from services.console.accounts import Role, change_password, change_role, list_accounts, remove_account
from services.settings import Settings

DONE, REFUSED, INVALID = 0, 1, 2


def add_parser(commands: Any) -> None:  # noqa: ANN401 - argparse's private subparsers type
    """The ``accounts`` command and its actions."""
    accounts = commands.add_parser("accounts", help="operator accounts: add, password, role, remove, list")
    actions = accounts.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="make an account (and register the manager if new)")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--role", default=Role.MANAGER.value, choices=[r.value for r in Role])
    add.add_argument("--team", default=None, help="the team a new manager joins (default: SWITCHBOARD_TEAM)")
    add.add_argument(
        "--capacity", type=int, default=None, help="open leads at most (default: 20 for a manager, else 0)"
    )
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    password = actions.add_parser("password", help="set a new password; the account's sessions end")
    password.add_argument("email")
    password.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    role = actions.add_parser("role", help="give an account another role; its sessions end")
    role.add_argument("email")
    role.add_argument("role", choices=[r.value for r in Role])
    remove = actions.add_parser("remove", help="remove an account; its sessions end")
    remove.add_argument("email")
    actions.add_parser("list", help="every account: e-mail, role, name")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Carry out one ``accounts`` action; 0 done, 1 refused (exists, no such account), 2 invalid input."""
    try:
        return asyncio.run(_run(settings, args))
    except InvalidText as error:
        print(error, file=sys.stderr)  # noqa: T201 - the command's own output
        return INVALID


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    # The use cases and the event store load only for the accounts command.
    from services.console.account_admin import (  # noqa: PLC0415
        AccountExists,
        NewAccount,
        checked_password,
        create_account,
    )

    if args.action in ("add", "password"):
        secret = _password(from_stdin=args.password_stdin)
    pool = await create_pool(settings, size=2)
    try:
        if args.action == "add":
            fields = {"email": args.email, "name": args.name, "role": args.role, "password": secret}
            fields |= {"team": args.team or settings.team}
            if args.capacity is not None:
                fields["capacity"] = args.capacity
            new = NewAccount.from_fields(fields, settings.team)
            store = await asyncio.to_thread(build_event_store, settings)
            try:
                made = await create_account(store, pool, new)
            except AccountExists as error:
                print(error, file=sys.stderr)  # noqa: T201
                return REFUSED
            finally:
                store.close()
            print(f"added {made.email} ({made.role}), manager id {made.manager_id}")  # noqa: T201
            return DONE
        if args.action == "list":
            for account in await list_accounts(pool):
                print(f"{account.email}\t{account.role}\t{account.name}")  # noqa: T201
            return DONE
        email = args.email.lower()
        if args.action == "password":
            changed = await change_password(pool, email, checked_password(secret))
        elif args.action == "role":
            changed = await change_role(pool, email, Role(args.role))
        else:
            changed = await remove_account(pool, email)
        if not changed:
            print(f"no account with e-mail {email}", file=sys.stderr)  # noqa: T201
            return REFUSED
        print(f"{args.action} done for {email}; its sessions ended")  # noqa: T201
        return DONE
    finally:
        await pool.close()


def _password(*, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise InvalidText("password", "was not typed the same twice")
    return first

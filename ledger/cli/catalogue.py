"""The four lists at the console: import an edition, show the items in force."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from ledger.cli.ops import _open_ledger
from ledger.settings import Settings
from ledger.values import CST


def cmd_catalogue(args: argparse.Namespace) -> int:
    """``ledger catalogue import|show``: an authority's four lists (四张清单)."""
    import getpass
    import uuid
    from datetime import date

    from ledger.catalogue import DEFAULT_LISTS, Edition
    from ledger.catalogue.commands import PublishCatalogueEdition
    from ledger.catalogue.importing import parse_items
    from ledger.commands import Context
    from ledger.errors import InvalidInput
    from ledger.values import Actor, Role

    ledger = _open_ledger(Settings.from_env())
    if args.action == "show":
        catalogue = ledger.catalogue(args.authority)
        if catalogue is None:
            print(f"error: {args.authority}尚未发布四张清单", file=sys.stderr)
            return 1
        day = date.fromisoformat(args.on) if args.on else datetime.now(CST).date()
        items = catalogue.items_on(day, list_code=args.list, version=args.version)
        print(f"{args.authority} 四张清单（{day} 施行中的事项 {len(items)} 项；法制审核：{'需要' if catalogue.legal_review_required else '重大决定时需要'}）")
        for i in items:
            fine = f"；罚款{i.item.fine_min_yuan}–{i.item.fine_max_yuan}元" if i.item.fine_min_yuan is not None else ""
            print(f"[{i.version}] {i.list.name} 第{i.item.number}项：{i.item.violation}")
            print(f"    适用条件：{'、'.join(i.item.conditions)}；违反：{i.item.breached}；依据：{i.item.penalty_basis}{fine}"
                  f"；有效期 {i.valid_from}–{i.valid_until or '至今'}")
        return 0
    try:
        with open(args.file, "rb") as f:
            data = f.read()
        catalogue = ledger.catalogue(args.authority)
        lists = catalogue.latest_lists() if catalogue else DEFAULT_LISTS
        edition = Edition(
            version=args.version,
            title=args.title,
            document_number=args.document_number,
            effective_from=date.fromisoformat(args.effective_from),
            effective_until=date.fromisoformat(args.effective_until) if args.effective_until else None,
            lists=lists,
            items=parse_items(data, lists, default_list=args.list),
            supersedes=args.supersedes,
        )
    except OSError as e:
        print(f"error: {args.file}: {e}", file=sys.stderr)
        return 2
    except InvalidInput as e:
        print(f"error: {args.file}: 未导入任何事项，请修改后重新导入：", file=sys.stderr)
        for err in e.errors:
            print(f"  {err.message}（{err.field}，{err.code}）", file=sys.stderr)
        return 1
    actor = Actor(id=args.actor_id or getpass.getuser(), name=args.actor_name or getpass.getuser(),
                  role=Role.ADMINISTRATOR, unit="系统管理")
    result = ledger.publish_catalogue_edition(
        Context(actor=actor, request_id=uuid.uuid4().hex),
        PublishCatalogueEdition(authority=args.authority, edition=edition, basis=args.basis),
    )
    print(f"{args.authority} 四张清单“{args.version}”已发布：{len(edition.items)} 项（notification {result.notification_id}）")
    return 0

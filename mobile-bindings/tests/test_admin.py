"""The admin side through the bindings (`MoaClient.admin()` → `MoaAdmin`),
against a real server with payments at its fake PortOne: the back office
(communities, products, campaigns, the order table with filters, totals
and pages, one order, refund and fulfil, the Excel export, the dashboard,
official posts) and moderation (the report queue, an action, report
statistics, accounts, roles, suspensions, the audit log); a plain member
and a signed-out client are refused.

The admin (`admin@moa.example`) is made by the server's CLI
(`moa-server user create --role admin`, in conftest's `shop_server`).
"""

import asyncio
import json
import os
import re
import time
import uuid
import zipfile

import pytest

from conftest import PASSWORD, eventually, http, moa, verify_phone


def run(scenario):
    asyncio.run(scenario)


async def sign_in_admin(url, data_dir):
    client = await moa.MoaClient.open(data_dir(), url)
    me = await client.sign_in("admin@moa.example", PASSWORD)
    assert me.role == moa.Role.ADMIN
    return client


async def member_in(url, data_dir, name, community_id):
    """A client with a new member of `community_id` signed up: (client, me)."""
    client = await moa.MoaClient.open(data_dir(), url)
    tag = uuid.uuid4().hex[:8]
    me = await client.sign_up_in(
        f"{name}-{tag}@moa.example", PASSWORD, f"{name}_{tag}", name.title(), community_id
    )
    return client, me


async def buy(shop, campaign_id, choice_id, quantity, pay=True):
    """Places an order and, with `pay`, pays it on the fake provider's page
    as a browser would and waits for the server to verify it."""
    checkout = await shop.place_order(campaign_id, [choice_id], quantity)
    if not pay:
        return checkout.order
    status, page = http("GET", checkout.url)
    assert status == 200
    action = re.search(r'action="(/checkout/[^"]*/pay[^"]*)"', page).group(1).replace("&amp;", "&")
    status, _ = http("POST", checkout.url.split("/checkout/")[0] + action, {})
    assert status < 400

    async def paid():
        try:
            order = await shop.confirm_payment(checkout.order.id)
        except moa.MoaError.Shop:
            return None
        return order if order.status == moa.OrderStatus.PAID else None

    return await eventually(paid, "the payment verified")


def sheet_text(path):
    """The text of an .xlsx file's first sheet and its shared strings, read
    with the standard library (an .xlsx is a zip of XML parts)."""
    with zipfile.ZipFile(path) as book:
        names = book.namelist()
        assert "xl/workbook.xml" in names, names
        parts = [n for n in names if n.startswith("xl/worksheets/sheet") or n == "xl/sharedStrings.xml"]
        return "".join(book.read(n).decode("utf-8") for n in sorted(parts))


# ----- the back office ----------------------------------------------------------


def test_an_admin_runs_the_shop_orders_export_and_dashboard_and_a_member_is_refused(
    shop_server, data_dir, tmp_path
):
    base = shop_server.url

    async def scenario():
        boss = await sign_in_admin(base, data_dir)
        admin = boss.admin()

        # Communities: made, renamed, and a second merged into the first
        # once a member has joined it.
        campus = await admin.create_community(
            moa.CreateCommunityRequest(name="한국대학교", kind=moa.CommunityKind.UNIVERSITY, email_domain="hankuk.ac.kr")
        )
        campus = await admin.rename_community(campus.id, "한국대학교 서울캠퍼스")
        assert (campus.name, campus.email_domain) == ("한국대학교 서울캠퍼스", "hankuk.ac.kr")
        annex = await admin.create_community(moa.CreateCommunityRequest(name="한국대 분교", kind=moa.CommunityKind.UNIVERSITY))
        with pytest.raises(moa.MoaError.Conflict):
            await admin.create_community(moa.CreateCommunityRequest(name="한국대 분교", kind=moa.CommunityKind.COMPANY))

        # Products: made, replaced (keeping its choices by id), one archived.
        hoodie = await admin.create_product(
            moa.ShopProductRequest(
                name="과잠",
                base_price_krw=59000,
                option_groups=[
                    moa.OptionGroupInput(
                        name="사이즈",
                        choices=[
                            moa.OptionChoiceInput(name="M", stock=10),
                            moa.OptionChoiceInput(name="L", price_delta_krw=2000, stock=10),
                        ],
                    )
                ],
            )
        )
        kept = [
            moa.OptionChoiceInput(id=c.id, name=c.name, price_delta_krw=c.price_delta_krw, stock=c.stock)
            for c in hoodie.option_groups[0].choices
        ]
        hoodie = await admin.update_product(
            hoodie.id,
            moa.ShopProductRequest(
                name="과잠", description="학교 로고 자수", base_price_krw=59000,
                option_groups=[moa.OptionGroupInput(name="사이즈", choices=kept)],
            ),
        )
        assert hoodie.description == "학교 로고 자수"
        medium, large = hoodie.option_groups[0].choices
        assert (medium.name, large.name, large.price_delta_krw) == ("M", "L", 2000)
        mug = await admin.create_product(moa.ShopProductRequest(name="머그컵", base_price_krw=12000))
        mug = await admin.archive_product(mug.id)
        assert mug.archived
        products = {p.id: p for p in await admin.products()}
        assert products[hoodie.id].description == "학교 로고 자수" and products[mug.id].archived
        with pytest.raises(moa.MoaError.Invalid):
            await admin.create_product(moa.ShopProductRequest(name="", base_price_krw=1000))

        # Campaigns: one for the campus, edited; one cancelled.
        deadline = int(time.time() * 1000) + 3_600_000
        campaign = await admin.create_campaign(
            moa.CreateCampaignRequest(
                product_id=hoodie.id, title="과잠 공구", community_ids=[campus.id],
                group_price_krw=49000, min_participants=1, stock=20, per_member_limit=3,
                deadline_at=deadline,
            )
        )
        campaign = await admin.edit_campaign(campaign.id, moa.EditCampaignRequest(title="과잠 공동구매", stock=15))
        assert (campaign.title, campaign.stock, campaign.status) == ("과잠 공동구매", 15, moa.CampaignStatus.OPEN)
        doomed = await admin.create_campaign(
            moa.CreateCampaignRequest(
                product_id=hoodie.id, group_price_krw=50000, min_participants=5, stock=5,
                per_member_limit=1, deadline_at=deadline,
            )
        )
        assert doomed.title == "과잠" and doomed.community_ids == []
        doomed = await admin.cancel_campaign(doomed.id, "재고 확보 실패")
        assert doomed.status == moa.CampaignStatus.CANCELLED
        open_now = await admin.campaigns(moa.CampaignStatus.OPEN, None)
        assert campaign.id in [c.id for c in open_now.items] and doomed.id not in [c.id for c in open_now.items]
        closed = await admin.campaigns(moa.CampaignStatus.CANCELLED, None)
        assert doomed.id in [c.id for c in closed.items]

        # Two members order: Alice of the campus pays for 2 M; Bob joins the
        # annex, which is merged into the campus, then pays for 1 L and
        # leaves 1 M unpaid.
        alice, alice_me = await member_in(base, data_dir, "alice", campus.id)
        bob, bob_me = await member_in(base, data_dir, "bob", annex.id)
        merged = await admin.merge_community(annex.id, campus.id)
        assert merged.id == campus.id and merged.member_count == 2
        assert [c.id for c in await alice.shop().communities("한국대")] == [campus.id]
        await verify_phone(alice, shop_server, "010-1111-0001")
        await verify_phone(bob, shop_server, "010-1111-0002")
        alice_order = await buy(alice.shop(), campaign.id, medium.id, 2)
        assert alice_order.amount_krw == 2 * 49000
        card = await bob.shop().refresh_campaign(campaign.id)  # visible to Bob now
        bob_order = await buy(bob.shop(), card.campaign.id, large.id, 1)
        assert bob_order.amount_krw == 49000 + 2000
        bob_unpaid = await buy(bob.shop(), campaign.id, medium.id, 1, pay=False)

        # The order table: filters, totals over the whole filter, pages.
        every = moa.OrderFilter(campaign_id=campaign.id)
        page = await admin.orders(every, None, None)
        assert {row.order.id for row in page.items} == {alice_order.id, bob_order.id, bob_unpaid.id}
        assert (page.totals.orders, page.totals.units) == (3, 4)
        assert page.totals.amount_krw == 98000 + 51000 + 49000
        assert page.totals.paid_amount_krw == 98000 + 51000
        assert page.next_cursor is None
        paid = moa.OrderFilter(campaign_id=campaign.id, status=moa.OrderStatus.PAID, sort=moa.OrderSort.AMOUNT_DESC)
        page = await admin.orders(paid, None, None)
        assert [row.order.id for row in page.items] == [alice_order.id, bob_order.id]
        assert (page.totals.orders, page.totals.amount_krw, page.totals.paid_amount_krw) == (2, 149000, 149000)
        first = await admin.orders(paid, None, 1)
        assert [row.order.id for row in first.items] == [alice_order.id] and first.next_cursor
        second = await admin.orders(paid, first.next_cursor, 1)
        assert [row.order.id for row in second.items] == [bob_order.id]
        assert second.totals == first.totals
        bobs = await admin.orders(moa.OrderFilter(q=bob_me.handle, community_id=campus.id), None, None)
        assert {row.order.id for row in bobs.items} == {bob_order.id, bob_unpaid.id}
        assert {(row.member_handle, row.community_id, row.community_name) for row in bobs.items} == {
            (bob_me.handle, campus.id, "한국대학교 서울캠퍼스")
        }
        nobody = await admin.orders(moa.OrderFilter(q="no-such-member-" + uuid.uuid4().hex[:6]), None, None)
        assert nobody.items == [] and nobody.totals.orders == 0
        with pytest.raises(moa.MoaError.Invalid):
            await admin.orders(moa.OrderFilter(_from="yesterday"), None, None)

        one = await admin.order(alice_order.id)
        assert (one.member_handle, one.member_name) == (alice_me.handle, "Alice")
        assert [e.status for e in one.order.history] == [moa.OrderStatus.PENDING_PAYMENT, moa.OrderStatus.PAID]
        with pytest.raises(moa.MoaError.NotFound):
            await admin.order(str(uuid.uuid4()))

        # The Excel export of the paid orders, saved whole.
        path = str(tmp_path / "exports" / "orders.xlsx")
        os.makedirs(os.path.dirname(path))
        exported = await admin.export_orders(paid, path)
        assert (exported.path, exported.orders) == (path, 2)
        assert os.path.getsize(path) == exported.bytes > 0
        with open(path, "rb") as f:
            assert f.read(2) == b"PK"
        assert os.listdir(os.path.dirname(path)) == ["orders.xlsx"]  # no partial file left
        text = sheet_text(path)
        for expected in ("주문번호", "결제 완료", alice_order.id, bob_order.id, alice_me.handle, "과잠 공동구매"):
            assert expected in text, expected
        assert bob_unpaid.id not in text
        try:
            import openpyxl
        except ImportError:
            openpyxl = None
        if openpyxl is not None:
            sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            assert rows[0][0] == "주문번호"
            assert {r[0] for r in rows[1:3]} == {alice_order.id, bob_order.id}
        with pytest.raises(moa.MoaError.Other):  # a directory that does not exist
            await admin.export_orders(paid, str(tmp_path / "missing" / "orders.xlsx"))

        # The dashboard: today (Korean time) holds the orders, payments and
        # sign-ups; the campaign's funnel; sign-ups by community.
        stats = await admin.stats(7)
        assert len(stats.days) == 7
        today = stats.days[-1]
        assert today.orders >= 3 and today.paid_orders >= 2 and today.revenue_krw >= 149000
        assert today.signups >= 2
        funnel = next(f for f in stats.funnels if f.campaign_id == campaign.id)
        assert (funnel.title, funnel.orderers, funnel.payers) == ("과잠 공동구매", 2, 2)
        assert sum(s.signups for s in stats.signups_by_community if s.community_id == campus.id) == 2
        assert len((await admin.stats(0)).days) == 1  # the server keeps 1 to 366

        # One order refunded, the campaign closed (its minimum met), the
        # other fulfilled; the unpaid one expired with the close.
        refunding = await admin.refund_order(bob_order.id, "고객 요청")
        assert refunding.status == moa.OrderStatus.REFUND_PENDING

        async def refunded():
            row = await admin.order(bob_order.id)
            return row if row.order.status == moa.OrderStatus.REFUNDED else None

        await eventually(refunded, "the refund")
        with pytest.raises(moa.MoaError.Shop) as refused:
            await admin.fulfil_order(alice_order.id, "아직 마감 전")
        assert refused.value.code == "invalid_state"
        closed = await admin.close_campaign(campaign.id, "조기 마감")
        assert closed.status == moa.CampaignStatus.SUCCEEDED
        fulfilled = await admin.fulfil_order(alice_order.id, "택배 발송")
        assert fulfilled.status == moa.OrderStatus.FULFILLED
        assert (await admin.order(bob_unpaid.id)).order.status == moa.OrderStatus.EXPIRED
        page = await admin.orders(moa.OrderFilter(campaign_id=campaign.id, status=moa.OrderStatus.FULFILLED), None, None)
        assert [row.order.id for row in page.items] == [alice_order.id]

        # Official posts: the admin's official review is listed.
        review_id = await boss.create_review(
            moa.NewReview(
                kind=moa.ReviewKind.SNAP, title="", body="과잠 공동구매가 성사되었습니다", photos=[],
                subject=None, rating=None, tags=["공지"], official=True,
            )
        )
        await boss.sync()
        posts = await admin.official_posts(None)
        assert review_id in [r.id for r in posts.items]
        assert all(r.official for r in posts.items)

        # A plain member is refused every back-office call, and no file is made.
        refused_path = str(tmp_path / "refused.xlsx")
        member_admin = alice.admin()
        for call in (
            lambda: member_admin.orders(moa.OrderFilter(), None, None),
            lambda: member_admin.order(alice_order.id),
            lambda: member_admin.export_orders(moa.OrderFilter(), refused_path),
            lambda: member_admin.stats(7),
            lambda: member_admin.official_posts(None),
            lambda: member_admin.products(),
            lambda: member_admin.create_product(moa.ShopProductRequest(name="몰래", base_price_krw=1)),
            lambda: member_admin.create_campaign(
                moa.CreateCampaignRequest(
                    product_id=hoodie.id, group_price_krw=1, min_participants=1, stock=1,
                    per_member_limit=1, deadline_at=deadline,
                )
            ),
            lambda: member_admin.cancel_campaign(campaign.id, "몰래"),
            lambda: member_admin.refund_order(alice_order.id, "몰래"),
            lambda: member_admin.create_community(moa.CreateCommunityRequest(name="몰래", kind=moa.CommunityKind.COMPANY)),
            lambda: member_admin.rename_community(campus.id, "몰래"),
        ):
            with pytest.raises(moa.MoaError.Other):
                await call()
        assert not os.path.exists(refused_path)
        # Signed out: Auth, before anything is asked.
        await alice.sign_out()
        with pytest.raises(moa.MoaError.Auth):
            await alice.admin().stats(7)

        # Offline: Network.
        shop_server.stop()
        with pytest.raises(moa.MoaError.Network):
            await admin.orders(every, None, None)
        shop_server.start()
        await bob.sign_out()
        await boss.sign_out()

    run(scenario())


# ----- moderation ---------------------------------------------------------------


def test_a_moderator_works_the_report_queue_and_an_admin_manages_accounts(shop_server, data_dir):
    base = shop_server.url

    async def scenario():
        boss = await sign_in_admin(base, data_dir)
        admin = boss.admin()
        alice, alice_me = await member_in(base, data_dir, "alice", None)
        bob, bob_me = await member_in(base, data_dir, "bob", None)

        # Bob reports Alice's review.
        review_id = await alice.create_review(
            moa.NewReview(
                kind=moa.ReviewKind.SNAP, title="", body="광고 링크 여기", photos=[],
                subject=None, rating=None, tags=[], official=False,
            )
        )
        await alice.sync()
        await bob.report(moa.ReportTarget.REVIEW, review_id, moa.ReportReason.SPAM, "")
        await bob.sync()

        queue = await admin.report_queue(moa.ReportState.OPEN, None, None)
        group = next(g for g in queue.items if g.target_id == review_id)
        assert (group.target_type, group.report_count) == (moa.ReportTarget.REVIEW, 1)
        assert [(r.reporter_id, r.reason, r.state) for r in group.reports] == [
            (bob_me.id, moa.ReportReason.SPAM, moa.ReportState.OPEN)
        ]
        content = json.loads(group.content)
        assert content["id"] == review_id and content["body"] == "광고 링크 여기"
        users_only = await admin.report_queue(moa.ReportState.OPEN, moa.ReportTarget.USER, None)
        assert review_id not in [g.target_id for g in users_only.items]

        # Alice, a plain member, is refused; made a moderator she may work
        # the queue, but the admin-only calls still refuse her.
        alice_admin = alice.admin()
        with pytest.raises(moa.MoaError.Other):
            await alice_admin.report_queue(moa.ReportState.OPEN, None, None)
        with pytest.raises(moa.MoaError.Other):
            await alice_admin.users("", None)
        found = await admin.users(alice_me.handle, None)
        assert [(u.id, u.role) for u in found.items] == [(alice_me.id, moa.Role.MEMBER)]
        promoted = await admin.set_role(bob_me.id, moa.Role.MODERATOR)
        assert promoted.role == moa.Role.MODERATOR
        bob_admin = bob.admin()
        assert (await bob_admin.report_queue(moa.ReportState.OPEN, None, None)).items
        with pytest.raises(moa.MoaError.Other):
            await bob_admin.stats(7)
        with pytest.raises(moa.MoaError.Other):
            await bob_admin.set_role(alice_me.id, moa.Role.ADMIN)
        with pytest.raises(moa.MoaError.Other):
            await admin.set_role((await boss.me()).id, moa.Role.MEMBER)  # not one's own

        # The moderator hides the review: the report resolves.
        result = await bob_admin.moderate(
            moa.ModerationRequest(
                target_type=moa.ReportTarget.REVIEW, target_id=review_id,
                action=moa.ModerationAction.HIDE, reason="광고",
            )
        )
        assert (result.action, result.resolved_reports) == (moa.ModerationAction.HIDE, 1)
        queue = await admin.report_queue(moa.ReportState.OPEN, None, None)
        assert review_id not in [g.target_id for g in queue.items]
        actioned = await admin.report_queue(moa.ReportState.ACTIONED, None, None)
        assert review_id in [g.target_id for g in actioned.items]
        stats = await admin.report_stats(7)
        reviews = next(t for t in stats.by_type if t.target_type == moa.ReportTarget.REVIEW)
        assert (reviews.open, reviews.closed) == (0, 1)
        assert sum(d.count for d in stats.by_day if d.target_type == moa.ReportTarget.REVIEW) == 1

        # Suspensions: Alice for 3 days, then lifted.
        suspended = await admin.suspend(alice_me.id, 3, "광고 게시")
        assert suspended.suspended_until and suspended.suspended_until > int(time.time() * 1000)
        lifted = await admin.lift_suspension(alice_me.id)
        assert lifted.suspended_until is None
        with pytest.raises(moa.MoaError.NotFound):
            await admin.suspend(str(uuid.uuid4()), None, "없는 회원")

        # The audit log holds all of it, newest first.
        log = await admin.audit_log(None)
        actions = [(e.action, e.target_id) for e in log.items]
        for expected in (("set_role", bob_me.id), ("suspend", alice_me.id), ("unsuspend", alice_me.id)):
            assert expected in actions, actions
        assert [e.created_at for e in log.items] == sorted((e.created_at for e in log.items), reverse=True)
        with pytest.raises(moa.MoaError.Other):
            await bob_admin.audit_log(None)

        await bob.sign_out()
        await alice.sign_out()
        await boss.sign_out()

    run(scenario())


# ----- texts --------------------------------------------------------------------


def test_members_choose_texts_and_an_admin_sends_one_to_those_who_agreed(shop_server, data_dir):
    """A member saves a number and agrees to texts (through the outbox),
    another saves one and does not; the admin previews a marketing text
    (one recipient, one opted out), sends it to the server's fake SENS and
    follows it to done, with the recipient's masked number."""
    base = shop_server.url

    async def scenario():
        boss = await sign_in_admin(base, data_dir)
        admin = boss.admin()
        yes, yes_me = await member_in(base, data_dir, "yuna", None)
        no, no_me = await member_in(base, data_dir, "dohyun", None)
        await yes.update_profile(moa.ProfileChanges(phone="010-7777-8888", sms_opt_in=True))
        await no.update_profile(moa.ProfileChanges(phone="010-7777-9999", sms_opt_in=False))

        async def saved():
            me = await yes.me()
            return me if me.phone == "01077778888" and me.sms_opt_in else None

        await eventually(saved, "the number and consent applied")
        request = moa.TextRequest(
            id="",
            purpose=moa.TextPurpose.MARKETING,
            audience=moa.TextAudience(user_ids=[yes_me.id, no_me.id]),
            subject="",
            body="새 공동구매가 열렸어요",
        )

        async def previewed():
            p = await admin.text_preview(request)
            return p if (p.recipients, p.opted_out, p.without_phone) == (1, 1, 0) else None

        preview = await eventually(previewed, "the server has both members' choices")
        assert preview.kind == moa.TextKind.SMS
        assert preview.body.startswith("(광고)") and preview.cost_krw == 9
        sent = await admin.send_text(request)
        assert sent.recipients == 1

        async def done():
            page = await admin.texts(None)
            s = next(s for s in page.items if s.id == sent.id)
            return s if s.status == "done" else None

        finished = await eventually(done, "the send delivered")
        assert (finished.sent, finished.failed, finished.pending) == (1, 0, 0)
        recipients = await admin.text_recipients(sent.id, None)
        assert [(r.user_id, r.phone, r.status) for r in recipients.items] == [
            (yes_me.id, "010-****-8888", "sent")
        ]
        # A member may not.
        with pytest.raises(moa.MoaError.Other):
            await yes.admin().text_preview(request)

    run(scenario())

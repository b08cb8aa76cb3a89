"""Requests (부탁) and the points wallet through the bindings
(`MoaClient.requests()` → `MoaRequests`, `MoaClient.wallet()` →
`MoaWallet`, `MoaAdmin.grant_points`), against a real server taking
payments at its fake PortOne: two members, one posts a request and the
other quotes; accepting without points is refused with
`insufficient_points`; points are charged through the provider's checkout
page as a browser would pay it, and confirmed; accepting holds the price
and opens the pair's room; completing pays the helper; the requester
reviews the helper, whose profile counts it. Also: the typed errors of bad
input (on the device and from the server), a request posted offline, an
admin's grant, and a charge refunded.
"""

import asyncio
import datetime
import re
import uuid

import pytest

from conftest import PASSWORD, Recorder, eventually, http, member, moa, texted_code

KST = datetime.timezone(datetime.timedelta(hours=9))


def run(scenario):
    asyncio.run(scenario)


def day(offset):
    """The Korean date `offset` days from today, `YYYY-MM-DD`."""
    return (datetime.datetime.now(KST).date() + datetime.timedelta(days=offset)).isoformat()


def draft(**changes):
    """A valid request draft, with `changes` applied."""
    fields = dict(
        title="도쿄 한정 굿즈 대리 구매",
        category=moa.RequestCategory.PURCHASE,
        region="도쿄 시부야",
        place_id=None,
        starts_on=day(1),
        ends_on=day(10),
        budget_min_krw=20_000,
        budget_max_krw=40_000,
        details="시부야 파르코 한정판 키링 2개 부탁드려요.",
        photos=[],
        community_only=False,
    )
    fields.update(changes)
    return moa.RequestDraft(**fields)


def is_changed(topic):
    return lambda e: isinstance(e, moa.Event.CHANGED) and topic in e[0]


def pay_at(checkout_url):
    """Pays on the fake provider's checkout page: its 결제하기 form, posted
    as a browser would."""
    status, page = http("GET", checkout_url)
    assert status == 200, page
    action = re.search(r'action="(/checkout/[^"]*/pay[^"]*)"', page).group(1).replace("&amp;", "&")
    status, _ = http("POST", checkout_url.split("/checkout/")[0] + action, {})
    assert status < 400


async def charge_and_pay(wallet, amount):
    """Charges `amount` points, pays at the checkout and has the server
    confirm it: answers the paid charge."""
    checkout = await wallet.charge(amount)
    assert checkout.charge.status == moa.ChargeStatus.PENDING
    assert checkout.charge.amount_krw == amount
    assert checkout.checkout_url.startswith("http")
    pay_at(checkout.checkout_url)

    async def confirmed():
        try:
            charge = await wallet.confirm_charge(checkout.charge.id)
        except moa.MoaError.Shop:
            return None
        return charge if charge.status == moa.ChargeStatus.PAID else None

    return await eventually(confirmed, "the charge verified")


async def synced(client, probe):
    """Syncs `client`, then answers `probe()`."""
    await client.sync()
    return await probe()


# ----- the whole exchange -------------------------------------------------------


def test_two_members_request_quote_charge_accept_complete_and_review(shop_server, data_dir):
    async def scenario():
        base = shop_server.url
        alice, a = await member(base, data_dir(), "alice")
        bob, b = await member(base, data_dir(), "bob")
        heard = Recorder()
        subscription = alice.subscribe(heard)
        requests, bob_requests = alice.requests(), bob.requests()
        wallet, bob_wallet = alice.wallet(), bob.wallet()

        # Alice posts a request: shown at once (pending), then sent.
        request_id = await requests.post(draft())
        card = await requests.request(request_id)
        assert card.mine and card.pending and not card.helping
        assert card.request.status == moa.RequestStatus.OPEN
        assert card.request.requester.id == a.id
        await heard.wait_for(is_changed(moa.Topic.REQUESTS), "the requests topic changing")
        await alice.sync()
        card = await requests.request(request_id)
        assert not card.pending
        assert (card.request.budget_min_krw, card.request.budget_max_krw) == (20_000, 40_000)
        assert [c.request.id for c in await requests.mine()] == [request_id]

        # Bob finds it in the feed (from his device, after a sync), by
        # filter, and from the server.
        feed = await eventually(
            lambda: synced(bob, lambda: bob_requests.browse(moa.RequestFilter())), "the request in Bob's feed"
        )
        assert [c.request.id for c in feed] == [request_id]
        assert not feed[0].mine and feed[0].my_quote is None
        by_region = await bob_requests.browse(moa.RequestFilter(region="시부야", budget_min=30_000))
        assert [c.request.id for c in by_region] == [request_id]
        assert await bob_requests.browse(moa.RequestFilter(category=moa.RequestCategory.TRAVEL)) == []
        assert await bob_requests.browse(moa.RequestFilter(budget_min=50_000)) == []
        page = await bob_requests.fetch_open(moa.RequestFilter(category=moa.RequestCategory.PURCHASE), None)
        assert [r.id for r in page.items] == [request_id]
        assert page.next_cursor is None

        # Quoting needs a verified number here: a wrong code first.
        sent = await bob.request_phone_verification("010 3456 7890")
        assert (sent.phone, sent.valid_for_secs) == ("+821034567890", 180)
        with pytest.raises(moa.MoaError.Invalid):
            await bob.confirm_phone_verification("12345")
        with pytest.raises(moa.MoaError.Network):  # asked again within a minute (429: wait)
            await bob.request_phone_verification("010-3456-7890")
        me = await bob.confirm_phone_verification(await texted_code(shop_server, "01034567890"))
        assert (me.phone, me.phone_verified) == ("01034567890", True)

        # Bob cannot quote on his own request, nor for a negative price.
        own_id = await bob_requests.post(
            draft(title="제주 맛집 대리 여행", category=moa.RequestCategory.TRAVEL, region="제주")
        )
        with pytest.raises(moa.MoaError.Invalid) as refused:
            await bob_requests.quote(own_id, 10_000, "제가 할게요")
        assert "own request" in refused.value.reason
        with pytest.raises(moa.MoaError.Invalid) as refused:
            await bob_requests.quote(request_id, -5_000, "제가 할게요")
        assert "price_krw" in refused.value.reason

        # Bob quotes on Alice's: his quote shows on the card at once.
        quote_id = await bob_requests.quote(request_id, 30_000, "다음 주에 도쿄 가요. 사진 찍어 드릴게요.")
        card = await bob_requests.request(request_id)
        assert card.my_quote.quote.id == quote_id and card.my_quote.pending
        await bob.sync()
        mine = await bob_requests.my_quotes()
        assert [(q.quote.quote.id, q.request.id) for q in mine] == [(quote_id, request_id)]
        assert not mine[0].quote.pending
        assert mine[0].quote.quote.status == moa.QuoteStatus.ACTIVE

        # Alice sees the quote.
        quotes = await eventually(lambda: synced(alice, lambda: requests.quotes(request_id)), "Bob's quote")
        assert [(q.quote.id, q.quote.quoter.id, q.quote.price_krw) for q in quotes] == [(quote_id, b.id, 30_000)]
        assert (await requests.request(request_id)).request.quote_count == 1

        # No points yet: accepting is refused, with a code to act on.
        assert (await wallet.wallet()).balance == 0
        with pytest.raises(moa.MoaError.Shop) as refused:
            await requests.accept(request_id, quote_id)
        assert refused.value.code == "insufficient_points"
        assert (await requests.request(request_id)).request.status == moa.RequestStatus.OPEN

        # Charging 50,000 points: not confirmed before it is paid, then paid
        # at the provider's checkout and confirmed.
        checkout = await wallet.charge(50_000)
        with pytest.raises(moa.MoaError.Shop) as refused:
            await wallet.confirm_charge(checkout.charge.id)
        assert refused.value.code == "payment_incomplete"
        pay_at(checkout.checkout_url)

        async def confirmed():
            try:
                charge = await wallet.confirm_charge(checkout.charge.id)
            except moa.MoaError.Shop:
                return None
            return charge if charge.status == moa.ChargeStatus.PAID else None

        charge = await eventually(confirmed, "the charge verified")
        assert charge.amount_krw == 50_000 and charge.user_id == a.id

        async def balance_of_50000():
            await alice.sync()
            w = await wallet.wallet()
            return w if w.balance == 50_000 else None

        balance = await eventually(balance_of_50000, "50,000 points in Alice's wallet")
        assert (balance.user_id, balance.held) == (a.id, 0)
        await heard.wait_for(is_changed(moa.Topic.WALLET), "the wallet topic changing")
        entries = await wallet.entries()
        assert [(e.kind, e.amount, e.balance_after) for e in entries] == [(moa.PointKind.CHARGE, 50_000, 50_000)]
        assert [(c.id, c.status) for c in await wallet.charges()] == [(checkout.charge.id, moa.ChargeStatus.PAID)]
        assert (await wallet.refresh()).balance == 50_000

        # Accepted now: the price is held, the request matched, with a room.
        accepted = await requests.accept(request_id, quote_id)
        assert accepted.request.status == moa.RequestStatus.MATCHED
        assert accepted.request.helper.id == b.id
        assert accepted.request.price_krw == 30_000
        assert accepted.request.accepted_quote_id == quote_id
        assert accepted.request.room_id
        assert accepted.quote.status == moa.QuoteStatus.ACCEPTED
        assert (accepted.wallet.balance, accepted.wallet.held) == (20_000, 30_000)
        w = await wallet.wallet()
        assert (w.balance, w.held) == (20_000, 30_000)
        card = await requests.request(request_id)
        assert card.request.status == moa.RequestStatus.MATCHED
        assert card.request.room_id == accepted.request.room_id
        # The pair's room opens with a message naming the request.
        room_id = accepted.request.room_id
        messages = await eventually(
            lambda: synced(alice, lambda: alice.room(room_id).messages(None, 20)), "the room's first message"
        )
        assert "도쿄 한정 굿즈" in messages[0].body
        assert {m.user.id for m in (await alice.room(room_id).info()).room.members} == {a.id, b.id}
        entries = await wallet.entries()
        assert (entries[0].kind, entries[0].amount) == (moa.PointKind.HOLD, -30_000)

        # Bob helps with it now.
        helping = await eventually(lambda: synced(bob, bob_requests.helping), "the request Bob helps with")
        assert [c.request.id for c in helping] == [request_id]
        assert helping[0].helping and not helping[0].mine
        assert helping[0].my_quote.quote.status == moa.QuoteStatus.ACCEPTED

        # Alice completes it: the held points go to Bob.
        await requests.complete(request_id)
        card = await requests.request(request_id)
        assert card.request.status == moa.RequestStatus.COMPLETED and card.pending
        await alice.sync()

        async def settled():
            await alice.sync()
            w = await wallet.wallet()
            return w if w.held == 0 else None

        w = await eventually(settled, "the hold settled")
        assert (w.balance, w.held) == (20_000, 0)

        async def paid():
            await bob.sync()
            w = await bob_wallet.wallet()
            return w if w.balance == 30_000 else None

        bobs = await eventually(paid, "Bob's pay in his wallet")
        assert (bobs.user_id, bobs.held) == (b.id, 0)
        assert [(e.kind, e.amount, e.cause_id) for e in await bob_wallet.entries()] == [
            (moa.PointKind.PAY, 30_000, request_id)
        ]

        # Alice reviews Bob (once, 1 to 5 stars); his profile counts it.
        with pytest.raises(moa.MoaError.Invalid) as refused:
            await requests.review_helper(request_id, 9, "최고", [])
        assert "rating" in refused.value.reason
        await requests.review_helper(request_id, 5, "꼼꼼하게 사다 주셨어요!", [])
        await alice.sync()

        async def reviewed():
            profile = await alice.profile(b.id)
            return profile if profile.counts.helper_reviews == 1 else None

        profile = await eventually(reviewed, "Bob's profile counting the review")
        assert profile.counts.helper_rating_sum == 5
        page = await alice.requests().helper_reviews(b.id, None)
        assert [(r.request_id, r.reviewer.id, r.helper_id, r.rating) for r in page.items] == [
            (request_id, a.id, b.id, 5)
        ]
        assert page.items[0].request_title == "도쿄 한정 굿즈 대리 구매"
        card = await eventually(
            lambda: _with_review(alice, requests, request_id), "the review on Alice's copy of the request"
        )
        assert card.request.review.rating == 5

        async def bob_counted():
            await bob.sync()
            me = await bob.me()
            return me if me.counts.helper_reviews == 1 else None

        me = await eventually(bob_counted, "Bob's own counts")
        assert me.counts.helper_rating_sum == 5

        # The notifications of each step, with their new kinds.
        async def bob_told():
            await bob.sync()
            kinds = {n.kind for n in (await bob.notifications()).items}
            wanted = {
                moa.NotificationKind.QUOTE_ACCEPTED,
                moa.NotificationKind.REQUEST_COMPLETED,
                moa.NotificationKind.HELPER_REVIEWED,
            }
            return kinds if wanted <= kinds else None

        await eventually(bob_told, "Bob's notifications")

        async def alice_told():
            await alice.sync()
            kinds = {n.kind for n in (await alice.notifications()).items}
            wanted = {moa.NotificationKind.QUOTE_RECEIVED, moa.NotificationKind.POINTS_ADDED}
            return kinds if wanted <= kinds else None

        await eventually(alice_told, "Alice's notifications")

        # Bob cancels his own request; it leaves the feed.
        await bob_requests.cancel(own_id, "일정이 바뀌었어요")
        assert (await bob_requests.request(own_id)).request.status == moa.RequestStatus.CANCELLED
        await bob.sync()
        assert own_id not in [c.request.id for c in await bob_requests.browse(moa.RequestFilter())]

        subscription.cancel()
        await alice.sign_out()
        await bob.sign_out()

    run(scenario())


async def _with_review(client, requests, request_id):
    await client.sync()
    card = await requests.request(request_id)
    return card if card.request.review is not None else None


# ----- errors ----------------------------------------------------------------------


def test_bad_request_input_gets_typed_errors(shop_server, data_dir):
    async def scenario():
        base = shop_server.url
        alice, _ = await member(base, data_dir(), "alice")
        bob, _ = await member(base, data_dir(), "bob")
        requests = alice.requests()
        wallet = alice.wallet()

        # Caught on the device, nothing queued.
        for bad, field in [
            (draft(starts_on=day(-10), ends_on=day(-3)), "ends_on"),
            (draft(starts_on=day(5), ends_on=day(2)), "starts_on"),
            (draft(starts_on="next week"), "starts_on"),
            (draft(budget_min_krw=50_000, budget_max_krw=10_000), "budget_min_krw"),
            (draft(budget_min_krw=-1), "budget_min_krw"),
            (draft(title="x"), "title"),
            (draft(region="  "), "region"),
        ]:
            with pytest.raises(moa.MoaError.Invalid) as refused:
                await requests.post(bad)
            assert field in refused.value.reason, (field, refused.value.reason)
        assert await alice.outbox().items() == []
        assert await requests.mine() == []

        with pytest.raises(moa.MoaError.Invalid):
            await wallet.charge(500)
        with pytest.raises(moa.MoaError.Invalid):
            await wallet.charge(3_000_000)
        with pytest.raises(moa.MoaError.Invalid):
            await requests.review_helper(str(uuid.uuid4()), 0, "", [])

        # Things that are not there.
        with pytest.raises(moa.MoaError.NotFound):
            await requests.request(str(uuid.uuid4()))
        with pytest.raises(moa.MoaError.NotFound):
            await requests.quote(str(uuid.uuid4()), 10_000, "hello")
        with pytest.raises(moa.MoaError.NotFound):
            await requests.refresh(str(uuid.uuid4()))
        with pytest.raises(moa.MoaError.NotFound):
            await wallet.confirm_charge(str(uuid.uuid4()))

        # A request and a quote that are real, and refusals of the server.
        request_id = await requests.post(draft())
        with pytest.raises(moa.MoaError.Invalid) as refused:
            await requests.quote(request_id, 10_000, "own")
        assert "own request" in refused.value.reason
        await alice.sync()
        card = await bob.requests().refresh(request_id)
        assert card.request.id == request_id and not card.mine
        with pytest.raises(moa.MoaError.Invalid) as refused:
            await bob.requests().quote(request_id, 0, "무료로 해 드려요")
        assert "price_krw" in refused.value.reason
        with pytest.raises(moa.MoaError.Invalid) as refused:
            await bob.requests().quote(request_id, 10_000, "   ")
        assert "message" in refused.value.reason
        with pytest.raises(moa.MoaError.Invalid):
            await requests.accept(request_id, str(uuid.uuid4()))
        with pytest.raises(moa.MoaError.Invalid):
            await bob.requests().edit(request_id, draft(title="남의 부탁 고치기"))
        with pytest.raises(moa.MoaError.Invalid):
            await requests.edit(request_id, draft(budget_min_krw=9, budget_max_krw=1))

        # Completing an open request goes through the outbox; the server
        # refuses it later, as a Rejected event and a failed item.
        heard = Recorder()
        subscription = alice.subscribe(heard)
        await requests.complete(request_id)
        await alice.sync()
        rejected = await heard.wait_for(lambda e: isinstance(e, moa.Event.REJECTED), "the refusal")
        assert rejected[0].error.code == "invalid_state"
        assert (await requests.request(request_id)).request.status == moa.RequestStatus.OPEN
        subscription.cancel()

        # Signed out: Auth.
        await alice.sign_out()
        with pytest.raises(moa.MoaError.Auth):
            await requests.mine()
        with pytest.raises(moa.MoaError.Auth):
            await wallet.wallet()
        await bob.sign_out()

    run(scenario())


# ----- offline, a grant and a refund ---------------------------------------------------


def test_offline_post_an_admin_grant_and_a_refunded_charge(shop_server, data_dir):
    async def scenario():
        base = shop_server.url
        alice, a = await member(base, data_dir(), "alice")
        requests = alice.requests()
        wallet = alice.wallet()

        # Offline: the request is kept and shown (pending), sent later.
        shop_server.stop()
        request_id = await requests.post(draft(category=moa.RequestCategory.ERRAND, title="택배 대신 받아 주세요"))
        card = await requests.request(request_id)
        assert card.pending and card.request.category == moa.RequestCategory.ERRAND
        assert [c.request.id for c in await requests.mine()] == [request_id]
        with pytest.raises(moa.MoaError.Network):
            await wallet.charge(10_000)
        shop_server.start()
        await eventually(
            lambda: _sent(alice, requests, request_id), "the request posted once the server is back"
        )

        # An admin grants points; a member may not.
        admin = await moa.MoaClient.open(data_dir(), base)
        await admin.sign_in("admin@moa.example", PASSWORD)
        entry = await admin.admin().grant_points(a.id, 5_000, "가입 축하 포인트")
        assert (entry.kind, entry.amount, entry.balance_after, entry.note) == (
            moa.PointKind.BONUS, 5_000, 5_000, "가입 축하 포인트"
        )
        with pytest.raises(moa.MoaError.Other):
            await alice.admin().grant_points(a.id, 5_000, "셀프 지급")
        with pytest.raises(moa.MoaError.Invalid):
            await admin.admin().grant_points(a.id, -5, "마이너스")

        # A charge paid, then given back: the points leave again.
        charge = await charge_and_pay(wallet, 10_000)

        async def balance(n):
            await alice.sync()
            w = await wallet.wallet()
            return w if w.balance == n else None

        await eventually(lambda: balance(15_000), "the grant and the charge in the wallet")
        refunded = await wallet.refund_charge(charge.id)
        assert refunded.status == moa.ChargeStatus.REFUNDED
        await eventually(lambda: balance(5_000), "the refund out of the wallet")
        kinds = [e.kind for e in await wallet.entries()]
        assert kinds == [moa.PointKind.REFUND, moa.PointKind.CHARGE, moa.PointKind.BONUS]
        assert (await wallet.charges())[0].status == moa.ChargeStatus.REFUNDED
        await admin.sign_out()
        await alice.sign_out()

    run(scenario())


async def _sent(client, requests, request_id):
    await client.sync()
    card = await requests.request(request_id)
    return card if not card.pending else None

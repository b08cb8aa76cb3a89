"""Discovery through the mobile bindings against a real server: views that
count (`note_view`, batched through the outbox), the "for you" feed tab, and
the "similar" rows for reviews and products (Korean text, kept for offline).
"""

import asyncio
import os

import pytest

from conftest import Server, eventually, member, moa


def run(scenario):
    asyncio.run(scenario)


@pytest.fixture
def discovery_server(tmp_path):
    """A server that folds recorded views into the counters every second
    (the default is every five)."""
    binary = os.environ.get("MOA_SERVER_BIN")
    if not binary or not os.access(binary, os.X_OK):
        raise pytest.UsageError("MOA_SERVER_BIN must name the moa-server binary")
    data = tmp_path / "discovery-server"
    data.mkdir()
    srv = Server(binary, str(data), ["--views-flush-secs", "1"])
    srv.start()
    yield srv
    srv.stop()


def snap(body, tags=()):
    return moa.NewReview(
        kind=moa.ReviewKind.SNAP, title="", body=body, photos=[], subject=None,
        rating=5, tags=list(tags), official=False,
    )


def ids(reviews):
    return [r.id for r in reviews]


def test_views_count_for_you_leaves_out_own_and_read_reviews_and_similar_rows(discovery_server, data_dir):
    server = discovery_server

    async def scenario():
        alice, _ = await member(server.url, data_dir(), "alice")
        bob, _ = await member(server.url, data_dir(), "bob")

        tumbler = await alice.create_review(snap("스테인리스 텀블러는 보온이 정말 좋아요"))
        tumbler_too = await alice.create_review(snap("이 스테인리스 텀블러가 최고예요 보온 잘 됨"))
        latte = await alice.create_review(snap("성수동 라떼 맛집 추천합니다"))
        mine = await bob.create_review(snap("을지로 노가리 골목 후기"))
        await alice.sync()
        await bob.sync()
        assert await alice.outbox().items() == []

        async def bob_has_them():
            await bob.sync()
            return set(ids(await bob.feed(moa.FeedTab.LATEST))) >= {tumbler, tumbler_too, latte, mine}

        await eventually(bob_has_them, "alice's reviews in bob's latest feed")

        # Views: a glance is not one; a read of three seconds or more is,
        # queued in one batch however many reviews are read.
        assert moa.view_dwell_ms() == 3000
        assert await bob.note_view(tumbler, 1200) is False
        assert await bob.note_view(tumbler, moa.view_dwell_ms() - 1) is False
        assert await bob.outbox().items() == []
        assert await bob.note_view(tumbler, 4500) is True
        # The same review again while its batch waits: already counted.
        assert await bob.note_view(tumbler, 9000) is False
        assert await bob.note_view(tumbler_too, moa.view_dwell_ms()) is True
        queued = await bob.outbox().items()
        assert [item.action for item in queued] == ["views.record"]
        with pytest.raises(moa.MoaError.Invalid):
            await bob.note_view("not-a-review", 5000)
        # A glance is not checked at all (nothing to count).
        assert await bob.note_view("not-a-review", 10) is False

        # Sent with the next sync; the server folds the counts in within a
        # second or so, and they reach devices like any other change.
        await bob.sync()
        assert await bob.outbox().items() == []

        async def counted():
            await alice.sync()
            detail = await alice.review(tumbler)
            return detail.review.view_count == 1 and detail

        await eventually(counted, "bob's view counted on alice's review")
        assert (await alice.review(latte)).review.view_count == 0

        # For you: never one's own reviews; for bob, never the ones he read
        # either (a newcomer gets the popular ones he has not seen).
        alice_for_you = await alice.feed(moa.FeedTab.FOR_YOU)
        assert isinstance(alice_for_you, list)
        assert not {tumbler, tumbler_too, latte} & set(ids(alice_for_you))
        assert mine in ids(alice_for_you)

        async def bob_for_you():
            await bob.sync()
            found = ids(await bob.feed(moa.FeedTab.FOR_YOU))
            return latte in found and tumbler not in found and tumbler_too not in found and found

        found = await eventually(bob_for_you, "bob's for-you tab without what he read")
        assert mine not in found
        page = await bob.feed_more(moa.FeedTab.FOR_YOU, None)
        assert latte in ids(page.reviews)
        assert mine not in ids(page.reviews) and tumbler not in ids(page.reviews)

        # Similar reviews: Korean nouns with particles attached still match
        # ("텀블러는", "텀블러가"); the other subject and the review itself
        # never come back.
        similar = await bob.similar_reviews(tumbler)
        assert tumbler_too in ids(similar)
        assert tumbler not in ids(similar)
        assert latte not in ids(similar)
        assert ids(similar)[0] == tumbler_too
        assert all(isinstance(r, moa.Review) for r in similar)
        assert tumbler not in ids(await alice.similar_reviews(tumbler))

        # Similar products, by name.
        flask = await alice.add_product(moa.CreateProductRequest(
            id=None, name="스테인리스 텀블러 500ml", price_krw=25000, options=[], photos=[], shop_url="",
        ))
        flask_small = await alice.add_product(moa.CreateProductRequest(
            id=None, name="스테인리스 텀블러 350ml", price_krw=21000, options=[], photos=[], shop_url="",
        ))
        beans = await alice.add_product(moa.CreateProductRequest(
            id=None, name="성수동 원두 1kg", price_krw=30000, options=[], photos=[], shop_url="",
        ))
        products = await bob.similar_products(flask.product.id)
        product_ids = [p.id for p in products]
        assert flask_small.product.id in product_ids
        assert flask.product.id not in product_ids
        assert beans.product.id not in product_ids
        assert all(isinstance(p, moa.Product) for p in products)

        with pytest.raises(moa.MoaError.NotFound):
            await bob.similar_reviews("00000000-0000-4000-8000-000000000000")

        # Offline: both rows as last fetched, and views still queue.
        server.stop()
        assert ids(await bob.similar_reviews(tumbler)) == ids(similar)
        assert [p.id for p in await bob.similar_products(flask.product.id)] == product_ids
        with pytest.raises(moa.MoaError.Network):
            await bob.similar_reviews(latte)  # never fetched
        assert await bob.note_view(latte, 5000) is True
        assert [item.action for item in await bob.outbox().items()] == ["views.record"]

    run(scenario())

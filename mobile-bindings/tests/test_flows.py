"""Full flows through the mobile bindings against a real server: two members
who sign up, post a review with a photo, comment, like, follow, see each
other's activity, chat in real time, go offline and come back; the errors
bad input gets; and nothing left alive across the boundary afterwards.

Each test is a plain function running one asyncio scenario: the bindings'
methods are coroutines, their events arrive on a listener from Rust threads.
"""

import asyncio
import gc
import hashlib
import os
import time
import uuid
import weakref

import pytest

from conftest import PASSWORD, Recorder, eventually, http, make_png, member, moa, verify_phone


def run(scenario):
    asyncio.run(scenario)


def is_event(kind):
    return lambda e: isinstance(e, kind)


# ----- errors -----------------------------------------------------------------


def test_bad_input_gets_auth_invalid_conflict_and_not_found_errors(server, data_dir):
    async def scenario():
        client = await moa.MoaClient.open(data_dir(), server.url)

        # Not signed in yet.
        with pytest.raises(moa.MoaError.Auth):
            await client.me()
        with pytest.raises(moa.MoaError.Auth):
            await client.feed(moa.FeedTab.LATEST)

        # The server refuses a malformed account.
        with pytest.raises(moa.MoaError.Invalid) as refused:
            await client.sign_up("not an email", PASSWORD, "someone", "Someone")
        assert refused.value.reason

        me = await client.sign_up(f"ara-{uuid.uuid4().hex[:6]}@moa.example", PASSWORD, f"ara_{uuid.uuid4().hex[:6]}", "Ara")

        # Wrong password; the email taken by another account.
        other = await moa.MoaClient.open(data_dir(), server.url)
        with pytest.raises(moa.MoaError.Auth):
            await other.sign_in(me.email, "not the password at all")
        with pytest.raises(moa.MoaError.Conflict):
            await other.sign_up(me.email, PASSWORD, f"ara2_{uuid.uuid4().hex[:6]}", "Ara 2")

        # Caught on the device before anything is queued.
        with pytest.raises(moa.MoaError.Invalid) as refused:
            await client.create_review(
                moa.NewReview(
                    kind=moa.ReviewKind.SNAP, title="", body="good", photos=[], subject=None,
                    rating=9, tags=[], official=False,
                )
            )
        assert "rating" in refused.value.reason
        with pytest.raises(moa.MoaError.Invalid):
            await client.comment("some-review", "   ", None)
        with pytest.raises(moa.MoaError.Invalid) as refused:
            await client.media().add_photo(moa.MediaSource.BYTES(name="notes.txt", bytes=b"not a photo at all"))
        assert "photo" in refused.value.reason
        # An iPhone's HEIC photo (a real one, 64x48): its own error, which an
        # app acts on by handing over a JPEG instead.
        heic = os.path.join(os.path.dirname(__file__), "data", "iphone.heic")
        with pytest.raises(moa.MoaError.UnsupportedPhoto) as refused:
            await client.media().add_photo(moa.MediaSource.PATH(heic))
        assert refused.value.format == "heic" and "JPEG" in refused.value.reason
        with open(heic, "rb") as f:
            heic_bytes = f.read()
        with pytest.raises(moa.MoaError.UnsupportedPhoto):
            await client.media().add_photo(moa.MediaSource.BYTES(name="IMG_0001.HEIC", bytes=heic_bytes))
        assert await client.outbox().items() == []
        with pytest.raises(moa.MoaError.Invalid):
            await client.media().info("not-a-media-id")
        with pytest.raises(moa.MoaError.Invalid):
            await client.media().file("../../etc/passwd", False)
        with pytest.raises(moa.MoaError.Invalid):
            await client.outbox().discard("no-such-outbox-item")

        # Things that do not exist.
        with pytest.raises(moa.MoaError.NotFound):
            await client.review(str(uuid.uuid4()))
        with pytest.raises(moa.MoaError.NotFound):
            await client.room(str(uuid.uuid4())).send("hello?", [], None)
        with pytest.raises(moa.MoaError.NotFound):
            await client.profile(str(uuid.uuid4()))
        assert await client.outbox().items() == []

        # The server gone: network errors, not crashes.
        server.stop()
        with pytest.raises(moa.MoaError.Network):
            await other.sign_in(me.email, PASSWORD)
        with pytest.raises(moa.MoaError.Network):
            await client.sync()

    run(scenario())


# ----- two members ------------------------------------------------------------


def test_two_members_post_photo_review_comment_like_follow_and_see_each_others_activity(
    server, data_dir, tmp_path
):
    async def scenario():
        alice, a = await member(server.url, data_dir(), "alice")
        bob, b = await member(server.url, data_dir(), "bob")
        heard = Recorder()
        subscription = alice.subscribe(heard)

        # A photo from a file: compressed on the device (upright, 2048 px
        # JPEG, thumbnail, blurhash), its upload queued with progress.
        png = make_png(2400, 1600)
        photo_path = tmp_path / "gradient.png"
        photo_path.write_bytes(png)
        photo = await alice.media().add_photo(moa.MediaSource.PATH(str(photo_path)))
        assert (photo.width, photo.height) == (2048, 1365)
        assert photo.kind == moa.MediaKind.PHOTO
        assert photo.blurhash
        with open(photo.path, "rb") as f:
            jpeg = f.read()
        assert jpeg[:3] == b"\xff\xd8\xff", "compressed to JPEG"
        assert len(jpeg) == photo.bytes < len(png) // 4, "much smaller than the original"
        assert hashlib.sha256(jpeg).hexdigest() == photo.media_id
        assert os.path.getsize(photo.thumbnail_path) > 0
        await heard.wait_for(
            lambda e: isinstance(e, moa.Event.COMPRESSING) and e.stage == moa.CompressStage.DONE,
            "compression progress to finish",
        )
        stages = [e.stage for e in heard.all(is_event(moa.Event.COMPRESSING))]
        assert stages[0] == moa.CompressStage.DECODE and stages[-1] == moa.CompressStage.DONE
        assert all(e.source == str(photo_path) for e in heard.all(is_event(moa.Event.COMPRESSING)))

        review_id = await alice.create_review(
            moa.NewReview(
                kind=moa.ReviewKind.STORY,
                title="성수 카페 투어",
                body="Flat white, quiet corner, good light.",
                photos=[photo.media_id],
                subject=None,
                rating=5,
                tags=["cafe", "seongsu"],
                official=False,
            )
        )
        # Shown at once, before the server has it.
        mine = await alice.feed(moa.FeedTab.LATEST)
        assert mine[0].id == review_id
        await alice.sync()
        done = await heard.wait_for(
            lambda e: isinstance(e, moa.Event.UPLOADING) and e.media_id == photo.media_id and e.sent == e.total,
            "the upload finishing",
        )
        assert done.total == photo.bytes
        assert await eventually(lambda: outbox_empty(alice), "alice's outbox to empty")

        # Pushes: this phone's token registered, again (the same device),
        # bad input refused on the device; which kinds come, chat previews.
        device = await alice.register_push_token(moa.PushPlatform.ANDROID, "fcm-token-" + a.id)
        assert device.platform == moa.PushPlatform.ANDROID
        again = await alice.register_push_token(moa.PushPlatform.ANDROID, "fcm-token-" + a.id)
        assert again.id == device.id
        with pytest.raises(moa.MoaError.Invalid):
            await alice.register_push_token(moa.PushPlatform.IOS, "two words")
        prefs = await alice.notification_settings()
        assert prefs.muted == [] and prefs.chat_previews
        prefs = await alice.set_notification_settings(
            moa.NotificationSettings(muted=[moa.NotificationKind.LIKE], chat_previews=False)
        )
        assert (prefs.muted, prefs.chat_previews) == ([moa.NotificationKind.LIKE], False)
        await alice.set_notification_settings(moa.NotificationSettings(muted=[], chat_previews=True))
        await alice.unregister_push_token()
        await alice.unregister_push_token()  # nothing left: fine

        # Its share link: a page messengers preview, which opens the app.
        link = alice.share_link(moa.LinkKind.REVIEW, review_id)
        assert link == f"{server.url}/r/{review_id}"
        assert moa.parse_link(link) == moa.AppLink(kind=moa.LinkKind.REVIEW, id=review_id)
        assert moa.parse_link(f"moa://campaign/{review_id}") == moa.AppLink(kind=moa.LinkKind.CAMPAIGN, id=review_id)
        assert moa.parse_link("https://moa.example/x/not-a-link") is None
        status, page = http("GET", link)
        assert status == 200 and '<meta property="og:title" content="성수 카페 투어">' in page
        assert f"/v1/media/{photo.media_id}/thumbnail" in page and f'href="moa://review/{review_id}"' in page

        # Bob sees it, opens the photo, follows, comments, likes, scraps.
        async def bob_sees_review():
            await bob.sync()
            return [r for r in await bob.feed(moa.FeedTab.LATEST) if r.id == review_id]

        [seen] = await eventually(bob_sees_review, "the review in bob's feed")
        assert seen.author.id == a.id and seen.photos == [photo.media_id] and seen.rating == 5
        downloaded = await bob.media().file(photo.media_id, False)
        with open(downloaded, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == photo.media_id

        await bob.set_follow(a.id, True)
        comment_id = await bob.comment(review_id, "가보고 싶어요! Which corner?", None)
        await bob.set_like(moa.LikeTarget.REVIEW, review_id, True)
        await bob.set_scrap(review_id, True)
        await bob.report(moa.ReportTarget.REVIEW, review_id, moa.ReportReason.OTHER, "just checking reports go through")
        detail = await bob.review(review_id)  # at once, from the device
        assert detail.review.liked_by_me and detail.review.like_count == 1
        assert [c.id for c in detail.comments] == [comment_id]
        await bob.sync()
        assert await eventually(lambda: outbox_empty(bob), "bob's outbox to empty")
        assert [r.id for r in await bob.scraps()] == [review_id]
        assert a.id in await bob.following()

        # Alice sees Bob's activity: the comment, the like, the follow.
        async def alice_sees_activity():
            await alice.sync()
            detail = await alice.review(review_id)
            notes = await alice.notifications()
            kinds = {n.kind for n in notes.items if n.actor and n.actor.id == b.id}
            wanted = {moa.NotificationKind.COMMENT, moa.NotificationKind.LIKE, moa.NotificationKind.FOLLOW}
            if detail.review.like_count == 1 and len(detail.comments) == 1 and wanted <= kinds:
                return detail, notes
            return None

        detail, notes = await eventually(alice_sees_activity, "bob's comment, like and follow at alice")
        assert detail.comments[0].author.id == b.id
        assert detail.comments[0].body == "가보고 싶어요! Which corner?"
        assert notes.unread >= 3
        assert (await alice.profile(b.id)).counts.following == 1

        # And back: Alice replies and likes Bob's comment; Bob sees both,
        # and Alice's review in his "following" feed.
        reply_id = await alice.comment(review_id, "The one by the window.", comment_id)
        await alice.set_like(moa.LikeTarget.COMMENT, comment_id, True)
        await alice.mark_notifications_read([], True)
        await alice.sync()

        async def bob_sees_activity():
            await bob.sync()
            detail = await bob.review(review_id)
            notes = await bob.notifications()
            kinds = {n.kind for n in notes.items if n.actor and n.actor.id == a.id}
            following = await bob.feed(moa.FeedTab.FOLLOWING)
            replies = [c for c in detail.comments if c.id == reply_id]
            liked = [c for c in detail.comments if c.id == comment_id and c.like_count == 1]
            if replies and liked and {moa.NotificationKind.REPLY, moa.NotificationKind.LIKE} <= kinds and any(
                r.id == review_id for r in following
            ):
                return replies[0]
            return None

        reply = await eventually(bob_sees_activity, "alice's reply and like at bob")
        assert reply.parent_id == comment_id
        profile = await bob.profile(a.id)
        assert profile.followed_by_me and profile.counts.followers == 1
        assert (await alice.notifications()).unread == 0
        page = await alice.my_page()
        assert [r.id for r in page.reviews] == [review_id] and page.me.id == a.id
        status = alice.status()
        assert status.signed_in and status.online and status.pending == 0 and status.failed == 0

        subscription.cancel()

    run(scenario())


async def outbox_empty(client):
    return await client.outbox().items() == []


# ----- the online lists, the catalog, a photo's facts --------------------------


def test_followers_likes_catalog_and_media_info_online(server, data_dir, tmp_path):
    async def scenario():
        alice, a = await member(server.url, data_dir(), "alice")
        bob, b = await member(server.url, data_dir(), "bob")
        tag = uuid.uuid4().hex[:8]
        added = await alice.add_place(
            moa.CreatePlaceRequest(id=None, name=f"모아 카페 {tag}", address="서울 성동구 1",
                                   latitude=None, longitude=None, category=moa.PlaceCategory.CAFE, link="")
        )
        assert added.created
        again = await bob.add_place(
            moa.CreatePlaceRequest(id=None, name=f"모아 카페 {tag}", address="서울 성동구 1",
                                   latitude=None, longitude=None, category=moa.PlaceCategory.CAFE, link="")
        )
        assert (again.place.id, again.created) == (added.place.id, False)
        assert [p.id for p in await bob.search_places(f"모아 카페 {tag}")] == [added.place.id]
        product = await alice.add_product(
            moa.CreateProductRequest(id=None, name=f"텀블러 {tag}", price_krw=25000, options=[], photos=[], shop_url="")
        )
        assert [p.id for p in await bob.search_products(f"텀블러 {tag}")] == [product.product.id]

        photo_path = tmp_path / "small.png"
        photo_path.write_bytes(make_png(320, 240))
        photo = await alice.media().add_photo(moa.MediaSource.PATH(str(photo_path)))
        review_id = await alice.create_review(
            moa.NewReview(kind=moa.ReviewKind.SNAP, title="", body="Good beans.", photos=[photo.media_id],
                          subject=moa.SubjectRef(kind=moa.SubjectType.PLACE, id=added.place.id),
                          rating=5, tags=["beans"], official=False)
        )
        await alice.sync()
        await eventually(lambda: outbox_empty(alice), "alice's outbox to empty")
        info = await bob.media().info(photo.media_id)
        assert (info.content_type, info.width, info.height) == ("image/jpeg", 320, 240)

        async def on_place_page():
            page = await bob.subject_reviews(moa.SubjectType.PLACE, added.place.id, None)
            return page if page.items else None

        page = await eventually(on_place_page, "the review on the place's page")
        assert [r.id for r in page.items] == [review_id] and page.next_cursor is None
        assert [r.id for r in (await bob.user_reviews(a.id, None)).items] == [review_id]
        assert [r.id for r in (await bob.tag_reviews("beans", None)).items] == [review_id]

        await bob.set_follow(a.id, True)
        await bob.set_like(moa.LikeTarget.REVIEW, review_id, True)
        await bob.sync()
        await eventually(lambda: outbox_empty(bob), "bob's outbox to empty")
        assert [m.member.id for m in await alice.followers(a.id)] == [b.id]
        assert [m.member.id for m in await alice.following_list(b.id)] == [a.id]
        assert [r.id for r in await bob.liked_reviews()] == [review_id]
        await alice.remove_follower(b.id)
        assert await alice.followers(a.id) == []

        server.stop()
        with pytest.raises(moa.MoaError.Network):
            await alice.followers(a.id)

    run(scenario())


# ----- chat -------------------------------------------------------------------


def test_chat_in_real_time_with_the_listener_receiving_events(server, data_dir):
    async def scenario():
        alice, a = await member(server.url, data_dir(), "alice")
        bob, b = await member(server.url, data_dir(), "bob")
        alice_hears, bob_hears = Recorder(), Recorder()
        subscriptions = [alice.subscribe(alice_hears), bob.subscribe(bob_hears)]

        async def connected(client):
            return isinstance(client.realtime_state(), moa.RealtimeState.CONNECTED)

        await eventually(lambda: connected(alice), "alice's realtime connection")
        await eventually(lambda: connected(bob), "bob's realtime connection")

        room = await alice.create_direct_room(b.id)
        assert await alice.create_direct_room(b.id) == room, "one direct room per pair"
        first = await alice.room(room).send("안녕 bob, coffee later?", [], None)
        # Pending at once on alice's device.
        [pending] = await alice.room(room).messages(None, 50)
        assert pending.id == first and pending.state == moa.MessageState.PENDING()

        # Bob's listener gets it live: no sync call on his side.
        got = await bob_hears.wait_for(
            lambda e: isinstance(e, moa.Event.MESSAGE) and e[0].id == first, "the message at bob"
        )
        assert got[0].body == "안녕 bob, coffee later?" and got[0].sender_id == a.id
        assert got[0].seq == 1
        await bob_hears.wait_for(
            lambda e: isinstance(e, moa.Event.CHANGED) and moa.Topic.ROOMS in e[0], "bob's room list changing"
        )
        [listed] = await eventually(bob.rooms, "the room in bob's list")
        assert listed.room.id == room and listed.unread == 1
        assert listed.room.kind == moa.RoomKind.DIRECT

        # Alice's copy is confirmed: it has its seq now.
        confirmed = await alice_hears.wait_for(
            lambda e: isinstance(e, moa.Event.MESSAGE_CHANGED) and e[0].id == first and e[0].seq == 1,
            "alice's send confirmed",
        )
        assert confirmed[0].state == moa.MessageState.SENT()

        # Typing, then a reply, then read markers, all live.
        assert await bob.room(room).typing()
        typing = await alice_hears.wait_for(is_event(moa.Event.TYPING), "bob typing at alice")
        assert typing.room_id == room and typing.user_id == b.id and typing.ttl_ms > 0
        reply = await bob.room(room).send("Sure, 3pm?", [], first)
        got = await alice_hears.wait_for(
            lambda e: isinstance(e, moa.Event.MESSAGE) and e[0].id == reply, "bob's reply at alice"
        )
        assert got[0].reply_to == first and got[0].seq == 2
        await bob.room(room).mark_read(2)
        marker = await alice_hears.wait_for(
            lambda e: isinstance(e, moa.Event.READ_MARKER) and e.user_id == b.id and e.seq == 2,
            "bob's read marker at alice",
        )
        assert marker.room_id == room

        # History is the same on both devices.
        async def both_have_two():
            mine = [(m.seq, m.body) for m in await alice.room(room).messages(None, 50)]
            theirs = [(m.seq, m.body) for m in await bob.room(room).messages(None, 50)]
            return mine if mine == theirs and len(mine) == 2 else None

        history = await eventually(both_have_two, "the same two messages on both devices")
        assert history == [(1, "안녕 bob, coffee later?"), (2, "Sure, 3pm?")]
        assert [m.seq for m in await bob.room(room).load_older(2, 10)] == [1]

        for s in subscriptions:
            s.cancel()

    run(scenario())


# ----- offline ----------------------------------------------------------------


def test_offline_writes_queue_and_are_delivered_once_when_the_server_is_back(server, data_dir):
    async def scenario():
        alice, a = await member(server.url, data_dir(), "alice")
        bob, b = await member(server.url, data_dir(), "bob")
        heard = Recorder()
        subscription = alice.subscribe(heard)
        review_id = await alice.create_review(
            moa.NewReview(
                kind=moa.ReviewKind.SNAP, title="", body="Best 붕어빵 in Mangwon.", photos=[],
                subject=None, rating=4, tags=[], official=False,
            )
        )
        room = await alice.create_direct_room(b.id)
        await alice.sync()
        assert await alice.outbox().items() == []

        search = alice.search()
        found = await search.local("붕어빵", moa.SearchType.REVIEWS)
        assert [(h.id, h.matched) for h in found] == [(review_id, moa.MatchKind.EXACT)]
        online = await search.query("붕어빵", moa.SearchType.ALL, None)
        assert not online.offline and online.hits[0].id == review_id

        # Offline: the server is gone. Writes still answer at once.
        server.stop()
        # Search answers from the device: initials, with the range to mark.
        outcome = await search.query("ㅂㅇㅃ", moa.SearchType.ALL, None)
        assert outcome.offline
        hit = outcome.hits[0]
        assert (hit.id, hit.matched) == (review_id, moa.MatchKind.INITIALS)
        r = hit.snippet_ranges[0]
        assert hit.snippet[r.start:r.end] == "붕어빵"
        await search.remember("ㅂㅇㅃ")
        assert (await search.recent())[0] == "ㅂㅇㅃ"
        with pytest.raises(moa.MoaError.Invalid):
            await search.query("   ", moa.SearchType.ALL, None)
        comment_id = await alice.comment(review_id, "Update: they moved two doors down.", None)
        message_id = await alice.room(room).send("sent while offline", [], None)
        await alice.set_like(moa.LikeTarget.REVIEW, review_id, True)
        await alice.set_scrap(review_id, True)
        with pytest.raises(moa.MoaError.Network):
            await alice.sync()
        status = await eventually(
            lambda: offline_status(alice), "alice's status to show offline with pending changes"
        )
        assert status.pending == 4 and status.error
        await heard.wait_for(lambda e: isinstance(e, moa.Event.STATUS) and not e[0].online, "an offline status event")

        items = await alice.outbox().items()
        assert [i.action for i in items] == ["comment.create", "chat.send", "like.set", "scrap.set"]
        assert all(i.state == moa.OutboxState.QUEUED for i in items)
        assert items[0].target_id == comment_id and items[1].target_id == message_id
        # The scrap is discarded again; the like waits for a retry now.
        await alice.outbox().discard(items[3].id)
        await alice.outbox().retry(items[2].id)
        assert [i.action for i in await alice.outbox().items()] == ["comment.create", "chat.send", "like.set"]
        # Shown on the device meanwhile.
        detail = await alice.review(review_id)
        assert [c.id for c in detail.comments] == [comment_id]
        assert detail.review.liked_by_me and not detail.review.scrapped_by_me

        # Back online, on the same port and data: delivered.
        server.start()
        await eventually(lambda: synced(alice), "alice's sync to succeed again")
        assert await eventually(lambda: outbox_empty(alice), "alice's outbox to empty")
        await heard.wait_for(lambda e: isinstance(e, moa.Event.STATUS) and e[0].online, "an online status event")

        async def bob_has_everything():
            await bob.sync()
            detail = await bob.review(review_id)
            messages = await bob.room(room).messages(None, 50) if await bob.rooms() else []
            if detail.comments and detail.review.like_count == 1 and messages:
                return detail, messages
            return None

        detail, messages = await eventually(bob_has_everything, "alice's offline writes at bob")
        # Once: syncing again (both sides) changes nothing.
        await alice.sync()
        await bob.sync()
        detail = await bob.review(review_id)
        messages = await bob.room(room).messages(None, 50)
        assert [c.body for c in detail.comments] == ["Update: they moved two doors down."]
        assert detail.review.like_count == 1 and detail.review.comment_count == 1
        assert detail.review.scrap_count == 0, "the discarded scrap never left"
        assert [(m.id, m.body) for m in messages] == [(message_id, "sent while offline")]
        assert alice.status().pending == 0

        subscription.cancel()

    run(scenario())


async def offline_status(client):
    status = client.status()
    return status if not status.online and status.pending >= 4 else None


async def synced(client):
    await client.sync()
    return True


# ----- leaks ------------------------------------------------------------------


def test_objects_and_listeners_are_released(server, data_dir):
    """Every MoaClient, handle object (MoaOutbox, MoaRoom, MoaMedia, MoaSearch),
    Subscription and listener the test made is freed on the Rust side once
    Python lets go (counted by `live_handles()`), and the Python listener
    objects are collectable again."""
    gc.collect()
    baseline = moa.live_handles()
    listener_refs = []

    async def scenario():
        alice, a = await member(server.url, data_dir(), "alice")
        bob, b = await member(server.url, data_dir(), "bob")
        alice_hears, bob_hears = Recorder(), Recorder()
        listener_refs.extend([weakref.ref(alice_hears), weakref.ref(bob_hears)])
        kept = alice.subscribe(alice_hears)
        dropped = bob.subscribe(bob_hears)
        extra = alice.subscribe(Recorder())  # a second listener on one client
        assert moa.live_handles() == baseline + 2 + 3 * 2  # clients, subscriptions and listeners

        room = await alice.create_direct_room(b.id)
        chat, outbox, media, search = alice.room(room), alice.outbox(), alice.media(), alice.search()
        assert moa.live_handles() == baseline + 2 + 3 * 2 + 4  # and the handle objects
        assert chat.id() == room
        sent = await chat.send("ping", [], None)
        assert all(i.action.startswith("chat.") for i in await outbox.items())
        with pytest.raises(moa.MoaError.Invalid):
            await media.file("not-a-media-id", False)
        assert await search.recent() == []
        del chat, outbox, media, search
        await alice.sync()
        await bob_hears.wait_for(
            lambda e: isinstance(e, moa.Event.MESSAGE) and e[0].id == sent, "the message at bob"
        )

        # Cancelled explicitly, dropped, and cancelled then dropped.
        kept.cancel()
        kept.cancel()  # harmless twice
        del dropped
        extra.cancel()
        del extra
        await alice.sign_out()
        del alice, bob, alice_hears, bob_hears

    run(scenario())
    gc.collect()
    deadline = time.monotonic() + 10
    while moa.live_handles() != baseline and time.monotonic() < deadline:
        time.sleep(0.05)
        gc.collect()
    assert moa.live_handles() == baseline
    gc.collect()
    assert all(ref() is None for ref in listener_refs), "the Python listeners are collectable"
    assert len(moa._UniffiFfiConverterTypeMoaListener._handle_map) == 0
    assert len(moa._UniffiContinuationHandleMap) == 0


# ----- group-buys ---------------------------------------------------------------


def test_a_member_joins_a_community_buys_pays_and_cancels_with_a_refund(shop_server, data_dir):
    """The whole group-buy through the bindings: communities for the sign-up
    picker, the community's campaigns (and not another's), an order placed,
    paid on the fake provider's checkout page as a browser would, confirmed,
    its history offline, a cancel through the outbox and the refund."""
    import re
    import time as clock

    from conftest import http

    base = shop_server.url
    status, login = http("POST", f"{base}/v1/auth/login", {"email": "admin@moa.example", "password": PASSWORD})
    assert status == 200, login
    admin = login["access_token"]
    ids = {}
    for name in ("서울대학교", "연세대학교"):
        status, made = http("POST", f"{base}/v1/admin/communities", {"name": name, "kind": "university"}, admin)
        assert status == 201, made
        ids[name] = made["id"]
    status, product = http(
        "POST", f"{base}/v1/admin/shop/products",
        {"name": "후드티", "base_price_krw": 49000, "option_groups": [
            {"name": "사이즈", "choices": [
                {"name": "M", "price_delta_krw": 0, "stock": 10},
                {"name": "XL", "price_delta_krw": 1000, "stock": 3}]}]},
        admin,
    )
    assert status == 201, product
    deadline = int(clock.time() * 1000) + 3_600_000
    for title, community in (("서울대 후드티", ids["서울대학교"]), ("연세대 후드티", ids["연세대학교"])):
        status, made = http(
            "POST", f"{base}/v1/admin/shop/campaigns",
            {"product_id": product["id"], "title": title, "community_ids": [community],
             "group_price_krw": 39000, "min_participants": 2, "stock": 10,
             "per_member_limit": 2, "deadline_at": deadline},
            admin,
        )
        assert status == 201, made

    async def scenario():
        client = await moa.MoaClient.open(data_dir(), base)
        shop = client.shop()
        picked = await shop.communities("서울")
        assert [c.name for c in picked] == ["서울대학교"]
        assert picked[0].kind == moa.CommunityKind.UNIVERSITY
        tag = uuid.uuid4().hex[:8]
        me = await client.sign_up_in(f"buyer-{tag}@moa.example", PASSWORD, f"buyer_{tag}", "Buyer", picked[0].id)
        assert me.community_id == picked[0].id
        await client.sync()
        cards = await shop.campaigns()
        assert [c.campaign.title for c in cards] == ["서울대 후드티"]
        card = cards[0]
        assert card.campaign.status == moa.CampaignStatus.OPEN
        assert (card.campaign.remaining, card.my_units) == (10, 0)
        xl = next(c for c in card.campaign.product.option_groups[0].choices if c.name == "XL")

        # Ordering needs a verified number here (the server sends texts).
        assert (await client.sign_in_methods()).phone_verification
        with pytest.raises(moa.MoaError.Shop) as refused:
            await shop.place_order(card.campaign.id, [xl.id], 1)
        assert refused.value.code == "phone_unverified"
        with pytest.raises(moa.MoaError.Invalid):
            await client.request_phone_verification("02-123-4567")
        me = await verify_phone(client, shop_server, "010-2345-6789")
        assert (me.phone, me.phone_verified) == ("01023456789", True)
        assert (await client.me()).phone_verified

        # Bad input: over the limit, an unknown option.
        with pytest.raises(moa.MoaError.Shop) as refused:
            await shop.place_order(card.campaign.id, [xl.id], 3)
        assert refused.value.code == "over_limit"
        with pytest.raises(moa.MoaError.Invalid):
            await shop.place_order(card.campaign.id, [str(uuid.uuid4())], 1)

        checkout = await shop.place_order(card.campaign.id, [xl.id], 2)
        order = checkout.order
        assert order.status == moa.OrderStatus.PENDING_PAYMENT
        assert order.amount_krw == 2 * 40000
        with pytest.raises(moa.MoaError.Shop) as refused:
            await shop.confirm_payment(order.id)
        assert refused.value.code == "payment_incomplete"
        # Paid on the provider's page: its 결제하기 form, as a browser posts it.
        status, page = http("GET", checkout.url)
        assert status == 200
        action = re.search(r'action="(/checkout/[^"]*/pay[^"]*)"', page).group(1).replace("&amp;", "&")
        status, _ = http("POST", checkout.url.split("/checkout/")[0] + action, {})
        assert status < 400
        paid = await eventually(lambda: _paid(shop, order.id), "the payment verified")
        assert paid.status == moa.OrderStatus.PAID
        await client.sync()
        card = await shop.campaign(card.campaign.id)
        assert (card.campaign.participants, card.campaign.remaining, card.my_units) == (1, 8, 2)

        # Offline: the order and its history read; the cancel waits.
        shop_server.stop()
        mine = await shop.order(order.id)
        assert [e.status for e in mine.order.history] == [moa.OrderStatus.PENDING_PAYMENT, moa.OrderStatus.PAID]
        await shop.cancel_order(order.id, "사이즈를 잘못 골랐어요")
        assert (await shop.order(order.id)).cancel_pending
        shop_server.start()
        refunded = await eventually(lambda: _refunded(client, shop, order.id), "the refund")
        assert refunded.order.history[-1].status == moa.OrderStatus.REFUNDED
        assert not refunded.cancel_pending
        await client.sign_out()

    run(scenario())


async def _paid(shop, order_id):
    try:
        order = await shop.confirm_payment(order_id)
    except moa.MoaError.Shop:
        return None
    return order if order.status == moa.OrderStatus.PAID else None


async def _refunded(client, shop, order_id):
    # The cancel may have met the server down (or a connection it cut when
    # it stopped) and be waiting out its backoff: send it now, as an app's
    # "retry" would.
    outbox = client.outbox()
    for item in await outbox.items():
        await outbox.retry(item.id)
    await client.sync()
    mine = await shop.order(order_id)
    return mine if mine.order.status == moa.OrderStatus.REFUNDED else None

// The Kotlin bindings against a real server, the flows of the Python
// suite's test_flows.py: typed errors for bad input, two members who post a
// review with a real photo, comment, like and follow, realtime chat reaching
// a listener, offline writes delivered once after a restart, and every
// object and listener released.
package app.moa.bindings

import java.lang.ref.WeakReference
import java.security.MessageDigest
import java.util.UUID
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

fun sha256(bytes: ByteArray): String =
    MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }

fun snap(body: String, rating: Long? = 4, photos: List<String> = emptyList(), tags: List<String> = emptyList()) =
    NewReview(ReviewKind.SNAP, "", body, photos, null, rating, tags, false)

class FlowsTest : BindingsTest() {

    @Test
    fun `bad input gets Auth, Invalid, Conflict, NotFound, UnsupportedPhoto and Network errors`(): Unit = runBlocking {
        val server = server()
        val client = open(server)

        // Not signed in yet.
        assertThrows<MoaException.Auth> { client.me() }
        assertThrows<MoaException.Auth> { client.feed(FeedTab.LATEST) }

        // The server refuses a malformed account.
        val malformed = assertThrows<MoaException.Invalid> {
            client.signUp("not an email", PASSWORD, "someone", "Someone")
        }
        assertTrue(malformed.reason.isNotEmpty())

        val t = tag()
        val me = client.signUp("ara-$t@moa.example", PASSWORD, "ara_$t", "Ara")

        // Wrong password; the email taken by another account.
        val other = open(server)
        assertThrows<MoaException.Auth> { other.signIn(me.email, "not the password at all") }
        assertThrows<MoaException.Conflict> { other.signUp(me.email, PASSWORD, "ara2_${tag()}", "Ara 2") }

        // Caught on the device before anything is queued.
        val rating = assertThrows<MoaException.Invalid> { client.createReview(snap("good", rating = 9)) }
        assertContains(rating.reason, "rating")
        assertThrows<MoaException.Invalid> { client.comment("some-review", "   ", null) }
        val media = client.media().closeAfter()
        val notPhoto = assertThrows<MoaException.Invalid> {
            media.addPhoto(MediaSource.Bytes("notes.txt", "not a photo at all".toByteArray()))
        }
        assertContains(notPhoto.reason, "photo")
        // An iPhone's HEIC (a real one, and just its header): its own error,
        // which an app acts on by handing over a JPEG instead.
        val heic = assertThrows<MoaException.UnsupportedPhoto> {
            media.addPhoto(MediaSource.Path(fixture("iphone.heic").path))
        }
        assertEquals("heic", heic.format)
        assertContains(heic.reason, "JPEG")
        val header = assertThrows<MoaException.UnsupportedPhoto> {
            media.addPhoto(MediaSource.Bytes("IMG_0001.HEIC", heicBytes()))
        }
        assertEquals("heic", header.format)
        assertThrows<MoaException.Invalid> { media.file("../../etc/passwd", false) }
        assertThrows<MoaException.Invalid> { media.info("not-a-media-id") }
        assertThrows<MoaException.Invalid> { client.outbox().discard("no-such-outbox-item") }

        // Things that do not exist.
        assertThrows<MoaException.NotFound> { client.review(UUID.randomUUID().toString()) }
        assertThrows<MoaException.NotFound> { client.room(UUID.randomUUID().toString()).send("hello?", listOf(), null) }
        assertThrows<MoaException.NotFound> { client.profile(UUID.randomUUID().toString()) }
        assertEquals(listOf(), client.outbox().items())

        // The server gone: network errors, not crashes.
        server.stop()
        assertThrows<MoaException.Network> { other.signIn(me.email, PASSWORD) }
        assertThrows<MoaException.Network> { client.sync() }
        assertThrows<MoaException.Network> { client.searchPlaces("cafe") }
    }

    @Test
    fun `two members post a photo review, comment, like, follow and see each other's activity`(): Unit = runBlocking {
        val server = server()
        val (alice, a) = member(server, "alice")
        val (bob, b) = member(server, "bob")
        val heard = Recorder()
        val subscription = alice.subscribe(heard).closeAfter()

        // A photo from a file: compressed on the device (upright, 2048 px
        // JPEG, thumbnail, blurhash), its upload queued with progress.
        val png = makePng(2400, 1600)
        val photoFile = tempDir().resolve("gradient.png").toFile().apply { writeBytes(png) }
        val photo = alice.media().addPhoto(MediaSource.Path(photoFile.path))
        assertEquals(2048u to 1365u, photo.width to photo.height)
        assertEquals(MediaKind.PHOTO, photo.kind)
        assertTrue(!photo.blurhash.isNullOrEmpty())
        val jpeg = java.io.File(photo.path).readBytes()
        assertTrue(jpeg[0] == 0xFF.toByte() && jpeg[1] == 0xD8.toByte(), "compressed to JPEG")
        assertEquals(photo.bytes, jpeg.size.toULong())
        assertTrue(jpeg.size < png.size / 4, "much smaller than the original (${jpeg.size} of ${png.size})")
        assertEquals(photo.mediaId, sha256(jpeg))
        assertTrue(java.io.File(photo.thumbnailPath!!).length() > 0)
        heard.waitFor("compression to finish") { it is Event.Compressing && it.stage == CompressStage.DONE }
        val stages = heard.all { it is Event.Compressing }.map { it as Event.Compressing }
        assertEquals(CompressStage.DECODE, stages.first().stage)
        assertTrue(stages.all { it.source == photoFile.path })

        val reviewId = alice.createReview(
            NewReview(
                ReviewKind.STORY, "성수 카페 투어", "Flat white, quiet corner, good light.",
                listOf(photo.mediaId), null, 5, listOf("cafe", "seongsu"), false,
            ),
        )
        // Shown at once, before the server has it.
        assertEquals(reviewId, alice.feed(FeedTab.LATEST).first().id)
        alice.sync()
        val uploaded = heard.waitFor("the upload finishing") {
            it is Event.Uploading && it.mediaId == photo.mediaId && it.sent == it.total
        } as Event.Uploading
        assertEquals(photo.bytes, uploaded.total)
        eventually("alice's outbox to empty") { alice.outbox().items().isEmpty().takeIf { it } }

        // What the server knows of the photo, kept on the device.
        val info = alice.media().info(photo.mediaId)
        assertEquals("image/jpeg", info.contentType)
        assertEquals(2048u to 1365u, info.width to info.height)

        // Bob sees it, opens the photo, follows, comments, likes, scraps.
        val seen = eventually("the review in bob's feed") {
            bob.sync()
            bob.feed(FeedTab.LATEST).firstOrNull { it.id == reviewId }
        }
        assertEquals(a.id, seen.author.id)
        assertEquals(listOf(photo.mediaId), seen.photos)
        val downloaded = bob.media().file(photo.mediaId, false)
        assertEquals(photo.mediaId, sha256(java.io.File(downloaded).readBytes()))

        bob.setFollow(a.id, true)
        val commentId = bob.comment(reviewId, "가보고 싶어요! Which corner?", null)
        bob.setLike(LikeTarget.REVIEW, reviewId, true)
        bob.setScrap(reviewId, true)
        bob.report(ReportTarget.REVIEW, reviewId, ReportReason.OTHER, "just checking reports go through")
        val detail = bob.review(reviewId) // at once, from the device
        assertTrue(detail.review.likedByMe)
        assertEquals(1L, detail.review.likeCount)
        assertEquals(listOf(commentId), detail.comments.map { it.id })
        bob.sync()
        eventually("bob's outbox to empty") { bob.outbox().items().isEmpty().takeIf { it } }
        assertEquals(listOf(reviewId), bob.scraps().map { it.id })
        assertContains(bob.following(), a.id)

        // Alice sees Bob's comment, like and follow.
        val wanted = setOf(NotificationKind.COMMENT, NotificationKind.LIKE, NotificationKind.FOLLOW)
        val (aliceDetail, notes) = eventually("bob's comment, like and follow at alice") {
            alice.sync()
            val d = alice.review(reviewId)
            val n = alice.notifications()
            val kinds = n.items.filter { it.actor?.id == b.id }.map { it.kind }.toSet()
            (d to n).takeIf { d.review.likeCount == 1L && d.comments.size == 1 && kinds.containsAll(wanted) }
        }
        assertEquals(b.id, aliceDetail.comments[0].author.id)
        assertEquals("가보고 싶어요! Which corner?", aliceDetail.comments[0].body)
        assertTrue(notes.unread >= 3u)
        assertEquals(1L, alice.profile(b.id).counts.following)

        // The online lists: followers, following, liked reviews, a member's
        // and a tag's reviews.
        assertEquals(listOf(b.id), alice.followers(a.id).map { it.member.id })
        assertEquals(listOf(a.id), alice.followingList(b.id).map { it.member.id })
        assertEquals(listOf(reviewId), bob.likedReviews().map { it.id })
        assertEquals(listOf(reviewId), bob.userReviews(a.id, null).items.map { it.id })
        assertEquals(listOf(reviewId), bob.tagReviews("cafe", null).items.map { it.id })
        assertEquals(listOf(), bob.tagReviews("no-such-tag-${tag()}", null).items)

        // And back: Alice replies and likes Bob's comment; Bob sees both,
        // and Alice's review in his "following" feed.
        val replyId = alice.comment(reviewId, "The one by the window.", commentId)
        alice.setLike(LikeTarget.COMMENT, commentId, true)
        alice.markNotificationsRead(listOf(), true)
        alice.sync()
        val reply = eventually("alice's reply and like at bob") {
            bob.sync()
            val d = bob.review(reviewId)
            val kinds = bob.notifications().items.filter { it.actor?.id == a.id }.map { it.kind }.toSet()
            val following = bob.feed(FeedTab.FOLLOWING)
            val r = d.comments.firstOrNull { it.id == replyId }
            val liked = d.comments.any { it.id == commentId && it.likeCount == 1L }
            r.takeIf {
                liked && kinds.containsAll(setOf(NotificationKind.REPLY, NotificationKind.LIKE)) &&
                    following.any { it.id == reviewId }
            }
        }
        assertEquals(commentId, reply.parentId)
        val profile = bob.profile(a.id)
        assertTrue(profile.followedByMe)
        assertEquals(1L, profile.counts.followers)
        assertEquals(0u, alice.notifications().unread)
        val page = alice.myPage()
        assertEquals(listOf(reviewId), page.reviews.map { it.id })
        assertEquals(a.id, page.me.id)

        // Alice removes Bob from her followers.
        alice.removeFollower(b.id)
        assertEquals(listOf(), alice.followers(a.id))
        val status = alice.status()
        assertTrue(status.signedIn && status.online)
        subscription.cancel()
    }

    @Test
    fun `places and products are searched, added and reviewed`(): Unit = runBlocking {
        val server = server()
        val (alice, _) = member(server, "alice")
        val (bob, _) = member(server, "bob")
        val t = tag()
        val added = alice.addPlace(
            CreatePlaceRequest(name = "모아 카페 $t", address = "서울 성동구 성수이로 1", category = PlaceCategory.CAFE),
        )
        assertTrue(added.created)
        assertEquals(PlaceCategory.CAFE, added.place.category)
        // The same name and address again: the existing place.
        val again = bob.addPlace(
            CreatePlaceRequest(name = "모아 카페 $t", address = "서울 성동구 성수이로 1", category = PlaceCategory.CAFE),
        )
        assertEquals(added.place.id to false, again.place.id to again.created)
        assertEquals(listOf(added.place.id), bob.searchPlaces("모아 카페 $t").map { it.id })

        val product = alice.addProduct(CreateProductRequest(name = "텀블러 $t", priceKrw = 25_000))
        assertTrue(product.created)
        assertEquals(listOf(product.product.id), bob.searchProducts("텀블러 $t").map { it.id })
        assertEquals(25_000L, bob.product(product.product.id).priceKrw)

        val reviewId = bob.createReview(
            NewReview(ReviewKind.SNAP, "", "Good beans.", listOf(), SubjectRef(SubjectType.PLACE, added.place.id), 5, listOf(), false),
        )
        bob.sync()
        val reviews = eventually("the review on the place's page") {
            alice.subjectReviews(SubjectType.PLACE, added.place.id, null).takeIf { it.items.isNotEmpty() }
        }
        assertEquals(listOf(reviewId), reviews.items.map { it.id })
        assertNull(reviews.nextCursor)
        assertEquals(listOf(), alice.subjectReviews(SubjectType.PRODUCT, product.product.id, null).items)
        assertThrows<MoaException.Invalid> {
            alice.addPlace(CreatePlaceRequest(name = "", address = "", category = PlaceCategory.OTHER))
        }
    }

    @Test
    fun `chat reaches the other member's listener in real time`(): Unit = runBlocking {
        val server = server()
        val (alice, a) = member(server, "alice")
        val (bob, b) = member(server, "bob")
        val aliceHears = Recorder()
        val bobHears = Recorder()
        alice.subscribe(aliceHears).closeAfter()
        bob.subscribe(bobHears).closeAfter()
        eventually("alice's realtime connection") { (alice.realtimeState() == RealtimeState.Connected).takeIf { it } }
        eventually("bob's realtime connection") { (bob.realtimeState() == RealtimeState.Connected).takeIf { it } }

        val room = alice.createDirectRoom(b.id)
        assertEquals(room, alice.createDirectRoom(b.id), "one direct room per pair")
        val aliceRoom = alice.room(room).closeAfter()
        val bobRoom = bob.room(room).closeAfter()
        assertEquals(room, aliceRoom.id())
        val first = aliceRoom.send("안녕 bob, coffee later?", listOf(), null)
        // Pending at once on alice's device.
        val pending = aliceRoom.messages(null, 50u).single()
        assertEquals(first, pending.id)
        assertEquals(MessageState.Pending, pending.state)

        // Bob's listener gets it live: no sync call on his side.
        val got = bobHears.waitFor("the message at bob") { it is Event.Message && it.v1.id == first } as Event.Message
        assertEquals("안녕 bob, coffee later?", got.v1.body)
        assertEquals(a.id, got.v1.senderId)
        assertEquals(1L, got.v1.seq)
        bobHears.waitFor("bob's room list changing") { it is Event.Changed && Topic.ROOMS in it.v1 }
        val listed = eventually("the room in bob's list") { bob.rooms().singleOrNull() }
        assertEquals(room, listed.room.id)
        assertEquals(1L, listed.unread)
        assertEquals(RoomKind.DIRECT, listed.room.kind)

        // Alice's copy is confirmed: it has its seq now.
        val confirmed = aliceHears.waitFor("alice's send confirmed") {
            it is Event.MessageChanged && it.v1.id == first && it.v1.seq == 1L
        } as Event.MessageChanged
        assertEquals(MessageState.Sent, confirmed.v1.state)

        // Typing, then a reply, then read markers, all live.
        assertTrue(bobRoom.typing())
        val typing = aliceHears.waitFor("bob typing at alice") { it is Event.Typing } as Event.Typing
        assertEquals(room to b.id, typing.roomId to typing.userId)
        assertTrue(typing.ttlMs > 0)
        val reply = bobRoom.send("Sure, 3pm?", listOf(), first)
        val gotReply = aliceHears.waitFor("bob's reply at alice") { it is Event.Message && it.v1.id == reply } as Event.Message
        assertEquals(first, gotReply.v1.replyTo)
        assertEquals(2L, gotReply.v1.seq)
        bobRoom.markRead(2)
        val marker = aliceHears.waitFor("bob's read marker at alice") {
            it is Event.ReadMarker && it.userId == b.id && it.seq == 2L
        } as Event.ReadMarker
        assertEquals(room, marker.roomId)

        // History is the same on both devices.
        val history = eventually("the same two messages on both devices") {
            val mine = aliceRoom.messages(null, 50u).map { it.seq to it.body }
            val theirs = bobRoom.messages(null, 50u).map { it.seq to it.body }
            mine.takeIf { it == theirs && it.size == 2 }
        }
        assertEquals(listOf(1L to "안녕 bob, coffee later?", 2L to "Sure, 3pm?"), history)
        assertEquals(listOf(1L), bobRoom.loadOlder(2, 10u).map { it.seq })
    }

    @Test
    fun `offline writes queue and are delivered once when the server is back`(): Unit = runBlocking {
        val server = server()
        val (alice, _) = member(server, "alice")
        val (bob, b) = member(server, "bob")
        val heard = Recorder()
        alice.subscribe(heard).closeAfter()
        val reviewId = alice.createReview(snap("Best 붕어빵 in Mangwon."))
        val room = alice.createDirectRoom(b.id)
        alice.sync()
        assertEquals(listOf(), alice.outbox().items())

        val search = alice.search().closeAfter()
        assertEquals(listOf(reviewId to MatchKind.EXACT), search.local("붕어빵", SearchType.REVIEWS).map { it.id to it.matched })

        // Offline: the server is gone. Writes still answer at once.
        server.stop()
        val outcome = search.query("ㅂㅇㅃ", SearchType.ALL, null)
        assertTrue(outcome.offline)
        assertEquals(reviewId to MatchKind.INITIALS, outcome.hits[0].id to outcome.hits[0].matched)
        val commentId = alice.comment(reviewId, "Update: they moved two doors down.", null)
        val messageId = alice.room(room).send("sent while offline", listOf(), null)
        alice.setLike(LikeTarget.REVIEW, reviewId, true)
        alice.setScrap(reviewId, true)
        assertThrows<MoaException.Network> { alice.sync() }
        val status = eventually("alice's status to show offline with pending changes") {
            alice.status().takeIf { !it.online && it.pending >= 4u }
        }
        assertEquals(4u, status.pending)
        assertTrue(status.error != null)
        heard.waitFor("an offline status event") { it is Event.Status && !it.v1.online }

        val outbox = alice.outbox().closeAfter()
        val items = outbox.items()
        assertEquals(listOf("comment.create", "chat.send", "like.set", "scrap.set"), items.map { it.action })
        assertTrue(items.all { it.state == OutboxState.QUEUED })
        assertEquals(commentId to messageId, items[0].targetId to items[1].targetId)
        // The scrap is discarded again; the like waits for a retry now.
        outbox.discard(items[3].id)
        outbox.retry(items[2].id)
        assertEquals(listOf("comment.create", "chat.send", "like.set"), outbox.items().map { it.action })
        val shown = alice.review(reviewId)
        assertEquals(listOf(commentId), shown.comments.map { it.id })
        assertTrue(shown.review.likedByMe && !shown.review.scrappedByMe)

        // Back online, on the same port and data: delivered.
        server.start()
        eventually("alice's sync to succeed again") { alice.sync(); true }
        eventually("alice's outbox to empty") { outbox.items().isEmpty().takeIf { it } }
        heard.waitFor("an online status event") { it is Event.Status && it.v1.online }
        eventually("alice's offline writes at bob") {
            bob.sync()
            val d = bob.review(reviewId)
            val messages = if (bob.rooms().isNotEmpty()) bob.room(room).messages(null, 50u) else listOf()
            true.takeIf { d.comments.isNotEmpty() && d.review.likeCount == 1L && messages.isNotEmpty() }
        }
        // Once: syncing again (both sides) changes nothing.
        alice.sync()
        bob.sync()
        val detail = bob.review(reviewId)
        assertEquals(listOf("Update: they moved two doors down."), detail.comments.map { it.body })
        assertEquals(1L to 1L, detail.review.likeCount to detail.review.commentCount)
        assertEquals(0L, detail.review.scrapCount, "the discarded scrap never left")
        assertEquals(listOf(messageId to "sent while offline"), bob.room(room).messages(null, 50u).map { it.id to it.body })
        assertEquals(0u, alice.status().pending)
    }

    @Test
    fun `objects and listeners are released`() {
        val before = liveHandles()
        val listenerRefs = mutableListOf<WeakReference<Recorder>>()
        val server = server()
        runBlocking {
            val alice = MoaClient.open(tempDir().toString(), server.url)
            val bob = MoaClient.open(tempDir().toString(), server.url)
            val t = tag()
            alice.signUp("alice-$t@moa.example", PASSWORD, "alice_$t", "Alice")
            val b = bob.signUp("bob-$t@moa.example", PASSWORD, "bob_$t", "Bob")
            val aliceHears = Recorder()
            val bobHears = Recorder()
            listenerRefs += WeakReference(aliceHears)
            listenerRefs += WeakReference(bobHears)
            val kept = alice.subscribe(aliceHears)
            val dropped = bob.subscribe(bobHears)
            val extra = alice.subscribe(Recorder()) // a second listener on one client
            assertEquals(before + 2 + 3 * 2, liveHandles(), "clients, subscriptions and listeners")

            val room = alice.createDirectRoom(b.id)
            val chat = alice.room(room)
            val outbox = alice.outbox()
            val media = alice.media()
            val search = alice.search()
            assertEquals(before + 2 + 3 * 2 + 4, liveHandles(), "and the handle objects")
            val sent = chat.send("ping", listOf(), null)
            assertTrue(outbox.items().all { it.action.startsWith("chat.") })
            assertThrows<MoaException.Invalid> { media.file("not-a-media-id", false) }
            assertEquals(listOf(), search.recent())
            listOf(chat, outbox, media, search).forEach { it.close() }
            assertEquals(before + 2 + 3 * 2, liveHandles(), "handle objects closed")
            alice.sync()
            bobHears.waitFor("the message at bob") { it is Event.Message && it.v1.id == sent }

            // Cancelled, cancelled twice, closed without a cancel, cancelled
            // then closed; the clients closed after signing out.
            kept.cancel()
            kept.cancel()
            dropped.close()
            extra.cancel()
            extra.close()
            kept.close()
            alice.signOut()
            alice.close()
            bob.close()
        }
        assertEquals(before, BindingsTest.settle(before), "every handle released")
        // The Kotlin listeners are no longer held by the library.
        val deadline = System.currentTimeMillis() + 10_000
        while (listenerRefs.any { it.get() != null } && System.currentTimeMillis() < deadline) {
            System.gc()
            Thread.sleep(50)
        }
        assertTrue(listenerRefs.all { it.get() == null }, "the listeners are collectable")
    }
}

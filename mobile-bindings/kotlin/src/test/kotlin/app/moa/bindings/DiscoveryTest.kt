// Discovery through the Kotlin bindings, the flow of the Python suite's
// test_discovery.py in brief: views that count (`noteView`, batched through
// the outbox), the "for you" tab, and the "similar" rows for reviews and
// products, kept for offline.
package app.moa.bindings

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class DiscoveryTest : BindingsTest() {

    @Test
    fun `views count, for you leaves out own and read reviews, similar rows work offline`(): Unit = runBlocking {
        // Recorded views are folded into the counters every second.
        val server = Server(tempDir("moa-server-"), listOf("--views-flush-secs", "1")).start().closeAfter()
        val (alice, _) = member(server, "alice")
        val (bob, _) = member(server, "bob")

        val tumbler = alice.createReview(snap("스테인리스 텀블러는 보온이 정말 좋아요"))
        val tumblerToo = alice.createReview(snap("이 스테인리스 텀블러가 최고예요 보온 잘 됨"))
        val latte = alice.createReview(snap("성수동 라떼 맛집 추천합니다"))
        val mine = bob.createReview(snap("을지로 노가리 골목 후기"))
        alice.sync()
        bob.sync()
        eventually("alice's reviews in bob's latest feed") {
            bob.sync()
            bob.feed(FeedTab.LATEST).map { it.id }.takeIf { it.containsAll(listOf(tumbler, tumblerToo, latte, mine)) }
        }

        // A glance is not a view; a read of viewDwellMs() or more is, all in one batch.
        assertEquals(3_000uL, viewDwellMs())
        assertFalse(bob.noteView(tumbler, 1_200uL))
        assertTrue(bob.noteView(tumbler, viewDwellMs()))
        assertFalse(bob.noteView(tumbler, 9_000uL), "already in the waiting batch")
        assertTrue(bob.noteView(tumblerToo, 4_500uL))
        assertEquals(listOf("views.record"), bob.outbox().items().map { it.action })
        assertThrows<MoaException.Invalid> { bob.noteView("not-a-review", 5_000uL) }
        bob.sync()
        assertEquals(listOf(), bob.outbox().items())
        eventually("bob's view counted on alice's review") {
            alice.sync()
            alice.review(tumbler).review.takeIf { it.viewCount == 1L }
        }

        // For you: never one's own reviews, nor (for bob) the ones he read.
        val aliceForYou = alice.feed(FeedTab.FOR_YOU).map { it.id }
        assertTrue(aliceForYou.none { it in listOf(tumbler, tumblerToo, latte) })
        val bobForYou = eventually("bob's for-you tab without what he read") {
            bob.sync()
            bob.feed(FeedTab.FOR_YOU).map { it.id }.takeIf { latte in it && tumbler !in it && tumblerToo !in it }
        }
        assertFalse(mine in bobForYou)
        assertFalse(mine in bob.feedMore(FeedTab.FOR_YOU, null).reviews.map { it.id })

        // Similar reviews (particles attached to the nouns) and products.
        val similar = bob.similarReviews(tumbler).map { it.id }
        assertEquals(tumblerToo, similar.first())
        assertFalse(tumbler in similar || latte in similar)
        val flask = alice.addProduct(CreateProductRequest(name = "스테인리스 텀블러 500ml", priceKrw = 25_000)).product
        val small = alice.addProduct(CreateProductRequest(name = "스테인리스 텀블러 350ml", priceKrw = 21_000)).product
        val beans = alice.addProduct(CreateProductRequest(name = "성수동 원두 1kg", priceKrw = 30_000)).product
        val products = bob.similarProducts(flask.id).map { it.id }
        assertTrue(small.id in products)
        assertFalse(flask.id in products || beans.id in products)

        // Offline: the rows as last fetched; views still queue.
        server.stop()
        assertEquals(similar, bob.similarReviews(tumbler).map { it.id })
        assertEquals(products, bob.similarProducts(flask.id).map { it.id })
        assertThrows<MoaException.Network> { bob.similarReviews(latte) }
        assertTrue(bob.noteView(latte, 5_000uL))
    }
}

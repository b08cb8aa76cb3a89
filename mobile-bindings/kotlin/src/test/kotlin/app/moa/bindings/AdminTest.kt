// Moderation and the back office through `MoaClient.admin()` on the JVM
// (the Python suite's test_admin.py goes further): a report reaches the
// queue; a member is refused with `Other`, a moderator works the queue but
// is refused admin calls; the admin's audit log, communities members pick
// at sign-up, and points granted.
package app.moa.bindings

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class AdminTest : BindingsTest() {

    @Test
    fun `a report is worked by a moderator, members are refused, the admin sees it in the audit log`(): Unit = runBlocking {
        val server = adminServer()
        val admin = open(server)
        admin.signIn(Server.ADMIN_EMAIL, PASSWORD)
        val (alice, _) = member(server, "alice")
        val (bob, b) = member(server, "bob")
        val (carol, c) = member(server, "carol")

        val reviewId = alice.createReview(snap("광고 아님, 진짜 맛집!"))
        alice.sync()
        eventually("the review at bob") { bob.sync(); runCatching { bob.review(reviewId) }.getOrNull() }
        bob.report(ReportTarget.REVIEW, reviewId, ReportReason.SPAM, "looks like an ad")
        bob.sync()
        eventually("bob's report sent") { bob.outbox().items().isEmpty().takeIf { it } }

        // A member is refused the queue.
        assertThrows<MoaException.Other> { bob.admin().reportQueue(ReportState.OPEN, null, null) }

        // The admin makes Carol a moderator.
        val found = admin.admin().users(c.handle, null).items.single()
        assertEquals(c.id, found.id)
        assertEquals(Role.MODERATOR, admin.admin().setRole(c.id, Role.MODERATOR).role)
        // Her next sign-in carries the role.
        carol.signOut()
        carol.signIn(c.email, PASSWORD)

        val moderation = carol.admin().closeAfter()
        val queue = moderation.reportQueue(ReportState.OPEN, ReportTarget.REVIEW, null)
        val group = queue.items.single { it.targetId == reviewId }
        assertEquals(1L, group.reportCount)
        assertEquals(b.id, group.reports.single().reporterId)
        assertTrue(group.content!!.contains("진짜 맛집"), "the review inline, as JSON text")
        val result = moderation.moderate(ModerationRequest(ReportTarget.REVIEW, reviewId, ModerationAction.HIDE, "spam"))
        assertEquals(ModerationAction.HIDE to 1L, result.action to result.resolvedReports)
        assertEquals(listOf(), moderation.reportQueue(ReportState.OPEN, ReportTarget.REVIEW, null).items)
        // A moderator is not an admin.
        assertThrows<MoaException.Other> { moderation.reportStats(7u) }

        val backOffice = admin.admin().closeAfter()
        val log = backOffice.auditLog(null).items
        assertTrue(log.any { it.targetId == reviewId && it.actorId == c.id }, "the hide in the audit log: $log")
        assertTrue(backOffice.reportStats(7u).let { true })

        // Points granted to a member (a negative grant is refused).
        val entry = backOffice.grantPoints(b.id, 5_000, "welcome")
        assertEquals(PointKind.BONUS to 5_000L, entry.kind to entry.amount)
        assertThrows<MoaException.Invalid> { backOffice.grantPoints(b.id, -5, "no") }
        assertThrows<MoaException.Other> { bob.admin().grantPoints(b.id, 5_000, "myself") }
    }

    @Test
    fun `an admin makes a community that a new member picks at sign-up`(): Unit = runBlocking {
        val server = adminServer()
        val admin = open(server)
        admin.signIn(Server.ADMIN_EMAIL, PASSWORD)
        val t = tag()
        val community = admin.admin().createCommunity(CreateCommunityRequest("모아대학교 $t", CommunityKind.UNIVERSITY))
        assertEquals(CommunityKind.UNIVERSITY, community.kind)

        val client = open(server)
        val shop = client.shop().closeAfter()
        val picked = shop.communities("모아대학교 $t").single()
        assertEquals(community.id, picked.id)
        val me = client.signUpIn("new-$t@moa.example", PASSWORD, "new_$t", "New", picked.id)
        assertEquals(community.id, me.communityId)
        assertEquals("모아대 $t", admin.admin().renameCommunity(community.id, "모아대 $t").name)
        assertThrows<MoaException.Other> { client.admin().createCommunity(CreateCommunityRequest("x $t", CommunityKind.COMPANY)) }
    }
}

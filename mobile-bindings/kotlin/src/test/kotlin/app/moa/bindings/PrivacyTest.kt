// The member's own data through the Kotlin bindings, the flow of the Python
// suite's test_privacy.py: "download my data" with its progress told to a
// listener, then deleting the account (what is kept, a wrong password
// refused, the device signed out and its copy of the account gone).
package app.moa.bindings

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.util.Collections
import java.util.zip.ZipFile
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class PrivacyTest : BindingsTest() {

    class Progress : DataExportListener {
        val seen: MutableList<DataExportProgress> = Collections.synchronizedList(mutableListOf())
        override fun onProgress(progress: DataExportProgress) {
            seen.add(progress)
        }
    }

    @Test
    fun `download my data with progress, then delete the account`(): Unit = runBlocking {
        val server = server()
        val dir = tempDir("moa-client-")
        val client = MoaClient.open(dir.toString(), server.url).closeAfter()
        val me = client.signUp("yuna-${tag()}@moa.example", PASSWORD, "yuna_${tag()}", "Yuna")
        client.createReview(snap("내 데이터에 들어갈 스냅"))
        client.sync()

        val progress = Progress()
        val saved = client.exportMyData(tempDir("moa-downloads-").toString(), progress)
        assertTrue(progress.seen.first() is DataExportProgress.Building)
        val last = progress.seen.last() as DataExportProgress.Downloading
        assertEquals(saved.bytes, last.received)
        assertEquals(saved.bytes, File(saved.path).length().toULong())
        ZipFile(saved.path).use { zip ->
            val reviews = zip.getInputStream(zip.getEntry("reviews.json")).readBytes().decodeToString()
            assertTrue("내 데이터에 들어갈 스냅" in reviews)
        }
        assertEquals(ExportState.READY, client.dataExports().first().state)

        val policy = client.deletionPolicy()
        assertEquals(30u, policy.eraseAfterDays)
        assertEquals(5u, policy.keepRecordsYears)
        assertThrows<MoaException.Invalid> { client.deleteAccount("not-my-password") }
        client.deleteAccount(PASSWORD)
        assertThrows<MoaException> { client.me() }
        assertFalse(File(dir.toFile(), "accounts/${me.id}.sqlite").exists())
    }
}
